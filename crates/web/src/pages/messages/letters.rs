//! Letters to print: the batch waiting (every letter the outbox worker rendered for the post), a print
//! view of that batch (A4, one letter per page, large print at 20pt in a sans-serif face, each letter
//! in its own language and direction), and "mark this batch printed".
//!
//! A batch is the letters listed when the page was opened: their ids travel with the print view's
//! address and the form, so a letter that arrives meanwhile is not marked printed unseen.

use super::{document_body, when};
use crate::AppState;
use crate::auth::{CsrfForm, Staff};
use crate::errors::{PageError, see_other};
use crate::pages::{Shell, ok, render, set_flash, take_flash};
use app::AppError;
use app::messaging::templates::LetterToPrint;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::FieldError;
use domain::messaging::{Language, Variant, escape_html};
use serde::Deserialize;
use uuid::Uuid;

pub struct LetterView {
    id: Uuid,
    recipient: String,
    address_lines: Vec<String>,
    kind: &'static str,
    language: &'static str,
    lang: &'static str,
    dir: &'static str,
    format: &'static str,
    format_class: &'static str,
    large_print: bool,
    queued: String,
    /// The letter's own markup (escaped by the renderer), or its plain text escaped here.
    body: String,
}

fn view(l: &LetterToPrint) -> LetterView {
    let body = match &l.html {
        Some(doc) => document_body(doc, 2),
        None => {
            let heading =
                l.subject.as_deref().map(|s| format!("<h2 class=\"app-message__title\">{}</h2>", escape_html(s)));
            let paragraphs: Vec<String> = l
                .text
                .split("\n\n")
                .filter(|p| !p.trim().is_empty())
                .map(|p| format!("<p>{}</p>", escape_html(p.trim()).replace('\n', "<br>\n")))
                .collect();
            format!("{}{}", heading.unwrap_or_default(), paragraphs.join("\n"))
        }
    };
    LetterView {
        id: l.id,
        recipient: l.recipient_name.clone(),
        address_lines: l.address.lines().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect(),
        kind: l.kind.map(|k| k.label()).unwrap_or("Message"),
        language: l.language.label(),
        lang: l.language.as_str(),
        dir: l.language.dir(),
        format: l.variant.label(),
        format_class: l.variant.as_str(),
        large_print: l.variant == Variant::LargePrint,
        queued: when(l.queued_at),
        body,
    }
}

fn ids_of(letters: &[LetterView]) -> String {
    letters.iter().map(|l| l.id.to_string()).collect::<Vec<_>>().join(",")
}

fn parse_ids(s: &str) -> Vec<Uuid> {
    s.split(',').filter_map(|id| id.trim().parse().ok()).collect()
}

#[derive(Template)]
#[template(path = "staff/messages/letters.html")]
struct LettersPage {
    shell: Shell,
    csrf: String,
    flash: Option<String>,
    letters: Vec<LetterView>,
    ids: String,
    large_print: usize,
    other_languages: usize,
}

pub async fn list(State(state): State<AppState>, staff: Staff) -> Response {
    letters_page(&state, &staff, Vec::new()).await
}

async fn letters_page(state: &AppState, staff: &Staff, errors: Vec<FieldError>) -> Response {
    let letters: Vec<LetterView> = match state.app.letters_to_print(&staff.ctx).await {
        Ok(l) => l.iter().map(view).collect(),
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(
        &LettersPage {
            shell: Shell::staff("Letters to print", staff).with_errors(errors),
            csrf: staff.csrf.clone(),
            flash: take_flash(staff).await,
            ids: ids_of(&letters),
            large_print: letters.iter().filter(|l| l.large_print).count(),
            other_languages: letters.iter().filter(|l| l.lang != Language::En.as_str()).count(),
            letters,
        },
        status,
    )
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BatchQuery {
    /// The letters of the batch, comma-separated ids; all letters waiting when absent.
    ids: String,
}

#[derive(Template)]
#[template(path = "staff/messages/letters_print.html")]
struct PrintPage {
    shell: Shell,
    csrf: String,
    letters: Vec<LetterView>,
    ids: String,
    missing: usize,
}

/// The print view of one batch: the letters in it that still wait to be printed.
pub async fn print(State(state): State<AppState>, staff: Staff, Query(q): Query<BatchQuery>) -> Response {
    let all = match state.app.letters_to_print(&staff.ctx).await {
        Ok(l) => l,
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    let wanted = parse_ids(&q.ids);
    let letters: Vec<LetterView> =
        all.iter().filter(|l| wanted.is_empty() || wanted.contains(&l.id)).map(view).collect();
    let missing = wanted.len().saturating_sub(letters.len());
    ok(&PrintPage {
        shell: Shell::staff("Print letters", &staff),
        csrf: staff.csrf.clone(),
        ids: ids_of(&letters),
        missing,
        letters,
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PrintedForm {
    ids: String,
    confirm: String,
}

pub async fn mark_printed(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<PrintedForm>,
) -> Response {
    if form.confirm != "yes" {
        let errors = vec![FieldError::new("confirm", "Confirm that every letter in the batch is printed")];
        return letters_page(&state, &staff, errors).await;
    }
    let ids = parse_ids(&form.ids);
    match state.app.mark_letters_printed(&staff.ctx, &ids).await {
        Ok((_, marked)) => {
            let message = match marked {
                0 => "These letters had already been marked printed.".to_owned(),
                1 => "1 letter marked printed.".to_owned(),
                n => format!("{n} letters marked printed."),
            };
            set_flash(&staff, &message).await;
            see_other("/staff/messages/letters")
        }
        Err(AppError::Invalid(inv)) => {
            let errors = inv.0.into_iter().map(|e| FieldError::new("confirm", e.message)).collect();
            letters_page(&state, &staff, errors).await
        }
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}
