//! SMS encoding and segment counts. A message that fits the GSM 03.38 7-bit alphabet packs 160 characters
//! into one segment (153 per segment once split, the rest carries the joining header); one character
//! outside it switches the whole message to UCS-2: 70 per segment, 67 once split. So before counting,
//! characters with a plain GSM equivalent (curly quotes, dashes, ellipsis, odd spaces) are replaced.

use serde::Serialize;

/// GSM 03.38 basic character set (one septet each). 0x1B (escape) is left out: it only starts an
/// extension character.
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// The extension table: escape + character, two septets each.
const GSM_EXTENSION: &str = "\u{000C}^{}\\[~]|€";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SmsEncoding {
    Gsm7,
    Ucs2,
}

impl SmsEncoding {
    /// Units in a message that is sent as one segment.
    pub fn single_limit(self) -> usize {
        match self {
            SmsEncoding::Gsm7 => 160,
            SmsEncoding::Ucs2 => 70,
        }
    }

    /// Units per segment of a message split into several.
    pub fn multi_limit(self) -> usize {
        match self {
            SmsEncoding::Gsm7 => 153,
            SmsEncoding::Ucs2 => 67,
        }
    }
}

/// What an SMS will cost, counted on the text as it will be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmsCount {
    /// The text to send, after replacements.
    pub text: String,
    pub encoding: SmsEncoding,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2).
    pub units: usize,
    pub segments: usize,
    /// How many characters were replaced by a GSM equivalent.
    pub replaced: usize,
}

