//! Rendering a message: the Fluent templates shipped in `crates/domain/messages/`, optionally overridden by
//! practice-edited wording, filled in with one patient's appointment data.
//!
//! The bundles are built here from the same `.ftl` files rather than through `fluent_templates`'
//! `static_loader!`: its lookup falls back to English silently and its error type is private, so a missing
//! translation could not be told apart from a broken one, and the fallback must be reported.

use super::html;
use super::sms::{SmsCount, count_sms};
use super::words::when_in_words;
use super::{Channel, Kind, Language, Variant};
use crate::Invalid;
use crate::scheduling::Mode;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use jiff::civil::DateTime;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::LazyLock;

pub(crate) type Bundle = fluent_bundle::concurrent::FluentBundle<FluentResource>;

const SHIPPED_SOURCES: [(Language, &str); 5] = [
    (Language::En, include_str!("../../messages/en-GB/messages.ftl")),
    (Language::Cy, include_str!("../../messages/cy/messages.ftl")),
    (Language::Pl, include_str!("../../messages/pl/messages.ftl")),
    (Language::Ro, include_str!("../../messages/ro/messages.ftl")),
    (Language::Ur, include_str!("../../messages/ur/messages.ftl")),
];

static SHIPPED: LazyLock<HashMap<Language, Bundle>> =
    LazyLock::new(|| bundles(&SHIPPED_SOURCES).unwrap_or_else(|e| panic!("shipped messages: {e}")));

fn bundles(sources: &[(Language, &str)]) -> Result<HashMap<Language, Bundle>, String> {
    let mut out = HashMap::new();
    for (language, source) in sources {
        let resource = FluentResource::try_new(source.to_string())
            .map_err(|(_, e)| format!("{} does not parse: {e:?}", language.locale()))?;
        let bundle: &mut Bundle = out.entry(*language).or_insert_with(|| new_bundle(*language));
        bundle.add_resource(resource).map_err(|e| format!("{}: {e:?}", language.locale()))?;
    }
    Ok(out)
}

pub(crate) fn new_bundle(language: Language) -> Bundle {
    let locale = language.locale().parse().expect("shipped locales are valid language ids");
    let mut bundle = Bundle::new_concurrent(vec![locale]);
    // Bidi isolation marks would end up in SMS text (forcing UCS-2) and inside links.
    bundle.set_use_isolating(false);
    bundle
}

/// The shipped source of one language's templates (for the template editor).
pub fn shipped_source(language: Language) -> &'static str {
    SHIPPED_SOURCES.iter().find(|(l, _)| *l == language).map(|(_, s)| *s).unwrap_or_default()
}

/// Where the appointment happens, as the patient needs to hear it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Place {
    /// At a site: the address as the patient should read it (site name, street, postcode).
    Surgery {
        address: String,
    },
    HomeVisit,
    Telephone,
    Video {
        link: String,
    },
}

impl Place {
    /// From a service's mode and the site's address or the video link.
    pub fn from_mode(mode: Mode, address: &str, video_link: Option<&str>) -> Result<Place, String> {
        Ok(match mode {
            Mode::FaceToFace => Place::Surgery { address: non_empty(address, "The site has no address")? },
            Mode::HomeVisit => Place::HomeVisit,
            Mode::Telephone => Place::Telephone,
            Mode::Video => Place::Video {
                link: non_empty(video_link.unwrap_or_default(), "A video appointment needs a joining link")?,
            },
        })
    }
}

fn non_empty(s: &str, message: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() { Err(message.to_owned()) } else { Ok(s.to_owned()) }
}

/// How the patient reaches the practice to cancel, change or book: a phone number, a link, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub phone: Option<String>,
    pub link: Option<String>,
}

/// A waiting-list offer: signed single-purpose links and the time the offer ends (site time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub accept: String,
    pub decline: String,
    /// The page with both choices (a text message has room for one link).
    #[serde(default)]
    pub answer: String,
    pub reply_by: DateTime,
}

/// Everything a message may say. Which fields a kind needs is checked when rendering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageData {
    pub practice: String,
    pub preferred_name: String,
    /// The appointment's start in the site's time zone. `None` only for a referral received.
    pub start: Option<DateTime>,
    pub place: Option<Place>,
    /// What to bring, from the service (practice wording, not translated).
    pub bring: Option<String>,
    pub contact: Contact,
    /// The signed link that lets the patient say they will come (reminders; `None` without a public URL).
    #[serde(default)]
    pub confirm: Option<String>,
    pub offer: Option<Offer>,
    pub delay_minutes: Option<u32>,
    /// The service's aftercare text, for a post-visit message.
    pub aftercare: Option<String>,
}

