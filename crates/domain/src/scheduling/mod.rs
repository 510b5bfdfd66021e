//! Scheduling rules: the working-day calendar, rotas and the slots cut from them, the appointment
//! state machine, booking checks, the waiting list and referrals, reception measures and iCalendar.
//! All pure: the store and app layers pass in sessions, appointments, the clock and the site's zone.

pub mod appointment;
pub mod booking;
pub mod calendar;
pub mod ics;
pub mod measures;
pub mod reception;
pub mod rota;
pub mod waiting;

pub use appointment::{AppointmentEvent, AppointmentStatus, BookingChannel, Funding, IllegalTransition, Mode};
pub use booking::{BookingProblem, BookingWindow, Interval};
pub use calendar::{BankHolidays, Division};
pub use rota::{ServiceLength, Session, SessionException, Slot, SlotProblem, SlotRules, generate_slots};
pub use waiting::{Priority, ReferralPriority};
