//! Carefront's pure types and rules. Nothing here does IO: callers pass in the clock, the data and the
//! actor, and get back decisions, normalised values or validation errors. Most unit tests and proptests
//! live in this crate.

/// A closed set of codes: stored and sent as `as_str`, shown as `label`, read back with `parse` (which
/// names the allowed values when it refuses one). Declaration order is the sort order.
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal, $label:literal;)+ } $err:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// How it is named on pages.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(s: &str) -> Result<Self, String> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| $err.to_string())
            }
        }
    };
}

pub mod governance;
pub mod messaging;
pub mod patients;
pub mod scheduling;
pub mod time;
pub mod validation;

pub use validation::{FieldError, Invalid};

/// A new identifier: UUID v7, so ids sort by creation time (good for B-tree locality on both backends).
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}
