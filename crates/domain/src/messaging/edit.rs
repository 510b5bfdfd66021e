//! Practice-edited wording. Staff edit one part of one message (say the English reminder SMS) in the
//! template editor; before it is saved the text must parse as Fluent, use only the placeholders its kind
//! knows, and fill in with demo data in every shipped language (so a selector or plural that works in
//! English but not in Welsh is caught too).

use super::plain::{Advice, advice};
use super::render::{Bundle, MessageData, Part, message_id, new_bundle, variables};
use super::sms::{SmsCount, count_sms};
use super::{Channel, Kind, Language, Variant, demo};
use crate::validation::Errors;
use crate::{FieldError, Invalid};
use fluent_bundle::FluentResource;
use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One edited part of one message for one language, as typed in the editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PracticeEdit {
    pub kind: Kind,
    pub channel: Channel,
    pub variant: Variant,
    pub part: Part,
    pub language: Language,
    /// A Fluent pattern: wording with `{ $name }` placeholders, several lines allowed.
    pub text: String,
}

/// What the editor shows once an edit passes: the edited part filled in with demo data in each language,
/// plain-language advice (English edits) and the SMS size (SMS edits).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EditPreview {
    pub previews: Vec<(Language, String)>,
    pub advice: Vec<Advice>,
    pub sms: Option<SmsCount>,
}

/// Check an edit. Problems are reported against the fields `variant`, `part` and `text`.
pub fn check_edit(edit: &PracticeEdit) -> Result<EditPreview, Invalid> {
    let mut errors = Errors::new();
    if !edit.variant.allowed_on(edit.channel) {
        errors.add("variant", format!("{} is not offered for {}.", edit.variant.label(), edit.channel.label()));
    }
    let Some(id) = message_id(edit.kind, edit.channel, edit.variant, edit.part) else {
        errors.add("part", "A text message has no subject.");
        return Err(errors.finish().unwrap_err());
    };
    errors.finish()?;
    if edit.text.trim().is_empty() {
        return Err(Invalid::one("text", "Enter the wording."));
    }
    let resource = resource_for(&id, &edit.text).map_err(Invalid)?;
    check_placeholders(edit.kind, &resource).map_err(Invalid)?;

    let mut problems = Vec::new();
    let mut previews = Vec::new();
    for &language in Language::ALL {
        match fill_in(&id, edit, language) {
            Ok(text) => previews.push((language, text)),
            Err(detail) => problems
                .push(FieldError::new("text", format!("It could not be filled in for {}: {detail}", language.label()))),
        }
    }
    if !problems.is_empty() {
        return Err(Invalid(problems));
    }
    let own = previews.iter().find(|(l, _)| *l == edit.language).map(|(_, t)| t.clone()).unwrap_or_default();
    Ok(EditPreview {
        advice: if edit.language == Language::En { advice(&own) } else { Vec::new() },
        sms: (edit.channel == Channel::Sms).then(|| count_sms(&own)),
        previews,
    })
}

/// The edit as a one-message Fluent resource with the given id. Every line is indented, so the text
/// can never start a second message; anything Fluent cannot read is reported with its line.
pub(crate) fn resource_for(id: &str, text: &str) -> Result<FluentResource, Vec<FieldError>> {
    let mut source = format!("{id} =\n");
    for line in text.trim().lines() {
        if line.trim().is_empty() {
            source.push('\n');
        } else {
            source.push_str("    ");
            source.push_str(line.trim_end());
            source.push('\n');
        }
    }
    let header_len = id.len() + 3;
    let text_lines = text.trim().lines().count().max(1);
    match FluentResource::try_new(source) {
        Ok(resource) => {
            let messages = resource.entries().filter(|e| matches!(e, Entry::Message(_))).count();
            let junk = resource.entries().any(|e| matches!(e, Entry::Junk { .. }));
            if messages == 1 && !junk {
                Ok(resource)
            } else {
                Err(vec![FieldError::new("text", "The wording could not be read. Check the { } brackets.")])
            }
        }
        Err((resource, errors)) => Err(errors
            .iter()
            .map(|e| {
                let source = resource.source();
                let end = e.pos.start.clamp(header_len, source.len());
                // An unclosed brace is noticed at the start of the next line; name the last line instead.
                let line = (source[header_len..end].matches('\n').count() + 1).min(text_lines);
                FieldError::new(
                    "text",
                    format!(
                        "Line {line}: the wording could not be read ({e}). To show a {{ or }} as it is, write {{\"{{\"}} or {{\"}}\"}}."
                    ),
                )
            })
            .collect()),
    }
}

