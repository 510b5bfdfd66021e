//! HTML for emails and letters: the rendered text, escaped as a whole (so every piece of data in it is
//! escaped), split into paragraphs, with `https://` links made clickable.

use super::{Channel, Language, Variant};

/// Escape text for HTML element content and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A whole HTML document for one message. Letters get print CSS for A4; large print is 20pt and above
/// in a sans-serif face (the Accessible Information Standard's smallest large-print size).
pub(crate) fn document(title: &str, body: &str, language: Language, variant: Variant, channel: Channel) -> String {
    let size = match variant {
        Variant::LargePrint => "20pt",
        Variant::EasyRead => "14pt",
        Variant::Standard => "12pt",
    };
    let line_height = if variant == Variant::Standard { "1.5" } else { "1.7" };
    let page = if channel == Channel::Letter { "@page{size:A4;margin:20mm}" } else { "" };
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\" dir=\"{dir}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n\
         <style>{page}body{{font-family:Arial,Helvetica,sans-serif;font-size:{size};line-height:{line_height};\
         max-width:40em;margin:1em auto;padding:0 1em;color:#0b0c0c}}h1{{font-size:1.5em}}\
         a{{color:#1d70b8}}</style>\n</head>\n<body>\n<h1>{title}</h1>\n",
        lang = language.as_str(),
        dir = language.dir(),
        title = escape_html(title),
    );
    for paragraph in body.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        let lines: Vec<String> = paragraph.lines().map(|l| linkify(&escape_html(l.trim()))).collect();
        html.push_str("<p>");
        html.push_str(&lines.join("<br>\n"));
        html.push_str("</p>\n");
    }
    html.push_str("</body>\n</html>\n");
    html
}

/// Turn `https://…` runs in already-escaped text into links. The href is the same escaped text, so it
/// cannot break out of the attribute; only https links are made, never `javascript:` or `data:`.
fn linkify(escaped: &str) -> String {
    let mut out = String::with_capacity(escaped.len());
    let mut rest = escaped;
    while let Some(at) = rest.find("https://") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let end = tail.find(|c: char| c.is_whitespace()).unwrap_or(tail.len());
        let mut url = &tail[..end];
        // A full stop or comma after a link belongs to the sentence.
        while let Some(stripped) = url.strip_suffix(['.', ',', ')', ';', ':']) {
            url = stripped;
        }
        if url.len() > "https://".len() {
            out.push_str(&format!("<a href=\"{url}\">{url}</a>"));
        } else {
            out.push_str(url);
        }
        rest = &tail[url.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape_html(r#"<b a="1">'&'</b>"#), "&lt;b a=&quot;1&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;");
    }

    #[test]
    fn links_become_anchors() {
        assert_eq!(
            linkify("Go to https://ex.example/a?b=1&amp;c=2. Thanks"),
            "Go to <a href=\"https://ex.example/a?b=1&amp;c=2\">https://ex.example/a?b=1&amp;c=2</a>. Thanks"
        );
        assert_eq!(linkify("javascript:alert(1) https://"), "javascript:alert(1) https://");
    }

    #[test]
    fn document_sets_language_direction_and_size() {
        let d = document("سلام", "a\nb\n\nc", Language::Ur, Variant::LargePrint, Channel::Letter);
        assert!(d.contains("<html lang=\"ur\" dir=\"rtl\">"));
        assert!(d.contains("font-size:20pt") && d.contains("size:A4"));
        assert!(d.contains("<p>a<br>\nb</p>\n<p>c</p>"));
        let e = document("Hi", "x", Language::En, Variant::Standard, Channel::Email);
        assert!(e.contains("lang=\"en\" dir=\"ltr\"") && !e.contains("@page"));
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_makes_markup(s in "\\PC{0,200}") {
            let d = document(&s, &s, Language::En, Variant::Standard, Channel::Email);
            let body = &d[d.find("<body>").unwrap() + 6..d.rfind("</body>").unwrap()];
            // Only our own tags survive: strip them and no markup character is left.
            let stripped = strip_own_tags(body);
            prop_assert!(!stripped.contains('<') && !stripped.contains('>') && !stripped.contains('"'));
            let title = &d[d.find("<title>").unwrap() + 7..d.find("</title>").unwrap()];
            prop_assert_eq!(title, escape_html(&s));
        }
    }

    /// Remove the tags `document` itself writes, including `<a href="…">` around links.
    fn strip_own_tags(body: &str) -> String {
        let mut out = String::new();
        let mut rest = body;
        while let Some(at) = rest.find('<') {
            out.push_str(&rest[..at]);
            let tail = &rest[at..];
            let own = ["<h1>", "</h1>", "<p>", "</p>", "<br>", "</a>"].iter().find(|t| tail.starts_with(**t));
            if let Some(t) = own {
                rest = &tail[t.len()..];
            } else if let Some(a) = tail.strip_prefix("<a href=\"https://") {
                let close = a.find("\">").expect("closed anchor");
                assert!(!a[..close].contains(['"', '<', '>']));
                rest = &a[close + 2..];
            } else {
                out.push('<');
                rest = &tail[1..];
            }
        }
        out.push_str(rest);
        out
    }
}
