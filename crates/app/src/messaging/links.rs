//! Links in patients' messages that work without signing in: confirm or cancel an appointment
//! (`/l/{token}`), and accept or decline a waiting-list offer (`/o/{token}/accept|decline`).
//!
//! - **Signed, single-purpose, expiring.** An appointment link's token is
//!   `base64url(purpose ‖ appointment id ‖ tag)` (34 characters, so a text message keeps its link and
//!   stays within two segments), the tag being the first 8 bytes of HMAC-SHA256 under a secret kept in the
//!   database (`link_keys`, made on first use), so nothing is stored per link and every node checks it the
//!   same way. A confirm link cannot cancel. A link ends with its appointment: it does nothing once the
//!   appointment has started, was cancelled or moved (a moved appointment is a new one with new links).
//!   Offer links are random secrets whose hash is kept with the offer (`scheduling::waiting`); they work
//!   once and end with the offer.
//! - **No patient data in the address.** The token names an appointment by its random id only.
//! - **Nothing happens on opening a link.** Opening shows what the link would do and asks; only the
//!   form's POST acts (mail scanners and link previews open links).
//! - **Access and audit.** The holder of a valid link acts as the patient (role `patient`, relationship
//!   own record, purpose patient request) through the same policy as everyone else; every look and every
//!   change is audited. A bad or tampered link reads nothing.

use crate::context::{Actor, Via};
use crate::{App, AppError, Ctx, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::governance::{Action, Role};
use domain::messaging::Language;
use domain::scheduling::appointment::{AppointmentEvent, CancelledBy, Reason};
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use ring::hmac;
use store::Ts;
use store::scheduling::{self as schedule_store, AppointmentEventRow, AppointmentRow};
use subtle::ConstantTimeEq;
use uuid::Uuid;

const TAG_LEN: usize = 8;
const BODY_LEN: usize = 1 + 16;
const TOKEN_LEN: usize = BODY_LEN + TAG_LEN;
/// Kept apart from any other use of the secret.
const CONTEXT: &[u8] = b"carefront appointment link v1";

/// What an appointment link is for. Part of the signed token, so one purpose cannot be turned into another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    Confirm,
    Cancel,
}

impl LinkPurpose {
    fn byte(self) -> u8 {
        match self {
            LinkPurpose::Confirm => 1,
            LinkPurpose::Cancel => 2,
        }
    }

    fn from_byte(b: u8) -> Option<Self> {
        match b {
            1 => Some(LinkPurpose::Confirm),
            2 => Some(LinkPurpose::Cancel),
            _ => None,
        }
    }
}

/// What a valid token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppointmentLink {
    pub purpose: LinkPurpose,
    pub appointment: Uuid,
}

/// Sign a link.
pub fn sign(key: &hmac::Key, link: &AppointmentLink) -> String {
    let mut bytes = Vec::with_capacity(TOKEN_LEN);
    bytes.push(link.purpose.byte());
    bytes.extend_from_slice(link.appointment.as_bytes());
    let tag = tag(key, &bytes);
    bytes.extend_from_slice(&tag.as_ref()[..TAG_LEN]);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Read a token: `None` when it is malformed or its tag does not match (tampered, or signed with
/// another secret). Whether it still works is the appointment's question, so a page can say why not.
pub fn read(key: &hmac::Key, token: &str) -> Option<AppointmentLink> {
    let token = token.trim();
    if token.len() > 64 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    if bytes.len() != TOKEN_LEN {
        return None;
    }
    let (body, given) = bytes.split_at(BODY_LEN);
    let expected = tag(key, body);
    if !bool::from(expected.as_ref()[..TAG_LEN].ct_eq(given)) {
        return None;
    }
    let purpose = LinkPurpose::from_byte(body[0])?;
    let appointment = Uuid::from_slice(&body[1..17]).ok()?;
    Some(AppointmentLink { purpose, appointment })
}

fn tag(key: &hmac::Key, body: &[u8]) -> hmac::Tag {
    let mut ctx = hmac::Context::with_key(key);
    ctx.update(CONTEXT);
    ctx.update(body);
    ctx.sign()
}

/// What a link page is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkAction {
    Confirm,
    Cancel,
    AcceptOffer,
    DeclineOffer,
}

/// Where the appointment stands, as the page explains it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// The link can do what it says: the page asks "are you sure?".
    Open,
    /// Already confirmed (a confirm link opened again).
    AlreadyConfirmed,
    /// The appointment is cancelled (by this link earlier, by the practice, or it was moved).
    Cancelled,
    /// It was moved to a new time; the newer message has the new links.
    Moved,
    /// Too close to the start to cancel online: the page gives the phone number.
    TooLateToCancel,
    /// The appointment has started or passed, or the link's time is up.
    Expired,
    /// The offer was taken: the appointment is booked.
    OfferAccepted,
    /// The offer was turned down: the patient is still waiting.
    OfferDeclined,
    /// The offer ran out (or its slot went) before it was answered.
    OfferClosed,
}

