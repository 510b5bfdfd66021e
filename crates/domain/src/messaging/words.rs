//! Dates and times written out in words, in the site's local (civil) time: "Tuesday 3 March at 9:10am".
//! No year: messages are about the coming weeks, and a bare date reads more easily.

use super::Language;
use jiff::civil::{Date, DateTime, Time, Weekday};

/// "Tuesday 3 March at 9:10am" (English), "dydd Mawrth 3 Mawrth am 09:10" (Welsh), and so on.
pub fn when_in_words(at: DateTime, language: Language) -> String {
    let (date, time) = (date_in_words(at.date(), language), time_in_words(at.time(), language));
    match language {
        Language::En => format!("{date} at {time}"),
        Language::Cy => format!("{date} am {time}"),
        Language::Pl => format!("{date} o godz. {time}"),
        Language::Ro => format!("{date}, la ora {time}"),
        Language::Ur => format!("{date}، {time} بجے"),
    }
}

/// "Tuesday 3 March".
pub fn date_in_words(date: Date, language: Language) -> String {
    let weekday = weekday_name(date.weekday(), language);
    let month = month_name(date.month(), language);
    let day = date.day();
    match language {
        Language::Ro => format!("{weekday}, {day} {month}"),
        _ => format!("{weekday} {day} {month}"),
    }
}

/// 12-hour with am/pm for English ("9:10am", "3pm", "12 noon", "midnight"); 24-hour elsewhere ("09:10").
pub fn time_in_words(time: Time, language: Language) -> String {
    let (h, m) = (time.hour(), time.minute());
    if language != Language::En {
        return format!("{h:02}:{m:02}");
    }
    match (h, m) {
        (0, 0) => "midnight".to_owned(),
        (12, 0) => "12 noon".to_owned(),
        _ => {
            let suffix = if h < 12 { "am" } else { "pm" };
            let h12 = if h % 12 == 0 { 12 } else { h % 12 };
            if m == 0 { format!("{h12}{suffix}") } else { format!("{h12}:{m:02}{suffix}") }
        }
    }
}

fn weekday_name(day: Weekday, language: Language) -> &'static str {
    let i = day.to_monday_zero_offset() as usize;
    let names: [&str; 7] = match language {
        Language::En => ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
        Language::Cy => {
            ["dydd Llun", "dydd Mawrth", "dydd Mercher", "dydd Iau", "dydd Gwener", "dydd Sadwrn", "dydd Sul"]
        }
        Language::Pl => ["poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota", "niedziela"],
        Language::Ro => ["luni", "marți", "miercuri", "joi", "vineri", "sâmbătă", "duminică"],
        Language::Ur => ["پیر", "منگل", "بدھ", "جمعرات", "جمعہ", "ہفتہ", "اتوار"],
    };
    names[i]
}

fn month_name(month: i8, language: Language) -> &'static str {
    let i = (month.clamp(1, 12) - 1) as usize;
    let names: [&str; 12] = match language {
        Language::En => [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        Language::Cy => [
            "Ionawr",
            "Chwefror",
            "Mawrth",
            "Ebrill",
            "Mai",
            "Mehefin",
            "Gorffennaf",
            "Awst",
            "Medi",
            "Hydref",
            "Tachwedd",
            "Rhagfyr",
        ],
        // Genitive: "3 marca" is "the 3rd of March".
        Language::Pl => [
            "stycznia",
            "lutego",
            "marca",
            "kwietnia",
            "maja",
            "czerwca",
            "lipca",
            "sierpnia",
            "września",
            "października",
            "listopada",
            "grudnia",
        ],
        Language::Ro => [
            "ianuarie",
            "februarie",
            "martie",
            "aprilie",
            "mai",
            "iunie",
            "iulie",
            "august",
            "septembrie",
            "octombrie",
            "noiembrie",
            "decembrie",
        ],
        Language::Ur => {
            ["جنوری", "فروری", "مارچ", "اپریل", "مئی", "جون", "جولائی", "اگست", "ستمبر", "اکتوبر", "نومبر", "دسمبر"]
        }
    };
    names[i]
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn english_reads_like_the_issue() {
        let at = date(2026, 3, 3).at(9, 10, 0, 0);
        assert_eq!(when_in_words(at, Language::En), "Tuesday 3 March at 9:10am");
        assert_eq!(when_in_words(date(2026, 12, 25).at(15, 0, 0, 0), Language::En), "Friday 25 December at 3pm");
    }

    #[test]
    fn english_twelve_hour_edges() {
        let t = |h, m| time_in_words(Time::new(h, m, 0, 0).unwrap(), Language::En);
        assert_eq!(t(0, 0), "midnight");
        assert_eq!(t(0, 5), "12:05am");
        assert_eq!(t(12, 0), "12 noon");
        assert_eq!(t(12, 30), "12:30pm");
        assert_eq!(t(13, 5), "1:05pm");
        assert_eq!(t(23, 59), "11:59pm");
    }

    #[test]
    fn other_languages() {
        let at = date(2026, 3, 3).at(14, 5, 0, 0);
        assert_eq!(when_in_words(at, Language::Cy), "dydd Mawrth 3 Mawrth am 14:05");
        assert_eq!(when_in_words(at, Language::Pl), "wtorek 3 marca o godz. 14:05");
        assert_eq!(when_in_words(at, Language::Ro), "marți, 3 martie, la ora 14:05");
        assert_eq!(when_in_words(at, Language::Ur), "منگل 3 مارچ، 14:05 بجے");
        assert_eq!(date_in_words(date(2026, 9, 20), Language::Pl), "niedziela 20 września");
    }

    proptest! {
        #[test]
        fn never_panics_and_names_the_day(y in 1i16..=9999, ord in 1i16..=365, h in 0i8..24, m in 0i8..60) {
            let d = Date::new(y, 1, 1).unwrap().with().day_of_year_no_leap(ord).build().unwrap();
            let at = d.at(h, m, 0, 0);
            for l in Language::ALL {
                let s = when_in_words(at, *l);
                prop_assert!(s.contains(&d.day().to_string()));
                prop_assert!(!s.is_empty());
            }
        }
    }
}
