//! Choosing how to reach a patient: which channels in which order, in which format and language, who
//! else gets a copy, and when a person has to step in. Pure: the worker gathers the [`Facts`] from the
//! record and asks [`choose`].
//!
//! The order of questions (issue 5, "Choosing how to reach the patient"):
//! 1. Never a deceased patient (the job is cancelled).
//! 2. The Accessible Information Standard contact-method need first ("requires contact by email"); needs
//!    Carefront cannot meet on its own (telephone, text relay) and information formats it cannot produce
//!    (Braille, Moon, audio) become a task for staff. "Via carer" sends to the consenting carers only.
//! 3. Then the patient's channel preferences in their order; a channel they opted out of is never used,
//!    even when a need names it.
//! 4. Then the fallbacks, in the order SMS → email → letter to print, for channels the patient has not
//!    opted out of and has the details for. SMS only ever goes to a mobile number.
//!
//! Format: easy read and large print from the information-format needs. When a patient has both, letters
//! and email use large print (standard wording, set large) and SMS uses easy read — a phone shows text at
//! the reader's own size, and wording they cannot read in small print is no help. Language: the preferred
//! language when Carefront ships templates for it, English otherwise (and the fallback is noted).

use domain::messaging::{Channel, Language, Variant};
use domain::patients::PhoneKind;
use domain::patients::PhoneNumber;

/// SNOMED CT codes of the needs that steer messages (domain-rules.md §3).
pub mod needs {
    pub const CONTACT_EMAIL: &str = "936741000000100";
    pub const CONTACT_LETTER: &str = "936721000000107";
    pub const CONTACT_SMS: &str = "936701000000103";
    pub const CONTACT_TELEPHONE: &str = "795661000000104";
    pub const CONTACT_TEXT_RELAY: &str = "796081000000106";
    pub const CONTACT_VIA_CARER: &str = "719561001";
    pub const EASY_READ: &str = "796161000000101";
    pub const BRAILLE_1: &str = "936681000000100";
    pub const BRAILLE_2: &str = "936661000000109";
    pub const MOON: &str = "936621000000101";
    pub const AUDIO: &str = "936601000000105";
    pub const BY_EMAIL: &str = "936581000000101";
    pub const LARGE_PRINT_20: &str = "957331000000109";
    pub const LARGE_PRINT_24: &str = "957351000000102";
    pub const LARGE_PRINT_28: &str = "957371000000106";
}

/// One related person who may receive the patient's messages (consent recorded, in date).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarerFacts {
    pub id: uuid::Uuid,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// What the record says, as far as reaching the patient goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub deceased: bool,
    pub email: Option<String>,
    /// Phone numbers as stored (E.164) with the kind recorded (`mobile`, `landline`, `unknown`).
    pub phones: Vec<(String, String)>,
    /// Postal address lines (name not included); empty when there is no address.
    pub postal_address: Vec<String>,
    /// Channel preferences in the patient's order: (`sms` | `email` | `letter` | `phone`, opted in).
    pub preferences: Vec<(String, bool)>,
    /// Active AIS need codes.
    pub needs: Vec<String>,
    pub preferred_language: String,
    /// Related people with consent to receive messages.
    pub carers: Vec<CarerFacts>,
    /// Whether Carefront can send email (an SMTP server or the demo's catcher is set up).
    pub email_available: bool,
    /// Whether an SMS driver is set up.
    pub sms_available: bool,
}

/// Where one message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Email(String),
    /// E.164.
    Sms(String),
    /// Postal address lines.
    Letter(Vec<String>),
}

impl Address {
    pub fn channel(&self) -> Channel {
        match self {
            Address::Email(_) => Channel::Email,
            Address::Sms(_) => Channel::Sms,
            Address::Letter(_) => Channel::Letter,
        }
    }

    /// As stored on the message row.
    pub fn as_text(&self) -> String {
        match self {
            Address::Email(a) | Address::Sms(a) => a.clone(),
            Address::Letter(lines) => lines.join("\n"),
        }
    }
}

/// A copy for a carer or proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    pub carer: uuid::Uuid,
    pub name: String,
    pub address: Address,
}

