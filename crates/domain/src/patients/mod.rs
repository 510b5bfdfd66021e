//! The patient record's values: identifiers, names, dates, contact details and communication needs, each
//! a type that can only hold a valid, normalised value.

pub mod ais;
pub mod contact;
pub mod dates;
pub mod names;
pub mod nhs_number;
pub mod postcode;
pub mod record;

pub use contact::{EmailAddress, PhoneKind, PhoneNumber};
pub use nhs_number::NhsNumber;
pub use postcode::Postcode;
