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

/// The reversed term, indexed so that a typo early in a word can still be found by its intact end.
pub fn reversed(term: &str) -> String {
    term.chars().rev().collect()
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

    proptest! {
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
