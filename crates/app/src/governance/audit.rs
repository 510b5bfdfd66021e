//! Reading and checking the audit log, and the guardian's review of break-glass access. Looking at the
//! audit log is itself audited.

use super::access::Access;
use crate::{App, AppError, Ctx, Result};
use domain::governance::audit::{AuditEvent, ChainBreak, ChainVerifier};
use domain::governance::{Action, Purpose};
use std::collections::HashMap;
use store::Ts;
use store::governance::audit::{self as audit_store, AuditFilter};
use uuid::Uuid;

const VERIFY_PAGE: i64 = 5_000;

/// A page of the audit log and who the actors are.
#[derive(Debug, Clone)]
pub struct AuditListing {
    pub events: Vec<AuditEvent>,
    /// Staff user id → "Display Name (username)".
    pub names: HashMap<Uuid, String>,
}

/// The result of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainCheck {
    Intact { events: i64 },
    Broken(ChainBreak),
}

impl App {
    /// Events matching the filter, newest first, with the names of the staff who acted. Caldicott
    /// guardian and admin only.
    pub async fn list_audit(&self, ctx: &Ctx, filter: &AuditFilter) -> Result<AuditListing> {
        let purpose = audit_purpose(ctx);
        let grant = self.authorize(ctx, Access::general(Action::ViewAuditLog, purpose, "audit_log")).await?;
        let mut tx = self.db().begin().await?;
        let events = audit_store::list(&mut tx, filter).await?;
        let names = staff_names(&mut tx).await?;
        grant.record(&mut tx).await?;
        tx.commit().await?;
        Ok(AuditListing { events, names })
    }

    /// Walk the whole chain from the first event, in pages, and compare its end with the recorded head.
    /// Runs without an actor: it reads hashes, and is run by the operator (`carefront audit verify`).
    pub async fn verify_audit_chain(&self) -> Result<ChainCheck> {
        let mut verifier = ChainVerifier::new();
        let mut after = 0;
        loop {
            let page = audit_store::page_after(self.db(), after, VERIFY_PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for ev in &page {
                if let Err(b) = verifier.push(ev) {
                    return Ok(ChainCheck::Broken(b));
                }
            }
        }
        let (seq, hash) = audit_store::head(self.db()).await?;
        Ok(match verifier.finish(Some((seq, &hash))) {
            Ok(events) => ChainCheck::Intact { events },
            Err(b) => ChainCheck::Broken(b),
        })
    }

    /// Break-glass events awaiting the guardian's review, oldest first.
    pub async fn unreviewed_break_glass(&self, ctx: &Ctx) -> Result<AuditListing> {
        let grant = self
            .authorize(ctx, Access::general(Action::ReviewBreakGlass, Purpose::Audit, "break_glass_review"))
            .await?;
        let mut tx = self.db().begin().await?;
        let events = audit_store::unreviewed_break_glass(&mut tx, 500).await?;
        let mut names = staff_names(&mut tx).await?;
        // The guardian reviews who was looked at, so name the patients too.
        let patients: Vec<Uuid> = events.iter().filter_map(|e| e.entry.patient_id).collect();
        for p in store::patients::by_ids(&mut tx, &patients).await? {
            names.insert(p.id, format!("{} {}", p.given_names, p.family_name.to_uppercase()));
        }
        grant.named("list_break_glass").record(&mut tx).await?;
        tx.commit().await?;
        Ok(AuditListing { events, names })
    }

    /// Record the guardian's conclusion on one break-glass event.
    pub async fn review_break_glass(&self, ctx: &Ctx, seq: i64, note: &str) -> Result<()> {
        let note = note.trim();
        if note.is_empty() || note.chars().count() > 2000 {
            return Err(AppError::invalid("note", "Enter your review note (2000 characters or fewer)"));
        }
        let grant = self
            .authorize(ctx, Access::general(Action::ReviewBreakGlass, Purpose::Audit, "break_glass_review").on(seq))
            .await?;
        let reviewer = ctx.actor_id().ok_or(AppError::Unauthenticated)?;
        let mut tx = self.db().begin().await?;
        match audit_store::is_break_glass(&mut tx, seq).await? {
            None => return Err(AppError::NotFound { what: "audit event" }),
            Some(false) => return Err(AppError::invalid("seq", "That event is not a break-glass access")),
            Some(true) => {}
        }
        if !audit_store::record_break_glass_review(&mut tx, seq, reviewer, Ts(domain::time::now()), note).await? {
            return Err(AppError::Conflict { message: "This access has already been reviewed".into() });
        }
        grant.named("review_break_glass").record(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Staff user id → "Display Name (username)", to name the actors on audit events.
pub(crate) async fn staff_names(tx: &mut store::Tx) -> Result<HashMap<Uuid, String>> {
    let staff = store::governance::users::list(tx).await?;
    Ok(staff.into_iter().map(|u| (u.id, format!("{} ({})", u.display_name, u.username))).collect())
}

/// The purpose an audit reader acts under: audit for the guardian, system administration for admins.
fn audit_purpose(ctx: &Ctx) -> Purpose {
    match ctx.actor.as_ref().map(|a| a.role) {
        Some(domain::governance::Role::Admin) => Purpose::SystemAdministration,
        _ => Purpose::Audit,
    }
}
