//! Practice wording for the shipped message templates: previews with demo data, saving an edit (checked
//! with [`domain::messaging::check_edit`] first: it must parse, use only the placeholders its kind knows
//! and fill in for every shipped language), the history of each part, and [`App::renderer`], the
//! renderer the sending worker uses.
//!
//! Access: previews and letters are for the staff who look after messages (`Action::ViewOutbox`:
//! reception, practice managers, admins); changing wording needs `Action::EditTemplates` (practice
//! managers). Wording is not patient data, so the sending worker reads it without a context.

use crate::governance::access::Access;
use crate::{App, AppError, Ctx, Result};
use domain::governance::{Action, Purpose};
use domain::messaging::{
    Advice, Channel, EditPreview, Kind, Language, Part, PracticeEdit, RenderError, Rendered, Renderer, Variant, advice,
    check_edit, demo, message_id,
};
use jiff::Timestamp;
use store::Ts;
use store::messaging::templates::{self as template_store, TemplateEditRow, TemplateKey};
use uuid::Uuid;

/// One part of one message in one language: what an edit is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TemplatePart {
    pub kind: Kind,
    pub channel: Channel,
    pub variant: Variant,
    pub part: Part,
    pub language: Language,
}

impl TemplatePart {
    pub fn of(edit: &PracticeEdit) -> Self {
        Self { kind: edit.kind, channel: edit.channel, variant: edit.variant, part: edit.part, language: edit.language }
    }

    /// The Fluent message id it replaces, e.g. `reminder-sms`; `None` for an SMS subject.
    pub fn message_id(&self) -> Option<String> {
        message_id(self.kind, self.channel, self.variant, self.part)
    }

    fn key(&self) -> TemplateKey {
        TemplateKey {
            kind: self.kind.as_str().to_owned(),
            channel: self.channel.as_str().to_owned(),
            variant: self.variant.as_str().to_owned(),
            part: part_code(self.part).to_owned(),
            language: self.language.as_str().to_owned(),
        }
    }

    fn from_row(r: &TemplateEditRow) -> Option<Self> {
        Some(Self {
            kind: Kind::parse(&r.kind).ok()?,
            channel: Channel::parse(&r.channel).ok()?,
            variant: Variant::parse(&r.variant).ok()?,
            part: parse_part(&r.part)?,
            language: Language::parse(&r.language).ok()?,
        })
    }
}

/// `subject` or `body`.
pub fn part_code(part: Part) -> &'static str {
    match part {
        Part::Subject => "subject",
        Part::Body => "body",
    }
}

pub fn parse_part(s: &str) -> Option<Part> {
    match s.trim() {
        "subject" => Some(Part::Subject),
        "body" => Some(Part::Body),
        _ => None,
    }
}

/// The parts a message has on a channel: an SMS has only a body.
pub fn parts_of(channel: Channel) -> &'static [Part] {
    match channel {
        Channel::Sms => &[Part::Body],
        Channel::Email | Channel::Letter => &[Part::Subject, Part::Body],
    }
}

/// A practice edit in use, and which version of its part it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedTemplateEdit {
    pub edit: PracticeEdit,
    pub version: i32,
    pub edited_at: Timestamp,
    pub edited_by: Option<Uuid>,
}

/// One version of a part, for the editor's history. `text: None` put the shipped wording back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateVersionInfo {
    pub version: i32,
    pub text: Option<String>,
    pub edited_at: Timestamp,
    pub editor: Option<String>,
}

/// A message filled in with demo data, as the patient would get it, with plain-language advice (English).
#[derive(Debug, Clone)]
pub struct TemplatePreview {
    pub rendered: Rendered,
    pub advice: Vec<Advice>,
    /// The parts of this message that use the practice's wording rather than the shipped one.
    pub edited_parts: Vec<Part>,
}

/// What the editor shows for one part.
#[derive(Debug, Clone)]
pub struct TemplateEditorView {
    /// The wording in use: the practice's, or the shipped one.
    pub text: String,
    pub shipped: String,
    /// The newest version number (0: never edited), to send back with a save so a change made by
    /// someone else meanwhile is not overwritten.
    pub version: i32,
    pub practice_wording: bool,
    pub history: Vec<TemplateVersionInfo>,
    /// The wording in use checked as an edit would be: previews in every language and advice.
    pub check: Option<EditPreview>,
}

