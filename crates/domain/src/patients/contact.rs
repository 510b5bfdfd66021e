//! Phone numbers (normalised to E.164, with UK mobiles told apart from landlines so SMS only goes to
//! mobiles) and email addresses.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    Mobile,
    Landline,
    /// A number outside the UK: we cannot tell; staff record whether it takes texts.
    Unknown,
}

impl PhoneKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PhoneKind::Mobile => "mobile",
            PhoneKind::Landline => "landline",
            PhoneKind::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Accepts UK national numbers (`07700 900123`, `020 7946 0000`), `+44 (0)20 …`, `0044…`, and
    /// international numbers in `+` form. Spaces, dashes, dots and brackets are ignored.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("Enter a phone number".into());
        }
        let without_trunk = trimmed.replace("(0)", "");
        let mut digits = String::new();
        let mut plus = false;
        for (i, c) in without_trunk.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => plus = true,
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err("Enter a phone number using numbers only, like 07700 900123 or +44 7700 900123".into()),
            }
        }
        let international = if plus {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_owned()
        } else if let Some(rest) = digits.strip_prefix('0') {
            format!("44{rest}")
        } else {
            return Err("Start the number with 0 for a UK number, or + and the country code".into());
        };
        if international.starts_with('0') || !(8..=15).contains(&international.len()) {
            return Err("Enter a real phone number, like 07700 900123 or +44 7700 900123".into());
        }
        // UK numbers are 10 digits after the leading 0, except a few old 01 area codes with 9.
        if let Some(national) = international.strip_prefix("44") {
            let ok = match national.as_bytes().first() {
                Some(b'1') => (9..=10).contains(&national.len()),
                Some(_) => national.len() == 10,
                None => false,
            };
            if !ok {
                return Err("A UK phone number is 11 digits long, like 07700 900123".into());
            }
        }
        Ok(Self(format!("+{international}")))
    }

    /// E.164, e.g. `+447700900123`.
    pub fn e164(&self) -> &str {
        &self.0
    }

    /// UK mobiles are 071–075, 07624 and 077–079 (Ofcom); other UK numbers are not mobiles.
    pub fn kind(&self) -> PhoneKind {
        match self.0.strip_prefix("+44") {
            Some(n) if n.starts_with("7624") => PhoneKind::Mobile,
            Some(n) if n.starts_with('7') && matches!(n.as_bytes().get(1), Some(b'1'..=b'5' | b'7'..=b'9')) => {
                PhoneKind::Mobile
            }
            Some(_) => PhoneKind::Landline,
            None => PhoneKind::Unknown,
        }
    }

    /// For display: UK numbers in national form (`07700 900123`), others in E.164.
    pub fn national(&self) -> String {
        match self.0.strip_prefix("+44") {
            Some(n) if n.starts_with('7') && n.len() == 10 => format!("0{} {}", &n[..4], &n[4..]),
            Some(n) if n.starts_with("20") && n.len() == 10 => format!("0{} {} {}", &n[..2], &n[2..6], &n[6..]),
            Some(n) => format!("0{n}"),
            None => self.0.clone(),
        }
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.national())
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// A practical check, not RFC 5322 in full: one `@`, a local part, and a domain with a dot whose
    /// labels are letters, digits and hyphens. The domain is lower-cased; the local part is kept as typed.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("Enter an email address".into());
        }
        let bad = || "Enter an email address in the correct format, like name@example.com".to_owned();
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = s.rsplit_once('@').ok_or_else(bad)?;
        if local.is_empty() || local.len() > 64 || local.contains('@') || local.starts_with('.') || local.ends_with('.')
        {
            return Err(bad());
        }
        let domain = domain.to_lowercase();
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        if labels.len() < 2 || !labels.iter().all(label_ok) || labels.last().is_some_and(|tld| tld.len() < 2) {
            return Err(bad());
        }
        Ok(Self(format!("{local}@{domain}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<EmailAddress> for String {
    fn from(e: EmailAddress) -> String {
        e.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn uk_numbers_normalise_to_e164_and_know_their_kind() {
        for (raw, e164, kind) in [
            ("07700 900123", "+447700900123", PhoneKind::Mobile),
            ("+44 (0)7700 900123", "+447700900123", PhoneKind::Mobile),
            ("0044 7700-900-123", "+447700900123", PhoneKind::Mobile),
            ("020 7946 0000", "+442079460000", PhoneKind::Landline),
            ("(029) 2018 0000", "+442920180000", PhoneKind::Landline),
            ("07624 123456", "+447624123456", PhoneKind::Mobile),
            ("07624123456", "+447624123456", PhoneKind::Mobile),
            ("07600 123456", "+447600123456", PhoneKind::Landline),
            ("+1 415 555 2671", "+14155552671", PhoneKind::Unknown),
            ("+48 600 123 456", "+48600123456", PhoneKind::Unknown),
        ] {
            let p = PhoneNumber::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!((p.e164(), p.kind()), (e164, kind), "{raw}");
        }
        assert_eq!(PhoneNumber::parse("+447700900123").unwrap().to_string(), "07700 900123");
        assert_eq!(PhoneNumber::parse("02079460000").unwrap().to_string(), "020 7946 0000");
    }

    #[test]
    fn impossible_numbers_are_refused() {
        for bad in [
            "",
            "hello",
            "0770090012",
            "077009001234",
            "7700900123",
            "+44 77009",
            "+0 123456789",
            "07700 900123 ext 4",
            "+1234567890123456",
        ] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn email_addresses() {
        assert_eq!(EmailAddress::parse(" Zoe.OBrien@Example.NHS.uk ").unwrap().as_str(), "Zoe.OBrien@example.nhs.uk");
        assert!(EmailAddress::parse("zoë@exämple.com").is_ok(), "internationalised addresses are allowed");
        for bad in [
            "",
            "name",
            "name@",
            "@example.com",
            "name@example",
            "name@@example.com",
            "na me@example.com",
            "name@-x.com",
            "name@example.c",
            ".name@example.com",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn a_uk_mobile_in_any_common_shape_gives_the_same_number(rest in "[0-9]{8}", second in "[1-57-9]", style in 0usize..4) {
            let national = format!("07{second}{rest}");
            let raw = match style {
                0 => national.clone(),
                1 => format!("{} {}", &national[..5], &national[5..]),
                2 => format!("+44 (0){}", &national[1..]),
                _ => format!("0044-{}", &national[1..]),
            };
            let p = PhoneNumber::parse(&raw).unwrap();
            prop_assert_eq!(p.e164(), format!("+44{}", &national[1..]));
            prop_assert_eq!(p.kind(), PhoneKind::Mobile);
            prop_assert_eq!(PhoneNumber::parse(p.e164()).unwrap(), p);
        }
    }
}
