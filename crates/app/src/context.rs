//! Who is acting, from where, in which operation. Every use-case takes a [`Ctx`]; its operation id is in
//! the logs, in every error shown to a person, and on every audit event the action writes.

use domain::governance::Role;
use uuid::Uuid;

/// How the actor proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    Token(Uuid),
    /// The `carefront` command run by the operator on the server itself.
    CommandLine,
    /// A signed link from a message sent to the patient (`messaging::links`): the actor is that patient,
    /// and the actor's id is the patient's record id.
    MessageLink,
    /// A text message from a mobile number on the patient's record (`messaging::replies`).
    SmsReply,
}

#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub via: Via,
}

#[derive(Debug, Clone)]
pub struct Ctx {
    pub operation_id: Uuid,
    pub client_addr: Option<String>,
    pub actor: Option<Actor>,
    /// The operator at the server's command line, who already holds the database.
    pub operator: bool,
}

impl Ctx {
    pub fn anonymous(operation_id: Uuid, client_addr: Option<String>) -> Self {
        Self { operation_id, client_addr, actor: None, operator: false }
    }

    /// The operator at the server's command line (user and token management, imports).
    pub fn command_line() -> Self {
        Self { operation_id: domain::new_id(), client_addr: Some("command-line".into()), actor: None, operator: true }
    }

    /// Carefront itself, acting on a schedule or on a change someone else made (offering a freed slot).
    pub fn system() -> Self {
        Self { operation_id: domain::new_id(), client_addr: Some("carefront".into()), actor: None, operator: false }
    }

    pub fn with_actor(mut self, actor: Actor) -> Self {
        self.actor = Some(actor);
        self
    }

    pub fn actor_id(&self) -> Option<Uuid> {
        self.actor.as_ref().map(|a| a.user_id)
    }

    /// The role written on audit events: the actor's role, or how an actor-less call arrived.
    pub fn actor_role_label(&self) -> String {
        match &self.actor {
            Some(a) => a.role.as_str().to_owned(),
            None if self.operator => "command_line".to_owned(),
            None if self.client_addr.as_deref() == Some("carefront") => "system".to_owned(),
            None => "anonymous".to_owned(),
        }
    }
}
