//! iCalendar (RFC 5545 / iTIP RFC 5546) for appointments: one event attached to a confirmation or
//! cancellation, and a practitioner's private feed. Times are in UTC, so no VTIMEZONE is needed.

use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};
use jiff::Timestamp;
use uuid::Uuid;

const PRODID: &str = "-//Carefront//Carefront//EN";

/// A person in an invitation: shown by name, reached by email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub name: String,
    pub email: String,
}

/// One appointment as a calendar event. What goes in `summary` and `description` is the caller's
/// choice: a patient's copy may name the practitioner, a practitioner's feed should not carry more
/// patient detail than its readers may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsAppointment {
    pub appointment: Uuid,
    /// Bumped on every change the patient should see (time, place, cancellation).
    pub sequence: u32,
    /// When this version was made (DTSTAMP).
    pub stamp: Timestamp,
    pub start: Timestamp,
    pub end: Timestamp,
    pub summary: String,
    pub location: Option<String>,
    pub description: Option<String>,
    pub cancelled: bool,
    /// The practice; iTIP needs one for METHOD:REQUEST.
    pub organizer: Option<Party>,
    /// The patient being sent the invitation.
    pub attendee: Option<Party>,
}

/// The stable UID: the same appointment always updates the same calendar entry.
pub fn uid(appointment: Uuid) -> String {
    format!("{appointment}@carefront")
}

fn utc(ts: Timestamp) -> String {
    ts.strftime("%Y%m%dT%H%M%SZ").to_string()
}

fn party(key: &str, p: &Party) -> Property {
    let mut prop = Property::new(key, format!("mailto:{}", p.email));
    prop.add_parameter("CN", &p.name);
    prop.done()
}

fn event(a: &IcsAppointment) -> Event {
    let mut e = Event::new();
    e.uid(&uid(a.appointment))
        .sequence(a.sequence)
        .add_property("DTSTAMP", utc(a.stamp))
        .add_property("DTSTART", utc(a.start))
        .add_property("DTEND", utc(a.end))
        .summary(&a.summary)
        .status(if a.cancelled { EventStatus::Cancelled } else { EventStatus::Confirmed });
    if let Some(l) = &a.location {
        e.location(l);
    }
    if let Some(d) = &a.description {
        e.description(d);
    }
    if let Some(o) = &a.organizer {
        e.append_property(party("ORGANIZER", o));
    }
    if let Some(p) = &a.attendee {
        let mut prop = party("ATTENDEE", p);
        prop.add_parameter("ROLE", "REQ-PARTICIPANT");
        e.append_multi_property(prop);
    }
    e.done()
}

fn calendar(method: &str) -> Calendar {
    let mut c = Calendar::empty();
    c.append_property(Property::new("VERSION", "2.0"));
    c.append_property(Property::new("PRODID", PRODID));
    c.append_property(Property::new("CALSCALE", "GREGORIAN"));
    c.append_property(Property::new("METHOD", method));
    c
}

/// The iTIP method for one appointment: `CANCEL` once cancelled, else `REQUEST`. Also the `method`
/// parameter of the `text/calendar` MIME part.
pub fn method(a: &IcsAppointment) -> &'static str {
    if a.cancelled { "CANCEL" } else { "REQUEST" }
}

/// One appointment as an `.ics` file (CRLF line endings, folded lines).
pub fn render_appointment(a: &IcsAppointment) -> String {
    let mut c = calendar(method(a));
    c.push(event(a));
    c.done().to_string()
}

