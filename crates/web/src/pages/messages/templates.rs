//! The template pages: the list of every message in every format and language, a preview of one with
//! demo data (subject, text, the HTML version shown in the page, SMS size, plain-language advice), the
//! full HTML document as an email client would get it, and the editor for practice wording.

use super::{document_body, when};
use crate::AppState;
use crate::auth::{CsrfForm, Staff};
use crate::errors::{PageError, see_other};
use crate::pages::{Shell, ok, render, set_flash, take_flash};
use app::AppError;
use app::messaging::templates::{TemplatePart, parse_part, part_code, parts_of};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use domain::FieldError;
use domain::governance::Action;
use domain::governance::policy::role_may;
use domain::messaging::{
    Channel, EditPreview, Kind, Language, Part, PracticeEdit, SmsCount, SmsEncoding, Variant, check_edit, grade_level,
    plain::MAX_GRADE, variables,
};
use serde::Deserialize;
use std::collections::HashSet;

/// A language's name in English, for staff.
fn language_name(l: Language) -> &'static str {
    match l {
        Language::En => "English",
        Language::Cy => "Welsh",
        Language::Pl => "Polish",
        Language::Ro => "Romanian",
        Language::Ur => "Urdu",
    }
}

/// A language as staff see it with its own name: `Welsh (Cymraeg)`.
fn language_label(l: Language) -> String {
    match l {
        Language::En => "English".into(),
        Language::Cy => "Welsh (Cymraeg)".into(),
        Language::Pl => "Polish (Polski)".into(),
        Language::Ro => "Romanian (Română)".into(),
        Language::Ur => "Urdu (اردو)".into(),
    }
}

/// A channel in the middle of a sentence.
fn channel_words(c: Channel) -> &'static str {
    match c {
        Channel::Email => "email",
        Channel::Sms => "text message",
        Channel::Letter => "letter",
    }
}

fn part_label(p: Part, channel: Channel) -> &'static str {
    match (p, channel) {
        (Part::Subject, Channel::Letter) => "Heading",
        (Part::Subject, _) => "Subject",
        (Part::Body, Channel::Sms) => "Text",
        (Part::Body, _) => "Body",
    }
}

fn base_href(kind: Kind, channel: Channel, variant: Variant, language: Language) -> String {
    format!(
        "/staff/messages/templates/{}/{}/{}/{}",
        kind.as_str(),
        channel.as_str(),
        variant.as_str(),
        language.as_str()
    )
}

fn edit_href(p: &TemplatePart) -> String {
    format!("{}/{}/edit", base_href(p.kind, p.channel, p.variant, p.language), part_code(p.part))
}

/// What a placeholder stands for, for the editor.
fn placeholder_meaning(name: &str) -> &'static str {
    match name {
        "practice" => "the practice’s name",
        "name" => "the patient’s preferred name",
        "when" => "the date and time in words, for example “Tuesday 3 March at 9:10am”",
        "where" => "a sentence saying where: the address, or that we will phone, visit or video call",
        "bring" => "a sentence saying what to bring (empty when the service asks for nothing)",
        "cancel" => "a sentence saying how to cancel or change: phone number, link or both",
        "rebook" => "a sentence saying how to book a new time",
        "contact" => "a sentence saying how to ask a question",
        "accept" => "the link to accept the offer",
        "decline" => "the link to say no to the offer",
        "deadline" => "when the offer ends, in words",
        "minutes" => "how many minutes late, as a number",
        "aftercare" => "the service’s aftercare text",
        _ => "",
    }
}

type PathKey = (String, String, String, String);
type PartPathKey = (String, String, String, String, String);

fn parse_key((kind, channel, variant, language): &PathKey) -> Option<(Kind, Channel, Variant, Language)> {
    let (kind, channel) = (Kind::parse(kind).ok()?, Channel::parse(channel).ok()?);
    let (variant, language) = (Variant::parse(variant).ok()?, Language::parse(language).ok()?);
    variant.allowed_on(channel).then_some((kind, channel, variant, language))
}

