//! Translation plumbing: Fluent files under `locales/`, compiled into the binary. Staff pages are English
//! for now; patient pages pick the patient's preferred language first. Every other language has every key
//! of `en-GB/links.ftl` (a test below says so), and the page frame's strings patients see in `main.ftl`.

use fluent_templates::{LanguageIdentifier, Loader, static_loader};
use std::sync::LazyLock;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en-GB",
        // Bidi isolation marks would end up inside attribute values and plain-text messages.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static EN_GB: LazyLock<LanguageIdentifier> = LazyLock::new(|| "en-GB".parse().expect("valid language id"));

/// A page's language.
#[derive(Debug, Clone)]
pub struct Lang {
    id: LanguageIdentifier,
}

impl Default for Lang {
    fn default() -> Self {
        Self { id: EN_GB.clone() }
    }
}

impl Lang {
    /// The `lang` attribute value.
    pub fn code(&self) -> String {
        self.id.language.as_str().to_owned()
    }

    /// Right-to-left scripts (Urdu, Arabic…) set `dir="rtl"`.
    pub fn dir(&self) -> &'static str {
        match self.id.language.as_str() {
            "ur" | "ar" | "fa" | "he" => "rtl",
            _ => "ltr",
        }
    }

    /// A patient-facing page in one of the languages Carefront ships messages in.
    pub fn patient(language: domain::messaging::Language) -> Self {
        Self { id: language.locale().parse().unwrap_or_else(|_| EN_GB.clone()) }
    }

    /// A patient page for someone we cannot identify (a link that does not work): the first language in
    /// the browser's `Accept-Language` that Carefront ships, by quality; English otherwise.
    pub fn from_accept_language(header: Option<&str>) -> Self {
        let mut ranges: Vec<(f32, usize, &str)> = header
            .unwrap_or_default()
            .split(',')
            .enumerate()
            .filter_map(|(i, range)| {
                let mut parts = range.split(';');
                let tag = parts.next()?.trim();
                let q = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (q > 0.0 && !tag.is_empty()).then_some((q, i, tag))
            })
            .collect();
        // Highest quality first; equal qualities keep the browser's order.
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranges
            .iter()
            .find_map(|(_, _, tag)| domain::messaging::Language::from_preference(tag))
            .map(Self::patient)
            .unwrap_or_default()
    }

    /// A left-to-right run (a phone number, a reference) for the middle of a sentence: in a right-to-left
    /// language it is isolated, or its groups of digits would be laid out right to left ("0123 496 0117").
    pub fn ltr_run(&self, s: &str) -> String {
        if self.dir() == "rtl" { format!("\u{2066}{s}\u{2069}") } else { s.to_owned() }
    }

    pub fn t(&self, key: &str) -> String {
        LOCALES.lookup(&self.id, key)
    }

    /// A string with placeholders, e.g. `t_with("link-call-us", &[("phone", "01632 960123")])`.
    pub fn t_with(&self, key: &str, args: &[(&'static str, &str)]) -> String {
        let args: std::collections::HashMap<
            std::borrow::Cow<'static, str>,
            fluent_templates::fluent_bundle::FluentValue,
        > = args.iter().map(|(k, v)| (std::borrow::Cow::Borrowed(*k), v.to_string().into())).collect();
        LOCALES.lookup_with_args(&self.id, key, &args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_strings_are_found_and_not_isolated() {
        let en = Lang::default();
        assert_eq!(en.t("service-name"), "Carefront");
        assert!(!en.t("skip-link").contains('\u{2068}'));
        assert_eq!(en.dir(), "ltr");
        assert_eq!(en.code(), "en");
    }

    /// Every language's files, as `(language, links.ftl, main.ftl)`.
    const TRANSLATIONS: [(&str, &str, &str); 4] = [
        ("cy", include_str!("../locales/cy/links.ftl"), include_str!("../locales/cy/main.ftl")),
        ("pl", include_str!("../locales/pl/links.ftl"), include_str!("../locales/pl/main.ftl")),
        ("ro", include_str!("../locales/ro/links.ftl"), include_str!("../locales/ro/main.ftl")),
        ("ur", include_str!("../locales/ur/links.ftl"), include_str!("../locales/ur/main.ftl")),
    ];

    /// The strings of the page frame a patient's page shows.
    const PATIENT_SHELL_KEYS: [&str; 3] = ["service-name", "skip-link", "error-summary-title"];

    /// The messages of a Fluent file: id → the `{ $placeholders }` it uses.
    fn messages(ftl: &str) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
        let mut out: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = Default::default();
        let mut current: Option<String> = None;
        for line in ftl.lines() {
            let value = if line.starts_with(|c: char| c.is_ascii_alphabetic()) {
                let (id, value) = line.split_once('=').unwrap_or_else(|| panic!("not a message: {line}"));
                let id = id.trim().to_owned();
                assert!(out.insert(id.clone(), std::collections::BTreeSet::new()).is_none(), "{id} is there twice");
                current = Some(id);
                value
            } else if line.trim().is_empty() {
                continue;
            } else if line.starts_with(' ') && current.is_some() {
                line
            } else {
                current = None;
                continue;
            };
            let vars = out.get_mut(current.as_ref().expect("a message")).expect("inserted above");
            let mut rest = value;
            while let Some(at) = rest.find("{ $") {
                let name = &rest[at + 3..];
                let end =
                    name.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap_or(name.len());
                vars.insert(name[..end].to_owned());
                rest = &name[end..];
            }
        }
        out
    }

    #[test]
    fn every_language_has_every_link_page_string_with_the_same_placeholders() {
        let english = messages(include_str!("../locales/en-GB/links.ftl"));
        assert!(english.len() > 40, "the English file is read: {english:?}");
        assert_eq!(english["link-call-us"].iter().collect::<Vec<_>>(), ["phone"]);
        for (lang, links, _) in TRANSLATIONS {
            let translated = messages(links);
            let missing: Vec<&String> = english.keys().filter(|k| !translated.contains_key(*k)).collect();
            assert!(missing.is_empty(), "{lang}/links.ftl lacks {missing:?}");
            let extra: Vec<&String> = translated.keys().filter(|k| !english.contains_key(*k)).collect();
            assert!(extra.is_empty(), "{lang}/links.ftl has keys English does not: {extra:?}");
            for (id, vars) in &english {
                assert_eq!(&translated[id], vars, "{lang}/links.ftl: {id} has other placeholders");
            }
            assert!(links.contains("needs review by a native speaker"), "{lang}/links.ftl says it is a draft");
        }
    }

    #[test]
    fn every_language_has_the_page_frame_patients_see_and_only_that() {
        let english = messages(include_str!("../locales/en-GB/main.ftl"));
        for (lang, _, main) in TRANSLATIONS {
            let translated = messages(main);
            for key in PATIENT_SHELL_KEYS {
                assert!(english.contains_key(key), "{key} is an English key");
                assert!(translated.contains_key(key), "{lang}/main.ftl lacks {key}");
            }
            assert_eq!(translated.len(), PATIENT_SHELL_KEYS.len(), "{lang}/main.ftl: staff pages stay English");
            assert!(main.contains("needs review by a native speaker"), "{lang}/main.ftl says it is a draft");
        }
    }

    #[test]
    fn patient_pages_are_in_the_patients_language() {
        use domain::messaging::Language;
        let en = Lang::default();
        for language in [Language::Cy, Language::Pl, Language::Ro, Language::Ur] {
            let lang = Lang::patient(language);
            assert_eq!(lang.code(), language.as_str());
            for key in ["link-cancel-title", "link-bad-lead", "skip-link", "error-summary-title"] {
                assert_ne!(lang.t(key), en.t(key), "{key} in {}", language.as_str());
            }
            let call = lang.t_with("link-call-us", &[("phone", "0117 496 0123")]);
            assert!(call.contains("0117 496 0123") && !call.contains('{'), "{call}");
        }
        // Staff strings fall back to English.
        assert_eq!(Lang::patient(Language::Ur).t("nav-sign-out"), "Sign out");
    }

    #[test]
    fn phone_numbers_keep_their_order_in_right_to_left_pages() {
        use domain::messaging::Language;
        assert_eq!(Lang::default().ltr_run("0117 496 0123"), "0117 496 0123");
        for (header, code) in [
            (None, "en"),
            (Some("ur-PK,ur;q=0.9,en;q=0.8"), "ur"),
            (Some("de-DE, pl;q=0.7, en;q=0.5"), "pl"),
            (Some("en;q=0.2, cy;q=0.9"), "cy"),
            (Some("ro;q=0, fr"), "en"),
            (Some("*;q=0.5, ro;q=bad, cy-GB"), "cy"),
            (Some(";;,,"), "en"),
        ] {
            assert_eq!(Lang::from_accept_language(header).code(), code, "{header:?}");
        }
        assert_eq!(Lang::patient(Language::Pl).ltr_run("0117 496 0123"), "0117 496 0123");
        assert_eq!(Lang::patient(Language::Ur).ltr_run("0117 496 0123"), "\u{2066}0117 496 0123\u{2069}");
    }
}
