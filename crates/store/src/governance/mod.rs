//! Users, sessions, API tokens and the audit chain.

pub mod audit;
pub mod sessions;
pub mod tokens;
pub mod users;
