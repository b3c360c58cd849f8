//! Checkpoint files: a small header with magic bytes, a format version, the payload length
//! and a CRC-32 of the payload, then the payload encoded with serde + bincode 2.
//!
//! ```text
//! offset  size  field
//!      0     8  magic "NTXTCKPT"
//!      8     4  format version, little-endian u32
//!     12     8  payload length in bytes, little-endian u64
//!     20     4  CRC-32 (IEEE) of the payload, little-endian u32
//!     24     …  payload (bincode 2, standard configuration)
//! ```
//!
//! Loading refuses, with a message naming the file, anything that is not exactly that: a
//! wrong magic, a newer version, a file shorter or longer than its header claims, a checksum
//! mismatch, or a payload that does not decode. The length is compared with the file's
//! real size before anything is read, and the checksum is verified before decoding, so a
//! damaged file is refused before any allocation that depends on its contents. Decoding then
//! runs under bincode's byte limit (see `decode_bounded`), so that not even a crafted payload
//! with a valid checksum can make the loader allocate without bound.
//!
//! Writing is atomic: the bytes go to a temporary file in the same directory, which is
//! flushed to disk (`fsync`) and then renamed over the target. A crash at any moment leaves
//! either the old file or the new one, never a mix. The temporary file has one fixed name per
//! target (`.NAME.tmp`), so a process killed mid-save leaves at most one stale temporary
//! file, which the next save to that path overwrites. Saves to the same path are serialised
//! within a process; two processes must not save to the same path at the same time.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use neurotext_autodiff::{Module, duplicate_name};
use neurotext_linalg::{Matrix, shape_str};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::history::TrainState;

/// The first eight bytes of every neurotext checkpoint.
pub const MAGIC: [u8; 8] = *b"NTXTCKPT";
/// The format version this build writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;
/// The size of the header before the payload.
pub const HEADER_LEN: usize = 24;

fn bad(path: &Path, message: impl Into<String>) -> Error {
    Error::Checkpoint {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Encodes `payload` with the header described in the module docs.
///
/// # Errors
/// When the payload cannot be encoded.
pub fn encode<T: Serialize>(payload: &T) -> Result<Vec<u8>> {
    let body = bincode::serde::encode_to_vec(payload, bincode::config::standard())
        .map_err(|e| bad(Path::new("<memory>"), format!("cannot encode: {e}")))?;
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

/// Checks the header of `bytes` and decodes the payload; `path` names the source in errors.
///
/// # Errors
/// [`Error::Checkpoint`] for every malformation listed in the module docs.
pub fn decode<T: DeserializeOwned>(bytes: &[u8], path: &Path) -> Result<T> {
    if bytes.len() < HEADER_LEN {
        return Err(bad(
            path,
            format!(
                "truncated: {} bytes, shorter than the {HEADER_LEN}-byte header",
                bytes.len()
            ),
        ));
    }
    if bytes[..8] != MAGIC {
        return Err(bad(path, "not a neurotext checkpoint (wrong magic bytes)"));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version > FORMAT_VERSION {
        return Err(bad(
            path,
            format!(
                "format version {version} is newer than this build reads ({FORMAT_VERSION}); upgrade neurotext"
            ),
        ));
    }
    if version == 0 {
        return Err(bad(path, "format version 0 does not exist"));
    }
    let claimed = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
    let actual = (bytes.len() - HEADER_LEN) as u64;
    if claimed != actual {
        let what = if claimed > actual {
            "truncated"
        } else {
            "longer than its header claims"
        };
        return Err(bad(
            path,
            format!("{what}: the header claims {claimed} payload bytes, the file holds {actual}"),
        ));
    }
    let body = &bytes[HEADER_LEN..];
    let crc = u32::from_le_bytes(bytes[20..24].try_into().expect("4 bytes"));
    if crc32fast::hash(body) != crc {
        return Err(bad(path, "checksum mismatch: the file is corrupt"));
    }
    decode_bounded(body).map_err(|e| bad(path, format!("payload does not decode: {e}")))
}

/// Decodes under a byte limit of 16 times the payload rounded up to a power of two, and at
/// least 1 MiB.
///
/// bincode counts every value at its size in memory, not in the file: a `u64` or `usize`
/// (every length, every count) claims 8 bytes although a small one is a one-byte varint, and
/// a `u128` claims 16. So a valid payload may claim up to 16 times its length, and a smaller
/// limit refuses valid files (a vocabulary of short tokens with small counts claims nearly
/// 3 times its length). The limit still bounds what a claim can allocate before the bytes
/// behind it are read (a string's length): at most 32 times the payload, or 1 MiB for small
/// files, which is also what serde pre-allocates at most for a sequence.
fn decode_bounded<T: DeserializeOwned>(
    body: &[u8],
) -> std::result::Result<T, bincode::error::DecodeError> {
    macro_rules! try_tiers {
        ($($k:literal)*) => {$(
            if body.len() <= (1usize << $k) {
                let config = bincode::config::standard().with_limit::<{ 1usize << ($k + 4) }>();
                return bincode::serde::decode_from_slice(body, config).map(|(v, _)| v);
            }
        )*};
    }
    try_tiers!(16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46);
    Err(bincode::error::DecodeError::Other(
        "payload larger than 64 TiB",
    ))
}

/// Writes `bytes` to `path` atomically (temporary file `.NAME.tmp`, fsync, rename, fsync of
/// the directory); see the module docs.
///
/// # Errors
/// [`Error::Io`] naming the file; the temporary file is removed on failure.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    // One temporary name per target: threads of this process take turns.
    static SAVING: Mutex<()> = Mutex::new(());
    let _turn = SAVING.lock().unwrap_or_else(PoisonError::into_inner);
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => Path::new(".").to_path_buf(),
    };
    let name = path
        .file_name()
        .ok_or_else(|| bad(path, "not a file path"))?
        .to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp"));
    let written = (|| -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(io(e));
    }
    // The rename is durable only once the directory entry is on disk too.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Encodes `payload` and writes it to `path` atomically.
///
/// # Errors
/// When encoding or writing fails.
pub fn save<T: Serialize>(path: &Path, payload: &T) -> Result<()> {
    write_atomic(path, &encode(payload)?)
}

/// Reads and decodes a checkpoint written by [`save`].
///
/// # Errors
/// [`Error::Io`] when the file cannot be read, [`Error::Checkpoint`] when it is malformed.
pub fn load<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut f = File::open(path).map_err(io)?;
    let size = f.metadata().map_err(io)?.len();
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).min(1 << 30));
    f.read_to_end(&mut bytes).map_err(io)?;
    decode(&bytes, path)
}

