//! Dates of birth and death, and the date formats people type into a search box.

use jiff::civil::Date;

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Read a date written the UK way or the ISO way: `01/02/1980`, `1/2/1980`, `01-02-1980`, `01.02.1980`
/// (day first), `1980-02-01`, `1 Feb 1980`, `1 February 1980`, `1st February 1980`. `None` when the text
/// is not a date, or not a real one (30 February).
pub fn parse_date(raw: &str) -> Option<Date> {
    let s = raw.trim().to_lowercase();
    if let Ok(d) = s.parse::<Date>()
        && s.len() == 10
    {
        return Some(d);
    }
    let parts: Vec<&str> = s.split(['/', '-', '.', ' ', ',']).filter(|p| !p.is_empty()).collect();
    let [day, month, year] = parts.as_slice() else { return None };
    let day: i8 = day.trim_end_matches(|c: char| c.is_ascii_alphabetic()).parse().ok()?;
    let month: i8 = match month.parse::<i8>() {
        Ok(m) => m,
        Err(_) => {
            let i = MONTHS.iter().position(|full| month.len() >= 3 && full.starts_with(*month))?;
            i as i8 + 1
        }
    };
    if year.len() != 4 {
        return None;
    }
    let year: i16 = year.parse().ok()?;
    Date::new(year, month, day).ok()
}

/// A date of birth: a real date, not in the future, and not more than 130 years before `today`.
pub fn date_of_birth(raw: &str, today: Date) -> Result<Date, String> {
    if raw.trim().is_empty() {
        return Err("Enter a date of birth".into());
    }
    let d = parse_date(raw).ok_or("Date of birth must be a real date, like 27 3 2007 or 2007-03-27")?;
    check_date_of_birth(d, today)
}

pub fn check_date_of_birth(d: Date, today: Date) -> Result<Date, String> {
    if d > today {
        return Err("Date of birth must be today or in the past".into());
    }
    let earliest = today.saturating_sub(jiff::Span::new().years(130));
    if d < earliest {
        return Err("Date of birth must be within the last 130 years".into());
    }
    Ok(d)
}

/// Age in whole years on `today`.
pub fn age_on(born: Date, today: Date) -> i16 {
    let mut age = today.year() - born.year();
    if (today.month(), today.day()) < (born.month(), born.day()) {
        age -= 1;
    }
    age
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn common_formats_are_read() {
        let want = date(1980, 2, 1);
        for raw in [
            "01/02/1980",
            "1/2/1980",
            "1980-02-01",
            "01-02-1980",
            "01.02.1980",
            "1 Feb 1980",
            "1 february 1980",
            "1st February 1980",
            " 1 FEB 1980 ",
            "1 Feb, 1980",
        ] {
            assert_eq!(parse_date(raw), Some(want), "{raw}");
        }
        for bad in ["30/02/1980", "1980", "1/2/80", "yesterday", "32/01/1980", "1 Fe 1980", "2026-13-01"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_of_birth_must_be_plausible() {
        let today = date(2026, 11, 22);
        assert_eq!(date_of_birth("22/11/2026", today), Ok(today));
        assert!(date_of_birth("23/11/2026", today).unwrap_err().contains("in the past"));
        assert!(date_of_birth("01/01/1800", today).unwrap_err().contains("130 years"));
        assert!(date_of_birth("30/02/1980", today).unwrap_err().contains("real date"));
        assert!(date_of_birth(" ", today).unwrap_err().contains("Enter"));
        assert!(date_of_birth("23/11/1896", today).is_ok());
    }

    #[test]
    fn ages_turn_over_on_the_birthday() {
        assert_eq!(age_on(date(1980, 2, 29), date(2026, 2, 28)), 45);
        assert_eq!(age_on(date(1980, 2, 29), date(2026, 3, 1)), 46);
        assert_eq!(age_on(date(2000, 11, 22), date(2026, 11, 22)), 26);
    }

    proptest! {
        #[test]
        fn uk_and_iso_forms_of_a_date_agree(y in 1900i16..2026, m in 1i8..=12, d in 1i8..=28) {
            let want = date(y, m, d);
            prop_assert_eq!(parse_date(&format!("{d:02}/{m:02}/{y}")), Some(want));
            prop_assert_eq!(parse_date(&format!("{y}-{m:02}-{d:02}")), Some(want));
            prop_assert_eq!(parse_date(&format!("{d} {} {y}", &MONTHS[(m - 1) as usize][..3])), Some(want));
        }
    }
}