/// Everything a link page shows. No name and no clinical detail: a forwarded message shows only when
/// and where.
#[derive(Debug, Clone)]
pub struct LinkPage {
    pub appointment: Uuid,
    pub action: LinkAction,
    pub state: LinkState,
    pub language: Language,
    pub practice: String,
    pub service: String,
    /// Site time.
    pub start: DateTime,
    pub place: String,
    pub mode: String,
    pub phone: Option<String>,
    /// For an offer: the time it must be answered by (site time).
    pub reply_by: Option<DateTime>,
}

/// What a link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkDone {
    Confirmed,
    Cancelled,
    OfferAccepted,
    OfferDeclined,
}

/// The holder of a valid link, acting as the patient it was sent to.
fn link_ctx(ctx: &Ctx, patient: Uuid) -> Ctx {
    ctx.clone().with_actor(Actor {
        user_id: patient,
        username: "patient (message link)".into(),
        display_name: "The patient, from a link in a message".into(),
        role: Role::Patient,
        via: Via::MessageLink,
    })
}

fn bad_link() -> AppError {
    AppError::NotFound { what: "link" }
}

impl App {
    /// The link secret, read (or made) once per process.
    async fn link_key(&self) -> Result<&hmac::Key> {
        self.inner
            .link_key
            .get_or_try_init(|| async {
                let mut fresh = [0u8; 32];
                rand::RngCore::fill_bytes(&mut rand::rng(), &mut fresh);
                let secret = store::messaging::links::link_secret(self.db(), &fresh, Ts(Timestamp::now())).await?;
                Ok::<_, AppError>(hmac::Key::new(hmac::HMAC_SHA256, &secret))
            })
            .await
    }

    /// A signed link token for an appointment, good until it starts.
    pub async fn appointment_link(&self, purpose: LinkPurpose, appointment: Uuid) -> Result<String> {
        let key = self.link_key().await?;
        Ok(sign(key, &AppointmentLink { purpose, appointment }))
    }

    /// Check a token and read its appointment (no access yet): `NotFound` for a bad or tampered link.
    async fn linked_appointment(&self, token: &str) -> Result<(AppointmentLink, AppointmentRow)> {
        let key = self.link_key().await?;
        let link = read(key, token).ok_or_else(bad_link)?;
        let a = schedule_store::appointment(self.db(), link.appointment).await?.ok_or_else(bad_link)?;
        Ok((link, a))
    }

    /// What an appointment link would do, for the page that asks before acting. Audited as the patient
    /// viewing their appointment.
    pub async fn open_appointment_link(&self, ctx: &Ctx, token: &str) -> Result<LinkPage> {
        let (link, a) = self.linked_appointment(token).await?;
        let ctx = link_ctx(ctx, a.patient_id);
        let (patient, grant) =
            self.patient_grant(&ctx, a.patient_id, Action::ViewPatient, "appointment", Some(a.id)).await?;
        let mut tx = self.db().begin().await?;
        grant.named("open_appointment_link").record(&mut tx).await?;
        tx.commit().await?;
        let action = match link.purpose {
            LinkPurpose::Confirm => LinkAction::Confirm,
            LinkPurpose::Cancel => LinkAction::Cancel,
        };
        let state = self.appointment_link_state(&link, &a, Timestamp::now()).await?;
        self.link_page(action, state, &a, Some(patient.preferred_language.as_str()), None).await
    }

