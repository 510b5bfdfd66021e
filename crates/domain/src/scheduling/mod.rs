//! Scheduling rules: the working-day calendar, rotas and the slots cut from them, the appointment
//! state machine, booking checks, the waiting list and referrals, reception measures and iCalendar.
//! All pure: the store and app layers pass in sessions, appointments, the clock and the site's zone.

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

pub mod appointment;
pub mod booking;
pub mod calendar;
pub mod ics;
pub mod reception;
pub mod rota;
pub mod waiting;

pub use appointment::{AppointmentEvent, AppointmentStatus, BookingChannel, Funding, IllegalTransition, Mode};
pub use booking::{BookingProblem, BookingWindow, Interval};
pub use calendar::{BankHolidays, Division};
pub use rota::{ServiceLength, Session, SessionException, Slot, SlotProblem, SlotRules, generate_slots};
pub use waiting::{Priority, ReferralPriority};