/// One message ready to send or print.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rendered {
    pub kind: Kind,
    pub channel: Channel,
    pub variant: Variant,
    /// The language actually used.
    pub language: Language,
    /// The language asked for had no template for this message, so English was used.
    pub fell_back_to_english: bool,
    /// Email subject, or a letter's heading. `None` for SMS.
    pub subject: Option<String>,
    /// Plain text: the SMS (after GSM replacements), the email's text part, or the letter's text.
    pub text: String,
    /// Email HTML part or printable letter. `None` for SMS.
    pub html: Option<String>,
    /// Encoding and segments, for SMS.
    pub sms: Option<SmsCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("{variant:?} is not offered on {channel:?}")]
    VariantNotAllowed { variant: Variant, channel: Channel },
    #[error("this message needs {field}")]
    MissingData { field: &'static str },
    #[error("template {id} ({language:?}) could not be filled in: {detail}")]
    Template { id: String, language: Language, detail: String },
}

/// Which part of a message a template is for. An SMS has only a body; a letter's subject is its heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Subject,
    Body,
}

/// The Fluent message id for one part, e.g. `reminder-email-body-easy-read`; `None` for an SMS subject.
pub fn message_id(kind: Kind, channel: Channel, variant: Variant, part: Part) -> Option<String> {
    let middle = match (channel, part) {
        (Channel::Sms, Part::Body) => "sms",
        (Channel::Sms, Part::Subject) => return None,
        (Channel::Email, Part::Subject) => "email-subject",
        (Channel::Email, Part::Body) => "email-body",
        (Channel::Letter, Part::Subject) => "letter-heading",
        (Channel::Letter, Part::Body) => "letter-body",
    };
    Some(format!("{}-{middle}{}", kind.slug(), variant.id_suffix()))
}

/// The placeholders a kind's templates may use. Every kind has `$practice` and `$name`.
pub fn variables(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::BookingConfirmation | Kind::Reschedule => &["practice", "name", "when", "where", "bring", "cancel"],
        Kind::Reminder => &["practice", "name", "when", "where", "bring", "confirm", "cancel"],
        Kind::CancellationByPractice | Kind::CancellationByPatient | Kind::MissedAppointment => {
            &["practice", "name", "when", "rebook"]
        }
        Kind::WaitingListOffer => &["practice", "name", "when", "where", "accept", "decline", "answer", "deadline"],
        Kind::RunningLate => &["practice", "name", "when", "minutes"],
        Kind::PostVisit => &["practice", "name", "when", "aftercare", "contact"],
        Kind::ReferralReceived => &["practice", "name", "contact"],
    }
}

/// A text message names the site and its postcode ("Riverside Health Centre, OT12 3AB"); the full address
/// (site, street, town, postcode, as [`Place::Surgery`] holds it) is for email and letters, and would push
/// a text into a third segment.
fn short_address(address: &str) -> String {
    let parts: Vec<&str> = address.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        [first, .., last] if parts.len() > 2 => format!("{first}, {last}"),
        _ => address.trim().to_owned(),
    }
}

/// Render with the shipped templates.
pub fn render(
    kind: Kind,
    channel: Channel,
    language: Language,
    variant: Variant,
    data: &MessageData,
) -> Result<Rendered, RenderError> {
    Renderer::default().render(kind, channel, language, variant, data)
}

/// Shipped templates plus one practice's checked edits, which win for their own language.
#[derive(Default)]
pub struct Renderer {
    /// Replaces the shipped templates when set (tests, or translations loaded from elsewhere).
    base: Option<HashMap<Language, Bundle>>,
    edits: HashMap<Language, Bundle>,
}

impl Renderer {
    /// Templates from other Fluent sources instead of the shipped ones; a language may be left out.
    pub fn from_sources(sources: &[(Language, &str)]) -> Result<Renderer, String> {
        Ok(Renderer { base: Some(bundles(sources)?), edits: HashMap::new() })
    }

