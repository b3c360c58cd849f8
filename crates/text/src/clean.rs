//! Cleaning the artefacts of scraped corpora: HTML character references and backslash line
//! breaks, as found in AG News. The rules are documented on [`clean_artefacts`].

use std::borrow::Cow;

/// Whether `text` may hold an artefact: every reference ends with `;`.
#[inline]
pub(crate) fn needs_cleaning(text: &str) -> bool {
    text.bytes().any(|b| b == b';' || b == b'\\')
}

/// `text` with its artefacts cleaned; borrowed when there are none.
///
///
/// AG News was scraped from HTML and lost every `&` to a space on the way, so
/// `Wall Street&#39;s` reads `Wall Street #39;s` and `AT&amp;T` reads `AT amp;T`; its line
/// breaks are backslashes. The cleaning restores the text:
///
/// - a character reference `&#NNN;`, `&#xHH;`, `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;` or
///   `&nbsp;` is decoded;
/// - the same reference without its `&`, after a space or at the start of the text, is
///   decoded too, and the one space that replaced the `&` is dropped (`Street #39;s` →
///   `Street's`, `Merck  amp; Co.` → `Merck & Co.`);
/// - a backslash becomes a space.
///
/// Numeric references 128–159 are read as Windows-1252, as HTML5 specifies (`#151;` is an em
/// dash `—`, `#146;` a right quote `’`); references to 0, to surrogates or beyond U+10FFFF
/// decode to U+FFFD. Decoded text is not decoded again (`&amp;lt;` → `&lt;`).
///
/// ```
/// use neurotext_text::clean_artefacts;
/// assert_eq!(clean_artefacts("Wall Street #39;s"), "Wall Street's");
/// assert_eq!(clean_artefacts("AT amp;T and Merck  amp; Co."), "AT&T and Merck & Co.");
/// assert_eq!(clean_artefacts("line one\\line two"), "line one line two");
/// assert_eq!(clean_artefacts("&lt;b&gt;"), "<b>");
/// ```
pub fn clean_artefacts(text: &str) -> Cow<'_, str> {
    if !needs_cleaning(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    clean_into(text, &mut out);
    Cow::Owned(out)
}

/// Appends the cleaned `text` to `out`.
pub(crate) fn clean_into(text: &str, out: &mut String) {
    let bytes = text.as_bytes();
    let mut run = 0; // start of the bytes not yet copied
    let mut i = 0;
    if let Some((c, end)) = entity(bytes, 0) {
        out.push(c);
        run = end;
        i = end;
    }
    while i < bytes.len() {
        let b = bytes[i];
        let decoded = match b {
            b'\\' => Some((' ', i + 1)),
            b'&' => entity(bytes, i + 1),
            b' ' => entity(bytes, i + 1),
            _ => None,
        };
        match decoded {
            Some((c, end)) => {
                // `i` is at an ASCII byte, so both slices end on character boundaries.
                out.push_str(&text[run..i]);
                out.push(c);
                run = end;
                i = end;
            }
            None => i += 1,
        }
    }
    out.push_str(&text[run..]);
}

/// The character reference (without `&`) that starts at `bytes[i]`, and the index after its `;`.
fn entity(bytes: &[u8], i: usize) -> Option<(char, usize)> {
    let rest = bytes.get(i..)?;
    match *rest.first()? {
        b'#' => numeric(rest).map(|(c, len)| (c, i + len)),
        b'a' | b'l' | b'g' | b'q' | b'n' => {
            const NAMED: [(&[u8], char); 6] = [
                (b"amp;", '&'),
                (b"lt;", '<'),
                (b"gt;", '>'),
                (b"quot;", '"'),
                (b"apos;", '\''),
                (b"nbsp;", '\u{00A0}'),
            ];
            NAMED
                .iter()
                .find(|(name, _)| rest.starts_with(name))
                .map(|&(name, c)| (c, i + name.len()))
        }
        _ => None,
    }
}

