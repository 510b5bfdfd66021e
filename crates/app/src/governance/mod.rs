//! Governance use-cases: access checks, sign-in, second factors, users, API tokens and the audit log.

pub mod access;
pub mod audit;
pub mod auth;
pub mod passwords;
pub mod tokens;
pub mod users;
