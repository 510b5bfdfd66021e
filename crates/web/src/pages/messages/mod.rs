//! Staff pages for messaging: every template previewed with demo data in every language and format,
//! the editor for practice wording (checked before it is saved, with plain-language advice), and the
//! letters to print in batches; the outbox monitor; a patient's messages; and the demo's mail catcher (`/staff/dev/mail`).

mod dev_mail;
mod history;
mod letters;
mod outbox;
mod templates;

use crate::AppState;
use crate::errors::see_other;
use axum::Router;
use axum::routing::{get, post};
use jiff::Timestamp;
use jiff::tz::TimeZone;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff/messages", get(|| async { see_other("/staff/messages/templates") }))
        .route("/staff/messages/templates", get(templates::list))
        .route("/staff/messages/templates/{kind}/{channel}/{variant}/{language}", get(templates::preview))
        .route("/staff/messages/templates/{kind}/{channel}/{variant}/{language}/html", get(templates::html))
        .route("/staff/messages/templates/{kind}/{channel}/{variant}/{language}/html.css", get(templates::html_css))
        .route(
            "/staff/messages/templates/{kind}/{channel}/{variant}/{language}/{part}/edit",
            get(templates::edit_form).post(templates::save),
        )
        .route(
            "/staff/messages/templates/{kind}/{channel}/{variant}/{language}/{part}/restore",
            post(templates::restore),
        )
        .route("/staff/messages/letters", get(letters::list))
        .route("/staff/messages/letters/print", get(letters::print))
        .route("/staff/messages/letters/printed", post(letters::mark_printed))
        .route("/staff/messages/outbox", get(outbox::list))
        .route("/staff/patients/{id}/messages", get(history::page))
        .route("/staff/messages/outbox/{id}/retry", post(outbox::retry))
        .route("/staff/messages/outbox/{id}/done", get(outbox::done_form).post(outbox::done))
        .route("/staff/dev/mail", get(dev_mail::list))
}

/// An instant as `3 March 2026 at 09:10`, UK time (staff pages).
fn when(t: Timestamp) -> String {
    let tz = TimeZone::get("Europe/London").unwrap_or(TimeZone::UTC);
    t.to_zoned(tz).strftime("%-d %B %Y at %H:%M").to_string()
}

/// The inside of a rendered message document (`domain::messaging` HTML: every piece of text in it is
/// already escaped, and its only tags are its own `h1`, `p`, `br` and `https` links), for showing inside a
/// staff page: the message's `h1` becomes a heading of the given level so the page keeps one `h1`.
fn document_body(document: &str, heading: u8) -> String {
    let start = document.find("<body>").map(|i| i + "<body>".len()).unwrap_or(0);
    let end = document.rfind("</body>").unwrap_or(document.len());
    document[start..end]
        .trim()
        .replace("<h1>", &format!("<h{heading} class=\"app-message__title\">"))
        .replace("</h1>", &format!("</h{heading}>"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::messaging::{Channel, Kind, Language, Variant, demo, render};

    #[test]
    fn the_body_of_a_message_fits_in_a_page() {
        let mut data = demo::data(Kind::Reminder);
        data.preferred_name = "<script>alert(1)</script>".into();
        let r = render(Kind::Reminder, Channel::Email, Language::En, Variant::Standard, &data).unwrap();
        let body = document_body(r.html.as_deref().unwrap(), 3);
        assert!(body.starts_with("<h3 class=\"app-message__title\">"), "{body}");
        assert!(!body.contains("<h1") && !body.contains("<script") && body.contains("&lt;script&gt;"));
        assert!(!body.contains("<style") && !body.contains("<body"));
    }
}
