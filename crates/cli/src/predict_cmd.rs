//! `neurotext predict`: labels (or tags) for new texts, one per line, streamed: the input is
//! read and answered in batches, never held whole, so memory stays bounded on any input size.

use std::io::{BufRead, BufReader, BufWriter, Read, Write};

use anyhow::{Context, Result, bail};
use neurotext_autodiff::Graph;
use neurotext_text::DEFAULT_MAX_LINE_BYTES;

use crate::args::{PoolingKind, PredictArgs};
use crate::classifier::Classifier;
use crate::explain;
use crate::features::Features;
use crate::infer::{Encoded, INFER_BATCH, best};
use crate::model_file::{Model, ModelFile};
use crate::tagger::Tagger;
use crate::usage::UsageError;

/// Reads lines with a length cap, naming the source and line in errors.
struct Lines<R> {
    reader: R,
    source: String,
    line: usize,
    buf: Vec<u8>,
}

impl<R: BufRead> Lines<R> {
    fn next_line(&mut self) -> Result<Option<String>> {
        self.buf.clear();
        let limit = DEFAULT_MAX_LINE_BYTES as u64 + 2;
        let n = (&mut self.reader)
            .take(limit)
            .read_until(b'\n', &mut self.buf)
            .with_context(|| format!("{}: cannot read", self.source))?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        if self.buf.len() as u64 >= limit && self.buf.last() != Some(&b'\n') {
            bail!(
                "{}:{}: line longer than {} bytes",
                self.source,
                self.line,
                DEFAULT_MAX_LINE_BYTES
            );
        }
        while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
            self.buf.pop();
        }
        let mut text = std::str::from_utf8(&self.buf).map_err(|e| {
            anyhow::anyhow!(
                "{}:{}: not UTF-8 (byte {})",
                self.source,
                self.line,
                e.valid_up_to() + 1
            )
        })?;
        if self.line == 1 {
            text = text.strip_prefix('\u{feff}').unwrap_or(text);
        }
        Ok(Some(text.to_string()))
    }
}

/// Runs `predict`, writing answers to `out` as they come.
pub fn run(args: &PredictArgs, out: &mut dyn Write) -> Result<()> {
    let file = ModelFile::load(&args.model)?;
    let model = file.build(&args.model)?;
    let explaining = args.explain || args.explain_html.is_some();
    if explaining && !(file.config.is_recurrent() && file.config.pooling == PoolingKind::Attention)
    {
        return Err(UsageError::new(
            "--explain and --explain-html need a model trained with --pooling attention",
        )
        .into());
    }
    let (reader, source): (Box<dyn BufRead>, String) = match &args.input {
        Some(p) if p.as_os_str() != "-" => (
            Box::new(BufReader::new(
                std::fs::File::open(p).with_context(|| format!("cannot open {}", p.display()))?,
            )),
            p.display().to_string(),
        ),
        _ => (
            Box::new(BufReader::new(std::io::stdin().lock())),
            "<stdin>".to_string(),
        ),
    };
    let mut lines = Lines {
        reader,
        source,
        line: 0,
        buf: Vec::new(),
    };
    let mut out = BufWriter::new(out);
    let mut html = String::new();
    loop {
        let mut chunk = Vec::with_capacity(INFER_BATCH);
        while chunk.len() < INFER_BATCH {
            match lines.next_line()? {
                Some(l) => chunk.push(l),
                None => break,
            }
        }
        if chunk.is_empty() {
            break;
        }
        match &model {
            Model::Classifier(m) => {
                classify_chunk(&file, m, &chunk, args.explain, &mut html, &mut out)?
            }
            Model::Tagger(m) => tag_chunk(&file, m, &chunk, &mut out)?,
        }
    }
    out.flush()?;
    if let Some(path) = &args.explain_html {
        neurotext_train::checkpoint::write_atomic(path, explain::html_page(&html).as_bytes())?;
    }
    Ok(())
}

fn classify_chunk(
    file: &ModelFile,
    model: &Classifier,
    chunk: &[String],
    explain_terminal: bool,
    html: &mut String,
    out: &mut dyn Write,
) -> Result<()> {
    let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
    let pad = file.features.pad_id();
    let encoded = match &file.features {
        Features::Bow(_) => Encoded::Bow(file.features.bow(&refs)?),
        Features::Ids { .. } => Encoded::Ids(file.features.ids(&refs, file.config.max_len)?),
        Features::Words { .. } => bail!("the model file is inconsistent"),
    };
    let idx: Vec<usize> = (0..chunk.len()).collect();
    let inputs = encoded.inputs(&idx, pad)?;
    let g = Graph::no_grad();
    let forward = model.forward(&g, &inputs)?;
    let probs = forward.logits.softmax().value();
    let weights = forward.attention.map(|w| w.value());
    for (b, (class, p)) in best(&probs).into_iter().enumerate() {
        let label = file.labels.name(class)?;
        write!(out, "{label}\t{p:.4}")?;
        if let (Some(w), crate::classifier::Inputs::Ids { batch, .. }) = (&weights, &inputs) {
            let tokens = file.features.tokens(&chunk[b], file.config.max_len);
            let ws: Vec<f32> = (0..batch.lengths()[b])
                .map(|t| w[batch.column(t, b)])
                .collect();
            if explain_terminal {
                write!(out, "\t{}", explain::terminal(&tokens, &ws))?;
            }
            html.push_str(&explain::html_line(label, p, &tokens, &ws));
        }
        writeln!(out)?;
    }
    Ok(())
}

fn tag_chunk(
    file: &ModelFile,
    model: &Tagger,
    chunk: &[String],
    out: &mut dyn Write,
) -> Result<()> {
    let sentences: Vec<Vec<String>> = chunk
        .iter()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect();
    let nonempty: Vec<usize> = (0..sentences.len())
        .filter(|&i| !sentences[i].is_empty())
        .collect();
    let words: Vec<&[String]> = nonempty.iter().map(|&i| sentences[i].as_slice()).collect();
    let ids = words
        .iter()
        .map(|w| file.features.word_ids(w))
        .collect::<Result<Vec<_>>>()?;
    let pad = file.features.pad_id();
    let tags: Vec<String> = file.labels.labels().to_vec();
    let predicted = crate::infer::tag(
        model,
        &words,
        &ids,
        pad,
        file.config.char_buckets,
        &tags,
        file.constrained,
    )?;
    let mut next = predicted.iter();
    for s in &sentences {
        if s.is_empty() {
            writeln!(out)?;
            continue;
        }
        let p = next.next().expect("one prediction per non-empty sentence");
        let tagged: Vec<String> = s
            .iter()
            .zip(p)
            .map(|(w, &t)| format!("{w}/{}", tags[t]))
            .collect();
        writeln!(out, "{}", tagged.join(" "))?;
    }
    Ok(())
}

/// Whether an error is a closed output pipe (`neurotext predict … | head`), which ends the
/// command quietly.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
