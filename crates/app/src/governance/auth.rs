//! Staff sign-in: password, lockout, second factor (TOTP), sign-out everywhere, password change.

use super::access::entry;
use super::passwords;
use crate::{Actor, App, AppError, Ctx, Result, Via};
use domain::governance::audit::{AuditEntry, Outcome};
use domain::governance::{Role, Username, password, totp as totp_guard};
use jiff::{SignedDuration, Timestamp};
use store::governance::{sessions, users};
use store::{Ts, Tx};
use totp_rs::{Secret, Totp};
use uuid::Uuid;

const ISSUER: &str = "Carefront";

/// Where a correct password leaves the person signing in.
#[derive(Debug, Clone)]
pub enum SignIn {
    /// Signed in.
    Done(Actor),
    /// The account has a second factor: ask for the code next.
    NeedsCode { user_id: Uuid },
    /// The person's role requires a second factor and the account has none yet: they may only set one up.
    MustEnrol(Actor),
}

/// A new TOTP secret on offer, before the person proves their authenticator app has it.
#[derive(Debug, Clone)]
pub struct TotpEnrolment {
    pub secret_base32: String,
    pub otpauth_uri: String,
}

fn actor_from(u: &users::UserRow, via: Via) -> Result<Actor> {
    let role: Role = u.role.parse().map_err(|e: String| AppError::Internal(e))?;
    Ok(Actor { user_id: u.id, username: u.username.clone(), display_name: u.display_name.clone(), role, via })
}

/// The audit entry for a sign-in step by a known user: denied until the step succeeds.
fn sign_in_entry(ctx: &Ctx, user: &users::UserRow) -> AuditEntry {
    let mut e = entry(ctx, "sign_in", "user", Some(user.id.to_string()), Outcome::Denied);
    e.actor_id = Some(user.id);
    e.actor_role = Some(user.role.clone());
    e
}

fn totp_for(secret_base32: &str, username: &str) -> Result<Totp> {
    let secret =
        Secret::try_from_base32(secret_base32).map_err(|e| AppError::Internal(format!("stored TOTP secret: {e}")))?;
    totp_rs::Builder::new()
        .with_secret(secret)
        .with_account_name(username)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| AppError::Internal(format!("TOTP setup: {e}")))
}

fn unix_seconds(now: Timestamp) -> u64 {
    now.as_second().max(0) as u64
}

fn to_signed(d: std::time::Duration) -> SignedDuration {
    SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX)
}

impl App {
    pub fn totp_required(&self, role: Role) -> bool {
        self.config().totp_required_roles.contains(&role)
    }

    /// Check a username and password. Failures are audited; five within fifteen minutes lock the account.
    pub async fn sign_in(&self, ctx: &Ctx, username: &str, password: &str) -> Result<SignIn> {
        let now = domain::time::now();
        let user = match Username::parse(username) {
            Ok(name) => users::by_username(self.db(), name.as_str()).await?,
            Err(_) => None,
        };
        let Some(user) = user else {
            passwords::verify(password.to_owned(), None).await?;
            let mut e = entry(ctx, "sign_in", "user", None, Outcome::Denied);
            e.reason = Some("unknown username".into());
            self.audit_alone(e).await?;
            return Err(AppError::BadCredentials);
        };
        let mut e = sign_in_entry(ctx, &user);
        self.refuse_if_locked(&e, &user, now).await?;
        let password_ok = passwords::verify(password.to_owned(), Some(user.password_hash.clone())).await?;
        if !password_ok || user.disabled {
            let reason = if user.disabled { "account disabled" } else { "wrong password" };
            return Err(self.fail_sign_in(user.id, e, reason, now).await?);
        }
        let actor = actor_from(&user, Via::Session)?;
        let mut tx = self.db().begin().await?;
        users::clear_login_failures(&mut tx, user.id).await?;
        if user.totp_secret.is_some() {
            e.outcome = Outcome::Allowed;
            e.action = "sign_in_password".into();
            e.reason = Some("password accepted; second factor next".into());
            store::governance::audit::append(&mut tx, e).await?;
            tx.commit().await?;
            return Ok(SignIn::NeedsCode { user_id: user.id });
        }
        e.outcome = Outcome::Allowed;
        let must_enrol = self.totp_required(actor.role);
        e.reason = Some(if must_enrol { "signed in; must set up a second factor" } else { "signed in" }.into());
        store::governance::audit::append(&mut tx, e).await?;
        tx.commit().await?;
        Ok(if must_enrol { SignIn::MustEnrol(actor) } else { SignIn::Done(actor) })
    }

