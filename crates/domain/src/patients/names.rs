//! Names for searching: folded (lower case, accents and apostrophes removed, so `Zoë O'Brien` is found by
//! `zoe obrien`) and split into terms, with a one-edit distance check for typo-tolerant search.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-case, strip diacritics and the marks that names carry inside words (apostrophes, okina,
/// hyphens join the halves), keep letters and digits of every script.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfkd() {
        if is_combining_mark(c) || matches!(c, '\'' | '’' | 'ʻ' | '‘' | '`' | '.') {
            continue;
        }
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else {
            out.push(' ');
        }
    }
    out
}

/// The search terms of a name: folded words, plus hyphenated names joined (`Smith-Jones` gives `smith`,
/// `jones` and `smithjones`).
pub fn terms(s: &str) -> Vec<String> {
    let mut out: Vec<String> = fold(s).split_whitespace().map(str::to_owned).collect();
    for word in s.split_whitespace().filter(|w| w.contains('-')) {
        let joined: String = fold(word).split_whitespace().collect();
        if !joined.is_empty() && !out.contains(&joined) {
            out.push(joined);
        }
    }
    out.retain(|t| !t.is_empty());
    out.dedup();
    out
}

/// Whether two terms are at most one insertion, deletion or substitution apart.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (short, long) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let prefix = short.iter().zip(long.iter()).take_while(|(x, y)| x == y).count();
    if short.len() == long.len() {
        // One substitution (or none), or one transposition of neighbours, which people make often.
        let rest_equal = short[prefix..].iter().skip(1).eq(long[prefix..].iter().skip(1));
        let transposed = prefix + 1 < short.len()
            && short[prefix] == long[prefix + 1]
            && short[prefix + 1] == long[prefix]
            && short[prefix + 2..] == long[prefix + 2..];
        rest_equal || transposed
    } else {
        short[prefix..] == long[prefix + 1..]
    }
}

/// The order patients are listed in within one matched name: family name, given names, date of birth,
/// all folded. Stored beside each search posting, so a page of results comes straight off an index.
pub fn sort_key(family: &str, given: &str, date_of_birth: &str) -> String {
    let words = |s: &str| fold(s).split_whitespace().collect::<Vec<_>>().join(" ");
    format!("{}\u{1}{}\u{1}{date_of_birth}", words(family), words(given))
}

/// Shortest query term that is matched with a typo; shorter ones are too ambiguous to be worth it.
pub const TYPO_MIN_CHARS: usize = 3;

/// The term itself and every string one letter shorter: two terms share one of these exactly when they
/// may be one insertion, deletion, substitution or neighbour swap apart (symmetric-delete lookup; the
/// few pairs two edits apart are weeded out with [`within_one_edit`]).
pub fn deletion_variants(term: &str) -> Vec<String> {
    let chars: Vec<char> = term.chars().collect();
    let mut out = vec![term.to_owned()];
    if chars.len() >= TYPO_MIN_CHARS {
        for i in 0..chars.len() {
            let v: String = chars[..i].iter().chain(&chars[i + 1..]).collect();
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
    out
}

/// Where a search term came from in the record.
pub type TermSource = &'static str;

/// The name terms a record is found by: given, family and preferred names, then previous names
/// (`(given, family)` pairs) for terms not already carried.
pub fn record_terms(
    given: &str,
    family: &str,
    preferred: Option<&str>,
    previous: &[(String, String)],
) -> Vec<(String, TermSource)> {
    let mut out: Vec<(String, TermSource)> = Vec::new();
    let mut add = |text: &str, source: TermSource| {
        for t in terms(text) {
            if !out.iter().any(|(x, s)| *x == t && *s == source) {
                out.push((t, source));
            }
        }
    };
    add(given, "given");
    add(family, "family");
    if let Some(p) = preferred {
        add(p, "preferred");
    }
    for (g, f) in previous {
        for t in terms(g).into_iter().chain(terms(f)) {
            if !out.iter().any(|(x, _)| *x == t) {
                out.push((t, "previous"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folding_makes_names_findable_as_typed() {
        assert_eq!(fold("Zoë O'Brien"), "zoe obrien");
        assert_eq!(fold("Nguyễn Văn An"), "nguyen van an");
        assert_eq!(fold("ʻOkafor"), "okafor");
        assert_eq!(fold("李小龍"), "李小龍");
        assert_eq!(terms("Smith-Jones"), vec!["smith", "jones", "smithjones"]);
        assert_eq!(terms("  Mary   Ann "), vec!["mary", "ann"]);
        assert_eq!(terms("<script>"), vec!["script"]);
    }

    #[test]
    fn one_edit_apart() {
        for (a, b) in [
            ("smith", "smith"),
            ("smith", "smyth"),
            ("smith", "smit"),
            ("smith", "smiths"),
            ("smith", "msith"),
            ("smith", "smiht"),
            ("jon", "john"),
        ] {
            assert!(within_one_edit(a, b), "{a} {b}");
        }
        for (a, b) in [("smith", "smythe"), ("smith", "jones"), ("smith", "sith_"), ("ab", "ba_x")] {
            assert!(!within_one_edit(a, b), "{a} {b}");
        }
    }

    #[test]
    fn sort_keys_list_by_family_then_given_names() {
        let a = sort_key("Smith", "Zoë", "1980-01-01");
        let b = sort_key("Smithers", "Adam", "1970-01-01");
        let c = sort_key("smith", "Adam", "1990-01-01");
        assert!(c < a && a < b);
    }

    #[test]
    fn record_terms_carry_their_source_and_previous_names_only_once() {
        let t = record_terms("Mary Ann", "Smith-Jones", Some("Molly"), &[("Mary".into(), "Brown".into())]);
        let want: Vec<(String, TermSource)> = vec![
            ("mary".into(), "given"),
            ("ann".into(), "given"),
            ("smith".into(), "family"),
            ("jones".into(), "family"),
            ("smithjones".into(), "family"),
            ("molly".into(), "preferred"),
            ("brown".into(), "previous"),
        ];
        assert_eq!(t, want);
    }

    proptest! {
        #[test]
        fn one_edit_apart_words_share_a_deletion_variant(word in "[a-zé]{3,12}", pos in 0usize..12, c in "[a-z]", kind in 0u8..4) {
            let chars: Vec<char> = word.chars().collect();
            let pos = pos % chars.len();
            let c = c.chars().next().unwrap();
            let mut edited = chars.clone();
            match kind {
                0 => edited[pos] = c,
                1 => edited.insert(pos, c),
                2 => { edited.remove(pos); }
                _ => if pos + 1 < edited.len() { edited.swap(pos, pos + 1) },
            }
            let edited: String = edited.into_iter().collect();
            prop_assume!(edited.chars().count() >= TYPO_MIN_CHARS);
            let a = deletion_variants(&word);
            let b = deletion_variants(&edited);
            prop_assert!(a.iter().any(|v| b.contains(v)), "{word} {edited}");
        }

        #[test]
        fn any_single_edit_is_within_one(word in "[a-z]{2,12}", pos in 0usize..12, c in "[a-z]", kind in 0u8..3) {
            let chars: Vec<char> = word.chars().collect();
            let pos = pos % chars.len();
            let c = c.chars().next().unwrap();
            let mut edited = chars.clone();
            match kind {
                0 => edited[pos] = c,
                1 => edited.insert(pos, c),
                _ => { edited.remove(pos); }
            }
            let edited: String = edited.into_iter().collect();
            prop_assert!(within_one_edit(&word, &edited));
            prop_assert!(within_one_edit(&edited, &word));
        }
    }
}
