//! Text messages patients send back, passed on by the SMS provider (GOV.UK Notify's inbound callback,
//! Twilio's incoming-message webhook; the caller has checked the provider's token or signature).
//!
//! - `STOP` (or `STOPALL`, `UNSUBSCRIBE`): every live record with that mobile number is opted out of
//!   text messages, with the change kept in the record's history; nothing more is texted to them.
//! - `CANCEL`: from a number that belongs to exactly one patient, their next booked appointment is
//!   cancelled as the patient (same policy, cut-off and audit as any cancellation), and the usual
//!   "cancelled" message confirms it to them. A number shared by several patients who each have an
//!   appointment, an appointment inside its cancellation cut-off, or no appointment at all changes
//!   nothing and is left for staff to see.
//! - Anything else, or an unknown number, changes nothing and is kept for staff.
//!
//! Every reply is kept once (`sms_replies`, unique by the provider's id), so a replayed callback does
//! nothing twice. No reply is answered by text automatically except through the outbox, so two systems
//! can never talk to each other in a loop.

use super::receipts::SmsProvider;
use crate::context::{Actor, Via};
use crate::governance::access::entry;
use crate::{App, AppError, Ctx, Result};
use domain::governance::audit::Outcome;
use domain::governance::{Purpose, Role};
use domain::patients::PhoneNumber;
use domain::scheduling::appointment::{AppointmentEvent, CancelledBy, Reason};
use jiff::Timestamp;
use serde::Serialize;
use store::Ts;
use store::messaging::replies::{self as replies_store, ReplyRow};
use uuid::Uuid;

/// One text a patient sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsReply {
    pub provider: SmsProvider,
    /// The provider's id for the incoming message.
    pub provider_id: String,
    /// The sender's number as the provider gives it (`447700900123`, `+447700900123`).
    pub from: String,
    pub body: String,
}

/// What Carefront understood a reply to ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    Stop,
    Cancel,
    Other,
}

/// The first word, without case or punctuation: `"Cancel."`, `" stop "` and `"CANCEL please"` are understood.
pub fn keyword(body: &str) -> Keyword {
    let first: String = body
        .split_whitespace()
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_uppercase();
    match first.as_str() {
        "STOP" | "STOPALL" | "UNSUBSCRIBE" => Keyword::Stop,
        "CANCEL" => Keyword::Cancel,
        _ => Keyword::Other,
    }
}

/// The sender as E.164, reading a provider's bare international digits (`447700900123`) too.
pub fn sender(raw: &str) -> Option<String> {
    let raw = raw.trim();
    PhoneNumber::parse(raw)
        .or_else(|_| {
            if raw.chars().all(|c| c.is_ascii_digit()) {
                PhoneNumber::parse(&format!("+{raw}"))
            } else {
                Err(String::new())
            }
        })
        .ok()
        .map(|p| p.e164().to_owned())
}

/// A reply as staff see it (no text: that is the patient's own words, kept with the reply).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplyEntry {
    pub id: Uuid,
    pub provider: String,
    /// RFC 3339, UTC.
    pub received_at: String,
    pub patient_id: Option<Uuid>,
    pub appointment_id: Option<Uuid>,
    /// `cancelled`, `opted_out`, `unknown_number`, `not_understood`, `no_appointment`, `ambiguous` or `too_late`.
    pub action: String,
    pub outcome: String,
    /// Whether a person should look at it (anything not done automatically).
    pub needs_staff: bool,
}

impl From<ReplyRow> for ReplyEntry {
    fn from(r: ReplyRow) -> Self {
        let needs_staff = !matches!(r.action.as_str(), "cancelled" | "opted_out");
        ReplyEntry {
            id: r.id,
            provider: r.provider,
            received_at: r.received_at.0.to_string(),
            patient_id: r.patient_id,
            appointment_id: r.appointment_id,
            action: r.action,
            outcome: r.outcome,
            needs_staff,
        }
    }
}

/// The holder of the patient's phone, acting as the patient.
fn sender_ctx(ctx: &Ctx, patient: Uuid) -> Ctx {
    ctx.clone().with_actor(Actor {
        user_id: patient,
        username: "patient (text reply)".into(),
        display_name: "The patient, by a text message reply".into(),
        role: Role::Patient,
        via: Via::SmsReply,
    })
}