/// Septets for one character, or `None` when it is not in GSM-7.
pub fn gsm_septets(c: char) -> Option<usize> {
    if GSM_BASIC.contains(c) {
        Some(1)
    } else if GSM_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// The plain GSM text for a character that has one; `None` keeps the character as it is.
fn plain_equivalent(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{00B4}' | '`' => "'",
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}' | '\u{00BB}' => "\"",
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{2212}' | '\u{2022}' => "-",
        '\u{2026}' => "...",
        '\t' | '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => " ",
        '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' => "",
        _ => return None,
    })
}

/// Replace characters outside GSM-7 that have a plain equivalent; everything else is left alone (names are
/// never transliterated). Returns the text and how many characters were replaced.
pub fn gsm_friendly(text: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len());
    let mut replaced = 0;
    for c in text.chars() {
        match plain_equivalent(c) {
            Some(plain) if gsm_septets(c).is_none() => {
                out.push_str(plain);
                replaced += 1;
            }
            _ => out.push(c),
        }
    }
    (out, replaced)
}

/// Count the text exactly as given (no replacements).
pub fn count_exact(text: &str) -> (SmsEncoding, usize, usize) {
    let septets: Option<Vec<usize>> = text.chars().map(gsm_septets).collect();
    let (encoding, sizes) = match septets {
        Some(sizes) => (SmsEncoding::Gsm7, sizes),
        None => (SmsEncoding::Ucs2, text.chars().map(char::len_utf16).collect()),
    };
    let units: usize = sizes.iter().sum();
    let segments = if units == 0 {
        0
    } else if units <= encoding.single_limit() {
        1
    } else {
        // An escape pair or a surrogate pair is never split across segments, so pack greedily.
        let limit = encoding.multi_limit();
        let (mut segments, mut used) = (1, 0);
        for size in sizes {
            if used + size > limit {
                segments += 1;
                used = 0;
            }
            used += size;
        }
        segments
    };
    (encoding, units, segments)
}

/// Replace what can be replaced, then count.
pub fn count_sms(text: &str) -> SmsCount {
    let (text, replaced) = gsm_friendly(text);
    let (encoding, units, segments) = count_exact(&text);
    SmsCount { text, encoding, units, segments, replaced }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_text_is_gsm7() {
        let c = count_sms("Hello Sam, see you on Tuesday 3 March at 9:10am.");
        assert_eq!((c.encoding, c.segments, c.replaced), (SmsEncoding::Gsm7, 1, 0));
        assert_eq!(c.units, 48);
    }

    #[test]
    fn segment_boundaries_gsm7() {
        assert_eq!(count_exact(&"a".repeat(160)), (SmsEncoding::Gsm7, 160, 1));
        assert_eq!(count_exact(&"a".repeat(161)), (SmsEncoding::Gsm7, 161, 2));
        assert_eq!(count_exact(&"a".repeat(306)), (SmsEncoding::Gsm7, 306, 2));
        assert_eq!(count_exact(&"a".repeat(307)), (SmsEncoding::Gsm7, 307, 3));
        assert_eq!(count_exact(""), (SmsEncoding::Gsm7, 0, 0));
    }

    #[test]
    fn extension_characters_take_two_septets() {
        assert_eq!(count_exact("€5 [ok]"), (SmsEncoding::Gsm7, 10, 1));
        assert_eq!(count_exact(&"€".repeat(80)), (SmsEncoding::Gsm7, 160, 1));
        assert_eq!(count_exact(&"€".repeat(81)).2, 2);
        // 152 plain + an escape pair does not fit in the first 153-septet segment.
        let s = format!("{}€{}", "a".repeat(152), "a".repeat(10));
        assert_eq!(count_exact(&s), (SmsEncoding::Gsm7, 164, 2));
        let s = format!("{}€{}", "a".repeat(152), "a".repeat(152));
        assert_eq!(count_exact(&s).2, 3);
    }

    #[test]
    fn one_foreign_character_makes_it_ucs2() {
        assert_eq!(count_exact(&"a".repeat(70)), (SmsEncoding::Gsm7, 70, 1));
        let welsh = format!("Dŵr {}", "a".repeat(66));
        assert_eq!(count_exact(&welsh), (SmsEncoding::Ucs2, 70, 1));
        assert_eq!(count_exact(&format!("{welsh}a")).2, 2);
        assert_eq!(count_exact(&"ł".repeat(134)), (SmsEncoding::Ucs2, 134, 2));
        assert_eq!(count_exact(&"ł".repeat(135)).2, 3);
        // An emoji is two UTF-16 units and is never split.
        assert_eq!(count_exact("🙂"), (SmsEncoding::Ucs2, 2, 1));
        let s = format!("{}🙂", "ł".repeat(66));
        assert_eq!(count_exact(&format!("{s}{}", "ł".repeat(10))).2, 2);
    }

    #[test]
    fn curly_quotes_and_dashes_are_replaced() {
        let c = count_sms("It\u{2019}s \u{201C}easy\u{201D} \u{2013} really\u{2026}\u{00A0}ok");
        assert_eq!(c.text, "It's \"easy\" - really... ok");
        assert_eq!((c.encoding, c.replaced), (SmsEncoding::Gsm7, 6));
    }

    #[test]
    fn names_are_not_transliterated() {
        let c = count_sms("Witaj Łucjo \u{2013} do zobaczenia");
        assert_eq!(c.text, "Witaj Łucjo - do zobaczenia");
        assert_eq!(c.encoding, SmsEncoding::Ucs2);
    }

    proptest! {
        #[test]
        fn segments_hold_the_units(s in "\\PC{0,400}") {
            let (enc, units, segments) = count_exact(&s);
            if units == 0 {
                prop_assert_eq!(segments, 0);
            } else if segments == 1 {
                prop_assert!(units <= enc.single_limit());
            } else {
                prop_assert!(units > enc.single_limit());
                prop_assert!(segments * enc.multi_limit() >= units);
                // Greedy packing wastes at most one unit per segment.
                prop_assert!((segments - 1) * (enc.multi_limit() - 1) < units);
            }
        }

        #[test]
        fn appending_never_lowers_the_count(s in "\\PC{0,300}", c in any::<char>()) {
            let before = count_exact(&s).2;
            let after = count_exact(&format!("{s}{c}")).2;
            prop_assert!(after >= before);
        }

        #[test]
        fn gsm_text_stays_gsm(s in "[a-zA-Z0-9 .,!?@£$()\\[\\]{}€-]{0,300}") {
            let c = count_sms(&s);
            prop_assert_eq!(c.encoding, SmsEncoding::Gsm7);
            prop_assert_eq!(c.replaced, 0);
            prop_assert_eq!(&c.text, &s);
        }

        #[test]
        fn replacement_never_adds_foreign_characters(s in "\\PC{0,200}") {
            let (out, _) = gsm_friendly(&s);
            let foreign = |t: &str| t.chars().filter(|c| gsm_septets(*c).is_none()).count();
            prop_assert!(foreign(&out) <= foreign(&s));
        }
    }
}
