//! The tokenizer: Unicode-aware, regex-free, one pass over the bytes with an ASCII fast path.
//! The rules are documented on [`Tokenizer`].

use serde::{Deserialize, Serialize};

use crate::chars::{ASCII, Class, WORD_BYTE, classify, is_digit};
use crate::clean;

/// What the tokenizer does before splitting.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenizerConfig {
    /// Lower-case the text (Unicode, `str::to_lowercase`). Default `false`.
    pub lowercase: bool,
    /// Clean corpus artefacts: HTML references with or without their `&`, backslash line
    /// breaks (see [`clean_artefacts`](crate::clean_artefacts)). Default `false`.
    pub clean_artefacts: bool,
}

impl TokenizerConfig {
    /// The default: no lower-casing, no cleaning.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`lowercase`](Self::lowercase).
    pub fn with_lowercase(mut self, lowercase: bool) -> Self {
        self.lowercase = lowercase;
        self
    }

    /// Sets [`clean_artefacts`](Self::clean_artefacts).
    pub fn with_clean_artefacts(mut self, clean: bool) -> Self {
        self.clean_artefacts = clean;
        self
    }

    /// The tokenizer of this configuration.
    pub fn build(self) -> Tokenizer {
        Tokenizer::new(self)
    }
}

/// Splits text into tokens, after optional cleaning and lower-casing.
///
/// # Rules
/// - **Separators** are whitespace, control characters and invisible format characters;
///   they are never part of a token.
/// - **A word** is a run of word characters: Unicode alphanumerics (any script, digits
///   included) and `_`, with the combining marks that follow them. So "Александр Пушкин
///   родился в Москве" is five tokens, and "abc123" one.
/// - **Inside a word**, an apostrophe (`'`, `’`) or a hyphen (`-`, U+2010, U+2011) between two
///   word characters stays in the word: "don't", "state-of-the-art", "rock'n'roll",
///   "Street's". Pre-tokenised SST-2's "n't" is therefore one token.
/// - **A number** keeps `.` and `,` between two digits: "3.14", "1,000", "1,000.50" are one
///   token each; "3." is "3" and ".".
/// - **A clitic**: an apostrophe at the start of a token, followed by one of the English
///   clitics `s`, `re`, `ve`, `ll`, `d`, `m` (any case) and then by a non-word character, is
///   one token: SST-2's "it 's" gives "it", "'s", as in the Penn Treebank tokenisation SST-2
///   was made with. Any other apostrophe at a token start is punctuation, so quotes stay
///   apart from what they quote: "'cool'" gives "'", "cool", "'", and "'70s" gives "'", "70s".
/// - **Every other character** is a token of its own (punctuation, symbols, emoji), with the
///   combining marks that follow it. A combining mark with nothing before it starts a word.
///
/// # Pipeline
/// It runs `clean` (optional, [`clean_artefacts`](crate::clean_artefacts)) →
/// `lowercase` (optional, `str::to_lowercase` of the whole text, which never moves a token
/// boundary since the lower case of a letter is a letter) → split. The split alone is
/// [`Tokens`], an iterator of `&str` slices that allocates nothing.
///
/// No input can make it panic: it only ever slices at character boundaries it found itself.
///
/// ```
/// use neurotext_text::TokenizerConfig;
/// let t = TokenizerConfig::new().with_lowercase(true).with_clean_artefacts(true).build();
/// assert_eq!(
///     t.tokenize("Wall Street #39;s state-of-the-art: 3.14!"),
///     ["wall", "street's", "state-of-the-art", ":", "3.14", "!"]
/// );
/// // Without lower-casing or cleaning the tokens borrow the text:
/// let plain = TokenizerConfig::new().build();
/// let mut scratch = String::new();
/// let tokens: Vec<&str> = plain.tokens("it 's n't", &mut scratch).collect();
/// assert_eq!(tokens, ["it", "'s", "n't"]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokenizer {
    config: TokenizerConfig,
}

impl Tokenizer {
    /// A tokenizer with the given configuration.
    pub fn new(config: TokenizerConfig) -> Self {
        Tokenizer { config }
    }