    /// Refuse, and audit, a sign-in step while the account is locked.
    async fn refuse_if_locked(&self, e: &AuditEntry, user: &users::UserRow, now: Timestamp) -> Result<()> {
        match user.locked_until.filter(|t| t.0 > now) {
            Some(until) => {
                let mut refused = e.clone();
                refused.reason = Some("account locked".into());
                self.audit_alone(refused).await?;
                Err(AppError::AccountLocked { until: until.0 })
            }
            None => Ok(()),
        }
    }

    /// Record a failed attempt; lock the account when the threshold is reached. Returns the error to show.
    async fn fail_sign_in(&self, user_id: Uuid, mut e: AuditEntry, reason: &str, now: Timestamp) -> Result<AppError> {
        let cfg = self.config();
        let mut tx = self.db().begin().await?;
        users::record_login_failure(&mut tx, user_id, Ts(now)).await?;
        let since = Ts(now - to_signed(cfg.lockout_window));
        let failures = users::login_failures_since(&mut tx, user_id, since).await?;
        e.reason = Some(reason.to_owned());
        store::governance::audit::append(&mut tx, e.clone()).await?;
        let locked = failures >= cfg.lockout_threshold;
        let until = now + to_signed(cfg.lockout_duration);
        if locked {
            users::set_locked_until(&mut tx, user_id, Some(Ts(until))).await?;
            e.action = "account_locked".into();
            e.reason = Some(format!("{failures} failed sign-ins within {} minutes", cfg.lockout_window.as_secs() / 60));
            e.at = domain::time::now();
            store::governance::audit::append(&mut tx, e).await?;
        }
        tx.commit().await?;
        if locked {
            tracing::warn!(%user_id, "account locked after repeated failed sign-ins");
            Ok(AppError::AccountLocked { until })
        } else {
            Ok(AppError::BadCredentials)
        }
    }

    /// The second step of sign-in for an account with TOTP. A code is accepted once only.
    pub async fn sign_in_second_factor(&self, ctx: &Ctx, user_id: Uuid, code: &str) -> Result<Actor> {
        let now = domain::time::now();
        let user = users::by_id(self.db(), user_id).await?.ok_or(AppError::Unauthenticated)?;
        let Some(secret) = user.totp_secret.clone() else { return Err(AppError::Unauthenticated) };
        let mut e = sign_in_entry(ctx, &user);
        self.refuse_if_locked(&e, &user, now).await?;
        let totp = totp_for(&secret, &user.username)?;
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        let step = totp.check(&code, unix_seconds(now));
        let fresh = step.filter(|&s| totp_guard::step_is_fresh(user.totp_last_step.map(|v| v as u64), s));
        let mut tx = self.db().begin().await?;
        let accepted = match fresh {
            Some(step) => users::advance_totp_step(&mut tx, user.id, step as i64).await?,
            None => false,
        };
        if !accepted {
            drop(tx);
            let reason = if step.is_some() { "security code already used" } else { "wrong security code" };
            return Err(match self.fail_sign_in(user.id, e, reason, now).await? {
                AppError::BadCredentials => AppError::BadSecondFactor,
                other => other,
            });
        }
        users::clear_login_failures(&mut tx, user.id).await?;
        e.outcome = Outcome::Allowed;
        e.reason = Some("signed in with a second factor".into());
        store::governance::audit::append(&mut tx, e).await?;
        tx.commit().await?;
        actor_from(&user, Via::Session)
    }

    /// The actor behind a session's user id, or `None` if the account is gone or disabled.
    pub async fn session_actor(&self, user_id: Uuid) -> Result<Option<Actor>> {
        match users::by_id(self.db(), user_id).await? {
            Some(u) if !u.disabled => Ok(Some(actor_from(&u, Via::Session)?)),
            _ => Ok(None),
        }
    }

    /// Audit a sign-out (the web layer removes the session itself).
    pub async fn signed_out(&self, ctx: &Ctx, reason: &str) -> Result<()> {
        let mut e = entry(ctx, "sign_out", "user", ctx.actor_id().map(|u| u.to_string()), Outcome::Allowed);
        e.reason = Some(reason.to_owned());
        self.audit_alone(e).await
    }

