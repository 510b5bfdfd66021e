//! Asking the policy and recording the answer. Every use-case that touches protected data calls
//! [`App::authorize`]: a refusal is audited in a transaction of its own (so it survives the refusal) and
//! returned as `Forbidden`; a grant is returned as the audit entry the caller writes together with its
//! change.

use crate::{App, AppError, Ctx, Result};
use domain::governance::audit::{AuditEntry, Outcome};
use domain::governance::policy::{AccessRequest, Decision, decide};
use domain::governance::{Action, Purpose, Relationship};
use store::Tx;
use store::governance::audit as audit_store;
use uuid::Uuid;

/// What is being asked for, about which record.
#[derive(Debug, Clone)]
pub struct Access<'a> {
    pub action: Action,
    pub purpose: Purpose,
    pub relationship: Relationship,
    pub break_glass_reason: Option<&'a str>,
    pub resource_type: &'static str,
    pub resource_id: Option<String>,
    pub patient_id: Option<Uuid>,
}

impl<'a> Access<'a> {
    /// An action that is not about one patient.
    pub fn general(action: Action, purpose: Purpose, resource_type: &'static str) -> Self {
        Self {
            action,
            purpose,
            relationship: Relationship::NotApplicable,
            break_glass_reason: None,
            resource_type,
            resource_id: None,
            patient_id: None,
        }
    }

    /// An action on one patient's record.
    pub fn patient(
        action: Action,
        purpose: Purpose,
        relationship: Relationship,
        patient_id: Uuid,
        resource_type: &'static str,
        break_glass_reason: Option<&'a str>,
    ) -> Self {
        Self {
            action,
            purpose,
            relationship,
            break_glass_reason,
            resource_type,
            resource_id: Some(patient_id.to_string()),
            patient_id: Some(patient_id),
        }
    }

    pub fn on(mut self, resource_id: impl ToString) -> Self {
        self.resource_id = Some(resource_id.to_string());
        self
    }
}

/// Permission granted, with the audit entry the caller appends in the transaction that acts on it.
#[derive(Debug, Clone)]
#[must_use = "a grant must be recorded with Grant::record in the transaction that uses it"]
pub struct Grant {
    pub decision: Decision,
    entry: AuditEntry,
}

impl Grant {
    /// Name the record acted on, once it is known (e.g. a new record's id).
    pub fn with_resource(mut self, id: impl ToString) -> Self {
        self.entry.resource_id = Some(id.to_string());
        self
    }

    /// Name the patient the action concerns, once it is known (e.g. a newly registered patient).
    pub fn about_patient(mut self, id: Uuid) -> Self {
        self.entry.patient_id = Some(id);
        self
    }

    /// Replace the recorded reason (e.g. what kind of search was run and how many records it found).
    pub fn with_reason(mut self, reason: String) -> Self {
        self.entry.reason = Some(reason);
        self
    }

    /// Name what was done more precisely than the policy action (e.g. `revoke_api_token`).
    pub fn named(mut self, action: &str) -> Self {
        self.entry.action = action.to_owned();
        self
    }

    /// Append the grant's audit event to the acting transaction.
    pub async fn record(self, tx: &mut Tx) -> Result<()> {
        audit_store::append(tx, self.entry).await?;
        Ok(())
    }

    /// Record several grants' audit events together, in order.
    pub async fn record_all(tx: &mut Tx, grants: Vec<Grant>) -> Result<()> {
        audit_store::append_many(tx, grants.into_iter().map(|g| g.entry).collect()).await?;
        Ok(())
    }
}

/// Build an audit entry for this context. `reason` overrides the policy's reason (e.g. a break-glass
/// reason, or why a sign-in failed).
pub fn entry(
    ctx: &Ctx,
    action: &str,
    resource_type: &str,
    resource_id: Option<String>,
    outcome: Outcome,
) -> AuditEntry {
    AuditEntry {
        at: domain::time::now(),
        actor_id: ctx.actor_id(),
        actor_role: Some(ctx.actor_role_label()),
        action: action.to_owned(),
        resource_type: resource_type.to_owned(),
        resource_id,
        patient_id: None,
        purpose: None,
        reason: None,
        outcome,
        break_glass: false,
        operation_id: ctx.operation_id,
        client_addr: ctx.client_addr.clone(),
    }
}

impl App {
    /// Ask the policy on behalf of the context's actor.
    pub async fn authorize(&self, ctx: &Ctx, access: Access<'_>) -> Result<Grant> {
        let actor = ctx.actor.as_ref().ok_or(AppError::Unauthenticated)?;
        let decision = decide(&AccessRequest {
            role: actor.role,
            action: access.action,
            relationship: access.relationship,
            purpose: access.purpose,
            break_glass_reason: access.break_glass_reason,
        });
        let outcome = if decision.is_allowed() { Outcome::Allowed } else { Outcome::Denied };
        let mut e = entry(ctx, access.action.as_str(), access.resource_type, access.resource_id, outcome);
        e.patient_id = access.patient_id;
        e.purpose = Some(access.purpose.as_str().to_owned());
        e.break_glass = decision.is_break_glass();
        e.reason = Some(match (decision.is_break_glass(), access.break_glass_reason) {
            (true, Some(given)) => format!("{}: {}", decision.reason(), given.trim()),
            _ => decision.reason().to_owned(),
        });
        if decision.is_allowed() {
            return Ok(Grant { decision, entry: e });
        }
        tracing::info!(operation_id = %ctx.operation_id, action = access.action.as_str(), reason = decision.reason(), "access denied");
        self.audit_alone(e).await?;
        Err(AppError::forbidden(decision.reason()))
    }

    /// Whether the actor may do `action` at all (to offer a form for it). A refusal is audited like any
    /// other; an allowance writes nothing, since nothing has been read or changed yet.
    /// (Only the role question is asked here; the record-level questions are asked when it is used.)
    pub async fn may(&self, ctx: &Ctx, action: Action) -> Result<()> {
        let role = ctx.actor.as_ref().ok_or(AppError::Unauthenticated)?.role;
        if domain::governance::policy::role_may(role, action) {
            return Ok(());
        }
        let reason = "role does not permit this action";
        let mut e = entry(ctx, action.as_str(), "form", None, Outcome::Denied);
        e.reason = Some(reason.into());
        self.audit_alone(e).await?;
        Err(AppError::forbidden(reason))
    }

    /// As [`App::authorize`], but the operator at the server's command line (who already holds the
    /// database) is allowed without a role; the grant is still audited as theirs.
    pub async fn authorize_or_operator(&self, ctx: &Ctx, access: Access<'_>) -> Result<Grant> {
        if ctx.actor.is_none() && ctx.operator {
            let mut e = entry(ctx, access.action.as_str(), access.resource_type, access.resource_id, Outcome::Allowed);
            e.purpose = Some(access.purpose.as_str().to_owned());
            e.reason = Some("operator at the server's command line".into());
            let decision = Decision::Allow { reason: "operator at the server's command line", break_glass: false };
            return Ok(Grant { decision, entry: e });
        }
        self.authorize(ctx, access).await
    }

    /// Write one audit event in a transaction of its own (refusals and failed sign-ins, which change
    /// nothing else but must be recorded).
    pub async fn audit_alone(&self, e: AuditEntry) -> Result<()> {
        let mut tx = self.db().begin().await?;
        audit_store::append(&mut tx, e).await?;
        tx.commit().await?;
        Ok(())
    }
}