/// Many appointments as a subscribable feed (`METHOD:PUBLISH`); cancelled ones stay in with
/// `STATUS:CANCELLED` so subscribed calendars drop them.
pub fn render_feed(name: &str, appointments: &[IcsAppointment]) -> String {
    let mut c = calendar("PUBLISH");
    c.name(name);
    for a in appointments {
        c.push(event(a));
    }
    c.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> IcsAppointment {
        IcsAppointment {
            appointment: Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001),
            sequence: 0,
            stamp: "2027-03-20T10:00:00Z".parse().unwrap(),
            // 09:00 BST, the day after the clocks change.
            start: "2027-03-29T08:00:00Z".parse().unwrap(),
            end: "2027-03-29T08:10:00Z".parse().unwrap(),
            summary: "GP appointment with Dr Patel".into(),
            location: Some("Riverside Surgery, 1 High Street, Bristol BS1 4DJ".into()),
            description: Some("Please arrive 5 minutes early; ring 0117 496 0000 to cancel".into()),
            cancelled: false,
            organizer: Some(Party { name: "Riverside Surgery".into(), email: "reception@riverside.example".into() }),
            attendee: Some(Party { name: "Alex Smith".into(), email: "alex@example.org".into() }),
        }
    }

    fn lines(ics: &str) -> Vec<&str> {
        assert!(ics.ends_with("\r\n"), "CRLF line endings");
        ics.split("\r\n").collect()
    }

    #[test]
    fn a_request_carries_stable_uid_and_utc_times() {
        let ics = render_appointment(&sample());
        let l = lines(&ics);
        for want in [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Carefront//Carefront//EN",
            "METHOD:REQUEST",
            "BEGIN:VEVENT",
            "UID:01930000-0000-7000-8000-000000000001@carefront",
            "SEQUENCE:0",
            "DTSTAMP:20270320T100000Z",
            "DTSTART:20270329T080000Z",
            "DTEND:20270329T081000Z",
            "SUMMARY:GP appointment with Dr Patel",
            "LOCATION:Riverside Surgery\\, 1 High Street\\, Bristol BS1 4DJ",
            "DESCRIPTION:Please arrive 5 minutes early\\; ring 0117 496 0000 to cancel",
            "STATUS:CONFIRMED",
            "ORGANIZER;CN=Riverside Surgery:mailto:reception@riverside.example",
            "END:VEVENT",
            "END:VCALENDAR",
        ] {
            assert!(l.contains(&want), "missing {want:?} in\n{ics}");
        }
        assert!(l.iter().any(|x| x.starts_with("ATTENDEE;")
            && x.contains("CN=Alex Smith")
            && x.ends_with(":mailto:alex@example.org")));
        assert_eq!(l.iter().filter(|x| x.starts_with("DTSTAMP")).count(), 1);
        assert_eq!(method(&sample()), "REQUEST");
    }

    #[test]
    fn a_cancellation_keeps_the_uid_and_bumps_the_sequence() {
        let mut a = sample();
        a.cancelled = true;
        a.sequence = 2;
        let ics = render_appointment(&a);
        let l = lines(&ics);
        for want in
            ["METHOD:CANCEL", "STATUS:CANCELLED", "SEQUENCE:2", "UID:01930000-0000-7000-8000-000000000001@carefront"]
        {
            assert!(l.contains(&want), "missing {want:?} in\n{ics}");
        }
        assert_eq!(render_appointment(&a), ics, "output is deterministic");
    }

    #[test]
    fn a_feed_holds_many_events() {
        let mut b = sample();
        b.appointment = Uuid::from_u128(2);
        b.cancelled = true;
        let ics = render_feed("Dr Patel – appointments", &[sample(), b]);
        let l = lines(&ics);
        assert!(l.contains(&"METHOD:PUBLISH"));
        assert!(l.iter().any(|x| x.starts_with("X-WR-CALNAME:Dr Patel")));
        assert_eq!(l.iter().filter(|x| **x == "BEGIN:VEVENT").count(), 2);
        assert!(l.contains(&"UID:00000000-0000-0000-0000-000000000002@carefront"));
        assert!(l.contains(&"STATUS:CANCELLED"));
        assert!(l.iter().all(|x| x.len() <= 75), "lines are folded at 75 octets");
    }
}
