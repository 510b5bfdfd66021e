//! Appointments: FHIR R4 status, the events that move it (legal transitions only), attendance codes
//! (domain-rules.md §8), and how and by whom an appointment was booked.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// FHIR R4 `Appointment.status`, restricted to the codes Carefront uses (domain-rules.md §10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum AppointmentStatus {
    Booked,
    /// The patient is here (checked in). Called in and in the room is still `arrived`; the call time is
    /// kept on the appointment.
    Arrived,
    Fulfilled,
    Cancelled,
    /// Did not attend (DNA).
    Noshow,
    EnteredInError,
}

impl AppointmentStatus {
    pub const ALL: [AppointmentStatus; 6] = [
        AppointmentStatus::Booked,
        AppointmentStatus::Arrived,
        AppointmentStatus::Fulfilled,
        AppointmentStatus::Cancelled,
        AppointmentStatus::Noshow,
        AppointmentStatus::EnteredInError,
    ];

    /// The FHIR code.
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Booked => "booked",
            AppointmentStatus::Arrived => "arrived",
            AppointmentStatus::Fulfilled => "fulfilled",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::Noshow => "noshow",
            AppointmentStatus::EnteredInError => "entered-in-error",
        }
    }

    /// Staff words for the status.
    pub fn label(self) -> &'static str {
        match self {
            AppointmentStatus::Booked => "Booked",
            AppointmentStatus::Arrived => "Arrived",
            AppointmentStatus::Fulfilled => "Finished",
            AppointmentStatus::Cancelled => "Cancelled",
            AppointmentStatus::Noshow => "Did not attend",
            AppointmentStatus::EnteredInError => "Entered in error",
        }
    }

    /// Reads a FHIR code; `checked-in` is taken as `arrived`.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim() {
            "checked-in" => Ok(AppointmentStatus::Arrived),
            s => AppointmentStatus::ALL.into_iter().find(|st| st.as_str() == s).ok_or_else(|| {
                format!("Status must be one of: {}", AppointmentStatus::ALL.map(AppointmentStatus::as_str).join(", "))
            }),
        }
    }

    /// Whether the appointment occupies its time (for the no-overlap rule): booked, arrived or fulfilled.
    pub fn is_active(self) -> bool {
        matches!(self, AppointmentStatus::Booked | AppointmentStatus::Arrived | AppointmentStatus::Fulfilled)
    }
}

/// Who cancelled: the distinction decides attendance code 2 or 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CancelledBy {
    Patient,
    Practice,
}

impl CancelledBy {
    pub fn as_str(self) -> &'static str {
        match self {
            CancelledBy::Patient => "patient",
            CancelledBy::Practice => "practice",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim() {
            "patient" => Ok(CancelledBy::Patient),
            "practice" => Ok(CancelledBy::Practice),
            _ => Err("Cancelled by must be patient or practice".into()),
        }
    }
}

/// Longest reason kept.
pub const REASON_MAX: usize = 500;

/// A reason typed by a person: trimmed, not empty, at most [`REASON_MAX`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Reason(String);

impl Reason {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        if s.is_empty() {
            Err("Enter a reason".into())
        } else if s.chars().count() > REASON_MAX {
            Err(format!("Reason must be {REASON_MAX} characters or fewer"))
        } else {
            Ok(Self(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Something that happens to an appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppointmentEvent {
    CheckIn,
    CallIn,
    Finish,
    Cancel { by: CancelledBy, reason: Option<Reason> },
    MarkDna,
    UndoDna { reason: Reason },
    EnterInError { reason: Reason },
}

/// An event without its data, for errors and audit names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    CheckIn,
    CallIn,
    Finish,
    Cancel,
    MarkDna,
    UndoDna,
    EnterInError,
}

impl EventKind {
    pub const ALL: [EventKind; 7] = [
        EventKind::CheckIn,
        EventKind::CallIn,
        EventKind::Finish,
        EventKind::Cancel,
        EventKind::MarkDna,
        EventKind::UndoDna,
        EventKind::EnterInError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::CheckIn => "check_in",
            EventKind::CallIn => "call_in",
            EventKind::Finish => "finish",
            EventKind::Cancel => "cancel",
            EventKind::MarkDna => "mark_dna",
            EventKind::UndoDna => "undo_dna",
            EventKind::EnterInError => "enter_in_error",
        }
    }

    fn verb(self) -> &'static str {
        match self {
            EventKind::CheckIn => "checked in",
            EventKind::CallIn => "called in",
            EventKind::Finish => "finished",
            EventKind::Cancel => "cancelled",
            EventKind::MarkDna => "marked as did not attend",
            EventKind::UndoDna => "have its did-not-attend undone",
            EventKind::EnterInError => "marked as entered in error",
        }
    }
}

impl AppointmentEvent {
    /// The event without its data.
    pub fn kind(&self) -> EventKind {
        match self {
            AppointmentEvent::CheckIn => EventKind::CheckIn,
            AppointmentEvent::CallIn => EventKind::CallIn,
            AppointmentEvent::Finish => EventKind::Finish,
            AppointmentEvent::Cancel { .. } => EventKind::Cancel,
            AppointmentEvent::MarkDna => EventKind::MarkDna,
            AppointmentEvent::UndoDna { .. } => EventKind::UndoDna,
            AppointmentEvent::EnterInError { .. } => EventKind::EnterInError,
        }
    }
}

/// An event that cannot happen to an appointment in its current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct IllegalTransition {
    pub from: AppointmentStatus,
    pub event: EventKind,
}