    /// Do what an appointment link says (the page's form was sent). An appointment that cannot be
    /// confirmed or cancelled any more is an `Invalid` with the reason; nothing changes.
    pub async fn use_appointment_link(&self, ctx: &Ctx, token: &str) -> Result<LinkDone> {
        let (link, a) = self.linked_appointment(token).await?;
        let ctx = link_ctx(ctx, a.patient_id);
        match self.appointment_link_state(&link, &a, Timestamp::now()).await? {
            LinkState::Open => {}
            _ => return Err(AppError::invalid("link", "This link cannot be used now")),
        }
        match link.purpose {
            LinkPurpose::Confirm => {
                let (_, grant) =
                    self.patient_grant(&ctx, a.patient_id, Action::BookAppointment, "appointment", Some(a.id)).await?;
                let mut tx = self.db().begin().await?;
                schedule_store::add_event(
                    &mut tx,
                    &AppointmentEventRow {
                        id: domain::new_id(),
                        appointment_id: a.id,
                        at: Ts(Timestamp::now()),
                        actor: "patient (message link)".into(),
                        action: "confirmed".into(),
                        detail: Some("the patient said they will come".into()),
                    },
                )
                .await?;
                grant.named("confirm_appointment").record(&mut tx).await?;
                tx.commit().await?;
                Ok(LinkDone::Confirmed)
            }
            LinkPurpose::Cancel => {
                let reason = Reason::parse("cancelled by the patient from the link in a message")
                    .map_err(|e| AppError::invalid("reason", e))?;
                self.appointment_event(
                    &ctx,
                    a.id,
                    Some(a.version),
                    AppointmentEvent::Cancel { by: CancelledBy::Patient, reason: Some(reason) },
                )
                .await?;
                Ok(LinkDone::Cancelled)
            }
        }
    }

    async fn appointment_link_state(
        &self,
        link: &AppointmentLink,
        a: &AppointmentRow,
        now: Timestamp,
    ) -> Result<LinkState> {
        let booked = a.active && a.status == "booked";
        if a.status == "cancelled" {
            return Ok(if a.cancel_reason.as_deref() == Some("rescheduled") {
                LinkState::Moved
            } else {
                LinkState::Cancelled
            });
        }
        if now >= a.starts_at.0 || !booked {
            return Ok(LinkState::Expired);
        }
        Ok(match link.purpose {
            LinkPurpose::Confirm => {
                let events = schedule_store::events_of(self.db(), a.id).await?;
                if events.iter().any(|e| e.action == "confirmed") {
                    LinkState::AlreadyConfirmed
                } else {
                    LinkState::Open
                }
            }
            LinkPurpose::Cancel => {
                let service = schedule_store::service(self.db(), a.service_id).await?;
                let cut_off =
                    SignedDuration::from_mins(i64::from(service.map(|s| s.cancel_cutoff_minutes).unwrap_or(0).max(0)));
                match domain::scheduling::booking::check_cancellation(now, a.starts_at.0, cut_off) {
                    Ok(()) => LinkState::Open,
                    Err(_) => LinkState::TooLateToCancel,
                }
            }
        })
    }

    /// What a waiting-list offer link would do, for the page that asks first. `NotFound` for an unknown
    /// token. Audited as the patient viewing the offered appointment.
    pub async fn open_offer_link(&self, ctx: &Ctx, token: &str, accept: bool) -> Result<LinkPage> {
        let offer = self.offer_of_token(token).await?.ok_or_else(bad_link)?;
        let a = schedule_store::appointment(self.db(), offer.appointment_id).await?.ok_or_else(bad_link)?;
        let ctx = link_ctx(ctx, a.patient_id);
        let (patient, grant) =
            self.patient_grant(&ctx, a.patient_id, Action::ViewPatient, "offer", Some(offer.id)).await?;
        let mut tx = self.db().begin().await?;
        grant.named("open_offer_link").record(&mut tx).await?;
        tx.commit().await?;
        let state = match offer.outcome.as_str() {
            "open" if offer.expires_at.0 > Timestamp::now() => LinkState::Open,
            "accepted" => LinkState::OfferAccepted,
            "declined" => LinkState::OfferDeclined,
            _ => LinkState::OfferClosed,
        };
        let action = if accept { LinkAction::AcceptOffer } else { LinkAction::DeclineOffer };
        self.link_page(action, state, &a, Some(patient.preferred_language.as_str()), Some(offer.expires_at.0)).await
    }

