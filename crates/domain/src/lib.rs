//! Carefront's pure types and rules. Nothing here does IO: callers pass in the clock, the data and the
//! actor, and get back decisions, normalised values or validation errors. Most unit tests and proptests
//! live in this crate.

pub mod governance;
pub mod patients;
pub mod scheduling;
pub mod time;
pub mod validation;

pub use validation::{FieldError, Invalid};

/// A new identifier: UUID v7, so ids sort by creation time (good for B-tree locality on both backends).
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}