impl IllegalTransition {
    /// Stable code for problem+json.
    pub const CODE: &'static str = "illegal-transition";

    /// Plain words for staff.
    pub fn message(&self) -> String {
        let now = match self.from {
            AppointmentStatus::Booked => "is booked and the patient has not checked in",
            AppointmentStatus::Arrived => "has already been checked in",
            AppointmentStatus::Fulfilled => "has finished",
            AppointmentStatus::Cancelled => "has been cancelled",
            AppointmentStatus::Noshow => "is marked as did not attend",
            AppointmentStatus::EnteredInError => "was entered in error",
        };
        format!("This appointment {now}, so it cannot be {}", self.event.verb())
    }
}

/// The status after `event`, or why it cannot happen.
///
/// booked → arrived (check in) → arrived (call in) → fulfilled (finish); booked or arrived → cancelled;
/// booked → noshow (DNA) → booked (undo DNA); anything but entered-in-error → entered-in-error.
/// Finished, cancelled and entered-in-error appointments are otherwise final.
pub fn apply(status: AppointmentStatus, event: &AppointmentEvent) -> Result<AppointmentStatus, IllegalTransition> {
    use AppointmentStatus as S;
    use EventKind as E;
    let next = match (status, event.kind()) {
        (S::Booked, E::CheckIn) => S::Arrived,
        (S::Arrived, E::CallIn) => S::Arrived,
        (S::Arrived, E::Finish) => S::Fulfilled,
        (S::Booked | S::Arrived, E::Cancel) => S::Cancelled,
        (S::Booked, E::MarkDna) => S::Noshow,
        (S::Noshow, E::UndoDna) => S::Booked,
        (S::Booked | S::Arrived | S::Fulfilled | S::Cancelled | S::Noshow, E::EnterInError) => S::EnteredInError,
        (from, event) => return Err(IllegalTransition { from, event }),
    };
    Ok(next)
}

/// Secondary-care attendance codes (domain-rules.md §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AttendanceCode {
    PatientCancelled,
    Dna,
    ProviderCancelled,
    Attended,
    ArrivedLateSeen,
    ArrivedLateNotSeen,
}

impl AttendanceCode {
    /// The national code.
    pub fn code(self) -> u8 {
        match self {
            AttendanceCode::PatientCancelled => 2,
            AttendanceCode::Dna => 3,
            AttendanceCode::ProviderCancelled => 4,
            AttendanceCode::Attended => 5,
            AttendanceCode::ArrivedLateSeen => 6,
            AttendanceCode::ArrivedLateNotSeen => 7,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AttendanceCode::PatientCancelled => "Cancelled by the patient",
            AttendanceCode::Dna => "Did not attend",
            AttendanceCode::ProviderCancelled => "Cancelled by the practice",
            AttendanceCode::Attended => "Attended",
            AttendanceCode::ArrivedLateSeen => "Arrived late but was seen",
            AttendanceCode::ArrivedLateNotSeen => "Arrived late and could not be seen",
        }
    }
}

