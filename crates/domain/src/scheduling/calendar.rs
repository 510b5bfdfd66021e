//! Working days and bank holidays (domain-rules.md §7). Each site belongs to one bank-holiday division;
//! the dates come from gov.uk's `bank-holidays.json`, bundled here and replaceable by a newer file.

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A UK bank-holiday division, as gov.uk names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Division {
    EnglandAndWales,
    Scotland,
    NorthernIreland,
}

impl Division {
    pub const ALL: [Division; 3] = [Division::EnglandAndWales, Division::Scotland, Division::NorthernIreland];

    pub fn as_str(self) -> &'static str {
        match self {
            Division::EnglandAndWales => "england-and-wales",
            Division::Scotland => "scotland",
            Division::NorthernIreland => "northern-ireland",
        }
    }

    /// How the division is named on pages.
    pub fn label(self) -> &'static str {
        match self {
            Division::EnglandAndWales => "England and Wales",
            Division::Scotland => "Scotland",
            Division::NorthernIreland => "Northern Ireland",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        Division::ALL.into_iter().find(|d| d.as_str() == s).ok_or_else(|| {
            format!("Bank-holiday division must be one of: {}", Division::ALL.map(Division::as_str).join(", "))
        })
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Why a bank-holiday file could not be loaded. Shown to the operator who loaded it.
#[derive(Debug, thiserror::Error)]
pub enum BankHolidaysError {
    #[error("the bank-holiday file is not in the gov.uk shape ({0})")]
    Shape(#[from] serde_json::Error),
    #[error("the bank-holiday file names an unknown division '{0}'")]
    UnknownDivision(String),
    #[error("the bank-holiday file has no '{0}' division")]
    MissingDivision(&'static str),
    #[error("the bank-holiday file lists '{inner}' under the '{key}' key")]
    MismatchedDivision { key: String, inner: String },
    #[error("the bank-holiday file has '{date}' for {division}, which is not a date like 2027-12-25")]
    BadDate { division: &'static str, date: String },
}

#[derive(Deserialize)]
struct RawDivision {
    division: String,
    events: Vec<RawEvent>,
}

#[derive(Deserialize)]
struct RawEvent {
    title: String,
    date: String,
    // `notes` and `bunting` are in the gov.uk shape but decide nothing here.
}

/// Bank holidays for every division. Christmas Day and Good Friday are holidays everywhere in the UK,
/// so they are known even for years the file does not cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankHolidays {
    by_division: [BTreeMap<Date, String>; 3],
}

const BUNDLED: &str = include_str!("../../data/bank-holidays.json");

impl BankHolidays {
    /// The file shipped with Carefront (2025–2028).
    pub fn bundled() -> Self {
        Self::from_json(BUNDLED).expect("the bundled bank-holiday file is valid")
    }

    /// Read a file in the gov.uk shape: `{division: {division, events: [{title, date, notes, bunting}]}}`.
    /// Every division must be present, so a truncated download is refused rather than silently opening
    /// a practice on its holidays.
    pub fn from_json(json: &str) -> Result<Self, BankHolidaysError> {
        let raw: BTreeMap<String, RawDivision> = serde_json::from_str(json)?;
        let mut by_division: [Option<BTreeMap<Date, String>>; 3] = [None, None, None];
        for (key, div) in raw {
            let division = Division::parse(&key).map_err(|_| BankHolidaysError::UnknownDivision(key.clone()))?;
            if div.division != key {
                return Err(BankHolidaysError::MismatchedDivision { key, inner: div.division });
            }
            let mut dates = BTreeMap::new();
            for e in div.events {
                let date = e
                    .date
                    .parse::<Date>()
                    .ok()
                    .filter(|_| e.date.len() == 10)
                    .ok_or(BankHolidaysError::BadDate { division: division.as_str(), date: e.date.clone() })?;
                dates.insert(date, e.title);
            }
            by_division[division.index()] = Some(dates);
        }
        let [a, b, c] = by_division;
        let missing = |d: Division| BankHolidaysError::MissingDivision(d.as_str());
        Ok(Self {
            by_division: [
                a.ok_or_else(|| missing(Division::EnglandAndWales))?,
                b.ok_or_else(|| missing(Division::Scotland))?,
                c.ok_or_else(|| missing(Division::NorthernIreland))?,
            ],
        })
    }

    /// The holiday's title when `date` is a bank holiday in `division`.
    pub fn holiday(&self, division: Division, date: Date) -> Option<&str> {
        if let Some(title) = self.by_division[division.index()].get(&date) {
            return Some(title);
        }
        if date.month() == 12 && date.day() == 25 {
            Some("Christmas Day")
        } else if date == good_friday(date.year()) {
            Some("Good Friday")
        } else {
            None
        }
    }

    /// Not a Saturday, Sunday, Christmas Day, Good Friday or a bank holiday of the division.
    pub fn is_working_day(&self, division: Division, date: Date) -> bool {
        !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) && self.holiday(division, date).is_none()
    }

    /// The working day `n` working days after `date` (`date` itself is not counted; `n == 0` gives the
    /// first working day on or after `date`).
    pub fn add_working_days(&self, division: Division, date: Date, n: u32) -> Date {
        let mut d = date;
        if n == 0 {
            while !self.is_working_day(division, d) {
                d = d.tomorrow().expect("date in range");
            }
            return d;
        }
        let mut left = n;
        while left > 0 {
            d = d.tomorrow().expect("date in range");
            if self.is_working_day(division, d) {
                left -= 1;
            }
        }
        d
    }

    /// The last date the file covers for the division, so operators can be warned to load a newer file.
    pub fn covered_until(&self, division: Division) -> Option<Date> {
        self.by_division[division.index()].keys().next_back().copied()
    }
}

/// Good Friday of a year (Gregorian Easter, anonymous algorithm), two days before Easter Sunday.
pub fn good_friday(year: i16) -> Date {
    let y = i32::from(year);
    let (a, b, c) = (y % 19, y / 100, y % 100);
    let (d, e) = (b / 4, b % 4);
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    let easter = Date::new(year, month as i8, day as i8).expect("Easter is a real date");
    easter.checked_sub(2.days()).expect("date in range")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn divisions_round_trip() {
        for d in Division::ALL {
            assert_eq!(Division::parse(d.as_str()), Ok(d));
            assert_eq!(serde_json::to_string(&d).unwrap(), format!("\"{}\"", d.as_str()));
        }
        assert!(Division::parse("wales").unwrap_err().contains("england-and-wales"));
    }

    #[test]
    fn bundled_file_has_every_division() {
        let h = BankHolidays::bundled();
        assert_eq!(h.holiday(Division::EnglandAndWales, date(2027, 8, 30)), Some("Late Summer Bank Holiday"));
        assert_eq!(h.holiday(Division::Scotland, date(2027, 8, 2)), Some("Summer Bank Holiday"));
        assert_eq!(h.covered_until(Division::Scotland), Some(date(2028, 12, 26)));
    }

    #[test]
    fn second_of_january_is_a_holiday_only_in_scotland() {
        let h = BankHolidays::bundled();
        let d = date(2026, 1, 2); // a Friday
        assert_eq!(h.holiday(Division::Scotland, d), Some("New Year Holiday"));
        assert!(!h.is_working_day(Division::Scotland, d));
        assert!(h.is_working_day(Division::EnglandAndWales, d));
        assert!(h.is_working_day(Division::NorthernIreland, d));
    }

    #[test]
    fn st_patricks_day_only_in_northern_ireland() {
        let h = BankHolidays::bundled();
        let d = date(2027, 3, 17);
        assert!(!h.is_working_day(Division::NorthernIreland, d));
        assert!(h.is_working_day(Division::EnglandAndWales, d));
    }

    #[test]
    fn good_friday_and_christmas_are_known_beyond_the_file() {
        assert_eq!(good_friday(2025), date(2025, 4, 18));
        assert_eq!(good_friday(2027), date(2027, 3, 26));
        assert_eq!(good_friday(2030), date(2030, 4, 19));
        let h = BankHolidays::bundled();
        for div in Division::ALL {
            assert_eq!(h.holiday(div, date(2031, 12, 25)), Some("Christmas Day"));
            assert_eq!(h.holiday(div, date(2030, 4, 19)), Some("Good Friday"));
            // Every Good Friday in the file agrees with the computation.
            for (d, title) in &h.by_division[div.index()] {
                if title == "Good Friday" {
                    assert_eq!(*d, good_friday(d.year()));
                }
            }
        }
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        let h = BankHolidays::bundled();
        let ew = Division::EnglandAndWales;
        // Thu 24 Dec 2026 + 1 → Tue 29 Dec (Christmas Fri, weekend, Boxing Day substitute Mon 28).
        assert_eq!(h.add_working_days(ew, date(2026, 12, 24), 1), date(2026, 12, 29));
        assert_eq!(h.add_working_days(ew, date(2026, 12, 25), 0), date(2026, 12, 29));
        assert_eq!(h.add_working_days(ew, date(2027, 6, 7), 0), date(2027, 6, 7));
        assert_eq!(h.add_working_days(ew, date(2027, 6, 4), 5), date(2027, 6, 11));
    }

    #[test]
    fn malformed_files_are_refused_with_a_reason() {
        let err = |s: &str| BankHolidays::from_json(s).unwrap_err().to_string();
        assert!(err("[1,2]").contains("gov.uk shape"));
        assert!(err("{}").contains("no 'england-and-wales'"));
        assert!(err(r#"{"wales":{"division":"wales","events":[]}}"#).contains("unknown division 'wales'"));
        let one = |div: &str, d: &str| {
            format!(
                r#""{div}":{{"division":"{div}","events":[{{"title":"X","date":"{d}","notes":"","bunting":true}}]}}"#
            )
        };
        let file = |d: &str| {
            format!(
                "{{{},{},{}}}",
                one("england-and-wales", d),
                one("scotland", "2027-01-01"),
                one("northern-ireland", "2027-01-01")
            )
        };
        assert!(err(&file("2027-02-30")).contains("'2027-02-30' for england-and-wales"));
        assert!(err(&file("27-1-1")).contains("not a date"));
        let ok = BankHolidays::from_json(&file("2029-05-07")).unwrap();
        assert_eq!(ok.holiday(Division::EnglandAndWales, date(2029, 5, 7)), Some("X"));
        let mismatched = BUNDLED.replacen(r#""division": "scotland""#, r#""division": "england-and-wales""#, 1);
        assert!(err(&mismatched).contains("under the 'scotland' key"));
    }
}