    /// Check every edit (as the editor does) and keep them. Field names say which edit was refused.
    pub fn with_edits(edits: &[super::PracticeEdit]) -> Result<Renderer, Invalid> {
        let mut problems = Vec::new();
        let mut renderer = Renderer::default();
        for (i, edit) in edits.iter().enumerate() {
            match super::check_edit(edit) {
                Ok(_) => {
                    let id = message_id(edit.kind, edit.channel, edit.variant, edit.part).expect("checked");
                    let resource = super::edit::resource_for(&id, &edit.text).expect("checked");
                    let bundle = renderer.edits.entry(edit.language).or_insert_with(|| new_bundle(edit.language));
                    bundle.add_resource_overriding(resource);
                }
                Err(Invalid(errors)) => problems.extend(errors.into_iter().map(|mut e| {
                    e.field = format!("edits[{i}].{}", e.field);
                    e
                })),
            }
        }
        if problems.is_empty() { Ok(renderer) } else { Err(Invalid(problems)) }
    }

    pub(crate) fn with_bundle(language: Language, bundle: Bundle) -> Renderer {
        Renderer { base: None, edits: HashMap::from([(language, bundle)]) }
    }

    /// One message id alone, filled in for a kind (the template editor's preview of one part).
    pub(crate) fn render_one(
        &self,
        kind: Kind,
        channel: Channel,
        language: Language,
        id: &str,
        data: &MessageData,
    ) -> Result<String, RenderError> {
        let missing = || RenderError::Template { id: id.to_owned(), language, detail: "missing".into() };
        let args = self.arguments(kind, channel, language, data)?.ok_or_else(missing)?;
        Ok(tidy(&self.format(language, id, &args)?.ok_or_else(missing)?))
    }

    pub fn render(
        &self,
        kind: Kind,
        channel: Channel,
        language: Language,
        variant: Variant,
        data: &MessageData,
    ) -> Result<Rendered, RenderError> {
        if !variant.allowed_on(channel) {
            return Err(RenderError::VariantNotAllowed { variant, channel });
        }
        // All or nothing per language: a message never mixes two languages.
        let (language_used, parts) = match self.parts(kind, channel, language, variant, data)? {
            Some(parts) => (language, parts),
            None => match self.parts(kind, channel, Language::En, variant, data)? {
                Some(parts) => (Language::En, parts),
                None => {
                    let id = message_id(kind, channel, variant, Part::Body).unwrap_or_default();
                    return Err(RenderError::Template { id, language, detail: "no English template".into() });
                }
            },
        };
        let (subject, body) = parts;
        let text = tidy(&body);
        let (html, sms, text) = match channel {
            Channel::Sms => {
                // Line breaks stay: they cost one septet, like a space, and read better on a phone.
                let count = count_sms(&text);
                (None, Some(count.clone()), count.text)
            }
            Channel::Email | Channel::Letter => {
                let title = subject.as_deref().unwrap_or(&data.practice);
                (Some(html::document(title, &text, language_used, variant, channel)), None, text)
            }
        };
        Ok(Rendered {
            kind,
            channel,
            variant,
            language: language_used,
            fell_back_to_english: language_used != language,
            subject,
            text,
            html,
            sms,
        })
    }

    /// Subject and body in one language, or `None` when any template for them is missing there.
    fn parts(
        &self,
        kind: Kind,
        channel: Channel,
        language: Language,
        variant: Variant,
        data: &MessageData,
    ) -> Result<Option<(Option<String>, String)>, RenderError> {
        let Some(args) = self.arguments(kind, channel, language, data)? else { return Ok(None) };
        let subject = match message_id(kind, channel, variant, Part::Subject) {
            Some(id) => match self.format(language, &id, &args)? {
                Some(s) => Some(tidy(&s).replace('\n', " ")),
                None => return Ok(None),
            },
            None => None,
        };
        let id = message_id(kind, channel, variant, Part::Body).expect("every channel has a body");
        Ok(self.format(language, &id, &args)?.map(|body| (subject, body)))
    }

