//! Patient messaging, the pure part: message kinds, channels, languages and variants; templates in Fluent
//! (`crates/domain/messages/`), rendered with the date and time in words; checks for practice-edited
//! wording; plain-language advice; SMS encoding and segment counts. Sending, channel choice and the
//! outbox live in the app layer.

use serde::{Deserialize, Serialize};

pub mod demo;
pub mod edit;
mod html;
pub mod plain;
pub mod render;
pub mod sms;
pub mod words;

pub use edit::{EditPreview, PracticeEdit, check_edit};
pub use html::escape_html;
pub use plain::{Advice, advice, grade_level};
pub use render::{
    Contact, MessageData, Offer, Part, Place, RenderError, Rendered, Renderer, message_id, render, shipped_source,
    variables,
};
pub use sms::{SmsCount, SmsEncoding, count_sms, gsm_friendly};
pub use words::when_in_words;

code_enum! {
    /// What a message is about.
    Kind {
        BookingConfirmation = "booking_confirmation", "Booking confirmation";
        Reminder = "reminder", "Reminder";
        Reschedule = "reschedule", "Appointment moved";
        CancellationByPractice = "cancellation_by_practice", "Cancelled by the practice";
        CancellationByPatient = "cancellation_by_patient", "Cancelled by the patient";
        WaitingListOffer = "waiting_list_offer", "Waiting-list offer";
        RunningLate = "running_late", "Running late";
        MissedAppointment = "missed_appointment", "Missed appointment";
        PostVisit = "post_visit", "After your visit";
        ReferralReceived = "referral_received", "Referral received";
    }
    "Kind must be booking_confirmation, reminder, reschedule, cancellation_by_practice, cancellation_by_patient, waiting_list_offer, running_late, missed_appointment, post_visit or referral_received"
}

impl Kind {
    /// The start of its Fluent message ids, e.g. `waiting-list-offer`.
    pub fn slug(self) -> &'static str {
        match self {
            Kind::BookingConfirmation => "booking-confirmation",
            Kind::Reminder => "reminder",
            Kind::Reschedule => "reschedule",
            Kind::CancellationByPractice => "cancellation-by-practice",
            Kind::CancellationByPatient => "cancellation-by-patient",
            Kind::WaitingListOffer => "waiting-list-offer",
            Kind::RunningLate => "running-late",
            Kind::MissedAppointment => "missed-appointment",
            Kind::PostVisit => "post-visit",
            Kind::ReferralReceived => "referral-received",
        }
    }

    /// A referral arrives before anything is booked; every other kind is about one appointment.
    pub fn needs_appointment(self) -> bool {
        self != Kind::ReferralReceived
    }
}

code_enum! {
    /// How a message reaches the patient.
    Channel {
        Email = "email", "Email";
        Sms = "sms", "Text message (SMS)";
        Letter = "letter", "Letter";
    }
    "Channel must be email, sms or letter"
}

code_enum! {
    /// The shipped languages. English is the fallback.
    Language {
        En = "en", "English";
        Cy = "cy", "Cymraeg (Welsh)";
        Pl = "pl", "Polski (Polish)";
        Ro = "ro", "Română (Romanian)";
        Ur = "ur", "اردو (Urdu)";
    }
    "Language must be en, cy, pl, ro or ur"
}

impl Language {
    /// The folder under `messages/` and the Fluent locale.
    pub fn locale(self) -> &'static str {
        match self {
            Language::En => "en-GB",
            other => other.as_str(),
        }
    }

    /// Right to left: HTML gets `dir="rtl"`.
    pub fn is_rtl(self) -> bool {
        self == Language::Ur
    }

    /// A left-to-right run (a phone number) for the middle of a sentence: in a right-to-left language it
    /// is isolated (U+2066 … U+2069), or its groups of digits would be laid out right to left
    /// ("0123 496 0117"). Urdu texts are UCS-2 already, so the two marks cost no extra encoding.
    pub fn ltr_run(self, s: &str) -> String {
        if self.is_rtl() { format!("\u{2066}{s}\u{2069}") } else { s.to_owned() }
    }

    /// The `dir` attribute value.
    pub fn dir(self) -> &'static str {
        if self.is_rtl() { "rtl" } else { "ltr" }
    }

    /// A patient's preferred language as recorded (ISO 639-1, or a tag such as `en-GB` or `pl-PL`);
    /// `None` when Carefront ships no templates for it, so the caller falls back to English and notes it.
    pub fn from_preference(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        Self::ALL.iter().copied().find(|l| l.as_str() == primary)
    }
}

code_enum! {
    /// The information format (Accessible Information Standard).
    Variant {
        Standard = "standard", "Standard";
        EasyRead = "easy_read", "Easy read";
        LargePrint = "large_print", "Large print";
    }
    "Variant must be standard, easy_read or large_print"
}

impl Variant {
    /// Large print is a layout for paper and email; a phone shows an SMS at the reader's own size.
    pub fn allowed_on(self, channel: Channel) -> bool {
        !(self == Variant::LargePrint && channel == Channel::Sms)
    }

    /// Suffix of the Fluent message id. Large print shares the standard wording; only the layout differs.
    pub(crate) fn id_suffix(self) -> &'static str {
        match self {
            Variant::EasyRead => "-easy-read",
            Variant::Standard | Variant::LargePrint => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Ok(*k));
            assert_eq!(k.slug().replace('-', "_"), k.as_str());
        }
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Ok(*c));
        }
        for l in Language::ALL {
            assert_eq!(Language::parse(l.as_str()), Ok(*l));
        }
        for v in Variant::ALL {
            assert_eq!(Variant::parse(v.as_str()), Ok(*v));
        }
        assert!(Kind::parse("telegram").unwrap_err().contains("reminder"));
    }

    #[test]
    fn languages_from_preferences() {
        assert_eq!(Language::from_preference("en-GB"), Some(Language::En));
        assert_eq!(Language::from_preference("pl_PL"), Some(Language::Pl));
        assert_eq!(Language::from_preference(" UR "), Some(Language::Ur));
        assert_eq!(Language::from_preference("fr"), None);
        assert_eq!(Language::from_preference(""), None);
        assert_eq!(Language::Ur.dir(), "rtl");
        assert_eq!(Language::Cy.dir(), "ltr");
        assert_eq!(Language::En.locale(), "en-GB");
    }

    #[test]
    fn large_print_only_on_paper_and_email() {
        assert!(Variant::LargePrint.allowed_on(Channel::Letter));
        assert!(Variant::LargePrint.allowed_on(Channel::Email));
        assert!(!Variant::LargePrint.allowed_on(Channel::Sms));
        assert!(Variant::EasyRead.allowed_on(Channel::Sms));
    }
}