    /// The configuration.
    pub fn config(&self) -> &TokenizerConfig {
        &self.config
    }

    /// The text that is split: `text` cleaned and lower-cased as configured. It borrows
    /// `text` when nothing changes, and is written into `scratch` otherwise (reuse `scratch`
    /// across calls to avoid allocating).
    pub fn prepare<'a>(&self, text: &'a str, scratch: &'a mut String) -> &'a str {
        let clean = self.config.clean_artefacts && clean::needs_cleaning(text);
        let lower = self.config.lowercase && may_change_case(text);
        if !clean && !lower {
            return text;
        }
        scratch.clear();
        if clean {
            clean::clean_into(text, scratch);
        } else {
            scratch.push_str(text);
        }
        if lower {
            if scratch.is_ascii() {
                scratch.make_ascii_lowercase();
            } else {
                *scratch = scratch.to_lowercase();
            }
        }
        scratch
    }

    /// The tokens of `text`, as slices of `text` or of `scratch` (see [`prepare`](Self::prepare)).
    pub fn tokens<'a>(&self, text: &'a str, scratch: &'a mut String) -> Tokens<'a> {
        Tokens::new(self.prepare(text, scratch))
    }

    /// The tokens of `text` as owned strings.
    pub fn tokenize(&self, text: &str) -> Vec<String> {
        let mut scratch = String::new();
        self.tokens(text, &mut scratch).map(str::to_owned).collect()
    }
}

/// Whether `text` has an ASCII capital or any non-ASCII byte (which may start a capital).
///
/// Tested 32 bytes at a time without an early exit inside a block, which the compiler turns
/// into vector instructions: lower-case corpora such as SST-2 are scanned in full.
#[inline]
fn may_change_case(text: &str) -> bool {
    text.as_bytes().chunks(32).any(|block| {
        block.iter().fold(false, |acc, &b| {
            acc | (b.wrapping_sub(b'A') < 26) | (b >= 0x80)
        })
    })
}

/// The tokens of a text, as slices of it, without cleaning or lower-casing.
///
/// ```
/// use neurotext_text::Tokens;
/// let t: Vec<&str> = Tokens::new("Александр Пушкин родился в Москве.").collect();
/// assert_eq!(t, ["Александр", "Пушкин", "родился", "в", "Москве", "."]);
/// ```
#[derive(Clone, Debug)]
pub struct Tokens<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Tokens<'a> {
    /// An iterator over the tokens of `text`.
    pub fn new(text: &'a str) -> Self {
        Tokens { text, pos: 0 }
    }

    /// The byte range of the next token in the text.
    // Always inlined: it runs once per token in the featurizer's loop (see `featurize.rs`).
    #[inline(always)]
    pub fn next_range(&mut self) -> Option<std::ops::Range<usize>> {
        let text = self.text;
        let bytes = text.as_bytes();
        let n = bytes.len();
        let mut i = self.pos;
        let (start, class, len) = loop {
            if i >= n {
                self.pos = n;
                return None;
            }
            let b = bytes[i];
            if b < 0x80 {
                let class = ASCII[b as usize];
                if class != Class::Space {
                    break (i, class, 1);
                }
                i += 1;
            } else {
                let (c, len) = char_at(text, i)?;
                let class = classify(c);
                if class != Class::Space {
                    break (i, class, len);
                }
                i += len;
            }
        };
        let end = match class {
            Class::Word | Class::Mark => scan_word(text, start + len),
            Class::Apostrophe => {
                clitic_end(text, start + len).unwrap_or_else(|| scan_marks(text, start + len))
            }
            // (Separators were skipped above.)
            Class::Space | Class::Hyphen | Class::NumSep | Class::Punct => {
                scan_marks(text, start + len)
            }
        };
        self.pos = end;
        Some(start..end)
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let range = self.next_range()?;
        self.text.get(range)
    }
}

/// The character at byte `i` (a character boundary) and its length in bytes.
#[inline]
fn char_at(text: &str, i: usize) -> Option<(char, usize)> {
    let c = text.get(i..)?.chars().next()?;
    Some((c, c.len_utf8()))
}

