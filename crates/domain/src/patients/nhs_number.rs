//! The NHS number: 10 digits, the last a Modulus 11 check digit, shown as `999 123 4567`.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NhsNumber([u8; 10]);

/// The check digit for the first nine digits, or `None` when the remainder makes the number invalid.
pub fn check_digit(first_nine: &[u8]) -> Option<u8> {
    let sum: u32 = first_nine.iter().zip((2..=10).rev()).map(|(&d, w)| u32::from(d) * w).sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        c => Some(c as u8),
    }
}

impl NhsNumber {
    /// Accepts the digits with or without spaces or dashes (`943 476 5919`, `943-476-5919`).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let compact: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        if compact.is_empty() {
            return Err("Enter an NHS number".into());
        }
        if !compact.chars().all(|c| c.is_ascii_digit()) {
            return Err("An NHS number can only contain numbers".into());
        }
        if compact.len() != 10 {
            return Err(format!("An NHS number is 10 digits long; this has {}", compact.len()));
        }
        let mut digits = [0u8; 10];
        for (d, c) in digits.iter_mut().zip(compact.bytes()) {
            *d = c - b'0';
        }
        match check_digit(&digits[..9]) {
            Some(c) if c == digits[9] => Ok(Self(digits)),
            _ => Err("This is not a valid NHS number. Check it has been copied correctly".into()),
        }
    }

    /// The 10 digits with no spaces (how it is stored and searched).
    pub fn digits(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }

    /// In the 999 range: valid but never issued, for tests and demos.
    pub fn is_test_number(&self) -> bool {
        self.0[..3] == [9, 9, 9]
    }
}

impl fmt::Display for NhsNumber {
    /// Shown 3 3 4.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.digits();
        write!(f, "{} {} {}", &d[..3], &d[3..6], &d[6..])
    }
}

impl TryFrom<String> for NhsNumber {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<NhsNumber> for String {
    fn from(n: NhsNumber) -> String {
        n.digits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_published_examples() {
        assert_eq!(NhsNumber::parse("943 476 5919").unwrap().to_string(), "943 476 5919");
        assert_eq!(NhsNumber::parse("9912003888").unwrap().digits(), "9912003888");
        assert!(NhsNumber::parse("999 123 4560").is_err(), "check digit would be 10");
        assert!(NhsNumber::parse("987 654 4321").is_err());
    }

    #[test]
    fn bad_shapes_say_what_is_wrong() {
        assert!(NhsNumber::parse("943 476 591").unwrap_err().contains("10 digits"));
        assert!(NhsNumber::parse("94347659190").unwrap_err().contains("10 digits"));
        assert!(NhsNumber::parse("943 476 591X").unwrap_err().contains("only contain numbers"));
        assert!(NhsNumber::parse("  ").unwrap_err().contains("Enter"));
    }

    fn valid() -> impl Strategy<Value = String> {
        proptest::collection::vec(0u8..10, 9).prop_filter_map("check digit 10", |nine| {
            check_digit(&nine).map(|c| nine.iter().chain(std::iter::once(&c)).map(|d| char::from(b'0' + d)).collect())
        })
    }

    proptest! {
        #[test]
        fn valid_numbers_parse_whatever_the_spacing(n in valid(), sep in prop_oneof![Just(""), Just(" "), Just("-"), Just("  ")]) {
            let spaced = format!("{}{sep}{}{sep}{}", &n[..3], &n[3..6], &n[6..]);
            let parsed = NhsNumber::parse(&spaced).unwrap();
            prop_assert_eq!(parsed.digits(), n.clone());
            prop_assert_eq!(NhsNumber::parse(&parsed.to_string()).unwrap(), parsed);
        }

        #[test]
        fn any_single_digit_error_is_caught(n in valid(), pos in 0usize..10, delta in 1u8..10) {
            let mut bytes = n.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            prop_assert!(NhsNumber::parse(std::str::from_utf8(&bytes).unwrap()).is_err());
        }

        #[test]
        fn adjacent_transpositions_are_caught(n in valid(), pos in 0usize..9) {
            let mut bytes = n.into_bytes();
            prop_assume!(bytes[pos] != bytes[pos + 1]);
            bytes.swap(pos, pos + 1);
            prop_assert!(NhsNumber::parse(std::str::from_utf8(&bytes).unwrap()).is_err());
        }
    }
}