/// The attendance code of an appointment whose outcome is known; `None` while it is still booked or
/// arrived, and for one entered in error. "Late" means checked in after the booked start.
pub fn attendance_code(
    status: AppointmentStatus,
    cancelled_by: Option<CancelledBy>,
    start: Timestamp,
    arrived_at: Option<Timestamp>,
) -> Option<AttendanceCode> {
    let late = arrived_at.is_some_and(|a| a > start);
    match status {
        AppointmentStatus::Fulfilled if late => Some(AttendanceCode::ArrivedLateSeen),
        AppointmentStatus::Fulfilled => Some(AttendanceCode::Attended),
        AppointmentStatus::Cancelled | AppointmentStatus::Noshow if late => Some(AttendanceCode::ArrivedLateNotSeen),
        AppointmentStatus::Cancelled => Some(match cancelled_by {
            Some(CancelledBy::Patient) => AttendanceCode::PatientCancelled,
            _ => AttendanceCode::ProviderCancelled,
        }),
        AppointmentStatus::Noshow => Some(AttendanceCode::Dna),
        AppointmentStatus::Booked | AppointmentStatus::Arrived | AppointmentStatus::EnteredInError => None,
    }
}

/// GP appointment attendance as reported nationally (domain-rules.md §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GpAttendance {
    Attended,
    DidNotAttend,
    Unknown,
}

/// The GP attendance status of an appointment (cancelled and entered-in-error ones are not counted).
pub fn gp_attendance(status: AppointmentStatus) -> Option<GpAttendance> {
    match status {
        AppointmentStatus::Fulfilled => Some(GpAttendance::Attended),
        AppointmentStatus::Noshow => Some(GpAttendance::DidNotAttend),
        AppointmentStatus::Booked | AppointmentStatus::Arrived => Some(GpAttendance::Unknown),
        AppointmentStatus::Cancelled | AppointmentStatus::EnteredInError => None,
    }
}

code_enum! {
    /// How the appointment was booked.
    BookingChannel {
        Desk = "desk", "At the desk";
        Phone = "phone", "By phone";
        Online = "online", "Online";
        WaitingListOffer = "waiting_list_offer", "From a waiting-list offer";
    }
    "Booking channel must be desk, phone, online or waiting_list_offer"
}

code_enum! {
    /// GP appointment mode (domain-rules.md §8).
    Mode {
        FaceToFace = "face_to_face", "Face to face at the surgery";
        HomeVisit = "home_visit", "Home visit";
        Telephone = "telephone", "Telephone";
        Video = "video", "Video";
    }
    "Mode must be face_to_face, home_visit, telephone or video"
}

impl Mode {
    /// The patient does not come in, so there is no check-in at the desk.
    pub fn is_remote(self) -> bool {
        matches!(self, Mode::Telephone | Mode::Video)
    }
}

code_enum! {
    /// Who pays.
    Funding {
        Nhs = "nhs", "NHS";
        Private = "private", "Private (self-funded)";
        Insurer = "insurer", "Insurer";
    }
    "Funding must be nhs, private or insurer"
}

#[cfg(test)]
mod tests {
    use super::*;
    use AppointmentStatus as S;
    use EventKind as E;

    fn event(kind: EventKind) -> AppointmentEvent {
        let reason = Reason::parse("entered by mistake").unwrap();
        match kind {
            E::CheckIn => AppointmentEvent::CheckIn,
            E::CallIn => AppointmentEvent::CallIn,
            E::Finish => AppointmentEvent::Finish,
            E::Cancel => AppointmentEvent::Cancel { by: CancelledBy::Patient, reason: None },
            E::MarkDna => AppointmentEvent::MarkDna,
            E::UndoDna => AppointmentEvent::UndoDna { reason },
            E::EnterInError => AppointmentEvent::EnterInError { reason },
        }
    }

