//! Demo data for template previews (staff editor) and for the tests of the shipped templates.

use super::Kind;
use super::render::{Contact, MessageData, Offer, Place, variables};
use jiff::civil::date;

/// Ordinary data: short names, a phone number and a link.
pub fn data(kind: Kind) -> MessageData {
    let start = date(2026, 3, 3).at(9, 10, 0, 0);
    MessageData {
        practice: "Riverside Surgery".into(),
        preferred_name: "Sam".into(),
        start: kind.needs_appointment().then_some(start),
        place: Some(Place::Surgery { address: "Riverside Surgery, 1 High Street, Oldtown OT1 2AB".into() }),
        bring: Some("a list of the medicines you take".into()),
        // Links are signed per appointment, for the messages that can cancel one; the others give the phone.
        contact: Contact {
            phone: Some("01632 960123".into()),
            link: variables(kind).contains(&"cancel").then(|| "https://riverside.example/l/Xk3".into()),
        },
        confirm: Some("https://riverside.example/l/Yc4".into()),
        offer: Some(Offer {
            accept: "https://riverside.example/o/Yes7".into(),
            decline: "https://riverside.example/o/No7".into(),
            answer: "https://riverside.example/o/Ans7".into(),
            reply_by: date(2026, 3, 2).at(17, 0, 0, 0),
        }),
        delay_minutes: Some(20),
        aftercare: Some("Keep the plaster on for a day. Take paracetamol if your arm is sore.".into()),
    }
}

/// Long-ish real-world data, for size checks: a long practice name, a long preferred name, a long
/// address and realistic signed links.
pub fn long_data(kind: Kind) -> MessageData {
    let mut d = data(kind);
    d.practice = "The Old Town and Riverside Medical Practice".into();
    d.preferred_name = "Alexandra-Catherine".into();
    d.start = kind.needs_appointment().then_some(date(2026, 9, 30).at(11, 45, 0, 0));
    d.place =
        Some(Place::Surgery { address: "Riverside Health Centre, 114 Long Meadow Road, Oldtown OT12 3AB".into() });
    d.bring = Some("your repeat prescription list and any inhalers".into());
    d.contact = Contact {
        phone: Some("01632 960123".into()),
        link: variables(kind)
            .contains(&"cancel")
            .then(|| "https://carefront.riverside.example/l/AmXkq3J0bS2wYl9fQe4uR7tVn1cDzH6p".into()),
    };
    d.confirm = Some("https://carefront.riverside.example/l/AVpXkq3J0bS2wYl9fQe4uR7tVn1cDzH6".into());
    d.offer = Some(Offer {
        accept: "https://carefront.riverside.example/o/Ak7Lm3Qp9XcV2bN8mW4eR6/accept".into(),
        decline: "https://carefront.riverside.example/o/Ak7Lm3Qp9XcV2bN8mW4eR6/decline".into(),
        answer: "https://carefront.riverside.example/o/Ak7Lm3Qp9XcV2bN8mW4eR6".into(),
        reply_by: date(2026, 9, 29).at(17, 30, 0, 0),
    });
    d.delay_minutes = Some(45);
    d
}
