//! Corrupt checkpoints are refused with an error naming the file, without a panic, and
//! without an allocation that the file's contents control. A counting global allocator
//! records the largest single allocation a thread makes while a decode runs; this file is its
//! own test binary so that the allocator serves only these tests.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::Path;

use neurotext_autodiff::{Graph, Matrix};
use neurotext_layers::{Activation, Layer, Linear, Sequential};
use neurotext_linalg::random::seeded_rng;
use neurotext_optim::{Adam, AnyOptimizer, Optimizer};
use neurotext_train::checkpoint::{self, FORMAT_VERSION, HEADER_LEN};
use neurotext_train::{Best, Checkpoint, TrainState, save_checkpoint, snapshot};
use rand::RngExt;

/// The system allocator, recording the largest single request of a thread that measures.
struct Counting;

thread_local! {
    /// Whether this thread's allocations are being measured. Per thread, like the maximum
    /// below, because the other test of this binary runs at the same time on another thread.
    static MEASURING: Cell<bool> = const { Cell::new(false) };
    /// The largest allocation (or reallocation) this thread requested while measuring.
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn record(size: usize) {
    // `try_with`: allocations also happen while a thread's locals are being torn down.
    if MEASURING.try_with(Cell::get).unwrap_or(false) {
        let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
    }
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds the contract; the
// bookkeeping neither allocates nor touches the memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        // SAFETY: the caller's guarantees for `layout` are passed on as they are.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        // SAFETY: as in `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (every path above uses it).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size);
        // SAFETY: as in `dealloc`; the caller guarantees `new_size` is valid for `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns its result with the largest allocation it made on this thread.
fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.with(|l| l.set(0));
    MEASURING.with(|m| m.set(true));
    let out = f();
    MEASURING.with(|m| m.set(false));
    (out, LARGEST.with(Cell::get))
}

type Ckpt = Checkpoint<AnyOptimizer, String>;

/// A valid checkpoint of a small model (2 → 8 → 2) after one Adam step, with a best snapshot.
fn valid_checkpoint(path: &Path) -> Vec<u8> {
    let mut rng = seeded_rng(5);
    let mut model = Sequential::new()
        .push(
            Linear::new(2, 8, &mut rng)
                .unwrap()
                .with_activation(Activation::Tanh),
        )
        .push(Linear::new(8, 2, &mut rng).unwrap());
    let g = Graph::new();
    let x = g.constant(Matrix::from_element(2, 3, 0.5));
    let loss = model.forward(&g, x).unwrap().sum();
    g.backward_into(loss, &mut model).unwrap();
    let mut optimizer = AnyOptimizer::Adam(Adam::new(0.01));
    optimizer.step(&mut model).unwrap();
    let mut state = TrainState::new();
    state.epochs_done = 1;
    state.best = Some(Best {
        epoch: 1,
        score: 0.75,
        params: snapshot(&model),
    });
    save_checkpoint(path, &model, &optimizer, &state, &"2-8-2".to_string()).unwrap();
    std::fs::read(path).unwrap()
}

/// A refused decode: its message, and the largest allocation made meanwhile.
struct Refusal {
    largest: usize,
    message: String,
}

/// Decodes `bytes` in memory, then loads them from `file`; both must be refused.
fn refuse(bytes: &[u8], file: &Path) -> [Refusal; 2] {
    let (decoded, largest) = largest_allocation(|| checkpoint::decode::<Ckpt>(bytes, file));
    let in_memory = Refusal {
        largest,
        message: decoded
            .expect_err("a corrupt checkpoint was accepted")
            .to_string(),
    };
    std::fs::write(file, bytes).unwrap();
    let (loaded, largest) = largest_allocation(|| Ckpt::load(file));
    let from_file = Refusal {
        largest,
        message: loaded
            .expect_err("a corrupt checkpoint was accepted")
            .to_string(),
    };
    [in_memory, from_file]
}

/// The bound asserted on every allocation during a refused decode: the size of the file, or
/// 512 bytes for a smaller file, since the error itself (a message naming the file's path)
/// takes a few hundred bytes whatever the file holds.
const MESSAGE_ALLOWANCE: usize = 512;

#[test]
fn every_corrupt_checkpoint_is_refused_naming_the_file_without_allocating_more_than_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = valid_checkpoint(&dir.path().join("valid.ckpt"));
    let file = dir.path().join("corrupt.ckpt");
    let name = file.display().to_string();
    assert!(
        checkpoint::decode::<Ckpt>(&bytes, &file).is_ok(),
        "the original decodes"
    );

    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    for len in 0..bytes.len() {
        cases.push(("truncated", bytes[..len].to_vec()));
    }
    let mut rng = seeded_rng(42);
    for _ in 0..1000 {
        let mut b = bytes.clone();
        let bit = rng.random_range(0..b.len() * 8);
        b[bit / 8] ^= 1 << (bit % 8);
        cases.push(("bit flip", b));
    }
    for magic in [*b"NOTMAGIC", [0; 8], *b"ntxtckpt", *b"NTXTCKPU"] {
        let mut b = bytes.clone();
        b[..8].copy_from_slice(&magic);
        cases.push(("wrong magic", b));
    }
    for version in [FORMAT_VERSION + 1, 1000, u32::MAX] {
        let mut b = bytes.clone();
        b[8..12].copy_from_slice(&version.to_le_bytes());
        cases.push(("newer version", b));
    }
    for claim in [1u64 << 30, 8 << 30, 1 << 40, u64::MAX] {
        let mut b = bytes.clone();
        b[12..20].copy_from_slice(&claim.to_le_bytes());
        cases.push(("length claims gigabytes", b));
    }

    let mut refused = std::collections::BTreeMap::<&str, (usize, usize)>::new();
    for (kind, corrupt) in &cases {
        let bound = corrupt.len().max(MESSAGE_ALLOWANCE);
        let [in_memory, from_file] = refuse(corrupt, &file);
        for r in [&in_memory, &from_file] {
            assert!(
                r.message.contains(&name),
                "{kind}: the message does not name the file: {}",
                r.message
            );
            assert!(
                r.largest <= bound,
                "{kind} ({} bytes): an allocation of {} bytes ({})",
                corrupt.len(),
                r.largest,
                r.message
            );
        }
        let entry = refused.entry(kind).or_default();
        entry.0 += 1;
        entry.1 = entry.1.max(from_file.largest.max(in_memory.largest));
    }
    // Every case above reached this point refused: the refusal rate is 100 %.
    println!(
        "checkpoint of {} bytes ({} of payload)",
        bytes.len(),
        bytes.len() - HEADER_LEN
    );
    for (kind, (count, largest)) in &refused {
        println!("{kind}: {count} of {count} refused; largest allocation {largest} bytes");
    }
    assert_eq!(
        refused.values().map(|(n, _)| n).sum::<usize>(),
        bytes.len() + 1000 + 4 + 3 + 4
    );
}

