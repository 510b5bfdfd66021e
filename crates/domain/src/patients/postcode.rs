//! UK postcodes, checked for format (not existence) and normalised to `SW1A 1AA`.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Postcode(String);

/// `^([A-Z][A-HJ-Y]?[0-9][A-Z0-9]?[0-9][A-Z]{2}|GIR0A{2})$` on the upper-cased, space-free text.
fn well_formed(c: &[u8]) -> bool {
    if c == b"GIR0AA" {
        return true;
    }
    let n = c.len();
    if !(5..=7).contains(&n) {
        return false;
    }
    let (outward, inward) = c.split_at(n - 3);
    let inward_ok = inward[0].is_ascii_digit() && inward[1].is_ascii_uppercase() && inward[2].is_ascii_uppercase();
    let second_letter = |b: u8| b.is_ascii_uppercase() && b != b'I' && b != b'Z';
    let outward_ok = match outward {
        [a, d] => a.is_ascii_uppercase() && d.is_ascii_digit(),
        [a, b, c] => {
            a.is_ascii_uppercase()
                && ((second_letter(*b) && c.is_ascii_digit()) || (b.is_ascii_digit() && c.is_ascii_alphanumeric()))
        }
        [a, b, c, d] => a.is_ascii_uppercase() && second_letter(*b) && c.is_ascii_digit() && d.is_ascii_alphanumeric(),
        _ => false,
    };
    outward_ok && inward_ok
}

impl Postcode {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        if compact.is_empty() {
            return Err("Enter a postcode".into());
        }
        if !compact.is_ascii() || !well_formed(compact.as_bytes()) {
            return Err("Enter a real postcode, like SW1A 1AA".into());
        }
        let split = compact.len() - 3;
        Ok(Self(format!("{} {}", &compact[..split], &compact[split..])))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The outward code (`SW1A`), used for partial searches.
    pub fn outward(&self) -> &str {
        self.0.split(' ').next().unwrap_or("")
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Postcode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<Postcode> for String {
    fn from(p: Postcode) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn common_shapes_normalise() {
        for (raw, want) in [
            ("sw1a1aa", "SW1A 1AA"),
            (" SW1A  1AA ", "SW1A 1AA"),
            ("m11ae", "M1 1AE"),
            ("B338TH", "B33 8TH"),
            ("cr2 6xh", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
            ("W1A 0AX", "W1A 0AX"),
            ("EC1A 1BB", "EC1A 1BB"),
            ("gir 0aa", "GIR 0AA"),
            ("CF10 1EP", "CF10 1EP"),
        ] {
            assert_eq!(Postcode::parse(raw).unwrap().as_str(), want, "{raw}");
        }
    }

    #[test]
    fn bad_postcodes_are_refused() {
        for bad in ["", "12345", "SW1A", "SW1A 1A", "QQ1 1ZZZ", "S1 1A1", "1AA 1AA", "SWIA1AA!", "ZZ99 9ZZZ", "Ś1 1AA"]
        {
            assert!(Postcode::parse(bad).is_err(), "{bad}");
        }
    }

    fn postcode() -> impl Strategy<Value = String> {
        "[A-Z][A-HJ-Y]?[0-9][A-Z0-9]?[0-9][A-Z]{2}"
    }

    proptest! {
        #[test]
        fn normalising_ignores_case_and_spacing_and_is_idempotent(p in postcode(), lower in any::<bool>(), spaces in 0usize..3) {
            let raw = if lower { p.to_lowercase() } else { p.clone() };
            let split = raw.len() - 3;
            let spaced = format!("{}{}{}", &raw[..split], " ".repeat(spaces), &raw[split..]);
            let parsed = Postcode::parse(&spaced).unwrap();
            prop_assert_eq!(parsed.as_str().replace(' ', ""), p);
            prop_assert_eq!(Postcode::parse(parsed.as_str()).unwrap(), parsed.clone());
            prop_assert_eq!(parsed.as_str().matches(' ').count(), 1);
        }
    }
}
