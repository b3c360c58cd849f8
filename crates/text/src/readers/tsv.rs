//! Delimited text: one example per line (TSV), or per record (CSV with RFC 4180 quotes).

use std::io::BufRead;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::lines::{DEFAULT_MAX_LINE_BYTES, LineReader};
use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// The field separator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Delimiter {
    /// `\t`. The default.
    #[default]
    Tab,
    /// `,`.
    Comma,
}

impl Delimiter {
    fn byte(self) -> u8 {
        match self {
            Delimiter::Tab => b'\t',
            Delimiter::Comma => b',',
        }
    }
}

/// How to read a delimited file: `TsvConfig::tsv().with_header(true)`, `TsvConfig::csv()`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TsvConfig {
    /// The field separator. Default [`Delimiter::Tab`].
    pub delimiter: Delimiter,
    /// Whether `"` quotes fields (RFC 4180). Default: off for tabs, on for commas.
    pub quotes: bool,
    /// The column of the text. Default 0.
    pub text_column: usize,
    /// The column of the label. Default 1.
    pub label_column: usize,
    /// Whether the first non-blank line is a header to skip. Default `false`.
    pub has_header: bool,
    /// The longest line (or quoted record) accepted, in bytes. Default 1 MiB.
    pub max_line_bytes: usize,
}

impl Default for TsvConfig {
    fn default() -> Self {
        TsvConfig {
            delimiter: Delimiter::Tab,
            quotes: false,
            text_column: 0,
            label_column: 1,
            has_header: false,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
        }
    }
}

impl TsvConfig {
    /// Tab-separated, no quotes, text in column 0, label in column 1, no header.
    pub fn tsv() -> Self {
        Self::default()
    }

    /// Comma-separated with RFC 4180 quotes, text in column 0, label in column 1, no header.
    pub fn csv() -> Self {
        Self::default().with_delimiter(Delimiter::Comma)
    }

    /// Sets the delimiter, and quoting to its default (on for commas, off for tabs).
    pub fn with_delimiter(mut self, delimiter: Delimiter) -> Self {
        self.delimiter = delimiter;
        self.quotes = delimiter == Delimiter::Comma;
        self
    }

    /// Sets [`quotes`](Self::quotes).
    pub fn with_quotes(mut self, quotes: bool) -> Self {
        self.quotes = quotes;
        self
    }

    /// Sets [`text_column`](Self::text_column) and [`label_column`](Self::label_column).
    pub fn with_columns(mut self, text: usize, label: usize) -> Self {
        self.text_column = text;
        self.label_column = label;
        self
    }

    /// Sets [`has_header`](Self::has_header).
    pub fn with_header(mut self, has_header: bool) -> Self {
        self.has_header = has_header;
        self
    }

    /// Sets [`max_line_bytes`](Self::max_line_bytes).
    pub fn with_max_line_bytes(mut self, max: usize) -> Self {
        self.max_line_bytes = max;
        self
    }
}

/// Reads a delimited file.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read, [`Error::Encoding`], [`Error::LineTooLong`],
/// [`Error::MissingColumn`] or [`Error::Parse`] naming the file and line, and
/// [`Error::Empty`] when it has no example.
pub fn read_tsv(path: impl AsRef<Path>, config: &TsvConfig) -> Result<Dataset> {
    let (reader, name) = super::open(path.as_ref())?;
    read_tsv_from(reader, &name, config)
}

/// Reads delimited text from `reader`; `source` names it in errors.
///
/// Columns count from 0; by default the text is column 0 and the label column 1, as in
/// SST-2's `sentence<TAB>label`. Texts are kept as they are; labels are trimmed of
/// surrounding whitespace and must not be empty.
///
/// With quotes (the CSV default), a field that starts with `"` runs to the next lone `"`;
/// inside it, `""` is a quote, and delimiters and line breaks are text, so a record can span
/// lines (it is named by the line it starts on, and its total length is limited like a line's).
/// A `"` inside an unquoted field is an ordinary character. TSV files are read without quotes
/// by default: SST-2's texts contain `"` characters that are not quoting.
///
/// ```
/// use neurotext_text::{TsvConfig, read_tsv_from};
/// let csv = "text,label\r\n\"Hello, \"\"world\"\"\",greeting\r\n\"two\nlines\",other\r\n";
/// let d = read_tsv_from(csv.as_bytes(), "<inline>", &TsvConfig::csv().with_header(true))?;
/// assert_eq!(d.texts(), ["Hello, \"world\"", "two\nlines"]);
/// assert_eq!(d.labels(), ["greeting", "other"]);
/// assert_eq!(d.lines(), [2, 3]);
/// # Ok::<(), neurotext_text::Error>(())
/// ```
///
/// # Errors
/// As [`read_tsv`].
pub fn read_tsv_from<R: BufRead>(reader: R, source: &str, config: &TsvConfig) -> Result<Dataset> {
    let mut lines = LineReader::new(reader, source, config.max_line_bytes);
    let mut dataset = Dataset::new(source);
    let mut fields: Vec<String> = Vec::new();
    let mut header_pending = config.has_header;
    while let Some(line) = read_record(&mut lines, source, config, &mut fields)? {
        if header_pending {
            header_pending = false;
            continue;
        }
        let column = |role: &'static str, column: usize| {
            fields.get(column).ok_or_else(|| Error::MissingColumn {
                path: source.to_owned(),
                line,
                role,
                column,
                found: fields.len(),
            })
        };
        let text = column("text", config.text_column)?;
        let label = column("label", config.label_column)?.trim();
        if label.is_empty() {
            return Err(Error::Parse {
                path: source.to_owned(),
                line,
                message: format!("empty label in column {}", config.label_column),
            });
        }
        dataset.push(text.as_str(), label, line);
    }
    if dataset.is_empty() {
        return Err(Error::Empty {
            path: source.to_owned(),
        });
    }
    Ok(dataset)
}

