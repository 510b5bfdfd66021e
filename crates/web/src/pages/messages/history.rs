//! A patient's communications history for staff: every message sent to them, and copies sent to their
//! carers, newest first: what it was, how and where it went, in which language and format, what became of
//! it, and its text. With the patient banner, like every page about one patient.

use super::when;
use crate::AppState;
use crate::auth::Staff;
use crate::pages::patients::{Banner, break_glass_reason, view_error};
use crate::pages::{Shell, ok};
use app::messaging::compose::kind_of;
use app::messaging::monitor::PatientMessage;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use domain::messaging::{Language, Variant};
use jiff::Timestamp;
use uuid::Uuid;

pub struct MessageView {
    when: String,
    kind: &'static str,
    to: String,
    copy: bool,
    channel: &'static str,
    address: String,
    language: &'static str,
    fell_back: bool,
    lang: &'static str,
    dir: &'static str,
    format: &'static str,
    status: &'static str,
    tag: &'static str,
    error: Option<String>,
    subject: Option<String>,
    text: String,
}

fn status_label(status: &str) -> (&'static str, &'static str) {
    match status {
        "sending" => ("Sending", "app-tag--blue"),
        "sent" => ("Sent", "app-tag--green"),
        "delivered" => ("Delivered", "app-tag--green"),
        "not_delivered" => ("Not delivered", "app-tag--red"),
        "failed" => ("Failed", "app-tag--red"),
        "to_print" => ("Waiting to be printed", "app-tag--purple"),
        "printed" => ("Printed", "app-tag--green"),
        _ => ("Unknown", "app-tag--grey"),
    }
}

fn view(m: &PatientMessage) -> MessageView {
    let language = Language::parse(&m.language).unwrap_or(Language::En);
    let (status, tag) = status_label(&m.status);
    MessageView {
        when: m.created_at.parse::<Timestamp>().map(when).unwrap_or_default(),
        kind: kind_of(&m.kind).map_or("Message", |k| k.label()),
        to: m.recipient_name.clone(),
        copy: m.recipient != "patient",
        channel: match m.channel.as_str() {
            "sms" => "Text message",
            "email" => "Email",
            "letter" => "Letter",
            _ => "Other",
        },
        address: m.address.clone(),
        language: language.label(),
        fell_back: m.fell_back_to_english,
        lang: language.as_str(),
        dir: language.dir(),
        format: Variant::parse(&m.variant).map_or("Standard", |v| v.label()),
        status,
        tag,
        error: m.error.clone().filter(|e| !e.trim().is_empty()),
        subject: m.subject.clone(),
        text: m.body_text.clone(),
    }
}

#[derive(Template)]
#[template(path = "staff/messages/history.html")]
struct HistoryPage {
    shell: Shell,
    banner: Banner,
    id: Uuid,
    messages: Vec<MessageView>,
}

pub async fn page(State(state): State<AppState>, staff: Staff, Path(id): Path<Uuid>) -> Response {
    let glass = break_glass_reason(&staff, id).await;
    match state.app.patient_message_history(&staff.ctx, id, glass.as_deref()).await {
        Ok((record, messages)) => ok(&HistoryPage {
            shell: Shell::staff("Messages sent", &staff),
            banner: Banner::of(&record),
            id: record.row.id,
            messages: messages.iter().map(view).collect(),
        }),
        Err(e) => view_error(&staff, id, e),
    }
}