    #[test]
    fn the_whole_transition_table() {
        // Rows: from; columns in EventKind::ALL order: check in, call in, finish, cancel, DNA, undo DNA,
        // enter in error. `None` is illegal.
        let x = None;
        let table: [(S, [Option<S>; 7]); 6] = [
            (S::Booked, [Some(S::Arrived), x, x, Some(S::Cancelled), Some(S::Noshow), x, Some(S::EnteredInError)]),
            (S::Arrived, [x, Some(S::Arrived), Some(S::Fulfilled), Some(S::Cancelled), x, x, Some(S::EnteredInError)]),
            (S::Fulfilled, [x, x, x, x, x, x, Some(S::EnteredInError)]),
            (S::Cancelled, [x, x, x, x, x, x, Some(S::EnteredInError)]),
            (S::Noshow, [x, x, x, x, x, Some(S::Booked), Some(S::EnteredInError)]),
            (S::EnteredInError, [x, x, x, x, x, x, x]),
        ];
        assert_eq!(table.map(|r| r.0), S::ALL);
        for (from, row) in table {
            for (kind, want) in EventKind::ALL.into_iter().zip(row) {
                let got = apply(from, &event(kind));
                match want {
                    Some(to) => assert_eq!(got, Ok(to), "{from:?} + {kind:?}"),
                    None => assert_eq!(got, Err(IllegalTransition { from, event: kind }), "{from:?} + {kind:?}"),
                }
            }
        }
    }

    #[test]
    fn illegal_transitions_say_why() {
        let e = apply(S::Fulfilled, &event(E::Cancel)).unwrap_err();
        assert_eq!(e.to_string(), "This appointment has finished, so it cannot be cancelled");
        let e = apply(S::Booked, &event(E::CallIn)).unwrap_err();
        assert!(e.message().contains("has not checked in"));
    }

    #[test]
    fn codes_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Ok(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
        assert_eq!(S::parse("checked-in"), Ok(S::Arrived));
        assert!(S::parse("proposed").is_err());
        for c in BookingChannel::ALL {
            assert_eq!(BookingChannel::parse(c.as_str()), Ok(*c));
        }
        for m in Mode::ALL {
            assert_eq!(Mode::parse(m.as_str()), Ok(*m));
            assert_eq!(serde_json::to_string(m).unwrap(), format!("\"{}\"", m.as_str()));
        }
        for f in Funding::ALL {
            assert_eq!(Funding::parse(f.as_str()), Ok(*f));
        }
        assert!(Mode::parse("carrier pigeon").unwrap_err().contains("telephone"));
        assert!(Mode::Video.is_remote() && !Mode::HomeVisit.is_remote());
    }

    #[test]
    fn active_statuses_occupy_time() {
        let active: Vec<S> = S::ALL.into_iter().filter(|s| s.is_active()).collect();
        assert_eq!(active, [S::Booked, S::Arrived, S::Fulfilled]);
    }

    #[test]
    fn reasons_are_trimmed_and_required() {
        assert_eq!(Reason::parse("  patient phoned  ").unwrap().as_str(), "patient phoned");
        assert!(Reason::parse("   ").is_err());
        assert!(Reason::parse(&"x".repeat(REASON_MAX + 1)).is_err());
    }

    #[test]
    fn attendance_codes_from_status_and_times() {
        let start: Timestamp = "2027-06-07T09:00:00Z".parse().unwrap();
        let early: Timestamp = "2027-06-07T08:55:00Z".parse().unwrap();
        let late: Timestamp = "2027-06-07T09:12:00Z".parse().unwrap();
        let code = |s, by, at| attendance_code(s, by, start, at).map(AttendanceCode::code);
        assert_eq!(code(S::Fulfilled, None, Some(early)), Some(5));
        assert_eq!(code(S::Fulfilled, None, Some(start)), Some(5));
        assert_eq!(code(S::Fulfilled, None, None), Some(5));
        assert_eq!(code(S::Fulfilled, None, Some(late)), Some(6));
        assert_eq!(code(S::Cancelled, Some(CancelledBy::Practice), Some(late)), Some(7));
        assert_eq!(code(S::Noshow, None, Some(late)), Some(7));
        assert_eq!(code(S::Cancelled, Some(CancelledBy::Patient), None), Some(2));
        assert_eq!(code(S::Noshow, None, None), Some(3));
        assert_eq!(code(S::Cancelled, Some(CancelledBy::Practice), None), Some(4));
        assert_eq!(code(S::Booked, None, None), None);
        assert_eq!(code(S::Arrived, None, Some(late)), None);
        assert_eq!(code(S::EnteredInError, None, None), None);
        assert_eq!(gp_attendance(S::Noshow), Some(GpAttendance::DidNotAttend));
        assert_eq!(gp_attendance(S::Cancelled), None);
    }
}
