//! Corpus readers: delimited text (TSV/CSV), fastText, CoNLL. Their common behaviour is
//! documented in the crate docs.

mod conll;
mod fasttext;
mod lines;
mod tsv;

pub use conll::{
    ConllConfig, TagColumn, TaggedCorpus, TaggedSentence, read_conll, read_conll_from,
};
pub use fasttext::{FastTextConfig, read_fasttext, read_fasttext_from};
pub use lines::DEFAULT_MAX_LINE_BYTES;
pub use tsv::{Delimiter, TsvConfig, read_tsv, read_tsv_from};

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use crate::error::{Error, Result};

/// Opens `path` for buffered reading; its display form names it in errors.
fn open(path: &Path) -> Result<(BufReader<File>, String)> {
    let name = path.display().to_string();
    match File::open(path) {
        Ok(f) => Ok((BufReader::with_capacity(1 << 16, f), name)),
        Err(source) => Err(Error::Io { path: name, source }),
    }
}
