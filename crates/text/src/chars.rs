//! Character classes of the tokenizer: which characters form words, which join them, which
//! separate tokens.
//!
//! ASCII is classified by a 128-entry table; other characters by std's Unicode properties
//! (`is_alphanumeric`, `is_whitespace`, `is_control`) and the table of combining marks below.

/// What a character does in tokenization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// Separates tokens and is never part of one: whitespace, control characters and
    /// invisible format characters (zero-width space, byte-order mark, bidi controls).
    Space,
    /// Forms words: Unicode alphanumerics (letters of any script, digits, other numerics)
    /// and `_`.
    Word,
    /// Extends the token before it: combining marks (general category M), the zero-width
    /// (non-)joiner and the soft hyphen.
    Mark,
    /// `'` or `’`: inside a word between two word characters, or the start of a clitic.
    Apostrophe,
    /// `-`, `‐` (U+2010) or `‑` (U+2011): inside a word between two word characters.
    Hyphen,
    /// `.` or `,`: inside a number between two digits.
    NumSep,
    /// Any other character: a token of its own.
    Punct,
}

const fn ascii_class(b: u8) -> Class {
    match b {
        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' => Class::Word,
        b'\'' => Class::Apostrophe,
        b'-' => Class::Hyphen,
        b'.' | b',' => Class::NumSep,
        0..=0x20 | 0x7f => Class::Space,
        _ => Class::Punct,
    }
}

const fn ascii_table() -> [Class; 128] {
    let mut t = [Class::Punct; 128];
    let mut i = 0;
    while i < 128 {
        t[i] = ascii_class(i as u8);
        i += 1;
    }
    t
}

/// The class of each ASCII byte.
pub(crate) static ASCII: [Class; 128] = ascii_table();

const fn word_bytes() -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 128 {
        t[i] = matches!(ascii_class(i as u8), Class::Word);
        i += 1;
    }
    t
}

/// Whether a byte is an ASCII word character (`false` for every byte ≥ 0x80).
pub(crate) static WORD_BYTE: [bool; 256] = word_bytes();

/// The class of any character.
#[inline]
pub(crate) fn classify(c: char) -> Class {
    if c.is_ascii() {
        return ASCII[c as usize];
    }
    if c.is_alphanumeric() {
        return Class::Word;
    }
    match c {
        '\u{2019}' => Class::Apostrophe,
        '\u{2010}' | '\u{2011}' => Class::Hyphen,
        '\u{00AD}' | '\u{200C}' | '\u{200D}' => Class::Mark,
        '\u{200B}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}' => Class::Space,
        _ if c.is_whitespace() || c.is_control() => Class::Space,
        _ if is_combining_mark(c) => Class::Mark,
        _ => Class::Punct,
    }
}

/// Whether `c` is a digit for the purpose of joining numbers ("3.14", "1,000").
#[inline]
pub(crate) fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