    /// Answer an offer from its page (the form was sent), acting as the patient the offer went to.
    pub async fn use_offer_link(&self, ctx: &Ctx, token: &str, accept: bool) -> Result<LinkDone> {
        let offer = self.offer_of_token(token).await?.ok_or_else(bad_link)?;
        let ctx = match schedule_store::appointment(self.db(), offer.appointment_id).await? {
            Some(a) => link_ctx(ctx, a.patient_id),
            None => return Err(bad_link()),
        };
        Ok(match self.answer_offer(&ctx, token, accept).await? {
            crate::scheduling::waiting::OfferAnswer::Accepted(_) => LinkDone::OfferAccepted,
            crate::scheduling::waiting::OfferAnswer::Declined => LinkDone::OfferDeclined,
        })
    }

    async fn link_page(
        &self,
        action: LinkAction,
        state: LinkState,
        a: &AppointmentRow,
        preferred_language: Option<&str>,
        reply_by: Option<Timestamp>,
    ) -> Result<LinkPage> {
        let db = self.db();
        let site =
            store::messaging::outbox::site_contact(db, a.site_id).await?.ok_or(AppError::NotFound { what: "site" })?;
        let tz = TimeZone::get(&site.time_zone).unwrap_or(TimeZone::UTC);
        let service = schedule_store::service(db, a.service_id).await?;
        let practice =
            store::organisation::first_organisation(db).await?.map(|o| o.name).unwrap_or_else(|| site.name.clone());
        let place = [site.name.as_str(), &site.address_lines, &site.town, &site.postcode]
            .iter()
            .flat_map(|p| p.split('\n'))
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        Ok(LinkPage {
            appointment: a.id,
            action,
            state,
            language: preferred_language.and_then(Language::from_preference).unwrap_or(Language::En),
            practice,
            service: service.map(|s| s.name).unwrap_or_default(),
            start: a.starts_at.0.to_zoned(tz.clone()).datetime(),
            place,
            mode: a.mode.clone(),
            phone: site.phone.filter(|p| !p.trim().is_empty()),
            reply_by: reply_by.map(|t| t.to_zoned(tz).datetime()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> hmac::Key {
        hmac::Key::new(hmac::HMAC_SHA256, b"a test secret that is long enough")
    }

    fn link(purpose: LinkPurpose) -> AppointmentLink {
        AppointmentLink { purpose, appointment: Uuid::from_u128(42) }
    }

    #[test]
    fn a_signed_link_reads_back_and_is_short() {
        let token = sign(&key(), &link(LinkPurpose::Cancel));
        assert_eq!(token.len(), 34, "{token}");
        assert!(token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(read(&key(), &token), Some(link(LinkPurpose::Cancel)));
    }

    #[test]
    fn a_changed_purpose_appointment_or_expiry_is_refused() {
        let token = sign(&key(), &link(LinkPurpose::Confirm));
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        for i in [0, 5, 16, BODY_LEN + 1] {
            let mut b = bytes.clone();
            b[i] ^= 1;
            assert_eq!(read(&key(), &URL_SAFE_NO_PAD.encode(&b)), None, "byte {i} changed");
        }
        bytes[0] = 2; // confirm → cancel, same tag
        assert_eq!(read(&key(), &URL_SAFE_NO_PAD.encode(&bytes)), None);
        let other = hmac::Key::new(hmac::HMAC_SHA256, b"another practice's secret");
        assert_eq!(read(&other, &token), None);
    }

    #[test]
    fn garbage_is_refused_without_panicking() {
        for t in ["", "x", "!!!!", &"A".repeat(34), &"A".repeat(5000), "ü€", "%00"] {
            assert_eq!(read(&key(), t), None, "{t:?}");
        }
    }
}