/// Every `{ $placeholder }` must be one the kind knows; references to other messages, terms and
/// functions are refused (edits stand alone).
fn check_placeholders(kind: Kind, resource: &FluentResource) -> Result<(), Vec<FieldError>> {
    let mut found = Found::default();
    for entry in resource.entries() {
        if let Entry::Message(m) = entry {
            if let Some(p) = &m.value {
                walk_pattern(p, &mut found);
            }
            if !m.attributes.is_empty() {
                found.other.insert("attributes (.name = …)".into());
            }
        }
    }
    let allowed = variables(kind);
    let unknown: Vec<&String> = found.variables.iter().filter(|v| !allowed.contains(&v.as_str())).collect();
    let mut errors = Vec::new();
    if !unknown.is_empty() {
        let list =
            |vs: &mut dyn Iterator<Item = &str>| vs.map(|v| format!("{{ ${v} }}")).collect::<Vec<_>>().join(", ");
        errors.push(FieldError::new(
            "text",
            format!(
                "Unknown placeholder{} {}. You can use: {}.",
                if unknown.len() == 1 { "" } else { "s" },
                list(&mut unknown.iter().map(|s| s.as_str())),
                list(&mut allowed.iter().copied()),
            ),
        ));
    }
    for other in &found.other {
        errors.push(FieldError::new("text", format!("Only placeholders like {{ $name }} can be used, not {other}.")));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

#[derive(Default)]
struct Found {
    variables: BTreeSet<String>,
    other: BTreeSet<String>,
}

fn walk_pattern(p: &Pattern<&str>, found: &mut Found) {
    for element in &p.elements {
        if let PatternElement::Placeable { expression } = element {
            walk_expression(expression, found);
        }
    }
}

fn walk_expression(e: &Expression<&str>, found: &mut Found) {
    match e {
        Expression::Inline(inline) => walk_inline(inline, found),
        Expression::Select { selector, variants } => {
            walk_inline(selector, found);
            for v in variants {
                walk_pattern(&v.value, found);
            }
        }
    }
}

fn walk_inline(e: &InlineExpression<&str>, found: &mut Found) {
    match e {
        InlineExpression::StringLiteral { .. } | InlineExpression::NumberLiteral { .. } => {}
        InlineExpression::VariableReference { id } => {
            found.variables.insert(id.name.to_owned());
        }
        InlineExpression::Placeable { expression } => walk_expression(expression, found),
        InlineExpression::MessageReference { id, .. } => {
            found.other.insert(format!("a reference to another message ({})", id.name));
        }
        InlineExpression::TermReference { id, .. } => {
            found.other.insert(format!("a term (-{})", id.name));
        }
        InlineExpression::FunctionReference { id, .. } => {
            found.other.insert(format!("a function ({})", id.name));
        }
    }
}

/// The edited part alone, filled in with demo data in one language (shared phrases from the shipped
/// templates of that language).
fn fill_in(id: &str, edit: &PracticeEdit, language: Language) -> Result<String, String> {
    let resource =
        resource_for(id, &edit.text).map_err(|e| e.into_iter().map(|e| e.message).collect::<Vec<_>>().join("; "))?;
    let mut bundle: Bundle = new_bundle(language);
    bundle.add_resource_overriding(resource);
    let data: MessageData = demo::data(edit.kind);
    let renderer = super::Renderer::with_bundle(language, bundle);
    renderer.render_one(edit.kind, edit.channel, language, id, &data).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(kind: Kind, channel: Channel, part: Part, text: &str) -> PracticeEdit {
        PracticeEdit { kind, channel, variant: Variant::Standard, part, language: Language::En, text: text.into() }
    }

    fn messages(r: Result<EditPreview, Invalid>) -> Vec<String> {
        r.unwrap_err().0.into_iter().map(|e| format!("{}: {}", e.field, e.message)).collect()
    }

    #[test]
    fn a_good_edit_previews_in_every_language() {
        let e =
            edit(Kind::Reminder, Channel::Sms, Part::Body, "{ $practice }: see you { $when }, { $name }. { $cancel }");
        let p = check_edit(&e).unwrap();
        assert_eq!(p.previews.len(), Language::ALL.len());
        let en = &p.previews[0].1;
        assert!(en.contains("Tuesday 3 March at 9:10am") && en.contains("Sam"), "{en}");
        let cy = &p.previews.iter().find(|(l, _)| *l == Language::Cy).unwrap().1;
        assert!(cy.contains("dydd Mawrth"), "{cy}");
        assert!(p.sms.as_ref().unwrap().segments >= 1);
    }

    #[test]
    fn unknown_placeholders_are_named_with_the_allowed_ones() {
        let m = messages(check_edit(&edit(Kind::Reminder, Channel::Email, Part::Body, "Hi { $nmae } { $minutes }")));
        assert_eq!(m.len(), 1);
        assert!(m[0].starts_with("text: Unknown placeholders { $minutes }, { $nmae }."), "{m:?}");
        assert!(m[0].contains("{ $practice }") && m[0].contains("{ $cancel }"));
        // Placeholders inside a selector's branches count too.
        let sel = "{ $minutes ->\n  [one] a minute\n *[other] { $minutes } minutes { $oops }\n}";
        let m = messages(check_edit(&edit(Kind::RunningLate, Channel::Sms, Part::Body, sel)));
        assert!(m[0].contains("{ $oops }"), "{m:?}");
    }

    #[test]
    fn a_selector_that_works_everywhere_passes() {
        let sel = "We are running { $minutes ->\n  [one] a minute\n *[other] { $minutes } minutes\n} late.";
        let p = check_edit(&edit(Kind::RunningLate, Channel::Sms, Part::Body, sel)).unwrap();
        assert_eq!(p.previews[0].1, "We are running 20 minutes late.");
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let m = messages(check_edit(&edit(Kind::Reminder, Channel::Email, Part::Body, "Hello\n\nCall { $name")));
        assert!(m.iter().any(|s| s.starts_with("text: Line 3:")), "{m:?}");
    }

    #[test]
    fn references_and_functions_are_refused() {
        let m = messages(check_edit(&edit(
            Kind::Reminder,
            Channel::Email,
            Part::Body,
            "{ bring } { -brand } { NUMBER($when) }",
        )));
        assert_eq!(m.len(), 3, "{m:?}");
    }

    #[test]
    fn impossible_parts_and_variants() {
        let m = messages(check_edit(&edit(Kind::Reminder, Channel::Sms, Part::Subject, "x")));
        assert_eq!(m, vec!["part: A text message has no subject."]);
        let mut e = edit(Kind::Reminder, Channel::Sms, Part::Body, "x");
        e.variant = Variant::LargePrint;
        assert!(messages(check_edit(&e))[0].starts_with("variant:"));
        assert_eq!(
            messages(check_edit(&edit(Kind::Reminder, Channel::Sms, Part::Body, "  "))),
            vec!["text: Enter the wording."]
        );
    }

    #[test]
    fn text_cannot_smuggle_in_a_second_message() {
        let p = check_edit(&edit(Kind::Reminder, Channel::Sms, Part::Body, "Hi\nother-message = sneaky")).unwrap();
        assert_eq!(p.previews[0].1, "Hi\nother-message = sneaky");
    }

    #[test]
    fn english_edits_get_advice() {
        let p =
            check_edit(&edit(Kind::MissedAppointment, Channel::Sms, Part::Body, "You were DNA { $when }. { $rebook }"))
                .unwrap();
        assert!(p.advice.iter().any(|a| matches!(a, Advice::Jargon { term, .. } if term == "DNA")));
    }
}