/// The decoding bound of `checkpoint::decode` for a payload of `len` bytes: bincode's limit
/// (16 times the payload rounded up to a power of two, at least 1 MiB) and serde's cap on
/// what it reserves for a sequence before reading it (1 MiB).
fn decoding_bound(len: usize) -> usize {
    (16 * len.next_power_of_two()).max(1 << 20)
}

#[test]
fn a_crafted_payload_with_a_valid_checksum_allocates_within_the_decoding_bound() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = valid_checkpoint(&dir.path().join("valid.ckpt"));
    let payload = &bytes[HEADER_LEN..];
    let mut rng = seeded_rng(7);
    let (mut accepted, mut largest_seen) = (0, 0);
    for case in 0..1000 {
        // Random bytes overwritten, then the header rebuilt so that the checksum is right:
        // the payload decoder sees every one of them.
        let mut body = payload.to_vec();
        for _ in 0..1 + case % 4 {
            let at = rng.random_range(0..body.len());
            body[at] = rng.random();
        }
        let mut file = bytes[..12].to_vec();
        file.extend_from_slice(&(body.len() as u64).to_le_bytes());
        file.extend_from_slice(&crc32(&body).to_le_bytes());
        file.extend_from_slice(&body);
        let (result, largest) = largest_allocation(|| {
            checkpoint::decode::<Ckpt>(&file, Path::new("crafted.ckpt")).map(|c| c.params.len())
        });
        match result {
            Ok(_) => accepted += 1,
            Err(e) => assert!(e.to_string().contains("crafted.ckpt"), "{e}"),
        }
        assert!(
            largest <= decoding_bound(body.len()),
            "case {case}: an allocation of {largest} bytes"
        );
        largest_seen = largest_seen.max(largest);
    }
    println!(
        "crafted payloads: {} of 1000 refused, largest allocation {largest_seen} bytes (bound {})",
        1000 - accepted,
        decoding_bound(payload.len())
    );
}

/// CRC-32 (IEEE), bit by bit: independent of the implementation under test.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