fn parse_part_key(k: &PartPathKey) -> Option<TemplatePart> {
    let (kind, channel, variant, language) = parse_key(&(k.0.clone(), k.1.clone(), k.2.clone(), k.3.clone()))?;
    let part = parse_part(&k.4)?;
    parts_of(channel).contains(&part).then_some(TemplatePart { kind, channel, variant, part, language })
}

fn not_found(staff: &Staff) -> Response {
    PageError(AppError::NotFound { what: "template" }, staff.op()).into_response()
}

// ---------------------------------------------------------------------------------------------------
// The list

pub struct Cell {
    href: String,
    hidden: String,
    edited: bool,
}

pub struct Row {
    channel: &'static str,
    variant: &'static str,
    cells: Vec<Cell>,
}

pub struct KindGroup {
    id: &'static str,
    label: &'static str,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "staff/messages/templates.html")]
struct ListPage {
    shell: Shell,
    languages: Vec<String>,
    groups: Vec<KindGroup>,
    edited_count: usize,
    can_edit: bool,
    /// The demo keeps mail in its catcher: link to it.
    mail_catcher: bool,
}

pub async fn list(State(state): State<AppState>, staff: Staff) -> Response {
    if let Err(e) = state.app.may(&staff.ctx, Action::ViewOutbox).await {
        return PageError(e, staff.op()).into_response();
    }
    let edits = match state.app.template_edits().await {
        Ok(e) => e,
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    let edited: HashSet<(Kind, Channel, Variant, Language)> =
        edits.iter().map(|s| (s.edit.kind, s.edit.channel, s.edit.variant, s.edit.language)).collect();
    let groups = Kind::ALL
        .iter()
        .map(|&kind| KindGroup {
            id: kind.as_str(),
            label: kind.label(),
            rows: Channel::ALL
                .iter()
                .flat_map(|&channel| Variant::ALL.iter().map(move |&variant| (channel, variant)))
                .filter(|(channel, variant)| variant.allowed_on(*channel))
                .map(|(channel, variant)| Row {
                    channel: channel.label(),
                    variant: variant.label(),
                    cells: Language::ALL
                        .iter()
                        .map(|&language| Cell {
                            href: base_href(kind, channel, variant, language),
                            hidden: format!(
                                "{}, {}, {}, in {}",
                                kind.label(),
                                channel.label(),
                                variant.label().to_lowercase(),
                                language_name(language)
                            ),
                            edited: edited.contains(&(kind, channel, variant, language)),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    ok(&ListPage {
        shell: Shell::staff("Message templates", &staff),
        languages: Language::ALL.iter().map(|&l| language_label(l)).collect(),
        groups,
        edited_count: edited.len(),
        can_edit: role_may(staff.actor.role, Action::EditTemplates),
        mail_catcher: super::dev_mail::catcher_on(&state),
    })
}

// ---------------------------------------------------------------------------------------------------
// A preview

pub struct SmsView {
    encoding: &'static str,
    units: usize,
    unit_name: &'static str,
    segments: usize,
    per_segment: usize,
    replaced: usize,
}

fn sms_view(c: &SmsCount) -> SmsView {
    SmsView {
        encoding: match c.encoding {
            SmsEncoding::Gsm7 => "GSM-7 (plain characters)",
            SmsEncoding::Ucs2 => "UCS-2 (Unicode: fewer characters fit in each part)",
        },
        units: c.units,
        unit_name: match c.encoding {
            SmsEncoding::Gsm7 => "characters",
            SmsEncoding::Ucs2 => "UTF-16 code units",
        },
        segments: c.segments,
        per_segment: if c.segments > 1 { c.encoding.multi_limit() } else { c.encoding.single_limit() },
        replaced: c.replaced,
    }
}

/// A link to another version of the same message (language or format), marked when it is this one.
pub struct Switch {
    label: String,
    href: String,
    current: bool,
}

pub struct PartLink {
    label: &'static str,
    href: String,
    edited: bool,
}

#[derive(Template)]
#[template(path = "staff/messages/preview.html")]
struct PreviewPage {
    shell: Shell,
    flash: Option<String>,
    heading: String,
    kind: &'static str,
    channel: &'static str,
    variant: &'static str,
    language: String,
    lang: &'static str,
    dir: &'static str,
    fell_back: bool,
    subject: Option<String>,
    text: String,
    html_body: Option<String>,
    html_href: String,
    format_class: &'static str,
    sms: Option<SmsView>,
    english: bool,
    grade: Option<String>,
    grade_ok: bool,
    advice: Vec<String>,
    parts: Vec<PartLink>,
    can_edit: bool,
    languages: Vec<Switch>,
    variants: Vec<Switch>,
}

pub async fn preview(State(state): State<AppState>, staff: Staff, Path(key): Path<PathKey>) -> Response {
    let Some((kind, channel, variant, language)) = parse_key(&key) else { return not_found(&staff) };
    let p = match state.app.template_preview(&staff.ctx, kind, channel, language, variant).await {
        Ok(p) => p,
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    let r = &p.rendered;
    let english = r.language == Language::En;
    let grade = english.then(|| grade_level(&r.text)).flatten();
    let heading = format!("{}: {}, {}", kind.label(), channel_words(channel), variant.label().to_lowercase());
    let parts = parts_of(channel)
        .iter()
        .map(|&part| PartLink {
            label: part_label(part, channel),
            href: edit_href(&TemplatePart { kind, channel, variant, part, language }),
            edited: p.edited_parts.contains(&part),
        })
        .collect();
    ok(&PreviewPage {
        shell: Shell::staff(&format!("{heading} in {}", language_name(language)), &staff),
        flash: take_flash(&staff).await,
        heading,
        kind: kind.label(),
        channel: channel.label(),
        variant: variant.label(),
        language: language_label(language),
        lang: r.language.as_str(),
        dir: r.language.dir(),
        fell_back: r.fell_back_to_english,
        subject: r.subject.clone(),
        text: r.text.clone(),
        html_body: r.html.as_deref().map(|d| document_body(d, 3)),
        html_href: format!("{}/html", base_href(kind, channel, variant, language)),
        format_class: variant.as_str(),
        sms: r.sms.as_ref().map(sms_view),
        english,
        grade: grade.map(|g| format!("{g:.1}")),
        grade_ok: grade.is_none_or(|g| g <= MAX_GRADE),
        advice: p.advice.iter().map(|a| a.message()).collect(),
        parts,
        can_edit: role_may(staff.actor.role, Action::EditTemplates),
        languages: Language::ALL
            .iter()
            .map(|&l| Switch {
                label: language_label(l),
                href: base_href(kind, channel, variant, l),
                current: l == language,
            })
            .collect(),
        variants: Variant::ALL
            .iter()
            .filter(|v| v.allowed_on(channel))
            .map(|&v| Switch {
                label: v.label().to_owned(),
                href: base_href(kind, channel, v, language),
                current: v == variant,
            })
            .collect(),
    })
}

/// The style of a rendered document, taken out of it (pages may not carry inline styles: the content
/// security policy allows only stylesheets from this site).
fn split_style(document: &str) -> (String, String) {
    match (document.find("<style>"), document.find("</style>")) {
        (Some(a), Some(b)) if b > a => {
            let css = document[a + "<style>".len()..b].to_owned();
            let html = format!("{}<link rel=\"stylesheet\" href=\"html.css\">{}", &document[..a], &document[b + 8..]);
            (html, css)
        }
        _ => (document.to_owned(), String::new()),
    }
}

async fn rendered_document(state: &AppState, staff: &Staff, key: &PathKey) -> Result<String, Response> {
    let Some((kind, channel, variant, language)) = parse_key(key) else { return Err(not_found(staff)) };
    let p = state
        .app
        .template_preview(&staff.ctx, kind, channel, language, variant)
        .await
        .map_err(|e| PageError(e, staff.op()).into_response())?;
    p.rendered.html.ok_or_else(|| not_found(staff))
}

/// The whole HTML document of an email or letter with demo data, as the patient's mail program gets it
/// (with its `lang` and `dir`), its style served alongside.
pub async fn html(State(state): State<AppState>, staff: Staff, Path(key): Path<PathKey>) -> Response {
    match rendered_document(&state, &staff, &key).await {
        Ok(doc) => Html(split_style(&doc).0).into_response(),
        Err(res) => res,
    }
}

pub async fn html_css(State(state): State<AppState>, staff: Staff, Path(key): Path<PathKey>) -> Response {
    match rendered_document(&state, &staff, &key).await {
        Ok(doc) => {
            let mut res = split_style(&doc).1.into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
            res
        }
        Err(res) => res,
    }
}

// ---------------------------------------------------------------------------------------------------
// The editor

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EditForm {
    text: String,
    version: String,
    /// `check` to see the previews and advice without saving.
    action: String,
}

pub struct Placeholder {
    name: &'static str,
    meaning: &'static str,
}

pub struct LanguagePreview {
    language: String,
    lang: &'static str,
    dir: &'static str,
    text: String,
}

pub struct VersionView {
    version: i32,
    saved: String,
    by: String,
    text: Option<String>,
    current: bool,
}

#[derive(Template)]
#[template(path = "staff/messages/edit.html")]
struct EditPage {
    shell: Shell,
    csrf: String,
    flash: Option<String>,
    heading: String,
    part_label: &'static str,
    language: String,
    lang: &'static str,
    dir: &'static str,
    english: bool,
    letter: bool,
    action: String,
    preview_href: String,
    restore_action: String,
    text: String,
    rows: usize,
    version: i32,
    practice_wording: bool,
    shipped: String,
    placeholders: Vec<Placeholder>,
    checked: bool,
    previews: Vec<LanguagePreview>,
    advice: Vec<String>,
    grade: Option<String>,
    sms: Option<SmsView>,
    history: Vec<VersionView>,
}

struct Shown {
    /// What is in the text box, when it is not the wording in use.
    typed: Option<String>,
    /// The version the form was opened on, when sending back a refused form.
    version: Option<i32>,
    check: Option<EditPreview>,
    errors: Vec<FieldError>,
    status: StatusCode,
}

impl Shown {
    fn fresh() -> Self {
        Shown { typed: None, version: None, check: None, errors: Vec::new(), status: StatusCode::OK }
    }
}

async fn editor_page(state: &AppState, staff: &Staff, part: TemplatePart, shown: Shown) -> Response {
    let view = match state.app.template_editor(&staff.ctx, part).await {
        Ok(v) => v,
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    // On a fresh page, the wording in use is checked as it stands (previews and advice).
    let check = if shown.typed.is_none() { view.check.clone() } else { shown.check };
    let text = shown.typed.unwrap_or_else(|| view.text.clone());
    let heading =
        format!("{}: {}, {}", part.kind.label(), channel_words(part.channel), part.variant.label().to_lowercase());
    let label = part_label(part.part, part.channel);
    let english = part.language == Language::En;
    let own_preview = check.as_ref().and_then(|c| c.previews.iter().find(|(l, _)| *l == part.language));
    let grade = if english { own_preview.and_then(|(_, t)| grade_level(t)).map(|g| format!("{g:.1}")) } else { None };
    let base = base_href(part.kind, part.channel, part.variant, part.language);
    render(
        &EditPage {
            shell: Shell::staff(
                &format!("Edit the {} of {heading} in {}", label.to_lowercase(), language_name(part.language)),
                staff,
            )
            .with_errors(shown.errors),
            csrf: staff.csrf.clone(),
            flash: take_flash(staff).await,
            heading,
            part_label: label,
            language: language_label(part.language),
            lang: part.language.as_str(),
            dir: part.language.dir(),
            english,
            letter: part.channel == Channel::Letter,
            action: edit_href(&part),
            preview_href: base,
            restore_action: format!(
                "{}/{}/restore",
                base_href(part.kind, part.channel, part.variant, part.language),
                part_code(part.part)
            ),
            rows: text.lines().count().clamp(3, 20) + 2,
            text,
            version: shown.version.unwrap_or(view.version),
            practice_wording: view.practice_wording,
            shipped: view.shipped.clone(),
            placeholders: variables(part.kind)
                .iter()
                .map(|&name| Placeholder { name, meaning: placeholder_meaning(name) })
                .collect(),
            checked: check.is_some(),
            previews: check
                .as_ref()
                .map(|c| {
                    c.previews
                        .iter()
                        .map(|(l, t)| LanguagePreview {
                            language: language_label(*l),
                            lang: l.as_str(),
                            dir: l.dir(),
                            text: t.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            advice: check.as_ref().map(|c| c.advice.iter().map(|a| a.message()).collect()).unwrap_or_default(),
            grade,
            sms: check.as_ref().and_then(|c| c.sms.as_ref()).map(sms_view),
            history: view
                .history
                .iter()
                .enumerate()
                .map(|(i, v)| VersionView {
                    version: v.version,
                    saved: when(v.edited_at),
                    by: v.editor.clone().unwrap_or_else(|| "Carefront".into()),
                    text: v.text.clone(),
                    current: i == 0,
                })
                .collect(),
        },
        shown.status,
    )
}

pub async fn edit_form(State(state): State<AppState>, staff: Staff, Path(key): Path<PartPathKey>) -> Response {
    let Some(part) = parse_part_key(&key) else { return not_found(&staff) };
    editor_page(&state, &staff, part, Shown::fresh()).await
}

/// Field errors from the checks all belong to the text box (the other fields come from the address).
fn on_text(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut e| {
            e.field = "text".into();
            e
        })
        .collect()
}

pub async fn save(
    State(state): State<AppState>,
    staff: Staff,
    Path(key): Path<PartPathKey>,
    CsrfForm(form): CsrfForm<EditForm>,
) -> Response {
    let Some(part) = parse_part_key(&key) else { return not_found(&staff) };
    let edit = PracticeEdit {
        kind: part.kind,
        channel: part.channel,
        variant: part.variant,
        part: part.part,
        language: part.language,
        text: form.text.clone(),
    };
    let based_on = form.version.trim().parse::<i32>().ok();
    if form.action == "check" {
        // See how it reads, without saving: the same checks as a save.
        if let Err(e) = state.app.may(&staff.ctx, Action::EditTemplates).await {
            return PageError(e, staff.op()).into_response();
        }
        let shown = match check_edit(&edit) {
            Ok(preview) => Shown {
                typed: Some(form.text),
                version: based_on,
                check: Some(preview),
                errors: Vec::new(),
                status: StatusCode::OK,
            },
            Err(inv) => Shown {
                typed: Some(form.text),
                version: based_on,
                check: None,
                errors: on_text(inv.0),
                status: StatusCode::UNPROCESSABLE_ENTITY,
            },
        };
        return editor_page(&state, &staff, part, shown).await;
    }
    match state.app.save_template_edit_over(&staff.ctx, &edit, based_on).await {
        Ok((saved, _)) => {
            set_flash(
                &staff,
                &format!("Wording saved as version {}. Messages sent from now on use it.", saved.version),
            )
            .await;
            see_other(&edit_href(&part))
        }
        Err(AppError::Invalid(inv)) => {
            let shown = Shown {
                typed: Some(form.text),
                version: based_on,
                check: None,
                errors: on_text(inv.0),
                status: StatusCode::UNPROCESSABLE_ENTITY,
            };
            editor_page(&state, &staff, part, shown).await
        }
        Err(AppError::Conflict { message }) => {
            // Show the newest version (in the history) and keep what was typed to compare.
            let shown = Shown {
                typed: Some(form.text),
                version: None,
                check: None,
                errors: vec![FieldError::new("text", message)],
                status: StatusCode::CONFLICT,
            };
            editor_page(&state, &staff, part, shown).await
        }
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RestoreForm {
    version: String,
}

pub async fn restore(
    State(state): State<AppState>,
    staff: Staff,
    Path(key): Path<PartPathKey>,
    CsrfForm(form): CsrfForm<RestoreForm>,
) -> Response {
    let Some(part) = parse_part_key(&key) else { return not_found(&staff) };
    let based_on = form.version.trim().parse::<i32>().ok();
    match state.app.restore_shipped_template(&staff.ctx, part, based_on).await {
        Ok(version) => {
            set_flash(&staff, &format!("The shipped wording is back in use (version {version}).")).await;
            see_other(&edit_href(&part))
        }
        Err(AppError::Conflict { message }) => {
            let shown = Shown {
                typed: None,
                version: None,
                check: None,
                errors: vec![FieldError::new("text", message)],
                status: StatusCode::CONFLICT,
            };
            editor_page(&state, &staff, part, shown).await
        }
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}
