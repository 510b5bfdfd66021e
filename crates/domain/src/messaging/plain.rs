//! Plain-language checks for English text: the Flesch–Kincaid grade level and a jargon list with plainer
//! words. Shipped templates are held to grade 6 and no jargon in tests; practice edits get the same
//! checks as advice.

use serde::Serialize;

/// Above this a sentence is hard to follow, whatever the grade says.
const LONG_SENTENCE_WORDS: usize = 20;
/// GOV.UK and NHS guidance aim at a reading age of 9 to 11: about US grade 6.
pub const MAX_GRADE: f64 = 6.0;

/// One piece of advice for a writer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Advice {
    /// A word patients may not know, with a plainer way to say it.
    Jargon { term: String, suggestion: &'static str },
    /// The text as a whole reads above grade 6.
    ReadingAge { grade: f64 },
    /// One sentence is long; shown with its first words.
    LongSentence { words: usize, starts: String },
}

impl Advice {
    /// The advice in words, for the template editor.
    pub fn message(&self) -> String {
        match self {
            Advice::Jargon { term, suggestion } => format!("\u{201C}{term}\u{201D}: {suggestion}"),
            Advice::ReadingAge { grade } => {
                format!("This reads at school grade {grade:.1}. Aim for 6 or below: use shorter sentences and words.")
            }
            Advice::LongSentence { words, starts } => {
                format!("The sentence starting \u{201C}{starts}\u{201D} has {words} words. Try to split it.")
            }
        }
    }
}

/// Words and phrases to avoid, matched as whole words, without regard to case unless the term is all
/// capitals (an acronym: "DNA" but not "dna" inside a name).
pub const JARGON: &[(&str, &str)] = &[
    ("DNA", "say \u{201C}missed appointment\u{201D}"),
    ("DNA'd", "say \u{201C}missed your appointment\u{201D}"),
    ("did not attend", "say \u{201C}missed your appointment\u{201D}"),
    ("PALS", "spell it out: \u{201C}Patient Advice and Liaison Service\u{201D}, and say what it does"),
    ("referral", "explain it: \u{201C}your doctor has asked us to see you\u{201D}"),
    ("referred", "explain it: \u{201C}your doctor has asked us to see you\u{201D}"),
    ("clinician", "say \u{201C}doctor or nurse\u{201D}"),
    ("clinicians", "say \u{201C}doctors and nurses\u{201D}"),
    ("practitioner", "say who: \u{201C}doctor\u{201D}, \u{201C}nurse\u{201D}, \u{201C}physio\u{201D}"),
    ("triage", "say \u{201C}we will check how soon you need to be seen\u{201D}"),
    ("triaged", "say \u{201C}we checked how soon you need to be seen\u{201D}"),
    ("e-consultation", "say \u{201C}online form\u{201D}"),
    ("econsultation", "say \u{201C}online form\u{201D}"),
    ("eConsult", "say \u{201C}online form\u{201D}"),
    ("consultation", "say \u{201C}appointment\u{201D}"),
    ("attend", "say \u{201C}come to\u{201D} or \u{201C}go to\u{201D}"),
    ("attendance", "say \u{201C}visit\u{201D}"),
    ("outpatient", "say \u{201C}hospital appointment (you go home the same day)\u{201D}"),
    ("OOH", "say \u{201C}when we are closed\u{201D}"),
    ("out of hours", "say \u{201C}when we are closed\u{201D}"),
    ("HCA", "say \u{201C}healthcare assistant\u{201D}"),
    ("ANP", "say \u{201C}nurse\u{201D}"),
    ("FFT", "spell it out: \u{201C}Friends and Family Test\u{201D}"),
    ("appt", "say \u{201C}appointment\u{201D}"),
    ("asap", "say \u{201C}as soon as you can\u{201D}"),
    ("prior to", "say \u{201C}before\u{201D}"),
    ("commence", "say \u{201C}start\u{201D}"),
    ("utilise", "say \u{201C}use\u{201D}"),
    ("facilitate", "say \u{201C}help\u{201D} or \u{201C}arrange\u{201D}"),
    ("in order to", "say \u{201C}to\u{201D}"),
    ("regarding", "say \u{201C}about\u{201D}"),
    ("obtain", "say \u{201C}get\u{201D}"),
    ("remuneration", "say \u{201C}pay\u{201D}"),
    ("modality", "say \u{201C}way\u{201D}: in person, by phone or by video"),
    ("cohort", "say \u{201C}group\u{201D}"),
];

