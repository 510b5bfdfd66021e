//! Storage for messaging: the outbox's claims and results, and practice edits to templates.

pub mod links;
pub mod outbox;
pub mod receipts;
pub mod replies;
pub mod templates;