/// The decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Do not send, and do not try again (a deceased patient).
    Cancel {
        reason: String,
    },
    /// A person must act; nothing is sent automatically.
    Staff {
        task: String,
    },
    Send(Plan),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The patient's channels, best first: the first that works is used, the rest are fallbacks. Empty
    /// when only carers are to be written to ("contact via carer").
    pub patient: Vec<Address>,
    pub copies: Vec<Copy>,
    pub language: Language,
    /// Why the language is not the one preferred, when it is not.
    pub language_note: Option<String>,
    pub easy_read: bool,
    pub large_print: bool,
}

impl Plan {
    /// The variant for one channel.
    pub fn variant(&self, channel: Channel) -> Variant {
        match channel {
            Channel::Sms if self.easy_read => Variant::EasyRead,
            Channel::Sms => Variant::Standard,
            _ if self.large_print => Variant::LargePrint,
            _ if self.easy_read => Variant::EasyRead,
            _ => Variant::Standard,
        }
    }
}

fn channel_of(code: &str) -> Option<Channel> {
    match code {
        "sms" => Some(Channel::Sms),
        "email" => Some(Channel::Email),
        "letter" => Some(Channel::Letter),
        _ => None,
    }
}

/// A mobile number (never a landline; a number abroad only when recorded as a mobile).
fn mobile(phones: &[(String, String)]) -> Option<String> {
    phones.iter().find_map(|(number, kind)| {
        let parsed = PhoneNumber::parse(number).ok()?;
        let is_mobile = match parsed.kind() {
            PhoneKind::Mobile => true,
            PhoneKind::Landline => false,
            PhoneKind::Unknown => kind == "mobile",
        };
        is_mobile.then(|| parsed.e164().to_owned())
    })
}

fn label(code: &str) -> &'static str {
    domain::patients::ais::need(code).map(|n| n.label).unwrap_or("a communication need")
}

