//! Translation plumbing: Fluent files under `locales/`, compiled into the binary. Staff pages are English
//! for now; patient pages will pick the patient's preferred language first.

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
}