/// `#NNN;` or `#xHH;` at the start of `rest`: the character and the reference's length.
fn numeric(rest: &[u8]) -> Option<(char, usize)> {
    let (radix, digits_start, max_digits) = match rest.get(1) {
        Some(b'x' | b'X') => (16, 2, 6),
        _ => (10, 1, 7),
    };
    let digits = rest
        .get(digits_start..)?
        .iter()
        .take(max_digits + 1)
        .take_while(|b| b.is_ascii_hexdigit() && (radix == 16 || b.is_ascii_digit()))
        .count();
    if digits == 0 || digits > max_digits || rest.get(digits_start + digits) != Some(&b';') {
        return None;
    }
    let mut code: u32 = 0;
    for &b in &rest[digits_start..digits_start + digits] {
        // At most 7 decimal or 6 hex digits: no overflow.
        code = code * radix + char::from(b).to_digit(radix)?;
    }
    Some((decode_code_point(code), digits_start + digits + 1))
}

/// HTML5's reading of a numeric reference.
fn decode_code_point(code: u32) -> char {
    // Windows-1252 for 0x80..=0x9F; the five undefined bytes keep their code point.
    const WIN1252: [u32; 32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
        0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ];
    let code = match code {
        0 => 0xFFFD,
        0x80..=0x9F => WIN1252[(code - 0x80) as usize],
        c => c,
    };
    char::from_u32(code).unwrap_or('\u{FFFD}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_restores_ag_news_apostrophes() {
        assert_eq!(clean_artefacts("Wall Street #39;s"), "Wall Street's");
        assert_eq!(clean_artefacts("It #39;s over"), "It's over");
        assert_eq!(clean_artefacts("hasn #39;t been"), "hasn't been");
        assert_eq!(clean_artefacts("#39;quoted #39;"), "'quoted'");
    }

    #[test]
    fn clean_keeps_the_space_that_was_in_the_original() {
        assert_eq!(
            clean_artefacts("about  #36;41.1 billion"),
            "about $41.1 billion"
        );
        assert_eq!(clean_artefacts("said  quot;no quot;."), "said \"no\".");
    }

    #[test]
    fn clean_decodes_named_references_with_and_without_ampersand() {
        assert_eq!(clean_artefacts("AT amp;T"), "AT&T");
        assert_eq!(clean_artefacts("AT&amp;T"), "AT&T");
        assert_eq!(clean_artefacts("&lt;A HREF&gt;"), "<A HREF>");
        assert_eq!(clean_artefacts("quot;Hi"), "\"Hi");
        assert_eq!(clean_artefacts("&amp;lt;"), "&lt;");
    }

    #[test]
    fn clean_reads_128_to_159_as_windows_1252() {
        assert_eq!(clean_artefacts("up #151;dung"), "up—dung");
        assert_eq!(clean_artefacts("it #146;s"), "it’s");
        assert_eq!(clean_artefacts("&#x41;&#8211;"), "A–");
    }

    #[test]
    fn clean_turns_backslashes_into_spaces() {
        assert_eq!(clean_artefacts("and\\the"), "and the");
        assert_eq!(clean_artefacts("\\"), " ");
    }

    #[test]
    fn clean_leaves_malformed_references_alone() {
        for s in [
            "#39",
            "x #39 s",
            "#;",
            "&#;",
            "&#x;",
            "&#12345678;",
            "&#xFFFFFFF;",
            "amp",
            "a;b",
            "&bogus;",
            "& amp;",
            "#",
            "&",
            "&#",
            " ",
        ] {
            let cleaned = clean_artefacts(s);
            if s != "& amp;" {
                assert_eq!(cleaned, s, "{s:?}");
            }
        }
        // "& amp;": the space before "amp;" stands for an ampersand.
        assert_eq!(clean_artefacts("& amp;"), "&&");
    }

    #[test]
    fn clean_maps_invalid_code_points_to_replacement() {
        assert_eq!(clean_artefacts("&#0;"), "\u{FFFD}");
        assert_eq!(clean_artefacts("&#xD800;"), "\u{FFFD}");
        assert_eq!(clean_artefacts("&#1114112;"), "\u{FFFD}");
        assert_eq!(clean_artefacts("&#x10FFFF;"), "\u{10FFFF}");
    }

    #[test]
    fn clean_handles_multibyte_text_around_references() {
        assert_eq!(clean_artefacts("Пушкин #39;s «дом»\\"), "Пушкин's «дом» ");
    }
}