impl App {
    /// The practice's edits in use (newest version of each part, not put back to the shipped wording).
    /// Not checked here: see [`App::renderer`].
    pub async fn template_edits(&self) -> Result<Vec<SavedTemplateEdit>> {
        let Some(org) = store::organisation::first_organisation(self.db()).await? else { return Ok(Vec::new()) };
        let rows = template_store::current(self.db(), org.id).await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let part = TemplatePart::from_row(&r);
                if part.is_none() {
                    tracing::warn!(kind = %r.kind, channel = %r.channel, "stored template edit has unknown codes; ignored");
                }
                let p = part?;
                let text = r.text?;
                Some(SavedTemplateEdit {
                    edit: PracticeEdit {
                        kind: p.kind,
                        channel: p.channel,
                        variant: p.variant,
                        part: p.part,
                        language: p.language,
                        text,
                    },
                    version: r.version,
                    edited_at: r.edited_at.0,
                    edited_by: r.edited_by,
                })
            })
            .collect())
    }

    /// The renderer for sending: the shipped templates with the practice's saved wording applied.
    ///
    /// For the sending worker: build one per batch of messages (it reads the table once) and render
    /// each message with `renderer.render(kind, channel, language, variant, &data)`. An edit that no
    /// longer passes [`check_edit`] (say a newer Carefront dropped a placeholder it used) is left out
    /// with a warning in the log, so messages go out with the shipped wording rather than not at all.
    pub async fn renderer(&self) -> Result<Renderer> {
        let edits: Vec<PracticeEdit> = self
            .template_edits()
            .await?
            .into_iter()
            .filter_map(|s| match check_edit(&s.edit) {
                Ok(_) => Some(s.edit),
                Err(e) => {
                    tracing::warn!(
                        message = s.edit.kind.as_str(),
                        channel = s.edit.channel.as_str(),
                        language = s.edit.language.as_str(),
                        problem = %e,
                        "saved practice wording no longer passes its checks; the shipped wording is used"
                    );
                    None
                }
            })
            .collect();
        Renderer::with_edits(&edits).map_err(|e| AppError::Internal(format!("checked edits refused: {e}")))
    }

    /// A message with demo data ([`demo::data`]) as the patient would get it, with the practice's
    /// wording. Reception and managers may look.
    pub async fn template_preview(
        &self,
        ctx: &Ctx,
        kind: Kind,
        channel: Channel,
        language: Language,
        variant: Variant,
    ) -> Result<TemplatePreview> {
        self.may(ctx, Action::ViewOutbox).await?;
        if !variant.allowed_on(channel) {
            return Err(AppError::NotFound { what: "template" });
        }
        let edits = self.template_edits().await?;
        let edited_parts = edits
            .iter()
            .filter(|s| {
                let e = &s.edit;
                (e.kind, e.channel, e.variant, e.language) == (kind, channel, variant, language)
            })
            .map(|s| s.edit.part)
            .collect();
        let renderer = self.renderer().await?;
        let rendered = renderer.render(kind, channel, language, variant, &demo::data(kind)).map_err(|e| match e {
            RenderError::VariantNotAllowed { .. } => AppError::NotFound { what: "template" },
            other => AppError::Internal(other.to_string()),
        })?;
        let advice = if rendered.language == Language::En {
            let mut text = rendered.subject.clone().map(|s| format!("{s}.\n\n")).unwrap_or_default();
            text.push_str(&rendered.text);
            advice(&text)
        } else {
            Vec::new()
        };
        Ok(TemplatePreview { rendered, advice, edited_parts })
    }

    /// The editor's view of one part: the wording in use, the shipped wording and every saved version.
    pub async fn template_editor(&self, ctx: &Ctx, part: TemplatePart) -> Result<TemplateEditorView> {
        self.may(ctx, Action::EditTemplates).await?;
        let id = part.message_id().ok_or(AppError::NotFound { what: "template" })?;
        if !part.variant.allowed_on(part.channel) {
            return Err(AppError::NotFound { what: "template" });
        }
        let shipped = shipped_text(part.language, &id).unwrap_or_default();
        let history: Vec<TemplateVersionInfo> = match store::organisation::first_organisation(self.db()).await? {
            Some(org) => template_store::history(self.db(), org.id, &part.key())
                .await?
                .into_iter()
                .map(|v| TemplateVersionInfo {
                    version: v.row.version,
                    text: v.row.text,
                    edited_at: v.row.edited_at.0,
                    editor: v.editor_name,
                })
                .collect(),
            None => Vec::new(),
        };
        let current = history.first().and_then(|v| v.text.clone());
        let practice_wording = current.is_some();
        let text = current.unwrap_or_else(|| shipped.clone());
        let check = (!text.trim().is_empty())
            .then(|| {
                check_edit(&PracticeEdit {
                    kind: part.kind,
                    channel: part.channel,
                    variant: part.variant,
                    part: part.part,
                    language: part.language,
                    text: text.clone(),
                })
                .ok()
            })
            .flatten();
        Ok(TemplateEditorView {
            text,
            shipped,
            version: history.first().map(|v| v.version).unwrap_or(0),
            practice_wording,
            history,
            check,
        })
    }

    /// Save practice wording for one part, whatever was saved before. See
    /// [`App::save_template_edit_over`].
    pub async fn save_template_edit(&self, ctx: &Ctx, edit: &PracticeEdit) -> Result<(SavedTemplateEdit, EditPreview)> {
        self.save_template_edit_over(ctx, edit, None).await
    }

    /// Save practice wording for one part as a new version, after [`check_edit`]: a refused edit is
    /// `AppError::Invalid` with field errors (`text`, `variant`, `part`) and nothing is saved.
    /// `based_on` is the version the editor showed; if someone saved another since, it is a conflict.
    pub async fn save_template_edit_over(
        &self,
        ctx: &Ctx,
        edit: &PracticeEdit,
        based_on: Option<i32>,
    ) -> Result<(SavedTemplateEdit, EditPreview)> {
        let part = TemplatePart::of(edit);
        let grant = self
            .authorize(ctx, Access::general(Action::EditTemplates, Purpose::Administration, "message_template"))
            .await?;
        let preview = check_edit(edit)?;
        let mut edit = edit.clone();
        edit.text = tidy_edit(&edit.text);
        let version = self.save_version(ctx, grant, part, Some(edit.text.clone()), based_on).await?;
        let saved = SavedTemplateEdit { edit, version: version.0, edited_at: version.1, edited_by: ctx.actor_id() };
        Ok((saved, preview))
    }

    /// Put the shipped wording back for one part (recorded as a new version, so the history keeps the
    /// practice's earlier wording).
    pub async fn restore_shipped_template(&self, ctx: &Ctx, part: TemplatePart, based_on: Option<i32>) -> Result<i32> {
        let grant = self
            .authorize(ctx, Access::general(Action::EditTemplates, Purpose::Administration, "message_template"))
            .await?;
        if part.message_id().is_none() {
            return Err(AppError::invalid("part", "A text message has no subject."));
        }
        Ok(self.save_version(ctx, grant, part, None, based_on).await?.0)
    }

    async fn save_version(
        &self,
        ctx: &Ctx,
        grant: crate::governance::access::Grant,
        part: TemplatePart,
        text: Option<String>,
        based_on: Option<i32>,
    ) -> Result<(i32, Timestamp)> {
        let org = store::organisation::first_organisation(self.db())
            .await?
            .ok_or_else(|| AppError::Internal("no organisation is set up".into()))?;
        let key = part.key();
        let mut tx = self.db().begin().await?;
        let latest = template_store::latest_version(&mut tx, org.id, &key).await?;
        if based_on.is_some_and(|b| b != latest) {
            return Err(AppError::Conflict {
                message: "Someone else saved this wording while you were editing it. Check their version below, \
                          then make your change again."
                    .into(),
            });
        }
        let now = domain::time::now();
        let row = TemplateEditRow {
            id: domain::new_id(),
            organisation_id: org.id,
            kind: key.kind.clone(),
            channel: key.channel.clone(),
            variant: key.variant.clone(),
            part: key.part.clone(),
            language: key.language.clone(),
            version: latest + 1,
            text,
            edited_at: Ts(now),
            edited_by: ctx.actor_id(),
        };
        match template_store::insert(&mut tx, &row).await {
            Ok(()) => {}
            Err(e) if e.is_unique_violation() => {
                return Err(AppError::Conflict {
                    message: "Someone else saved this wording at the same moment. Check their version, then try again."
                        .into(),
                });
            }
            Err(e) => return Err(e.into()),
        }
        let id = part.message_id().unwrap_or_default();
        let what = if row.text.is_some() { "practice wording saved" } else { "shipped wording put back" };
        grant
            .with_resource(format!("{id}/{}", key.language))
            .named(if row.text.is_some() { "edit_template" } else { "restore_template" })
            .with_reason(format!("{what}: version {}", row.version))
            .record(&mut tx)
            .await?;
        tx.commit().await?;
        Ok((row.version, now))
    }
}

