//! The demo's mail catcher: with no SMTP server set up, `carefront demo` keeps the email it would have
//! sent in memory ([`app::messaging::email::Mailer::Catcher`]), and this page shows it, newest first, so
//! the links in it (confirm, cancel, answer an offer) can be followed. Anywhere else the page does not
//! exist (404), even for staff.
//!
//! The mail is shown from its raw form, as it would have gone over SMTP: the plain-text part escaped,
//! with its web addresses made into links; the HTML part only inside a sandboxed frame (`srcdoc`, no
//! scripts, no same origin), never as markup of this page.

use super::when;
use crate::AppState;
use crate::auth::Staff;
use crate::errors::{PageError, error_page};
use crate::pages::{Shell, render};
use app::AppError;
use app::governance::access::Access;
use app::messaging::email::CaughtMail;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::governance::{Action, Purpose};
use domain::messaging::{Language, escape_html};
use mail_parser::{MessageParser, MimeHeaders, PartType};

/// One caught mail, ready for the page.
pub struct MailView {
    /// For the ids of the mail's heading and parts.
    n: usize,
    to: String,
    subject: String,
    at: String,
    language: &'static str,
    lang: &'static str,
    dir: &'static str,
    /// The plain-text part, escaped, with `http(s)://` addresses as links.
    text: String,
    /// The HTML part as a whole document, for the sandboxed frame's `srcdoc` (escaped by the template
    /// as an attribute value like any other), with its `<style>` left out (the page's content security
    /// policy, which the frame inherits, would refuse it anyway).
    html: Option<String>,
    attachments: Vec<String>,
}

#[derive(Template)]
#[template(path = "staff/messages/dev_mail.html")]
struct DevMailPage {
    shell: Shell,
    mail: Vec<MailView>,
}

/// Whether this server keeps mail in the catcher: email works (so the sender is valid) and there is no
/// SMTP server (`Mailer::new` chooses the catcher exactly then).
pub(super) fn catcher_on(state: &AppState) -> bool {
    state.app.email_available() && state.app.config().messaging.email.smtp_url.is_none()
}