/// Whether the character at byte `i` is a word character.
#[inline]
fn is_word_at(text: &str, i: usize) -> bool {
    match text.as_bytes().get(i) {
        None => false,
        Some(&b) if b < 0x80 => WORD_BYTE[b as usize],
        Some(_) => char_at(text, i).is_some_and(|(c, _)| classify(c) == Class::Word),
    }
}

/// Whether the character at byte `i` is a digit.
#[inline]
fn is_digit_at(text: &str, i: usize) -> bool {
    match text.as_bytes().get(i) {
        None => false,
        Some(&b) if b < 0x80 => b.is_ascii_digit(),
        Some(_) => char_at(text, i).is_some_and(|(c, _)| is_digit(c)),
    }
}

/// Whether the character that ends at byte `i` is a digit.
#[inline]
fn is_digit_before(text: &str, i: usize) -> bool {
    match i.checked_sub(1).and_then(|j| text.as_bytes().get(j)) {
        None => false,
        Some(&b) if b < 0x80 => b.is_ascii_digit(),
        Some(_) => text
            .get(..i)
            .and_then(|s| s.chars().next_back())
            .is_some_and(is_digit),
    }
}

/// The end of the word that continues at byte `i`.
#[inline(always)]
fn scan_word(text: &str, mut i: usize) -> usize {
    let bytes = text.as_bytes();
    let n = bytes.len();
    loop {
        i = ascii_word_end(bytes, i);
        if i >= n || bytes[i] == b' ' {
            // The usual end of a word, tested first to spare the dispatch below.
            return i;
        }
        let (class, len) = if bytes[i] < 0x80 {
            (ASCII[bytes[i] as usize], 1)
        } else {
            match char_at(text, i) {
                Some((c, len)) => (classify(c), len),
                None => return i,
            }
        };
        let joins = match class {
            Class::Word | Class::Mark => true,
            Class::Apostrophe | Class::Hyphen => is_word_at(text, i + len),
            Class::NumSep => is_digit_before(text, i) && is_digit_at(text, i + len),
            Class::Space | Class::Punct => false,
        };
        if !joins {
            return i;
        }
        i += len;
    }
}