/// Advice for a piece of English text. Empty when the text is plain.
pub fn advice(text: &str) -> Vec<Advice> {
    let mut out = Vec::new();
    for term in jargon_in(text) {
        let suggestion = JARGON.iter().find(|(t, _)| *t == term).map(|(_, s)| *s).unwrap_or_default();
        out.push(Advice::Jargon { term: term.to_owned(), suggestion });
    }
    for sentence in sentences(text) {
        let n = words(sentence).count();
        if n > LONG_SENTENCE_WORDS {
            let starts = sentence.split_whitespace().take(5).collect::<Vec<_>>().join(" ");
            out.push(Advice::LongSentence { words: n, starts });
        }
    }
    if let Some(grade) = grade_level(text)
        && grade > MAX_GRADE
    {
        out.push(Advice::ReadingAge { grade: (grade * 10.0).round() / 10.0 });
    }
    out
}

/// The jargon terms found in the text, each once, in list order.
pub fn jargon_in(text: &str) -> Vec<&'static str> {
    let tokens: Vec<&str> = text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\'' || c == '’')).collect();
    let tokens: Vec<String> = tokens
        .into_iter()
        .map(|t| t.trim_matches(|c| c == '-' || c == '\'' || c == '’').replace('’', "'"))
        .filter(|t| !t.is_empty())
        .collect();
    JARGON
        .iter()
        .map(|(term, _)| *term)
        .filter(|term| {
            let parts: Vec<&str> = term.split(' ').collect();
            let acronym = term.chars().any(|c| c.is_ascii_uppercase()) && !term.chars().any(|c| c.is_ascii_lowercase());
            tokens
                .windows(parts.len())
                .any(|w| w.iter().zip(&parts).all(|(a, b)| if acronym { a == b } else { a.eq_ignore_ascii_case(b) }))
        })
        .collect()
}

/// Flesch–Kincaid grade level: 0.39 × words per sentence + 11.8 × syllables per word − 15.59. `None`
/// when there are no words. Links, numbers and codes are not words.
pub fn grade_level(text: &str) -> Option<f64> {
    let (mut sentence_count, mut word_count, mut syllable_count) = (0usize, 0usize, 0usize);
    for sentence in sentences(text) {
        let mut any = false;
        for w in words(sentence) {
            any = true;
            word_count += 1;
            syllable_count += syllables(w);
        }
        sentence_count += usize::from(any);
    }
    if word_count == 0 {
        return None;
    }
    let (w, s, y) = (word_count as f64, sentence_count as f64, syllable_count as f64);
    Some(0.39 * (w / s) + 11.8 * (y / w) - 15.59)
}

/// Sentences end at `.`, `!` or `?` followed by a space, and at line ends (a heading or a "When:" line is
/// a sentence of its own).
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.lines().flat_map(|line| {
        let mut parts = Vec::new();
        let mut start = 0;
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        for (i, &(at, c)) in chars.iter().enumerate() {
            let next_is_space = chars.get(i + 1).is_none_or(|(_, n)| n.is_whitespace());
            if matches!(c, '.' | '!' | '?') && next_is_space {
                parts.push(&line[start..at + c.len_utf8()]);
                start = at + c.len_utf8();
            }
        }
        parts.push(&line[start..]);
        parts.into_iter().filter(|p| !p.trim().is_empty())
    })
}

/// Words: tokens made of letters (with inner apostrophes or hyphens). Links, emails, phone numbers and
/// times are skipped: they are read as a unit, not syllable by syllable.
fn words(sentence: &str) -> impl Iterator<Item = &str> {
    sentence.split_whitespace().filter_map(|token| {
        if token.contains("://") || token.contains('@') || token.starts_with("www.") {
            return None;
        }
        let t = token.trim_matches(|c: char| !c.is_alphanumeric());
        let ok = !t.is_empty() && t.chars().all(|c| c.is_alphabetic() || c == '\'' || c == '’' || c == '-');
        ok.then_some(t)
    })
}

