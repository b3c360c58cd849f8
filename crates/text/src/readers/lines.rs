//! Reading lines with a length limit, line numbers, and BOM and CRLF handling.

use std::io::{BufRead, ErrorKind};

use crate::error::{Error, Result};

/// The default limit on the length of one line (or of one quoted CSV record): 1 MiB.
pub const DEFAULT_MAX_LINE_BYTES: usize = 1 << 20;

/// Lines of a source, each checked to be UTF-8 and at most `max` bytes long.
pub(crate) struct LineReader<R> {
    reader: R,
    source: String,
    max: usize,
    buf: Vec<u8>,
    line: usize,
    eof: bool,
}

impl<R: BufRead> LineReader<R> {
    pub(crate) fn new(reader: R, source: &str, max: usize) -> Self {
        LineReader {
            reader,
            source: source.to_owned(),
            max,
            buf: Vec::new(),
            line: 0,
            eof: false,
        }
    }

    /// The next line's 1-based number and text, without its `\n` or `\r\n` (and, on line 1,
    /// without a UTF-8 BOM), or `None` at the end. After an error the reader must not be used
    /// again.
    pub(crate) fn next_line(&mut self) -> Result<Option<(usize, &str)>> {
        self.buf.clear();
        if self.eof {
            return Ok(None);
        }
        let mut read_any = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(Error::Io {
                        path: self.source.clone(),
                        source,
                    });
                }
            };
            if available.is_empty() {
                self.eof = true;
                if !read_any {
                    return Ok(None);
                }
                break;
            }
            read_any = true;
            let newline = available.iter().position(|&b| b == b'\n');
            let take = newline.unwrap_or(available.len());
            if self.buf.len() + take > self.max {
                return Err(Error::LineTooLong {
                    path: self.source.clone(),
                    line: self.line + 1,
                    limit: self.max,
                });
            }
            self.buf.extend_from_slice(&available[..take]);
            self.reader.consume(take + usize::from(newline.is_some()));
            if newline.is_some() {
                break;
            }
        }
        self.line += 1;
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        let start = if self.line == 1 && self.buf.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        match std::str::from_utf8(&self.buf[start..]) {
            Ok(s) => Ok(Some((self.line, s))),
            Err(e) => Err(Error::Encoding {
                path: self.source.clone(),
                line: self.line,
                byte: start + e.valid_up_to() + 1,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_lines(input: &[u8], max: usize) -> Result<Vec<String>> {
        let mut r = LineReader::new(input, "test", max);
        let mut out = Vec::new();
        let mut expected = 1;
        while let Some((n, l)) = r.next_line()? {
            assert_eq!(n, expected);
            expected += 1;
            out.push(l.to_owned());
        }
        Ok(out)
    }

    #[test]
    fn lines_strip_crlf_and_bom_and_keep_blank_lines() {
        let lines = all_lines(b"\xEF\xBB\xBFa\r\n\r\nb\nc", 100).unwrap();
        assert_eq!(lines, ["a", "", "b", "c"]);
        assert!(all_lines(b"", 100).unwrap().is_empty());
        assert_eq!(all_lines(b"x\n", 100).unwrap(), ["x"]);
    }

    #[test]
    fn lines_refuse_invalid_utf8_naming_line_and_byte() {
        let err = all_lines(b"ok\nab\xFFc\n", 100).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Encoding {
                    line: 2,
                    byte: 3,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "test:2: invalid UTF-8 at byte 3 of the line"
        );
    }

    #[test]
    fn lines_refuse_a_line_over_the_limit_without_buffering_it() {
        let mut input = b"short\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 10_000));
        let err = all_lines(&input, 64).unwrap_err();
        assert!(
            matches!(
                err,
                Error::LineTooLong {
                    line: 2,
                    limit: 64,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(all_lines(b"12345678\n", 8).unwrap(), ["12345678"]);
    }
}
