//! Staff accounts.

use super::access::Access;
use super::passwords;
use crate::{App, AppError, Ctx, Result};
use domain::governance::{Action, Purpose, Role, Username, password};
use store::Ts;
use store::governance::users::{self as user_store, UserRow};

/// A new staff account as asked for.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password: String,
}

impl App {
    /// Create a staff account. Admins, or the operator at the command line.
    pub async fn create_user(&self, ctx: &Ctx, new: NewUser) -> Result<UserRow> {
        let grant = self
            .authorize_or_operator(ctx, Access::general(Action::ManageUsers, Purpose::SystemAdministration, "user"))
            .await?;
        let mut errors = domain::validation::Errors::new();
        let username = errors.check("username", Username::parse(&new.username));
        let role = errors.check("role", new.role.parse::<Role>());
        if role == Some(Role::Patient) {
            errors.add("role", "Patients sign in through the patient portal, not with a staff account");
        }
        let display_name = new.display_name.trim();
        if display_name.is_empty() || display_name.chars().count() > 100 {
            errors.add("display_name", "Enter a display name of 100 characters or fewer");
        }
        if let Some(u) = &username {
            errors.check("password", password::check(&new.password, u.as_str()));
        }
        errors.finish()?;
        let (username, role) = (username.expect("checked"), role.expect("checked"));
        if user_store::by_username(self.db(), username.as_str()).await?.is_some() {
            return Err(AppError::Conflict { message: format!("There is already a user called '{username}'") });
        }
        let hash = passwords::hash(new.password).await?;
        let now = Ts(domain::time::now());
        let org = store::organisation::first_organisation(self.db()).await?;
        let row = UserRow {
            id: domain::new_id(),
            organisation_id: org.map(|o| o.id),
            username: username.to_string(),
            display_name: display_name.to_owned(),
            role: role.as_str().to_owned(),
            password_hash: hash,
            totp_secret: None,
            totp_last_step: None,
            locked_until: None,
            disabled: false,
            created_at: now,
            password_changed_at: now,
        };
        let mut tx = self.db().begin().await?;
        match user_store::insert(&mut tx, &row).await {
            Err(e) if e.is_unique_violation() => {
                return Err(AppError::Conflict { message: format!("There is already a user called '{username}'") });
            }
            other => other?,
        }
        grant.named("create_user").with_resource(row.id).record(&mut tx).await?;
        tx.commit().await?;
        Ok(row)
    }
}
