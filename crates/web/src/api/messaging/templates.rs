//! Template previews over JSON: any message, in any channel, format and language, filled in with the
//! demo data (a patient called Sam) and the practice's own wording where it has some, as a patient would
//! get it: subject, text, HTML, the size of a text message, and plain-English advice for English.

use crate::AppState;
use crate::auth::ApiCaller;
use crate::errors::ApiError;
use app::messaging::templates::part_code;
use axum::Json;
use axum::extract::{Path, State};
use domain::messaging::{Advice, Channel, Kind, Language, SmsEncoding, Variant};
use domain::validation::Errors;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

type Problem = crate::errors::Problem;

pub fn routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(preview))
}

/// How big a text message is.
#[derive(Debug, Serialize, ToSchema)]
pub struct SmsSize {
    /// `gsm7` or `ucs2`.
    pub encoding: String,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2).
    pub units: usize,
    pub segments: usize,
    /// Characters replaced by a plain GSM equivalent (curly quotes and the like).
    pub replaced: usize,
}

/// One message filled in with the demo data.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplatePreviewJson {
    pub kind: String,
    pub channel: String,
    pub variant: String,
    /// The language asked for.
    pub language: String,
    /// The language used: English when there is no version in the one asked for.
    pub language_used: String,
    pub fell_back_to_english: bool,
    /// `rtl` for Urdu, otherwise `ltr`.
    pub dir: String,
    /// Email subject or letter heading; none for a text message.
    pub subject: Option<String>,
    /// The text message, or the plain-text part of an email or letter.
    pub text: String,
    /// The HTML document of an email or letter.
    pub html: Option<String>,
    pub sms: Option<SmsSize>,
    /// Plain-English advice (English only): jargon, reading age, long sentences.
    pub advice: Vec<String>,
    /// Parts (`subject`, `body`) that use the practice's wording rather than the shipped one.
    pub practice_wording: Vec<String>,
}

/// A message as a patient would get it, with made-up details for a patient called Sam.
#[utoipa::path(get, path = "/api/v1/message-templates/{kind}/{channel}/{variant}/{language}", tag = "messaging",
    params(
        ("kind" = String, Path, description = "booking_confirmation, reminder, reschedule, cancellation_by_practice, cancellation_by_patient, waiting_list_offer, running_late, missed_appointment, post_visit or referral_received"),
        ("channel" = String, Path, description = "email, sms or letter"),
        ("variant" = String, Path, description = "standard, easy_read or large_print (large print: email and letters)"),
        ("language" = String, Path, description = "en, cy, pl, ro or ur")),
    responses(
        (status = 200, body = TemplatePreviewJson),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn preview(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((kind, channel, variant, language)): Path<(String, String, String, String)>,
) -> Result<Json<TemplatePreviewJson>, ApiError> {
    let mut e = Errors::new();
    let kind = Kind::parse(&kind).map_err(|m| e.add("kind", m)).ok();
    let channel = Channel::parse(&channel).map_err(|m| e.add("channel", m)).ok();
    let variant = Variant::parse(&variant).map_err(|m| e.add("variant", m)).ok();
    let language = Language::parse(&language).map_err(|m| e.add("language", m)).ok();
    if let (Some(c), Some(v)) = (channel, variant)
        && !v.allowed_on(c)
    {
        e.add("variant", format!("{} is not offered for {}", v.label(), c.label()));
    }
    e.finish().map_err(|inv| caller.fail(inv.into()))?;
    let (Some(kind), Some(channel), Some(variant), Some(language)) = (kind, channel, variant, language) else {
        // Not reached: a part that did not parse was named in `e` above.
        return Err(caller.fail(app::AppError::invalid("kind", "Name a message, channel, format and language")));
    };
    let p =
        state.app.template_preview(&caller.ctx, kind, channel, language, variant).await.map_err(|e| caller.fail(e))?;
    let r = p.rendered;
    Ok(Json(TemplatePreviewJson {
        kind: kind.as_str().into(),
        channel: channel.as_str().into(),
        variant: variant.as_str().into(),
        language: language.as_str().into(),
        language_used: r.language.as_str().into(),
        fell_back_to_english: r.fell_back_to_english,
        dir: r.language.dir().into(),
        subject: r.subject,
        text: r.text,
        html: r.html,
        sms: r.sms.map(|s| SmsSize {
            encoding: match s.encoding {
                SmsEncoding::Gsm7 => "gsm7",
                SmsEncoding::Ucs2 => "ucs2",
            }
            .into(),
            units: s.units,
            segments: s.segments,
            replaced: s.replaced,
        }),
        advice: p.advice.iter().map(Advice::message).collect(),
        practice_wording: p.edited_parts.into_iter().map(|part| part_code(part).to_owned()).collect(),
    }))
}