pub async fn list(State(state): State<AppState>, staff: Staff) -> Response {
    if !catcher_on(&state) {
        return error_page(
            StatusCode::NOT_FOUND,
            "Page not found",
            "If you typed the web address, check it is correct.",
            staff.op(),
        );
    }
    // The mail is about patients: only the roles that see the outbox may read it, and reading it is
    // audited like reading the outbox.
    let access = Access::general(Action::ViewOutbox, Purpose::Administration, "caught_mail");
    let caught = match read(&state, &staff, access).await {
        Ok(c) => c,
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    let mail = caught.iter().enumerate().map(|(i, m)| view(i + 1, m)).collect();
    render(&DevMailPage { shell: Shell::staff("Mail caught by the demo", &staff), mail }, StatusCode::OK)
}

async fn read(state: &AppState, staff: &Staff, access: Access<'_>) -> Result<Vec<CaughtMail>, AppError> {
    let grant = state.app.authorize(&staff.ctx, access).await?;
    let caught = state.app.caught_mail();
    let mut tx = state.app.db().begin().await?;
    grant.named("view_caught_mail").with_reason(format!("{} caught emails", caught.len())).record(&mut tx).await?;
    tx.commit().await?;
    Ok(caught)
}

fn view(n: usize, m: &CaughtMail) -> MailView {
    let parsed = MessageParser::default().parse(m.raw.as_bytes());
    let language = parsed
        .as_ref()
        .and_then(|p| {
            let v = p.content_language();
            v.as_text().map(str::to_owned).or_else(|| v.as_text_list().and_then(|l| l.first()).map(|s| s.to_string()))
        })
        .and_then(|tag| Language::from_preference(&tag))
        .unwrap_or(Language::En);
    let part_text = |html: bool| {
        let p = parsed.as_ref()?;
        let part = if html { p.html_part(0)? } else { p.text_part(0)? };
        match (&part.body, html) {
            (PartType::Html(s), true) | (PartType::Text(s), false) => Some(s.to_string()),
            _ => None,
        }
    };
    let text = part_text(false).unwrap_or_else(|| "(This email has no plain-text part.)".into());
    let attachments = parsed
        .as_ref()
        .map(|p| {
            p.attachments()
                .map(|a| {
                    let name = a.attachment_name().unwrap_or("attachment");
                    match a.content_type() {
                        Some(ct) => format!("{name} ({}/{})", ct.ctype(), ct.subtype().unwrap_or("*")),
                        None => name.to_owned(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    MailView {
        n,
        to: m.to.clone(),
        subject: m.subject.clone(),
        at: when(m.at),
        language: crate::pages::patients::language_label(language.as_str()).unwrap_or("English"),
        lang: language.as_str(),
        dir: language.dir(),
        text: linkify(text.trim_end()),
        html: part_text(true).map(|h| without_style(&h)),
        attachments,
    }
}

/// The document without its `<style>` element(s).
fn without_style(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(a) = rest.find("<style") {
        out.push_str(&rest[..a]);
        match rest[a..].find("</style>") {
            Some(b) => rest = &rest[a + b + "</style>".len()..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// Plain text as HTML: everything escaped, then each `http://` or `https://` address a link. An address
/// ends at white space or a character that cannot be in one unescaped (`<>"'`); a full stop, comma or
/// closing bracket after it belongs to the sentence. The link's address is the same escaped text, so it
/// cannot leave its attribute, and no other scheme (`javascript:`) is ever made a link.
pub fn linkify(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut rest = text;
    loop {
        let next = [rest.find("https://"), rest.find("http://")].into_iter().flatten().min();
        let Some(at) = next else { break };
        out.push_str(&escape_html(&rest[..at]));
        let tail = &rest[at..];
        let end = tail.find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'')).unwrap_or(tail.len());
        let mut url = &tail[..end];
        while let Some(stripped) = url.strip_suffix(['.', ',', ')', ';', ':', '!', '?']) {
            url = stripped;
        }
        let scheme = if url.starts_with("https://") { "https://".len() } else { "http://".len() };
        if url.len() > scheme {
            let u = escape_html(url);
            out.push_str(&format!("<a href=\"{u}\">{u}</a>"));
        } else {
            out.push_str(&escape_html(url));
        }
        rest = &tail[url.len()..];
    }
    out.push_str(&escape_html(rest));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_become_links_and_everything_else_is_escaped() {
        assert_eq!(
            linkify("Cancel: http://127.0.0.1:8080/l/AbC_1-x. Thanks"),
            "Cancel: <a href=\"http://127.0.0.1:8080/l/AbC_1-x\">http://127.0.0.1:8080/l/AbC_1-x</a>. Thanks"
        );
        assert_eq!(
            linkify("<b>&</b> https://ex.example/a?b=1&c=2\n(https://ex.example/b)"),
            "&lt;b&gt;&amp;&lt;/b&gt; <a href=\"https://ex.example/a?b=1&amp;c=2\">https://ex.example/a?b=1&amp;c=2</a>\n\
             (<a href=\"https://ex.example/b\">https://ex.example/b</a>)"
        );
        // An address cannot carry markup or leave its attribute.
        assert_eq!(
            linkify("https://x.example/\"><script>alert(1)</script>"),
            "<a href=\"https://x.example/\">https://x.example/</a>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(linkify("javascript:alert(1) http:// https://"), "javascript:alert(1) http:// https://");
        assert_eq!(linkify("ftp://x.example"), "ftp://x.example");
        assert_eq!(linkify("no links"), "no links");
    }

    #[test]
    fn the_style_is_left_out_of_the_document() {
        assert_eq!(without_style("<head><style>a{}</style></head><p>x</p>"), "<head></head><p>x</p>");
        assert_eq!(without_style("<p>no style</p>"), "<p>no style</p>");
        assert_eq!(without_style("<style>never closed"), "");
    }
}
