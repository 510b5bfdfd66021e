//! The waiting list as staff see it: entries by priority, each with the offers made to it and, for each
//! offered slot, its whole offer chain (who was offered it, in turn, and what they answered). And the
//! offers report: slots offered, accepted, declined, expired, fill rate and time to fill.
//!
//! An offer chain is every offer of one freed slot: they share the instant the slot was first freed
//! (`slot_freed_at`) and are numbered by `chain_position`.

use super::referrals::list_name;
use crate::governance::access::Access;
use crate::patients::{actor, default_purpose, today};
use crate::{App, AppError, Ctx, Result};
use domain::governance::Action;
use domain::scheduling::waiting::{Priority, TargetStatus};
use domain::validation::Errors;
use jiff::civil::Date;
use std::collections::HashMap;
use store::Ts;
use store::scheduling::referrals as referral_store;
use store::scheduling::waiting::{self as waiting_store, OfferRow, WaitingRow};
use store::scheduling::{self as schedule_store, AppointmentRow};
use uuid::Uuid;

/// The longest span one offers report covers.
pub const MAX_REPORT_DAYS: i32 = 366;

/// One offer in a slot's chain.
#[derive(Debug, Clone)]
pub struct ChainLink {
    pub offer: OfferRow,
    pub patient_id: Uuid,
    pub patient_name: String,
}

/// An offer made to a waiting patient, with the slot it held and that slot's whole chain.
#[derive(Debug, Clone)]
pub struct OfferLine {
    pub offer: OfferRow,
    /// The hold that kept the slot for the patient: its time, practitioner and site.
    pub slot: Option<AppointmentRow>,
    pub practitioner_name: Option<String>,
    /// Every offer of the same slot, in order (this one included).
    pub chain: Vec<ChainLink>,
}

/// A waiting-list entry as the staff page shows it.
#[derive(Debug, Clone)]
pub struct BoardEntry {
    pub row: WaitingRow,
    pub priority: Priority,
    pub patient_name: String,
    pub service_name: String,
    pub preferred_practitioner: Option<String>,
    /// Against its target date, if it has one.
    pub target: Option<TargetStatus>,
    pub offers: Vec<OfferLine>,
}

/// Offers of slots freed in a period.
#[derive(Debug, Clone, PartialEq)]
pub struct OffersReport {
    pub from: Date,
    pub to: Date,
    /// Freed slots offered to the waiting list (offer chains started).
    pub slots_offered: usize,
    /// Offers made (a slot declined or left to expire is offered again).
    pub offers_made: usize,
    pub accepted: usize,
    pub declined: usize,
    pub expired: usize,
    pub withdrawn: usize,
    /// Offers still waiting for an answer.
    pub open: usize,
    /// Slots taken by a waiting patient.
    pub slots_filled: usize,
    /// `slots_filled / slots_offered`, when any were offered.
    pub fill_rate: Option<f64>,
    /// From the slot being freed to the offer being accepted.
    pub median_minutes_to_fill: Option<f64>,
    pub mean_minutes_to_fill: Option<f64>,
}

/// The practice's zone: its first site's, else Europe/London.
fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// The report's figures from whole offer chains.
pub fn summarise_chains(from: Date, to: Date, offers: &[OfferRow]) -> OffersReport {
    let mut chains: HashMap<Ts, Vec<&OfferRow>> = HashMap::new();
    for o in offers {
        chains.entry(o.slot_freed_at).or_default().push(o);
    }
    let count = |outcome: &str| offers.iter().filter(|o| o.outcome == outcome).count();
    let mut fills: Vec<f64> = chains
        .iter()
        .filter_map(|(freed, chain)| {
            let accepted = chain.iter().find(|o| o.outcome == "accepted")?;
            let at = accepted.decided_at.unwrap_or(accepted.offered_at);
            Some(at.0.duration_since(freed.0).as_secs_f64().max(0.0) / 60.0)
        })
        .collect();
    fills.sort_by(f64::total_cmp);
    let slots_offered = chains.len();
    let slots_filled = fills.len();
    OffersReport {
        from,
        to,
        slots_offered,
        offers_made: offers.len(),
        accepted: count("accepted"),
        declined: count("declined"),
        expired: count("expired"),
        withdrawn: count("withdrawn"),
        open: count("open"),
        slots_filled,
        fill_rate: (slots_offered > 0).then(|| slots_filled as f64 / slots_offered as f64),
        median_minutes_to_fill: median(&fills),
        mean_minutes_to_fill: (!fills.is_empty()).then(|| fills.iter().sum::<f64>() / fills.len() as f64),
    }
}