impl App {
    /// Act on a reply (see the module notes). A replay returns what was done the first time.
    pub async fn handle_sms_reply(&self, ctx: &Ctx, reply: &SmsReply) -> Result<ReplyEntry> {
        let provider_id = reply.provider_id.trim();
        if provider_id.is_empty() || provider_id.len() > 200 {
            return Err(AppError::invalid("id", "The provider's message id is missing"));
        }
        if reply.body.chars().count() > 2000 {
            return Err(AppError::invalid("body", "The message is longer than a text message can be"));
        }
        if let Some(done) = replies_store::by_provider_id(self.db(), reply.provider.as_str(), provider_id).await? {
            return Ok(done.into());
        }
        let now = Timestamp::now();
        let from = sender(&reply.from);
        let mut row = ReplyRow {
            id: domain::new_id(),
            provider: reply.provider.as_str().into(),
            provider_id: provider_id.into(),
            from_number: from.clone().unwrap_or_else(|| reply.from.trim().chars().take(40).collect()),
            body: reply.body.clone(),
            received_at: Ts(now),
            patient_id: None,
            appointment_id: None,
            action: String::new(),
            outcome: String::new(),
        };
        let patients = match &from {
            Some(e164) => replies_store::patients_with_mobile(self.db(), e164).await?,
            None => vec![],
        };
        let (action, outcome) = if patients.is_empty() {
            ("unknown_number", "No patient has this mobile number; nothing was changed".to_owned())
        } else {
            match keyword(&reply.body) {
                Keyword::Stop => {
                    let n = self.opt_out_of_texts(ctx, &patients, now).await?;
                    row.patient_id = patients.first().copied().filter(|_| patients.len() == 1);
                    ("opted_out", format!("{n} record(s) opted out of text messages"))
                }
                Keyword::Cancel => self.cancel_by_reply(ctx, &patients, now, &mut row).await?,
                Keyword::Other => {
                    row.patient_id = patients.first().copied().filter(|_| patients.len() == 1);
                    ("not_understood", "Not a word Carefront acts on; please read it and reply if needed".to_owned())
                }
            }
        };
        row.action = action.into();
        row.outcome = outcome;
        let mut tx = self.db().begin().await?;
        if !replies_store::insert(&mut tx, &row).await? {
            // The same reply arrived twice at once: the first one's record stands.
            drop(tx);
            return replies_store::by_provider_id(self.db(), reply.provider.as_str(), provider_id)
                .await?
                .map(Into::into)
                .ok_or(AppError::NotFound { what: "reply" });
        }
        tx.commit().await?;
        tracing::info!(operation_id = %ctx.operation_id, action, "text reply handled");
        Ok(row.into())
    }

    /// Opt each record out of text messages (kept in its history), as the patient asked. Returns how many
    /// changed.
    async fn opt_out_of_texts(&self, ctx: &Ctx, patients: &[Uuid], now: Timestamp) -> Result<usize> {
        let mut changed = 0;
        for &patient in patients {
            // Carefront acts on the patient's own instruction: no staff role is involved, so the change is
            // audited as the system's, with the patient's request as its purpose.
            let mut audit = entry(ctx, "sms_opt_out", "patient", Some(patient.to_string()), Outcome::Allowed);
            audit.patient_id = Some(patient);
            audit.purpose = Some(Purpose::PatientRequest.as_str().into());
            audit.reason = Some("the patient texted STOP".into());
            let mut prefs = store::patients::contact_preferences_of(self.db(), patient).await?;
            let before = prefs.iter().find(|p| p.channel == "sms").map(|p| p.opted_in);
            if before == Some(false) {
                continue;
            }
            match prefs.iter_mut().find(|p| p.channel == "sms") {
                Some(p) => {
                    p.opted_in = false;
                    p.changed_at = Ts(now);
                    p.source = "patient texted STOP".into();
                }
                None => prefs.push(store::patients::ContactPreferenceRow {
                    channel: "sms".into(),
                    opted_in: false,
                    rank: i32::try_from(prefs.len()).unwrap_or(i32::MAX),
                    changed_at: Ts(now),
                    source: "patient texted STOP".into(),
                }),
            }
            let mut tx = self.db().begin().await?;
            store::patients::set_contact_preferences(&mut tx, patient, &prefs).await?;
            store::patients::record_history(
                &mut tx,
                patient,
                "contact_preferences.sms",
                before.map(|b| if b { "opted in" } else { "opted out" }),
                Some("opted out"),
                None,
                ctx.operation_id,
                Ts(now),
                Some("the patient texted STOP"),
            )
            .await?;
            store::governance::audit::append(&mut tx, audit).await?;
            tx.commit().await?;
            changed += 1;
        }
        Ok(changed)
    }

