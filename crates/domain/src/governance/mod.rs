//! Users, roles, the access policy, passwords, second factors and the audit chain.

pub mod audit;
pub mod password;
pub mod policy;
pub mod role;
pub mod totp;
pub mod username;

pub use policy::{Action, Decision, Purpose, Relationship};
pub use role::Role;
pub use username::Username;