/// A heuristic syllable count for an English word: vowel groups, less a silent final "e" or a final
/// "-es"/"-ed" that adds no sound, at least one.
pub fn syllables(word: &str) -> usize {
    let w: Vec<char> = word.to_lowercase().chars().filter(|c| c.is_ascii_alphabetic()).collect();
    if w.is_empty() {
        return 1;
    }
    if w.len() <= 3 {
        return 1;
    }
    let vowel = |c: char| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
    let mut count = 0;
    let mut prev = false;
    for (i, &c) in w.iter().enumerate() {
        // "y" at the start is a consonant ("you", "yes").
        let v = vowel(c) && !(c == 'y' && i == 0);
        if v && !prev {
            count += 1;
        }
        prev = v;
    }
    let n = w.len();
    let ends = |s: &str| w.iter().rev().take(s.len()).rev().copied().eq(s.chars());
    let consonant_before = |k: usize| n > k && !vowel(w[n - k - 1]);
    if ends("e") && !ends("le") && !ends("ee") && !ends("ye") && count > 1 {
        count -= 1; // "come", "phone", "time"
    } else if ends("le") && consonant_before(2) {
        // "table", "possible": the "-le" is its own syllable, already counted.
    } else if (ends("es") || ends("ed")) && count > 1 {
        let before = w[n - 3];
        let sounded = if ends("ed") {
            matches!(before, 't' | 'd')
        } else {
            matches!(before, 's' | 'x' | 'z' | 'c' | 'g') || ends("shes") || ends("ches")
        };
        if !sounded {
            count -= 1; // "booked", "times"; but "wanted", "places", "wishes" keep it
        }
    }
    count.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllables_of_common_words() {
        for (w, n) in [
            ("the", 1),
            ("you", 1),
            ("come", 1),
            ("phone", 1),
            ("time", 1),
            ("booked", 1),
            ("wanted", 2),
            ("places", 2),
            ("wishes", 2),
            ("matches", 2),
            ("appointment", 3),
            ("reminder", 3),
            ("surgery", 3),
            ("table", 2),
            ("possible", 3),
            ("Tuesday", 2),
            ("practice", 2),
            ("medicine", 3),
            ("yesterday", 3),
            ("cancel", 2),
            ("please", 1),
        ] {
            assert_eq!(syllables(w), n, "{w}");
        }
    }

    #[test]
    fn grade_of_plain_and_hard_text() {
        let plain = "Your appointment is booked. Please bring your letter. Call us if you cannot come.";
        assert!(grade_level(plain).unwrap() < 6.0, "{:?}", grade_level(plain));
        let hard = "Notwithstanding the aforementioned considerations, patients experiencing \
                    unanticipated difficulties regarding appointment availability should communicate \
                    immediately with administrative personnel.";
        assert!(grade_level(hard).unwrap() > 12.0);
        assert_eq!(grade_level("https://example.org 01632 960123"), None);
    }

    #[test]
    fn lines_are_sentences_and_links_are_not_words() {
        let s: Vec<&str> = sentences("When: Tuesday\nWhere: here. Then go.\n\n").collect();
        assert_eq!(s, vec!["When: Tuesday", "Where: here.", " Then go."]);
        let w: Vec<&str> = words("Go to https://x.example/a, call 01632 960123 at 9:10am, Sam's ok.").collect();
        assert_eq!(w, vec!["Go", "to", "call", "at", "Sam's", "ok"]);
    }

    #[test]
    fn jargon_is_found_as_whole_words() {
        assert_eq!(jargon_in("You were marked DNA by the clinician."), vec!["DNA", "clinician"]);
        assert_eq!(jargon_in("Contact PALS prior to your e-consultation"), vec!["PALS", "e-consultation", "prior to"]);
        assert!(jargon_in("Dna Smith lives in Palsgrave Road").is_empty());
        assert!(jargon_in("We will phone you").is_empty());
        assert_eq!(jargon_in("a Referral letter"), vec!["referral"]);
    }

    #[test]
    fn advice_lists_every_problem() {
        let long = "word ".repeat(25);
        let a = advice(&format!("Your DNA was noted. {long}."));
        assert!(a.iter().any(|x| matches!(x, Advice::Jargon { term, .. } if term == "DNA")));
        assert!(a.iter().any(|x| matches!(x, Advice::LongSentence { words: 25, .. })));
        assert!(a.iter().all(|x| !x.message().is_empty()));
        assert!(advice("See you soon. Bring your letter.").is_empty());
        let hard = advice("Unfortunately, administrative complications necessitated rescheduling.");
        assert!(matches!(hard.as_slice(), [Advice::ReadingAge { grade }] if *grade > 12.0), "{hard:?}");
    }
}
