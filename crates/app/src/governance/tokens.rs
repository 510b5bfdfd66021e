//! API tokens for integrations: `Authorization: Bearer cf_…`. A token is 256 random bits; only its SHA-256
//! is stored. Verified tokens are cached briefly so a busy integration costs no database read per request,
//! and the last-used time is written at most once a minute per token.

use super::access::Access;
use crate::{Actor, App, AppError, Ctx, Result, Via};
use base64::Engine;
use domain::governance::{Action, Purpose, Role};
use jiff::{SignedDuration, Timestamp};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};
use store::Ts;
use store::governance::tokens::{self as token_store, TokenOwner, TokenRow};
use store::governance::users;
use uuid::Uuid;

const PREFIX: &str = "cf_";
const TOUCH_EVERY: Duration = Duration::from_secs(60);
const CACHE_MAX: usize = 10_000;

#[derive(Default)]
pub(crate) struct TokenCache {
    verified: RwLock<HashMap<String, (TokenOwner, Instant)>>,
    touched: RwLock<HashMap<Uuid, Instant>>,
    /// Held while a token is looked up, so a burst of requests arriving as an entry expires makes one
    /// database lookup, not one each.
    lookup: tokio::sync::Mutex<()>,
}

impl TokenCache {
    fn fresh(&self, hash: &str, ttl: Duration) -> Option<TokenOwner> {
        let map = self.verified.read().expect("token cache lock");
        map.get(hash).filter(|(_, at)| at.elapsed() < ttl).map(|(o, _)| o.clone())
    }
}

/// A token just created: the only time its secret is seen.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub id: Uuid,
    pub secret: String,
    pub expires_at: Option<Timestamp>,
}

pub fn hash_token(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn usable(owner: &TokenOwner, now: Timestamp) -> bool {
    !owner.disabled && owner.revoked_at.is_none() && owner.expires_at.is_none_or(|e| e.0 > now)
}

impl App {
    /// Create a token for a user. Admins (or the operator at the command line) only.
    pub async fn create_token(
        &self,
        ctx: &Ctx,
        username: &str,
        name: &str,
        expires_days: Option<u32>,
    ) -> Result<NewToken> {
        let grant = self
            .authorize_or_operator(
                ctx,
                Access::general(Action::ManageApiTokens, Purpose::SystemAdministration, "api_token"),
            )
            .await?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::invalid("name", "Enter a name for the token of 100 characters or fewer"));
        }
        if expires_days == Some(0) || expires_days.is_some_and(|d| d > 3650) {
            return Err(AppError::invalid("expires", "Expiry must be between 1 and 3650 days"));
        }
        let user = users::by_username(self.db(), &username.trim().to_lowercase())
            .await?
            .ok_or_else(|| AppError::invalid("user", format!("There is no user called '{}'", username.trim())))?;
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let secret = format!("{PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
        let now = domain::time::now();
        let expires_at = expires_days.map(|d| now + SignedDuration::from_hours(24 * i64::from(d)));
        let row = TokenRow {
            id: domain::new_id(),
            user_id: user.id,
            name: name.to_owned(),
            created_at: Ts(now),
            expires_at: expires_at.map(Ts),
            revoked_at: None,
            last_used_at: None,
        };
        let mut tx = self.db().begin().await?;
        token_store::insert(&mut tx, &row, &hash_token(&secret)).await?;
        grant.named("create_api_token").with_resource(row.id).record(&mut tx).await?;
        tx.commit().await?;
        Ok(NewToken { id: row.id, secret, expires_at })
    }

    /// Revoke a token. Effective at once on this node, and within the cache time on others.
    pub async fn revoke_token(&self, ctx: &Ctx, id: Uuid) -> Result<()> {
        let grant = self
            .authorize_or_operator(
                ctx,
                Access::general(Action::ManageApiTokens, Purpose::SystemAdministration, "api_token").on(id),
            )
            .await?;
        let mut tx = self.db().begin().await?;
        if token_store::by_id(&mut tx, id).await?.is_none() {
            return Err(AppError::NotFound { what: "API token" });
        }
        if !token_store::revoke(&mut tx, id, Ts(domain::time::now())).await? {
            return Err(AppError::Conflict { message: "This token is already revoked".into() });
        }
        grant.named("revoke_api_token").record(&mut tx).await?;
        tx.commit().await?;
        self.inner.tokens.verified.write().expect("token cache lock").retain(|_, (o, _)| o.token_id != id);
        Ok(())
    }

    pub async fn list_tokens(&self, ctx: &Ctx) -> Result<Vec<TokenRow>> {
        let grant = self
            .authorize_or_operator(
                ctx,
                Access::general(Action::ManageApiTokens, Purpose::SystemAdministration, "api_token"),
            )
            .await?;
        let mut tx = self.db().begin().await?;
        let rows = token_store::list(&mut tx).await?;
        grant.named("list_api_tokens").record(&mut tx).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// The actor behind a bearer token, or `None` if it is unknown, revoked, expired or its user is
    /// disabled.
    pub async fn authenticate_token(&self, secret: &str) -> Result<Option<Actor>> {
        if !secret.starts_with(PREFIX) || secret.len() > 100 {
            return Ok(None);
        }
        let hash = hash_token(secret);
        let now = domain::time::now();
        let ttl = self.config().token_cache_ttl;
        let cache = &self.inner.tokens;
        let owner = match cache.fresh(&hash, ttl) {
            Some(o) => o,
            None => {
                let _one_lookup = cache.lookup.lock().await;
                if let Some(o) = cache.fresh(&hash, ttl) {
                    return self.actor_for_token(o, now);
                }
                let Some(o) = token_store::by_hash(self.db(), &hash).await? else { return Ok(None) };
                let mut map = self.inner.tokens.verified.write().expect("token cache lock");
                if map.len() >= CACHE_MAX {
                    map.clear();
                }
                map.insert(hash, (o.clone(), Instant::now()));
                o
            }
        };
        self.actor_for_token(owner, now)
    }

    fn actor_for_token(&self, owner: TokenOwner, now: Timestamp) -> Result<Option<Actor>> {
        if !usable(&owner, now) {
            return Ok(None);
        }
        self.touch_token_lazily(&owner, now);
        let role: Role = owner.role.parse().map_err(|e: String| AppError::Internal(e))?;
        Ok(Some(Actor {
            user_id: owner.user_id,
            username: owner.username.clone(),
            display_name: owner.username,
            role,
            via: Via::Token(owner.token_id),
        }))
    }

    fn touch_token_lazily(&self, owner: &TokenOwner, now: Timestamp) {
        let stale_in_db = owner.last_used_at.is_none_or(|t| now.duration_since(t.0) > SignedDuration::from_secs(60));
        if !stale_in_db {
            return;
        }
        {
            let touched = self.inner.tokens.touched.read().expect("touch lock");
            if touched.get(&owner.token_id).is_some_and(|t| t.elapsed() < TOUCH_EVERY) {
                return;
            }
        }
        self.inner.tokens.touched.write().expect("touch lock").insert(owner.token_id, Instant::now());
        let db = self.db().clone();
        let id = owner.token_id;
        tokio::spawn(async move {
            if let Err(e) = token_store::touch(&db, id, Ts(now)).await {
                tracing::warn!(error = %e, "could not record token use");
            }
        });
    }
}