/// Reads the next non-blank record into `fields`; returns the line it starts on.
fn read_record<R: BufRead>(
    lines: &mut LineReader<R>,
    source: &str,
    config: &TsvConfig,
    fields: &mut Vec<String>,
) -> Result<Option<usize>> {
    let delimiter = config.delimiter.byte();
    fields.clear();
    let mut state = QuoteState::default();
    let mut start = 0;
    let mut size = 0;
    loop {
        let Some((number, line)) = lines.next_line()? else {
            if state.in_record {
                return Err(Error::Parse {
                    path: source.to_owned(),
                    line: start,
                    message: "a quoted field is not closed before the end of the input".into(),
                });
            }
            return Ok(None);
        };
        if !state.in_record {
            if line.trim().is_empty() {
                continue;
            }
            if !config.quotes {
                fields.extend(line.split(char::from(delimiter)).map(str::to_owned));
                return Ok(Some(number));
            }
            start = number;
            state.in_record = true;
        }
        size += line.len() + 1;
        if size > config.max_line_bytes + 1 {
            return Err(Error::LineTooLong {
                path: source.to_owned(),
                line: start,
                limit: config.max_line_bytes,
            });
        }
        let done = state
            .feed(line, delimiter, fields)
            .map_err(|message| Error::Parse {
                path: source.to_owned(),
                line: number,
                message,
            })?;
        if done {
            return Ok(Some(start));
        }
    }
}

/// The state of an RFC 4180 record across the lines it spans.
#[derive(Default)]
struct QuoteState {
    /// A record has started and is not finished.
    in_record: bool,
    /// The field being read.
    field: String,
    /// Inside a quoted field.
    quoted: bool,
    /// Just after a quoted field's closing quote.
    closed: bool,
}

impl QuoteState {
    /// Reads one physical line; returns whether the record is complete.
    fn feed(
        &mut self,
        line: &str,
        delimiter: u8,
        fields: &mut Vec<String>,
    ) -> Result<bool, String> {
        let bytes = line.as_bytes();
        let mut i = 0;
        let mut run = 0; // start of the text not yet copied into the field
        // Every byte tested below is ASCII, so each slice ends on a character boundary.
        while i < bytes.len() {
            let b = bytes[i];
            if self.quoted {
                if b == b'"' {
                    self.field.push_str(&line[run..i]);
                    if bytes.get(i + 1) == Some(&b'"') {
                        self.field.push('"');
                        i += 2;
                    } else {
                        self.quoted = false;
                        self.closed = true;
                        i += 1;
                    }
                    run = i;
                } else {
                    i += 1;
                }
            } else if b == delimiter {
                self.field.push_str(&line[run..i]);
                fields.push(std::mem::take(&mut self.field));
                self.closed = false;
                i += 1;
                run = i;
            } else if self.closed {
                return Err(format!(
                    "unexpected {:?} after the closing quote of field {} (expected a delimiter)",
                    line[i..].chars().next().unwrap_or(' '),
                    fields.len()
                ));
            } else if b == b'"' && i == run && self.field.is_empty() {
                self.quoted = true;
                i += 1;
                run = i;
            } else {
                i += 1;
            }
        }
        self.field.push_str(&line[run..]);
        if self.quoted {
            self.field.push('\n');
            return Ok(false);
        }
        fields.push(std::mem::take(&mut self.field));
        self.closed = false;
        self.in_record = false;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &str, config: &TsvConfig) -> Result<Dataset> {
        read_tsv_from(input.as_bytes(), "mem.tsv", config)
    }