    /// End every session of the signed-in user, on every device. Returns how many were ended.
    pub async fn sign_out_everywhere(&self, ctx: &Ctx) -> Result<u64> {
        let actor = ctx.actor.as_ref().ok_or(AppError::Unauthenticated)?;
        let mut tx = self.db().begin().await?;
        let n = sessions::delete_for_user(&mut tx, actor.user_id).await?;
        let mut e = entry(ctx, "sign_out_everywhere", "user", Some(actor.user_id.to_string()), Outcome::Allowed);
        e.reason = Some(format!("{n} sessions ended"));
        store::governance::audit::append(&mut tx, e).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Change one's own password. Other sessions of the account are ended.
    pub async fn change_password(&self, ctx: &Ctx, current: &str, new: &str, confirm: &str) -> Result<()> {
        let actor = ctx.actor.as_ref().ok_or(AppError::Unauthenticated)?;
        let user = users::by_id(self.db(), actor.user_id).await?.ok_or(AppError::Unauthenticated)?;
        let mut errors = domain::validation::Errors::new();
        errors.check("new_password", password::check(new, &user.username));
        if new != confirm {
            errors.add("confirm_password", "The passwords do not match");
        }
        if current.is_empty() {
            errors.add("current_password", "Enter your current password");
        }
        errors.finish()?;
        if !passwords::verify(current.to_owned(), Some(user.password_hash.clone())).await? {
            return Err(AppError::invalid("current_password", "Your current password is not right"));
        }
        let hash = passwords::hash(new.to_owned()).await?;
        let mut tx = self.db().begin().await?;
        users::set_password(&mut tx, user.id, &hash, Ts(domain::time::now())).await?;
        self.audit_in(&mut tx, ctx, "password_changed", user.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Offer a new TOTP secret. Nothing is stored until [`App::confirm_totp`] sees a code made from it.
    pub fn new_totp_secret(&self, ctx: &Ctx) -> Result<TotpEnrolment> {
        let actor = ctx.actor.as_ref().ok_or(AppError::Unauthenticated)?;
        let secret = Secret::generate().to_base32();
        let otpauth_uri = otpauth_uri(&secret, &actor.username)?;
        Ok(TotpEnrolment { secret_base32: secret, otpauth_uri })
    }

    /// Store the secret once the person has typed a code their app made from it. The code's step is
    /// recorded, so that code cannot then be used to sign in.
    pub async fn confirm_totp(&self, ctx: &Ctx, secret_base32: &str, code: &str) -> Result<()> {
        let actor = ctx.actor.as_ref().ok_or(AppError::Unauthenticated)?;
        let totp = totp_for(secret_base32, &actor.username)?;
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.is_empty() {
            return Err(AppError::invalid("code", "Enter the 6-digit code from your authenticator app"));
        }
        let Some(step) = totp.check(&code, unix_seconds(domain::time::now())) else {
            return Err(AppError::invalid("code", "The code is not right. Check the time on your phone and try again"));
        };
        let mut tx = self.db().begin().await?;
        users::set_totp_secret(&mut tx, actor.user_id, Some(secret_base32)).await?;
        users::advance_totp_step(&mut tx, actor.user_id, step as i64).await?;
        self.audit_in(&mut tx, ctx, "totp_enrolled", actor.user_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether the signed-in user has a second factor.
    pub async fn has_totp(&self, user_id: Uuid) -> Result<bool> {
        Ok(users::by_id(self.db(), user_id).await?.is_some_and(|u| u.totp_secret.is_some()))
    }

    /// Append an "allowed" event about a user account inside `tx`.
    pub(crate) async fn audit_in(&self, tx: &mut Tx, ctx: &Ctx, action: &str, user_id: Uuid) -> Result<()> {
        store::governance::audit::append(tx, entry(ctx, action, "user", Some(user_id.to_string()), Outcome::Allowed))
            .await?;
        Ok(())
    }
}

/// A code for `secret` at `at` (tests and demos drive TOTP sign-in with it).
pub fn totp_code_at(secret_base32: &str, username: &str, at: Timestamp) -> Result<String> {
    Ok(totp_for(secret_base32, username)?.generate(unix_seconds(at)).to_string())
}

/// The `otpauth://` URI an authenticator app scans to set up `secret` for `username`.
pub fn otpauth_uri(secret_base32: &str, username: &str) -> Result<String> {
    totp_for(secret_base32, username)?.to_url().map_err(|e| AppError::Internal(format!("otpauth URI: {e}")))
}
