//! A staff username: 3–64 characters of lower-case letters, digits, dot, dash or underscore. Usernames are
//! compared case-insensitively by storing them lower-cased.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err("Enter a username".into());
        }
        if s.chars().count() < 3 || s.chars().count() > 64 {
            return Err("Username must be between 3 and 64 characters".into());
        }
        if !s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_')) {
            return Err("Username can only contain letters, numbers, dots, dashes and underscores".into());
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Username> for String {
    fn from(u: Username) -> Self {
        u.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_and_lower_cased() {
        assert_eq!(Username::parse("  Reception.Anna ").unwrap().as_str(), "reception.anna");
    }

    #[test]
    fn bad_usernames_are_refused() {
        for bad in ["", "  ", "ab", "has space", "émile", "<script>", &"x".repeat(65)] {
            assert!(Username::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
