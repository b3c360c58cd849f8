//! A crash mid-save loses nothing. A child process (this test binary again, running the
//! ignored test `child_saves_checkpoints_until_killed`) saves distinguishable states in a
//! loop; the parent kills it with SIGKILL at seeded random moments, 20 times, and after each
//! kill the checkpoint must load and equal a state that was completely written, no older than
//! the last save that returned.
#![cfg(unix)]

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use neurotext_linalg::random::seeded_rng;
use neurotext_train::checkpoint;
use rand::RngExt;

/// Where the child saves (a folder of its own, so that temporary files can be counted).
const DIR_VAR: &str = "NEUROTEXT_CRASH_TEST_DIR";
/// The child's log of `started N` / `saved N` lines.
const LOG_VAR: &str = "NEUROTEXT_CRASH_TEST_LOG";
/// The counter of the child's first state.
const START_VAR: &str = "NEUROTEXT_CRASH_TEST_START";

const CHECKPOINT: &str = "run.ckpt";

/// The state saved with counter `i`: the counter and 100 000 values derived from it (about
/// 500 KB encoded), so that a save takes long enough to be interrupted.
fn state(i: u64) -> (u64, Vec<u32>) {
    let values = (0..100_000u32)
        .map(|k| k.wrapping_mul(2_654_435_761) ^ (i as u32))
        .collect();
    (i, values)
}

#[test]
#[ignore = "the child process of a_kill_during_save_leaves_a_complete_checkpoint_20_times_of_20"]
fn child_saves_checkpoints_until_killed() {
    let (Ok(dir), Ok(log), Ok(start)) = (
        std::env::var(DIR_VAR),
        std::env::var(LOG_VAR),
        std::env::var(START_VAR),
    ) else {
        return; // run by hand with --ignored: nothing to do
    };
    let path = Path::new(&dir).join(CHECKPOINT);
    let mut log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    for i in start.parse::<u64>().unwrap().. {
        // Unbuffered: each line is in the kernel as soon as `write_all` returns.
        log.write_all(format!("started {i}\n").as_bytes()).unwrap();
        checkpoint::save(&path, &state(i)).unwrap();
        log.write_all(format!("saved {i}\n").as_bytes()).unwrap();
    }
}

/// The last `started` and the last `saved` counter of the log.
fn progress(log: &Path) -> (Option<u64>, Option<u64>) {
    let text = fs::read_to_string(log).unwrap_or_default();
    let last = |what: &str| {
        text.lines()
            .rev()
            .filter_map(|l| l.strip_prefix(what))
            .find_map(|n| n.parse().ok())
    };
    (last("started "), last("saved "))
}

#[test]
fn a_kill_during_save_leaves_a_complete_checkpoint_20_times_of_20() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("checkpoints");
    fs::create_dir(&dir).unwrap();
    let path = dir.join(CHECKPOINT);
    let log = work.path().join("log.txt");
    let mut rng = seeded_rng(2024);
    let (mut intact, mut in_flight, mut stale_temporaries) = (0, 0, 0);
    for round in 0..20u64 {
        let _ = fs::remove_file(&log);
        let start = round * 1_000_000;
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "child_saves_checkpoints_until_killed",
                "--exact",
                "--ignored",
                "--test-threads=1",
            ])
            .env(DIR_VAR, &dir)
            .env(LOG_VAR, &log)
            .env(START_VAR, start.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Let the child complete one save of this round, then kill it at a random moment of
        // the following ones.
        let waiting = Instant::now();
        while progress(&log).1.is_none() {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("round {round}: the child exited early ({status})");
            }
            assert!(
                waiting.elapsed() < Duration::from_secs(60),
                "round {round}: no save"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_micros(rng.random_range(0..30_000)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let (started, saved) = progress(&log);
        let (started, saved) = (started.unwrap(), saved.unwrap());
        let loaded: (u64, Vec<u32>) = checkpoint::load(&path)
            .unwrap_or_else(|e| panic!("round {round}: the checkpoint does not load: {e}"));
        let i = loaded.0;
        assert!(
            (saved..=started).contains(&i),
            "round {round}: state {i} loaded; the last save that returned was {saved}, the last begun {started}"
        );
        assert!(loaded == state(i), "round {round}: state {i} is not whole");
        in_flight += usize::from(i > saved);
        let temporaries: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p != &path)
            .collect();
        assert!(
            temporaries.len() <= 1,
            "round {round}: temporary files pile up: {temporaries:?}"
        );
        stale_temporaries += temporaries.len();
        intact += 1;
    }
    println!(
        "{intact} of 20 intact; {in_flight} kills after the rename of a save that had not yet \
         returned; {stale_temporaries} kills left a partial temporary file"
    );
}