/// A training checkpoint: the model's named weights, the optimizer with its state, the
/// run's state (epoch, history, best weights) and the caller's configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint<O, C> {
    /// The parameters by name.
    #[serde(deserialize_with = "neurotext_linalg::serde_matrix::deserialize_named")]
    pub params: Vec<(String, Matrix)>,
    /// The optimizer and its state.
    pub optimizer: O,
    /// Where the run stands.
    pub state: TrainState,
    /// The caller's configuration (model sizes, data paths…).
    pub config: C,
}

#[derive(Serialize)]
struct CheckpointRef<'a, O, C> {
    params: Vec<(String, &'a Matrix)>,
    optimizer: &'a O,
    state: &'a TrainState,
    config: &'a C,
}

/// Saves a training checkpoint of `model`, `optimizer`, `state` and `config` to `path`.
///
/// # Errors
/// [`Error::Checkpoint`] when two parameters of `model` have the same name (the file could
/// not be loaded again), and errors of encoding or writing. Nothing is written then.
pub fn save_checkpoint<O: Serialize, C: Serialize>(
    path: &Path,
    model: &dyn Module,
    optimizer: &O,
    state: &TrainState,
    config: &C,
) -> Result<()> {
    let named = model.named_params();
    if let Some(name) = duplicate_name(&named) {
        return Err(bad(
            path,
            format!(
                "not saved: two parameters of the model are named {name:?}, and a checkpoint \
                 keeps parameters by name"
            ),
        ));
    }
    let params = named.into_iter().map(|(n, p)| (n, p.value())).collect();
    save(
        path,
        &CheckpointRef {
            params,
            optimizer,
            state,
            config,
        },
    )
}

impl<O: DeserializeOwned, C: DeserializeOwned> Checkpoint<O, C> {
    /// Loads a training checkpoint.
    ///
    /// # Errors
    /// As [`load`].
    pub fn load(path: &Path) -> Result<Self> {
        load(path)
    }
}

/// Copies named weights into `model`: every parameter must be present with its shape, and
/// nothing may be left over.
///
/// # Errors
/// [`Error::Checkpoint`] naming the first missing, extra or misshapen parameter, or a name
/// that appears twice in the file or in the model (`source` names the file in the message).
/// Nothing is changed then.
pub fn restore_params(
    model: &mut dyn Module,
    params: &[(String, Matrix)],
    source: &Path,
) -> Result<()> {
    if let Some(name) = duplicate_name(params) {
        return Err(bad(
            source,
            format!("parameter name {name:?} appears twice in the file"),
        ));
    }
    let by_name: std::collections::HashMap<&str, &Matrix> =
        params.iter().map(|(n, m)| (n.as_str(), m)).collect();
    let mut targets = model.named_params_mut();
    if let Some(name) = duplicate_name(&targets) {
        return Err(bad(
            source,
            format!(
                "two parameters of the model are named {name:?}, so weights cannot be matched \
                 to them by name"
            ),
        ));
    }
    let known: std::collections::HashSet<&str> = targets.iter().map(|(n, _)| n.as_str()).collect();
    if let Some((extra, _)) = params.iter().find(|(n, _)| !known.contains(n.as_str())) {
        return Err(bad(
            source,
            format!("parameter {extra:?} in the file is not part of the model"),
        ));
    }
    drop(known);
    for (name, p) in &targets {
        match by_name.get(name.as_str()) {
            None => {
                return Err(bad(
                    source,
                    format!("parameter {name:?} of the model is missing"),
                ));
            }
            Some(m) if m.shape() != p.shape() => {
                return Err(bad(
                    source,
                    format!(
                        "parameter {name:?} is {} in the file but {} in the model",
                        shape_str(m.nrows(), m.ncols()),
                        shape_str(p.shape().0, p.shape().1)
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    for (name, p) in &mut targets {
        // Every name is present (checked above) and unique (so is each model name).
        if let Some(&m) = by_name.get(name.as_str()) {
            p.value_mut().copy_from(m);
        }
    }
    Ok(())
}