    /// Cancel the next appointment of the one patient with this number.
    async fn cancel_by_reply(
        &self,
        ctx: &Ctx,
        patients: &[Uuid],
        now: Timestamp,
        row: &mut ReplyRow,
    ) -> Result<(&'static str, String)> {
        let mut next = Vec::new();
        for &patient in patients {
            let upcoming = store::scheduling::appointments_of_patient(self.db(), patient)
                .await?
                .into_iter()
                .filter(|a| a.active && a.status == "booked" && a.starts_at.0 > now)
                .min_by_key(|a| a.starts_at);
            next.extend(upcoming);
        }
        let a = match next.as_slice() {
            [] => {
                row.patient_id = patients.first().copied().filter(|_| patients.len() == 1);
                return Ok(("no_appointment", "There is no booked appointment to cancel".into()));
            }
            [one] => one.clone(),
            _ => {
                return Ok((
                    "ambiguous",
                    "Several patients share this mobile number and have appointments; nothing was cancelled".into(),
                ));
            }
        };
        row.patient_id = Some(a.patient_id);
        row.appointment_id = Some(a.id);
        let ctx = sender_ctx(ctx, a.patient_id);
        let reason = Reason::parse("cancelled by the patient by text message (CANCEL)")
            .map_err(|e| AppError::invalid("reason", e))?;
        let event = AppointmentEvent::Cancel { by: CancelledBy::Patient, reason: Some(reason) };
        match self.appointment_event(&ctx, a.id, Some(a.version), event).await {
            Ok(_) => {
                Ok(("cancelled", "The next appointment was cancelled; the patient is sent the usual message".into()))
            }
            Err(AppError::Invalid(e)) => {
                let why = e.0.first().map(|f| f.message.clone()).unwrap_or_default();
                Ok(("too_late", format!("Not cancelled: {why}. Please call the patient")))
            }
            Err(AppError::Conflict { .. }) => {
                Ok(("too_late", "Not cancelled: the appointment changed at the same moment. Please check it".into()))
            }
            Err(e) => Err(e),
        }
    }

    /// The newest replies, for staff who watch the outbox. Listing them reads no patient's record.
    pub async fn sms_replies(&self, ctx: &Ctx, limit: i64) -> Result<Vec<ReplyEntry>> {
        let grant = self.authorize(ctx, super::monitor::outbox_access(ctx, "sms_reply")).await?;
        let rows = replies_store::recent(self.db(), limit.clamp(1, 500)).await?;
        let mut tx = self.db().begin().await?;
        grant.named("view_sms_replies").record(&mut tx).await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_read_loosely() {
        for (body, k) in [
            ("STOP", Keyword::Stop),
            (" stop ", Keyword::Stop),
            ("Stop.", Keyword::Stop),
            ("unsubscribe", Keyword::Stop),
            ("CANCEL", Keyword::Cancel),
            ("cancel please", Keyword::Cancel),
            ("Cancel!", Keyword::Cancel),
            ("I can't come", Keyword::Other),
            ("", Keyword::Other),
            ("STOPPING by later", Keyword::Other),
        ] {
            assert_eq!(keyword(body), k, "{body:?}");
        }
    }

    #[test]
    fn senders_are_read_as_e164() {
        assert_eq!(sender("447700900123").as_deref(), Some("+447700900123"));
        assert_eq!(sender("+447700900123").as_deref(), Some("+447700900123"));
        assert_eq!(sender("07700 900123").as_deref(), Some("+447700900123"));
        assert_eq!(sender("not a number"), None);
        assert_eq!(sender(""), None);
    }
}