/// Whether `c` lies in a range of [`COMBINING_MARKS`].
fn is_combining_mark(c: char) -> bool {
    let c = c as u32;
    COMBINING_MARKS
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Ranges of combining marks (general category Mn, Mc, Me; Unicode 14). Neighbouring ranges
/// are merged across gaps that hold only alphanumerics or unassigned code points, which
/// changes nothing, since alphanumerics are tested first; that keeps the table to 128 ranges.
/// Generated with Python's `unicodedata`:
/// ```text
/// r = ranges of c in 0..0x110000 with unicodedata.category(chr(c))[0] == "M"
/// merge r[i], r[i+1] when every c between them has chr(c).isalnum() or category "Cn"
/// ```
#[rustfmt::skip]
static COMBINING_MARKS: [(u32, u32); 128] = [
    (0x00300, 0x0036F), (0x00483, 0x00489), (0x00591, 0x005BD),
    (0x005BF, 0x005BF), (0x005C1, 0x005C2), (0x005C4, 0x005C5),
    (0x005C7, 0x005C7), (0x00610, 0x0061A), (0x0064B, 0x0065F),
    (0x00670, 0x00670), (0x006D6, 0x006DC), (0x006DF, 0x006E8),
    (0x006EA, 0x006ED), (0x00711, 0x007F3), (0x007FD, 0x007FD),
    (0x00816, 0x0082D), (0x00859, 0x0085B), (0x00898, 0x008E1),
    (0x008E3, 0x00963), (0x00981, 0x009E3), (0x009FE, 0x00A75),
    (0x00A81, 0x00AE3), (0x00AFA, 0x00B63), (0x00B82, 0x00BD7),
    (0x00C00, 0x00C63), (0x00C81, 0x00C83), (0x00CBC, 0x00D4D),
    (0x00D57, 0x00D63), (0x00D81, 0x00DF3), (0x00E31, 0x00E3A),
    (0x00E47, 0x00E4E), (0x00EB1, 0x00ECD), (0x00F18, 0x00F19),
    (0x00F35, 0x00F35), (0x00F37, 0x00F37), (0x00F39, 0x00F39),
    (0x00F3E, 0x00F84), (0x00F86, 0x00FBC), (0x00FC6, 0x00FC6),
    (0x0102B, 0x0103E), (0x01056, 0x0109D), (0x0135D, 0x0135F),
    (0x01712, 0x01734), (0x01752, 0x017D3), (0x017DD, 0x017DD),
    (0x0180B, 0x0180D), (0x0180F, 0x0193B), (0x01A17, 0x01A1B),
    (0x01A55, 0x01A7F), (0x01AB0, 0x01B44), (0x01B6B, 0x01B73),
    (0x01B80, 0x01BF3), (0x01C24, 0x01C37), (0x01CD0, 0x01CD2),
    (0x01CD4, 0x01DFF), (0x020D0, 0x020F0), (0x02CEF, 0x02CF1),
    (0x02D7F, 0x02DFF), (0x0302A, 0x0302F), (0x03099, 0x0309A),
    (0x0A66F, 0x0A672), (0x0A674, 0x0A67D), (0x0A69E, 0x0A6F1),
    (0x0A802, 0x0A827), (0x0A82C, 0x0A82C), (0x0A880, 0x0A8C5),
    (0x0A8E0, 0x0A8F1), (0x0A8FF, 0x0A92D), (0x0A947, 0x0A953),
    (0x0A980, 0x0A9C0), (0x0A9E5, 0x0AA4D), (0x0AA7B, 0x0AAC1),
    (0x0AAEB, 0x0AAEF), (0x0AAF5, 0x0AAF6), (0x0ABE3, 0x0ABEA),
    (0x0ABEC, 0x0ABED), (0x0FB1E, 0x0FB1E), (0x0FE00, 0x0FE0F),
    (0x0FE20, 0x0FE2F), (0x101FD, 0x1037A), (0x10A01, 0x10A3F),
    (0x10AE5, 0x10AE6), (0x10D24, 0x10EAC), (0x10F46, 0x10F50),
    (0x10F82, 0x10F85), (0x11000, 0x11046), (0x11070, 0x110BA),
    (0x110C2, 0x110C2), (0x11100, 0x11134), (0x11145, 0x11173),
    (0x11180, 0x111C0), (0x111C9, 0x111CC), (0x111CE, 0x111CF),
    (0x1122C, 0x11237), (0x1123E, 0x1123E), (0x112DF, 0x11446),
    (0x1145E, 0x114C3), (0x115AF, 0x115C0), (0x115DC, 0x11640),
    (0x116AB, 0x116B7), (0x1171D, 0x1172B), (0x1182C, 0x1183A),
    (0x11930, 0x11943), (0x119D1, 0x119E0), (0x119E4, 0x11A3E),
    (0x11A47, 0x11A99), (0x11C2F, 0x11C3F), (0x11C92, 0x11EF6),
    (0x16AF0, 0x16AF4), (0x16B30, 0x16B36), (0x16F4F, 0x16F92),
    (0x16FE4, 0x16FF1), (0x1BC9D, 0x1BC9E), (0x1CF00, 0x1CF46),
    (0x1D165, 0x1D169), (0x1D16D, 0x1D172), (0x1D17B, 0x1D182),
    (0x1D185, 0x1D18B), (0x1D1AA, 0x1D1AD), (0x1D242, 0x1D244),
    (0x1DA00, 0x1DA36), (0x1DA3B, 0x1DA6C), (0x1DA75, 0x1DA75),
    (0x1DA84, 0x1DA84), (0x1DA9B, 0x1E136), (0x1E2AE, 0x1E2EF),
    (0x1E8D0, 0x1E94A), (0xE0100, 0xE01EF),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_of_ascii_match_the_rules() {
        assert_eq!(classify('a'), Class::Word);
        assert_eq!(classify('7'), Class::Word);
        assert_eq!(classify('_'), Class::Word);
        assert_eq!(classify('\''), Class::Apostrophe);
        assert_eq!(classify('-'), Class::Hyphen);
        assert_eq!(classify(','), Class::NumSep);
        assert_eq!(classify('!'), Class::Punct);
        assert_eq!(classify('\t'), Class::Space);
        assert_eq!(classify('\0'), Class::Space);
    }

    #[test]
    fn classes_of_unicode_match_the_rules() {
        assert_eq!(classify('ж'), Class::Word);
        assert_eq!(classify('東'), Class::Word);
        assert_eq!(classify('\u{0301}'), Class::Mark); // combining acute accent
        assert_eq!(classify('\u{094D}'), Class::Mark); // Devanagari virama
        assert_eq!(classify('\u{FE0F}'), Class::Mark); // variation selector
        assert_eq!(classify('’'), Class::Apostrophe);
        assert_eq!(classify('\u{00A0}'), Class::Space); // no-break space
        assert_eq!(classify('\u{FEFF}'), Class::Space);
        assert_eq!(classify('\u{0085}'), Class::Space); // next line (a control)
        assert_eq!(classify('—'), Class::Punct);
        assert_eq!(classify('😀'), Class::Punct);
    }

    #[test]
    fn combining_mark_table_is_sorted_and_disjoint() {
        assert!(COMBINING_MARKS.iter().all(|&(lo, hi)| lo <= hi));
        assert!(COMBINING_MARKS.windows(2).all(|w| w[0].1 < w[1].0));
    }
}