    #[test]
    fn tsv_reads_text_and_label_columns_and_skips_header_and_blank_lines() {
        let d = read(
            "sentence\tlabel\n\na fine film \t1\r\nawful\t 0 \n\n",
            &TsvConfig::tsv().with_header(true),
        )
        .unwrap();
        assert_eq!(d.texts(), ["a fine film ", "awful"]);
        assert_eq!(d.labels(), ["1", "0"]);
        assert_eq!(d.lines(), [3, 4]);
        assert_eq!(d.source(), "mem.tsv");
    }

    #[test]
    fn tsv_keeps_quotes_literal_by_default() {
        let d = read("\"quoted\" text\tpos\n", &TsvConfig::tsv()).unwrap();
        assert_eq!(d.texts(), ["\"quoted\" text"]);
    }

    #[test]
    fn tsv_chooses_columns() {
        let d = read(
            "3\tTitle\tbody text\n",
            &TsvConfig::tsv().with_columns(2, 0),
        )
        .unwrap();
        assert_eq!(
            (d.texts()[0].as_str(), d.labels()[0].as_str()),
            ("body text", "3")
        );
    }

    #[test]
    fn tsv_missing_column_names_file_line_and_column() {
        let err = read("ok\t1\nno label here\n", &TsvConfig::tsv()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "mem.tsv:2: no label column 1 (columns count from 0; the line has 1)"
        );
        let err = read("a\t1\n", &TsvConfig::tsv().with_columns(5, 1)).unwrap_err();
        assert!(matches!(
            err,
            Error::MissingColumn {
                role: "text",
                column: 5,
                ..
            }
        ));
    }

    #[test]
    fn tsv_empty_file_or_header_only_is_an_error() {
        for input in ["", "\n\n", "sentence\tlabel\n"] {
            let err = read(input, &TsvConfig::tsv().with_header(true)).unwrap_err();
            assert_eq!(err.to_string(), "no examples in mem.tsv");
        }
    }

    #[test]
    fn tsv_rejects_empty_labels_and_invalid_utf8() {
        let err = read("text\t \n", &TsvConfig::tsv()).unwrap_err();
        assert!(
            err.to_string().starts_with("mem.tsv:1: empty label"),
            "{err}"
        );
        let err =
            read_tsv_from(&b"a\t1\n\xC3(\t0\n"[..], "bad.tsv", &TsvConfig::tsv()).unwrap_err();
        assert!(
            err.to_string().starts_with("bad.tsv:2: invalid UTF-8"),
            "{err}"
        );
    }

    #[test]
    fn tsv_strips_bom_and_crlf() {
        let d = read("\u{FEFF}hello\tx\r\n", &TsvConfig::tsv()).unwrap();
        assert_eq!(
            (d.texts()[0].as_str(), d.labels()[0].as_str()),
            ("hello", "x")
        );
    }

    #[test]
    fn csv_reads_rfc4180_quotes_across_lines() {
        let input = "\"a, b\",\"say \"\"hi\"\"\"\r\nplain,x\n\"multi\r\n\r\nline\",y\n";
        let d = read(input, &TsvConfig::csv()).unwrap();
        assert_eq!(d.texts(), ["a, b", "plain", "multi\n\nline"]);
        assert_eq!(d.labels(), ["say \"hi\"", "x", "y"]);
        assert_eq!(d.lines(), [1, 2, 3]);
        let d = read("5 \"inch\" screen,x\n\"\",y\n", &TsvConfig::csv()).unwrap();
        assert_eq!(d.texts(), ["5 \"inch\" screen", ""]);
    }

    #[test]
    fn csv_reports_unclosed_quotes_and_text_after_a_closing_quote() {
        let err = read("a,1\n\"never closed,2\nmore\n", &TsvConfig::csv()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "mem.tsv:2: a quoted field is not closed before the end of the input"
        );
        let err = read("\"a\"b,1\n", &TsvConfig::csv()).unwrap_err();
        assert!(
            err.to_string().starts_with("mem.tsv:1: unexpected 'b'"),
            "{err}"
        );
    }

    #[test]
    fn csv_limits_the_length_of_a_multi_line_record() {
        let input = format!("\"{}\n{}\",x\n", "a".repeat(40), "b".repeat(40));
        let err = read(&input, &TsvConfig::csv().with_max_line_bytes(64)).unwrap_err();
        assert!(
            matches!(
                err,
                Error::LineTooLong {
                    line: 1,
                    limit: 64,
                    ..
                }
            ),
            "{err}"
        );
        assert!(read(&input, &TsvConfig::csv().with_max_line_bytes(100)).is_ok());
    }
}