/// Decide how to reach the patient.
pub fn choose(f: &Facts) -> Choice {
    if f.deceased {
        return Choice::Cancel { reason: "the patient has died".into() };
    }
    let has = |code: &str| f.needs.iter().any(|n| n == code);
    // Formats Carefront cannot produce.
    for code in [needs::BRAILLE_1, needs::BRAILLE_2, needs::MOON, needs::AUDIO] {
        if has(code) {
            return Choice::Staff { task: format!("{}: arrange this message in that format", label(code)) };
        }
    }
    // Contact methods a person has to carry out.
    for code in [needs::CONTACT_TELEPHONE, needs::CONTACT_TEXT_RELAY] {
        if has(code) {
            return Choice::Staff { task: format!("{}: contact the patient that way", label(code)) };
        }
    }
    let opted_out = |c: Channel| f.preferences.iter().any(|(p, yes)| !yes && channel_of(p) == Some(c));
    let address_for = |c: Channel| -> Option<Address> {
        if opted_out(c) {
            return None;
        }
        match c {
            Channel::Email => f
                .email
                .as_ref()
                .filter(|e| f.email_available && !e.trim().is_empty())
                .map(|e| Address::Email(e.clone())),
            Channel::Sms => mobile(&f.phones).filter(|_| f.sms_available).map(Address::Sms),
            Channel::Letter => (!f.postal_address.iter().all(|l| l.trim().is_empty()))
                .then(|| Address::Letter(f.postal_address.clone())),
        }
    };

    let (language, language_note) = match Language::from_preference(&f.preferred_language) {
        Some(l) => (l, None),
        None => (
            Language::En,
            Some(format!("No templates in the preferred language '{}': sent in English", f.preferred_language.trim())),
        ),
    };
    let copies: Vec<Copy> = f
        .carers
        .iter()
        .filter_map(|c| {
            let address = match (&c.email, &c.phone) {
                (Some(e), _) if f.email_available && !e.trim().is_empty() => Address::Email(e.trim().to_owned()),
                (_, Some(p)) if f.sms_available => Address::Sms(mobile(&[(p.clone(), String::new())])?),
                _ => return None,
            };
            Some(Copy { carer: c.id, name: c.name.clone(), address })
        })
        .collect();
    let mut plan = Plan {
        patient: Vec::new(),
        copies,
        language,
        language_note,
        easy_read: has(needs::EASY_READ),
        large_print: [needs::LARGE_PRINT_20, needs::LARGE_PRINT_24, needs::LARGE_PRINT_28].iter().any(|c| has(c)),
    };

    if has(needs::CONTACT_VIA_CARER) {
        if plan.copies.is_empty() {
            return Choice::Staff {
                task: "Requires contact via carer, but no carer with consent to receive messages can be reached".into(),
            };
        }
        return Choice::Send(plan);
    }

    let mut order: Vec<Channel> = Vec::new();
    let push = |c: Channel, order: &mut Vec<Channel>| {
        if !order.contains(&c) {
            order.push(c);
        }
    };
    // 1. The AIS contact method (and "information by email").
    for (code, channel) in [
        (needs::CONTACT_EMAIL, Channel::Email),
        (needs::BY_EMAIL, Channel::Email),
        (needs::CONTACT_SMS, Channel::Sms),
        (needs::CONTACT_LETTER, Channel::Letter),
    ] {
        if has(code) {
            push(channel, &mut order);
        }
    }
    // 2. The patient's preferences, in their order.
    for (code, yes) in &f.preferences {
        if let (true, Some(c)) = (yes, channel_of(code)) {
            push(c, &mut order);
        }
    }
    // 3. The fallbacks.
    for c in [Channel::Sms, Channel::Email, Channel::Letter] {
        push(c, &mut order);
    }
    plan.patient = order.into_iter().filter_map(address_for).collect();
    if plan.patient.is_empty() {
        return Choice::Staff {
            task: "No way to reach the patient: no mobile, email or postal address that may be used".into(),
        };
    }
    Choice::Send(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            email: Some("alex@example.org".into()),
            phones: vec![("+442079460000".into(), "landline".into()), ("+447700900123".into(), "mobile".into())],
            postal_address: vec!["1 High Street".into(), "Bristol".into(), "BS1 4DJ".into()],
            preferred_language: "en".into(),
            email_available: true,
            sms_available: true,
            ..Facts::default()
        }
    }

    fn plan(f: &Facts) -> Plan {
        match choose(f) {
            Choice::Send(p) => p,
            other => panic!("expected a plan, got {other:?}"),
        }
    }

    fn channels(p: &Plan) -> Vec<Channel> {
        p.patient.iter().map(Address::channel).collect()
    }

    #[test]
    fn fallbacks_are_sms_then_email_then_letter_and_sms_goes_to_the_mobile() {
        let p = plan(&facts());
        assert_eq!(channels(&p), [Channel::Sms, Channel::Email, Channel::Letter]);
        assert_eq!(p.patient[0], Address::Sms("+447700900123".into()));
        assert_eq!(p.variant(Channel::Email), Variant::Standard);
    }

    #[test]
    fn never_sms_to_a_landline() {
        let mut f = facts();
        f.phones = vec![("+442079460000".into(), "mobile".into())]; // recorded wrongly as a mobile
        assert_eq!(channels(&plan(&f)), [Channel::Email, Channel::Letter]);
    }

    #[test]
    fn every_contact_method_need() {
        let with = |code: &str| {
            let mut f = facts();
            f.needs = vec![code.into()];
            choose(&f)
        };
        let first = |c: Choice| match c {
            Choice::Send(p) => p.patient[0].channel(),
            other => panic!("{other:?}"),
        };
        assert_eq!(first(with(needs::CONTACT_EMAIL)), Channel::Email);
        assert_eq!(first(with(needs::BY_EMAIL)), Channel::Email);
        assert_eq!(first(with(needs::CONTACT_LETTER)), Channel::Letter);
        assert_eq!(first(with(needs::CONTACT_SMS)), Channel::Sms);
        assert!(matches!(with(needs::CONTACT_TELEPHONE), Choice::Staff { .. }));
        assert!(matches!(with(needs::CONTACT_TEXT_RELAY), Choice::Staff { .. }));
        assert!(matches!(with(needs::CONTACT_VIA_CARER), Choice::Staff { .. }), "no consenting carer");
        let mut f = facts();
        f.needs = vec![needs::CONTACT_VIA_CARER.into()];
        f.carers = vec![CarerFacts {
            id: uuid::Uuid::nil(),
            name: "Sam".into(),
            email: None,
            phone: Some("07700 900456".into()),
        }];
        let p = plan(&f);
        assert!(p.patient.is_empty());
        assert_eq!(p.copies[0].address, Address::Sms("+447700900456".into()));
    }

    #[test]
    fn every_format_need() {
        let with = |codes: &[&str]| {
            let mut f = facts();
            f.needs = codes.iter().map(|c| c.to_string()).collect();
            choose(&f)
        };
        for code in [needs::BRAILLE_1, needs::BRAILLE_2, needs::MOON, needs::AUDIO] {
            assert!(matches!(with(&[code]), Choice::Staff { .. }), "{code}");
        }
        for code in [needs::LARGE_PRINT_20, needs::LARGE_PRINT_24, needs::LARGE_PRINT_28] {
            let Choice::Send(p) = with(&[code]) else { panic!() };
            assert_eq!(p.variant(Channel::Letter), Variant::LargePrint);
            assert_eq!(p.variant(Channel::Email), Variant::LargePrint);
            assert_eq!(p.variant(Channel::Sms), Variant::Standard);
        }
        let Choice::Send(p) = with(&[needs::EASY_READ]) else { panic!() };
        assert_eq!(p.variant(Channel::Sms), Variant::EasyRead);
        assert_eq!(p.variant(Channel::Letter), Variant::EasyRead);
        let Choice::Send(p) = with(&[needs::EASY_READ, needs::LARGE_PRINT_24]) else { panic!() };
        assert_eq!((p.variant(Channel::Letter), p.variant(Channel::Sms)), (Variant::LargePrint, Variant::EasyRead));
    }

    #[test]
    fn preferences_order_and_opt_outs_win_over_needs() {
        let mut f = facts();
        f.preferences = vec![("email".into(), true), ("sms".into(), false)];
        assert_eq!(channels(&plan(&f)), [Channel::Email, Channel::Letter]);
        f.needs = vec![needs::CONTACT_SMS.into()];
        assert_eq!(channels(&plan(&f)), [Channel::Email, Channel::Letter], "opted out of SMS: never SMS");
        f.preferences = vec![("letter".into(), true)];
        f.needs.clear();
        assert_eq!(channels(&plan(&f)), [Channel::Letter, Channel::Sms, Channel::Email]);
    }

    #[test]
    fn deceased_cancels_and_nothing_usable_is_a_staff_task() {
        let mut f = facts();
        f.deceased = true;
        assert!(matches!(choose(&f), Choice::Cancel { .. }));
        let f = Facts { preferred_language: "en".into(), ..Facts::default() };
        assert!(matches!(choose(&f), Choice::Staff { .. }));
    }

    #[test]
    fn language_falls_back_to_english_with_a_note() {
        let mut f = facts();
        f.preferred_language = "ur".into();
        assert_eq!(plan(&f).language, Language::Ur);
        f.preferred_language = "fr-FR".into();
        let p = plan(&f);
        assert_eq!(p.language, Language::En);
        assert!(p.language_note.unwrap().contains("fr-FR"));
    }

    #[test]
    fn carers_with_consent_get_a_copy() {
        let mut f = facts();
        f.carers = vec![
            CarerFacts {
                id: uuid::Uuid::from_u128(1),
                name: "Sam".into(),
                email: Some("sam@example.org".into()),
                phone: None,
            },
            CarerFacts {
                id: uuid::Uuid::from_u128(2),
                name: "Jo".into(),
                email: None,
                phone: Some("0117 496 0000".into()),
            },
        ];
        let p = plan(&f);
        assert_eq!(p.copies.len(), 1, "a landline cannot take a text");
        assert_eq!(p.copies[0].address, Address::Email("sam@example.org".into()));
    }
}