    /// The placeholder values for a kind, with the shared phrases (`$where`, `$cancel`…) already
    /// rendered in the language. `None` when a shared phrase is missing in that language.
    fn arguments(
        &self,
        kind: Kind,
        channel: Channel,
        language: Language,
        data: &MessageData,
    ) -> Result<Option<FluentArgs<'static>>, RenderError> {
        let mut args = FluentArgs::new();
        args.set("practice", data.practice.trim().to_owned());
        args.set("name", data.preferred_name.trim().to_owned());
        for &var in variables(kind) {
            let value: FluentValue<'static> = match var {
                "practice" | "name" => continue,
                "when" => match data.start {
                    Some(start) => when_in_words(start, language).into(),
                    None => return Err(RenderError::MissingData { field: "start" }),
                },
                "where" => {
                    let (id, arg) = match data.place.as_ref().ok_or(RenderError::MissingData { field: "place" })? {
                        Place::Surgery { address } if channel == Channel::Sms => {
                            ("where-surgery", Some(("address", &short_address(address))))
                        }
                        Place::Surgery { address } => ("where-surgery", Some(("address", address))),
                        Place::HomeVisit => ("where-home", None),
                        Place::Telephone => ("where-phone", None),
                        Place::Video { link } => ("where-video", Some(("link", link))),
                    };
                    let mut a = FluentArgs::new();
                    if let Some((k, v)) = arg {
                        a.set(k, v.trim().to_owned());
                    }
                    match self.format(language, id, &a)? {
                        Some(s) => s.into(),
                        None => return Ok(None),
                    }
                }
                "bring" => match data.bring.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
                    Some(items) => {
                        let mut a = FluentArgs::new();
                        a.set("items", items.to_owned());
                        match self.format(language, "bring", &a)? {
                            Some(s) => s.into(),
                            None => return Ok(None),
                        }
                    }
                    None => "".into(),
                },
                "confirm" => match data.confirm.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
                    Some(link) => {
                        let mut a = FluentArgs::new();
                        a.set("link", link.to_owned());
                        match self.format(language, "confirm-link", &a)? {
                            Some(s) => s.into(),
                            None => return Ok(None),
                        }
                    }
                    None => "".into(),
                },
                "cancel" | "rebook" | "contact" => match self.contact_phrase(var, channel, language, &data.contact)? {
                    Some(s) => s.into(),
                    None => return Ok(None),
                },
                "accept" | "decline" | "answer" | "deadline" => {
                    let offer = data.offer.as_ref().ok_or(RenderError::MissingData { field: "offer" })?;
                    match var {
                        "accept" => offer.accept.trim().to_owned().into(),
                        "decline" => offer.decline.trim().to_owned().into(),
                        "answer" => offer.answer.trim().to_owned().into(),
                        _ => when_in_words(offer.reply_by, language).into(),
                    }
                }
                "minutes" => match data.delay_minutes {
                    Some(m) => FluentValue::from(m),
                    None => return Err(RenderError::MissingData { field: "delay_minutes" }),
                },
                "aftercare" => data.aftercare.as_deref().unwrap_or_default().trim().to_owned().into(),
                other => unreachable!("no value for ${other}"),
            };
            args.set(var, value);
        }
        Ok(Some(args))
    }

    /// "To cancel, call … or go to …", in the three shapes a practice's contact details allow.
    fn contact_phrase(
        &self,
        what: &str,
        channel: Channel,
        language: Language,
        contact: &Contact,
    ) -> Result<Option<String>, RenderError> {
        let phone = contact.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|p| language.ltr_run(p));
        let link = contact.link.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let mut a = FluentArgs::new();
        let shape = match (phone, link) {
            (Some(p), Some(l)) => {
                a.set("phone", p);
                a.set("link", l.to_owned());
                "phone-link"
            }
            (Some(p), None) => {
                a.set("phone", p);
                "phone"
            }
            (None, Some(l)) => {
                a.set("link", l.to_owned());
                "link"
            }
            (None, None) => return Err(RenderError::MissingData { field: "contact" }),
        };
        // Text messages have shorter forms, so the shipped ones fit in two segments.
        let sms = if channel == Channel::Sms { "-sms" } else { "" };
        self.format(language, &format!("{what}{sms}-{shape}"), &a)
    }

    /// One message in one language: a practice edit first, then the shipped template. `Ok(None)` when
    /// neither has it.
    fn format(&self, language: Language, id: &str, args: &FluentArgs) -> Result<Option<String>, RenderError> {
        let base = self.base.as_ref().unwrap_or(&SHIPPED);
        let bundles = [self.edits.get(&language), base.get(&language)];
        for bundle in bundles.into_iter().flatten() {
            if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                let out = bundle.format_pattern(pattern, Some(args), &mut errors);
                if !errors.is_empty() {
                    let detail = errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ");
                    return Err(RenderError::Template { id: id.to_owned(), language, detail });
                }
                return Ok(Some(out.into_owned()));
            }
        }
        Ok(None)
    }
}

/// Trailing spaces off, at most one blank line in a row (an empty phrase leaves its line empty), no blank
/// start or end.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.trim().lines().map(str::trim_end) {
        if line.trim().is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
            out.push('\n');
        } else {
            blank_run = 0;
            out.push_str(line.trim_start());
            out.push('\n');
        }
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests;