/// A letter waiting in the "letters to print" batch.
#[derive(Debug, Clone)]
pub struct LetterToPrint {
    pub id: Uuid,
    pub kind: Option<Kind>,
    pub recipient_name: String,
    /// The postal address, lines joined by newlines.
    pub address: String,
    pub language: Language,
    pub variant: Variant,
    pub subject: Option<String>,
    pub text: String,
    /// The printable HTML document (`domain::messaging` rendered it, escaping every piece of data).
    pub html: Option<String>,
    pub queued_at: Timestamp,
}

impl App {
    /// Letters waiting to be printed, oldest first. They name patients and their addresses, so each look
    /// is audited. (Store: `store::messaging::outbox::letters_to_print`, filled by the outbox worker.)
    pub async fn letters_to_print(&self, ctx: &Ctx) -> Result<Vec<LetterToPrint>> {
        let grant = self.authorize(ctx, super::monitor::outbox_access(ctx, "letters_to_print")).await?;
        let rows = store::messaging::outbox::letters_to_print(self.db()).await?;
        let mut tx = self.db().begin().await?;
        grant.named("view_letters_to_print").with_reason(format!("{} letters", rows.len())).record(&mut tx).await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|r| LetterToPrint {
                id: r.id,
                kind: Kind::parse(&r.kind).ok(),
                recipient_name: r.recipient_name,
                address: r.address,
                language: Language::parse(&r.language).unwrap_or(Language::En),
                variant: Variant::parse(&r.variant).unwrap_or(Variant::Standard),
                subject: r.subject,
                text: r.body_text,
                html: r.body_html,
                queued_at: r.created_at.0,
            })
            .collect())
    }

    /// Record that these letters (one printed batch) are printed; returns the batch's name and how many
    /// were marked (letters already marked by someone else are left alone).
    pub async fn mark_letters_printed(&self, ctx: &Ctx, ids: &[Uuid]) -> Result<(String, u64)> {
        let grant = self.authorize(ctx, super::monitor::outbox_access(ctx, "letters_to_print")).await?;
        if ids.is_empty() {
            return Err(AppError::invalid("ids", "There are no letters in this batch."));
        }
        let batch = domain::new_id().to_string();
        let mut tx = self.db().begin().await?;
        let marked = store::messaging::outbox::mark_printed(&mut tx, ids, &batch, Ts(domain::time::now())).await?;
        grant
            .with_resource(&batch)
            .named("mark_letters_printed")
            .with_reason(format!("{marked} of {} letters marked printed", ids.len()))
            .record(&mut tx)
            .await?;
        tx.commit().await?;
        Ok((batch, marked))
    }
}

