//! The staff password policy: at least 12 characters, at most 256 (Argon2 cost is per byte of input, so an
//! unbounded password is a denial-of-service lever), not a commonly used password, and not the username.

/// A small list of passwords that appear at the top of breach corpora and are 12+ characters long (the
/// shorter ones are already refused by the length rule). Compared case-insensitively.
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123123123123",
    "111111111111",
    "000000000000",
    "password1234",
    "password12345",
    "password123!",
    "passwordpassword",
    "qwertyuiopas",
    "qwertyuiop123",
    "qwerty123456",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "abc123abc123",
    "abcdefghijkl",
    "iloveyou1234",
    "letmein12345",
    "welcome12345",
    "welcome123456",
    "changeme1234",
    "administrator",
    "admin1234567",
    "trustno1trustno1",
    "monkey123456",
    "football1234",
    "baseball1234",
    "sunshine1234",
    "princess1234",
    "starwars1234",
    "whatever1234",
    "superman1234",
    "password2024",
    "password2025",
    "password2026",
    "password2027",
    "summer2026!!",
    "winter2026!!",
    "correcthorsebatterystaple",
    "nhspassword1",
    "nhspassword123",
    "practice1234",
    "reception123",
    "receptionist",
    "doctor123456",
    "surgery12345",
    "carefront123",
    "carefront1234",
];

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 256;

/// Check a new password against the policy. The message is shown to the person choosing it.
pub fn check(password: &str, username: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars == 0 {
        return Err("Enter a password".into());
    }
    if chars < MIN_CHARS {
        return Err(format!("Password must be at least {MIN_CHARS} characters"));
    }
    if chars > MAX_CHARS {
        return Err(format!("Password must be {MAX_CHARS} characters or fewer"));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) || one_repeated_character(&lower) {
        return Err("This password is too common. Choose a less predictable one".into());
    }
    if !username.is_empty() && lower.contains(&username.to_lowercase()) {
        return Err("Password must not contain your username".into());
    }
    Ok(())
}

fn one_repeated_character(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => chars.all(|c| c == first),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn short_common_and_username_passwords_are_refused() {
        assert!(check("", "anna").unwrap_err().contains("Enter"));
        assert!(check("short-pass1", "anna").unwrap_err().contains("12"));
        assert!(check("Password1234", "anna").unwrap_err().contains("common"));
        assert!(check("zzzzzzzzzzzzzzzz", "anna").unwrap_err().contains("common"));
        assert!(check("my-name-is-anna-ok", "anna").unwrap_err().contains("username"));
        assert!(check(&"a1".repeat(200), "anna").unwrap_err().contains("256"));
    }

    #[test]
    fn a_long_uncommon_password_is_accepted() {
        assert_eq!(check("violet kettle harbour 42", "anna"), Ok(()));
        // Counted in characters, not bytes.
        assert_eq!(check("żółćżółćżółć", "anna"), Ok(()));
    }

    proptest! {
        #[test]
        fn anything_shorter_than_twelve_characters_is_refused(p in "\\PC{1,11}") {
            prop_assert!(check(&p, "").is_err());
        }

        #[test]
        fn acceptance_never_depends_on_letter_case_of_common_passwords(i in 0..COMMON.len()) {
            let upper = COMMON[i].to_uppercase();
            prop_assert!(check(&upper, "").is_err());
        }
    }
}