/// The end of the run of ASCII word bytes (`[A-Za-z0-9_]`) that starts at byte `i`.
///
/// Eight bytes at a time with SWAR range tests (so the loop exit is not a branch per byte,
/// which the processor mispredicts once per word): on bytes below 0x80, adding `0x80 - lo`
/// sets a byte's top bit exactly when it is `>= lo`, without carrying into its neighbour.
#[inline]
fn ascii_word_end(bytes: &[u8], mut i: usize) -> usize {
    const fn splat(b: u8) -> u64 {
        (b as u64) * 0x0101_0101_0101_0101
    }
    const LOW7: u64 = splat(0x7f);
    const TOP: u64 = splat(0x80);
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let x = u64::from_le_bytes(w);
        let y = x & LOW7;
        let at_least = |lo: u8| y + splat(0x80 - lo);
        let above = |hi: u8| y + splat(0x7f - hi);
        let digit = at_least(b'0') & !above(b'9');
        let upper = at_least(b'A') & !above(b'Z');
        let lower = at_least(b'a') & !above(b'z');
        let underscore = !((y ^ splat(b'_')) + LOW7);
        // Bytes >= 0x80 start non-ASCII characters: not ASCII word bytes.
        let word = (digit | upper | lower | underscore) & !x & TOP;
        let stop = !word & TOP;
        if stop != 0 {
            return i + (stop.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < bytes.len() && WORD_BYTE[bytes[i] as usize] {
        i += 1;
    }
    i
}

/// The end of the combining marks that start at byte `i`.
#[inline]
fn scan_marks(text: &str, mut i: usize) -> usize {
    while text.as_bytes().get(i).is_some_and(|&b| b >= 0x80) {
        match char_at(text, i) {
            Some((c, len)) if classify(c) == Class::Mark => i += len,
            _ => break,
        }
    }
    i
}

/// When an English clitic (`s re ve ll d m`, any case) starts at byte `i` (just after an
/// apostrophe) and is followed by a non-word character, the end of the clitic.
#[inline]
fn clitic_end(text: &str, i: usize) -> Option<usize> {
    let rest = text.as_bytes().get(i..)?;
    let len = rest
        .iter()
        .take(3)
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    let lower = |k: usize| rest[k].to_ascii_lowercase();
    let is_clitic = match len {
        1 => matches!(lower(0), b's' | b'd' | b'm'),
        2 => matches!(
            (lower(0), lower(1)),
            (b'r', b'e') | (b'v', b'e') | (b'l', b'l')
        ),
        _ => false,
    };
    // The clitic must end the word: "'sup" is an apostrophe and "sup".
    let end = i + len;
    let continues = match rest.get(len) {
        None => false,
        Some(&b) if b < 0x80 => WORD_BYTE[b as usize],
        Some(_) => char_at(text, end)
            .is_some_and(|(c, _)| matches!(classify(c), Class::Word | Class::Mark)),
    };
    (is_clitic && !continues).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        Tokens::new(text).collect()
    }

    #[test]
    fn tokenizer_splits_cyrillic_words() {
        assert_eq!(
            split("Александр Пушкин родился в Москве"),
            ["Александр", "Пушкин", "родился", "в", "Москве"]
        );
    }

    #[test]
    fn tokenizer_separates_words_numbers_and_punctuation() {
        assert_eq!(
            split("Hello, world! It costs $3.14 (or 1,000 yen)."),
            [
                "Hello", ",", "world", "!", "It", "costs", "$", "3.14", "(", "or", "1,000", "yen",
                ")", "."
            ]
        );
    }

    #[test]
    fn tokenizer_keeps_inner_apostrophes_and_hyphens() {
        assert_eq!(
            split("don't state-of-the-art rock’n’roll"),
            ["don't", "state-of-the-art", "rock’n’roll"]
        );
        assert_eq!(
            split("dogs' -x y- a--b"),
            ["dogs", "'", "-", "x", "y", "-", "a", "-", "-", "b"]
        );
    }

    #[test]
    fn tokenizer_keeps_sst2_clitics_whole() {
        assert_eq!(
            split("it 's a film that does n't , they 're , we 've"),
            [
                "it", "'s", "a", "film", "that", "does", "n't", ",", "they", "'re", ",", "we",
                "'ve"
            ]
        );
        assert_eq!(split("'LL 'D 'm"), ["'LL", "'D", "'m"]);
    }

    #[test]
    fn tokenizer_splits_quotes_that_are_not_clitics() {
        assert_eq!(
            split("'cool' '70s 'sup ''"),
            ["'", "cool", "'", "'", "70s", "'", "sup", "'", "'"]
        );
        assert_eq!(split("'s-"), ["'s", "-"]);
        assert_eq!(split("'sé"), ["'", "sé"]);
    }

    #[test]
    fn tokenizer_joins_numbers_only_between_digits() {
        assert_eq!(
            split("3.14. 1,000,000 a.b 3,x U.S."),
            [
                "3.14",
                ".",
                "1,000,000",
                "a",
                ".",
                "b",
                "3",
                ",",
                "x",
                "U",
                ".",
                "S",
                "."
            ]
        );
        assert_eq!(split("١٢.٥"), ["١٢.٥"]); // Arabic-Indic digits
    }

    #[test]
    fn tokenizer_attaches_combining_marks() {
        // "café" with a combining acute accent, Hindi with a virama, an accented "!".
        assert_eq!(
            split("cafe\u{301} स्त्री !\u{301}"),
            ["cafe\u{301}", "स्त्री", "!\u{301}"]
        );
        assert_eq!(split("\u{301}x"), ["\u{301}x"]);
    }

    #[test]
    fn tokenizer_treats_controls_and_invisible_format_as_separators() {
        assert_eq!(
            split("a\0b\u{7}c\u{200B}d\u{FEFF}e\r\nf"),
            ["a", "b", "c", "d", "e", "f"]
        );
        assert!(split(" \t\n\u{00A0}\u{3000} ").is_empty());
        assert!(split("").is_empty());
    }

    #[test]
    fn swar_word_end_matches_the_byte_table() {
        for b in 0..=255u8 {
            for pos in 0..10 {
                let mut bytes = vec![b'a'; 12];
                bytes[pos] = b;
                let expected = bytes
                    .iter()
                    .position(|&c| !WORD_BYTE[c as usize])
                    .unwrap_or(bytes.len());
                assert_eq!(ascii_word_end(&bytes, 0), expected, "byte {b:#x} at {pos}");
            }
        }
    }

    #[test]
    fn tokenizer_makes_each_symbol_its_own_token() {
        assert_eq!(
            split("a+b=c😀😀—"),
            ["a", "+", "b", "=", "c", "😀", "😀", "—"]
        );
        assert_eq!(split("东京 is 東京"), ["东京", "is", "東京"]);
    }

    #[test]
    fn tokenizer_lowercases_and_cleans_when_configured() {
        let t = TokenizerConfig::new().with_lowercase(true).build();
        assert_eq!(t.tokenize("The ÉCOLE Σοφια"), ["the", "école", "σοφια"]);
        let t = TokenizerConfig::new().with_clean_artefacts(true).build();
        assert_eq!(
            t.tokenize("Wall Street #39;s AT amp;T\\Inc"),
            ["Wall", "Street's", "AT", "&", "T", "Inc"]
        );
        let plain = Tokenizer::default();
        assert_eq!(
            plain.tokenize("Street #39;s"),
            ["Street", "#", "39", ";", "s"]
        );
    }

    #[test]
    fn prepare_borrows_when_nothing_changes() {
        let t = TokenizerConfig::new()
            .with_lowercase(true)
            .with_clean_artefacts(true)
            .build();
        let mut scratch = String::new();
        let text = "already lower case, no artefacts";
        assert!(std::ptr::eq(t.prepare(text, &mut scratch), text));
    }

    /// A tiny deterministic generator, so the property tests need no dependency.
    fn lcg(state: &mut u64) -> u64 {
        *state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *state >> 33
    }

    #[test]
    fn tokens_cover_every_non_separator_character_in_order() {
        let alphabet: Vec<char> =
            "aZ9_ '’-‐.,;!#&\\\t\n\0\u{301}\u{94D}\u{200D}\u{200B}жэ東😀١—\u{FEFF}\u{FFFD}"
                .chars()
                .collect();
        let mut state = 7;
        for _ in 0..3000 {
            let len = (lcg(&mut state) % 24) as usize;
            let text: String = (0..len)
                .map(|_| alphabet[(lcg(&mut state) % alphabet.len() as u64) as usize])
                .collect();
            let tokens = split(&text);
            assert!(tokens.iter().all(|t| !t.is_empty()), "{text:?}");
            let joined: String = tokens.concat();
            let kept: String = text
                .chars()
                .filter(|&c| classify(c) != Class::Space)
                .collect();
            assert_eq!(joined, kept, "{text:?} → {tokens:?}");
            // The full pipeline must not panic either.
            let t = TokenizerConfig::new()
                .with_lowercase(true)
                .with_clean_artefacts(true)
                .build();
            let _ = t.tokenize(&text);
        }
    }

    #[test]
    fn tokenizer_survives_arbitrary_bytes_and_huge_input() {
        let mut state = 11;
        for _ in 0..500 {
            let len = (lcg(&mut state) % 64) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| lcg(&mut state) as u8).collect();
            let text = String::from_utf8_lossy(&bytes);
            let t = TokenizerConfig::new()
                .with_lowercase(true)
                .with_clean_artefacts(true)
                .build();
            let _ = t.tokenize(&text);
        }
        let huge = "word ".repeat(200_000) + &"x".repeat(1 << 20);
        assert_eq!(Tokens::new(&huge).count(), 200_001);
    }
}