/// Lines as typed, without trailing spaces or blank lines at either end (as the renderer reads them).
fn tidy_edit(text: &str) -> String {
    text.replace("\r\n", "\n").trim().lines().map(str::trim_end).collect::<Vec<_>>().join("\n")
}

/// The shipped Fluent pattern of one message id in one language, as an editor would type it: the
/// lines after `id =`, their common indentation removed.
/// A message that is only a reference to another (the letters reuse the emails' wording) reads as that
/// other message's text, since an edit stands alone.
pub fn shipped_text(language: Language, id: &str) -> Option<String> {
    let text = own_shipped_text(language, id)?;
    let reference = text.trim().strip_prefix('{').and_then(|t| t.strip_suffix('}')).map(str::trim);
    match reference {
        Some(other)
            if !other.is_empty() && other.chars().all(|c| c.is_ascii_lowercase() || c == '-') && other != id =>
        {
            own_shipped_text(language, other).or(Some(text))
        }
        _ => Some(text),
    }
}

fn own_shipped_text(language: Language, id: &str) -> Option<String> {
    let source = domain::messaging::shipped_source(language);
    let mut lines = source.lines();
    let head = format!("{id} =");
    let first = lines.by_ref().find(|l| l.trim_end() == head || l.starts_with(&format!("{head} ")))?;
    let mut body: Vec<&str> = Vec::new();
    let inline = first[head.len()..].trim();
    if !inline.is_empty() {
        body.push(inline);
    }
    for line in lines {
        if line.trim().is_empty() {
            body.push("");
            continue;
        }
        if !line.starts_with([' ', '\t']) {
            break;
        }
        body.push(line);
    }
    while body.last().is_some_and(|l| l.trim().is_empty()) {
        body.pop();
    }
    let indent = body
        .iter()
        .skip(usize::from(!inline.is_empty()))
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let text: Vec<String> = body
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 && !inline.is_empty() {
                l.to_string()
            } else {
                l.get(indent..).unwrap_or("").trim_end().to_owned()
            }
        })
        .collect();
    Some(text.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_text_reads_back_as_a_valid_edit() {
        for &kind in Kind::ALL {
            for &channel in Channel::ALL {
                for &variant in Variant::ALL {
                    if !variant.allowed_on(channel) {
                        continue;
                    }
                    for &part in parts_of(channel) {
                        for &language in Language::ALL {
                            let id = message_id(kind, channel, variant, part).unwrap();
                            let Some(text) = shipped_text(language, &id) else { continue };
                            let edit = PracticeEdit { kind, channel, variant, part, language, text: text.clone() };
                            assert!(check_edit(&edit).is_ok(), "{id} ({language:?}) as an edit: {text}");
                        }
                    }
                }
            }
        }
        let en = shipped_text(Language::En, "reminder-sms").unwrap();
        assert!(en.contains("{ $when }") || en.contains("{$when}"), "{en}");
    }
}