impl App {
    /// Every waiting-list entry, most urgent first (those still waiting before those booked or removed),
    /// each with its offers and their chains.
    pub async fn waiting_board(&self, ctx: &Ctx) -> Result<Vec<BoardEntry>> {
        let who = actor(ctx)?;
        let grant = self
            .authorize(ctx, Access::general(Action::ViewDayList, default_purpose(who.role), "waiting_list"))
            .await?;
        let db = self.db();
        let rows = waiting_store::waiting_entries(db, None, None).await?;
        let ids: Vec<Uuid> = rows.iter().map(|w| w.id).collect();
        let offers = referral_store::offers_to(db, &ids).await?;
        let mut lines = self.offer_lines(offers).await?;
        let mut patient_ids: Vec<Uuid> = rows.iter().map(|w| w.patient_id).collect();
        patient_ids.sort_unstable();
        patient_ids.dedup();
        let patients: HashMap<Uuid, String> =
            store::patients::by_ids(db, &patient_ids).await?.iter().map(|p| (p.id, list_name(p))).collect();
        let services: HashMap<Uuid, String> =
            schedule_store::services(db).await?.into_iter().map(|s| (s.id, s.name)).collect();
        let practitioners: HashMap<Uuid, String> =
            schedule_store::practitioners(db).await?.into_iter().map(|p| (p.id, p.display_name)).collect();
        let targets = self.current_referral_targets().await?;
        let today = today();
        let mut out: Vec<BoardEntry> = rows
            .into_iter()
            .map(|w| {
                let mut offers: Vec<OfferLine> = Vec::new();
                lines.retain(|l| {
                    if l.offer.waiting_id == w.id {
                        offers.push(l.clone());
                        false
                    } else {
                        true
                    }
                });
                let active = matches!(w.status.as_str(), "waiting" | "offered");
                BoardEntry {
                    priority: Priority::parse(&w.priority).unwrap_or(Priority::Routine),
                    patient_name: patients.get(&w.patient_id).cloned().unwrap_or_else(|| "Unknown patient".into()),
                    service_name: services.get(&w.service_id).cloned().unwrap_or_else(|| "Unknown service".into()),
                    preferred_practitioner: w.preferred_practitioner_id.and_then(|p| practitioners.get(&p).cloned()),
                    target: w
                        .target_date
                        .as_deref()
                        .and_then(|d| d.parse::<Date>().ok())
                        .filter(|_| active)
                        .map(|d| targets.status(d, today)),
                    offers,
                    row: w,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            let key = |e: &BoardEntry| {
                (
                    e.priority,
                    !matches!(e.row.status.as_str(), "waiting" | "offered"),
                    e.row.target_date.is_none(),
                    e.row.target_date.clone(),
                    e.row.added_on.clone(),
                    e.row.id,
                )
            };
            key(a).cmp(&key(b))
        });
        let mut tx = self.db().begin().await?;
        grant.named("view_waiting_list").with_reason(format!("{} entries", out.len())).record(&mut tx).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The offers made to one waiting-list entry, oldest first, each with its slot's whole chain.
    pub async fn offer_chain(&self, ctx: &Ctx, waiting_id: Uuid) -> Result<(WaitingRow, Vec<OfferLine>)> {
        let entry = waiting_store::waiting_entry(self.db(), waiting_id)
            .await?
            .ok_or(AppError::NotFound { what: "waiting-list entry" })?;
        let (_, grant) =
            self.patient_grant(ctx, entry.patient_id, Action::ViewPatient, "waiting_list", Some(entry.id)).await?;
        let offers = referral_store::offers_to(self.db(), &[entry.id]).await?;
        let lines = self.offer_lines(offers).await?;
        let mut tx = self.db().begin().await?;
        grant.with_resource(entry.id).named("view_offer_chain").record(&mut tx).await?;
        tx.commit().await?;
        Ok((entry, lines))
    }

    /// Offers of slots freed from `from` to `to` (local dates at the practice, inclusive): how many were
    /// offered, answered which way, filled, and how long filling took.
    pub async fn offers_report(&self, ctx: &Ctx, from: Date, to: Date) -> Result<OffersReport> {
        let who = actor(ctx)?;
        let mut e = Errors::new();
        if to < from {
            e.add("to", "The end date must be the same as or after the start date");
        } else if (to - from).get_days() >= MAX_REPORT_DAYS {
            e.add("to", format!("A report covers {MAX_REPORT_DAYS} days at most"));
        }
        e.finish()?;
        let grant = self
            .authorize(ctx, Access::general(Action::ViewReports, default_purpose(who.role), "offers_report"))
            .await?;
        let tz = super::practice_zone(self).await?;
        let start = |d: Date| d.to_zoned(tz.clone()).map(|z| Ts(z.timestamp()));
        let bounds = to.tomorrow().ok().and_then(|next| Some((start(from).ok()?, start(next).ok()?)));
        let Some((lo, hi)) = bounds else { return Err(AppError::invalid("to", "Enter a date such as 2027-03-29")) };
        let offers = referral_store::chains_freed_between(self.db(), lo, hi).await?;
        let report = summarise_chains(from, to, &offers);
        let mut tx = self.db().begin().await?;
        grant
            .named("view_offers_report")
            .with_reason(format!("{from} to {to}: {} slots offered", report.slots_offered))
            .record(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Offers with their held slots, practitioners and whole chains.
    async fn offer_lines(&self, offers: Vec<OfferRow>) -> Result<Vec<OfferLine>> {
        if offers.is_empty() {
            return Ok(Vec::new());
        }
        let db = self.db();
        let mut freed: Vec<Ts> = offers.iter().map(|o| o.slot_freed_at).collect();
        freed.sort_unstable();
        freed.dedup();
        let chain_offers = referral_store::chains(db, &freed).await?;
        let mut entry_ids: Vec<Uuid> = chain_offers.iter().map(|o| o.waiting_id).collect();
        entry_ids.sort_unstable();
        entry_ids.dedup();
        let entries: HashMap<Uuid, Uuid> =
            referral_store::waiting_by_ids(db, &entry_ids).await?.into_iter().map(|w| (w.id, w.patient_id)).collect();
        let mut patient_ids: Vec<Uuid> = entries.values().copied().collect();
        patient_ids.sort_unstable();
        patient_ids.dedup();
        let patients: HashMap<Uuid, String> =
            store::patients::by_ids(db, &patient_ids).await?.iter().map(|p| (p.id, list_name(p))).collect();
        let hold_ids: Vec<Uuid> = offers.iter().map(|o| o.appointment_id).collect();
        let holds: HashMap<Uuid, AppointmentRow> =
            referral_store::appointments_by_ids(db, &hold_ids).await?.into_iter().map(|a| (a.id, a)).collect();
        let practitioners: HashMap<Uuid, String> =
            schedule_store::practitioners(db).await?.into_iter().map(|p| (p.id, p.display_name)).collect();
        let mut by_chain: HashMap<Ts, Vec<ChainLink>> = HashMap::new();
        for o in chain_offers {
            let patient_id = entries.get(&o.waiting_id).copied().unwrap_or(Uuid::nil());
            let patient_name = patients.get(&patient_id).cloned().unwrap_or_else(|| "Unknown patient".into());
            by_chain.entry(o.slot_freed_at).or_default().push(ChainLink { offer: o, patient_id, patient_name });
        }
        Ok(offers
            .into_iter()
            .map(|o| {
                let slot = holds.get(&o.appointment_id).cloned();
                OfferLine {
                    practitioner_name: slot.as_ref().and_then(|s| practitioners.get(&s.practitioner_id).cloned()),
                    slot,
                    chain: by_chain.get(&o.slot_freed_at).cloned().unwrap_or_default(),
                    offer: o,
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(freed_min: i64, position: i32, outcome: &str, decided_min: Option<i64>) -> OfferRow {
        let base: jiff::Timestamp = "2027-06-01T08:00:00Z".parse().unwrap();
        let at = |m: i64| Ts(base + jiff::SignedDuration::from_mins(m));
        OfferRow {
            id: domain::new_id(),
            waiting_id: domain::new_id(),
            appointment_id: domain::new_id(),
            offered_at: at(freed_min),
            expires_at: at(freed_min + 120),
            outcome: outcome.into(),
            decided_at: decided_min.map(at),
            slot_freed_at: at(freed_min),
            chain_position: position,
            token_hash: None,
        }
    }

    #[test]
    fn the_report_counts_chains_and_times_to_fill() {
        let d = Date::constant(2027, 6, 1);
        let offers = [
            // Slot A: declined, then accepted 90 minutes after it was freed.
            offer(0, 1, "declined", Some(30)),
            offer(0, 2, "accepted", Some(90)),
            // Slot B: expired, then still open.
            offer(10, 1, "expired", Some(130)),
            offer(10, 2, "open", None),
            // Slot C: accepted after 30 minutes.
            offer(20, 1, "accepted", Some(50)),
        ];
        let r = summarise_chains(d, d, &offers);
        assert_eq!((r.slots_offered, r.offers_made, r.slots_filled), (3, 5, 2));
        assert_eq!((r.accepted, r.declined, r.expired, r.open, r.withdrawn), (2, 1, 1, 1, 0));
        assert_eq!(r.fill_rate, Some(2.0 / 3.0));
        assert_eq!(r.median_minutes_to_fill, Some(60.0));
        assert_eq!(r.mean_minutes_to_fill, Some(60.0));
        let empty = summarise_chains(d, d, &[]);
        assert_eq!((empty.fill_rate, empty.median_minutes_to_fill), (None, None));
    }
}
