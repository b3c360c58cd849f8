//! Bad input to the command, table-driven: each case either succeeds cleanly (line endings
//! and byte-order marks are not errors) or fails with a message naming the file (and the
//! line, where there is one) and exit status 1 or 2. Never a panic, and never a partial
//! output file left behind.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn neurotext(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_neurotext"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn good_lines() -> String {
    (0..40)
        .map(|i| {
            if i % 2 == 0 {
                format!("a fine good film {i}\tpos\n")
            } else {
                format!("a dull bad film {i}\tneg\n")
            }
        })
        .collect()
}

/// What a case must do.
enum Expect {
    /// Train and write the model.
    Success,
    /// Fail with this exit status and a message containing these parts.
    Failure(i32, &'static [&'static str]),
}

struct Case {
    name: &'static str,
    file: Vec<u8>,
    extra: &'static [&'static str],
    expect: Expect,
}

fn cases() -> Vec<Case> {
    let good = good_lines();
    let mut long_line = good.clone().into_bytes();
    long_line.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    long_line.extend_from_slice(b"\tpos\n");
    let mut non_utf8 = b"a good film\tpos\n".to_vec();
    non_utf8.extend_from_slice(b"a \xff\xfe bad film\tneg\n");
    vec![
        Case {
            name: "empty file",
            file: Vec::new(),
            extra: &[],
            expect: Expect::Failure(1, &["data.tsv", "no examples"]),
        },
        Case {
            name: "header only",
            file: b"sentence\tlabel\n".to_vec(),
            extra: &["--header"],
            expect: Expect::Failure(1, &["data.tsv", "no examples"]),
        },
        Case {
            name: "CRLF line endings",
            file: good.replace('\n', "\r\n").into_bytes(),
            extra: &[],
            expect: Expect::Success,
        },
        Case {
            name: "UTF-8 byte-order mark",
            file: [b"\xef\xbb\xbf".as_slice(), good.as_bytes()].concat(),
            extra: &[],
            expect: Expect::Success,
        },
        Case {
            name: "non-UTF-8 bytes",
            file: non_utf8,
            extra: &[],
            expect: Expect::Failure(1, &["data.tsv", "2"]),
        },
        Case {
            name: "a 10 MB line",
            file: long_line,
            extra: &[],
            expect: Expect::Failure(1, &["data.tsv", "41"]),
        },
        Case {
            name: "missing label column",
            file: format!("{good}no label here\n").into_bytes(),
            extra: &[],
            expect: Expect::Failure(1, &["data.tsv", "41"]),
        },
        Case {
            name: "--threads 0",
            file: good.clone().into_bytes(),
            extra: &["--threads", "0"],
            expect: Expect::Failure(2, &["--threads"]),
        },
        Case {
            name: "early stopping without --valid",
            file: good.clone().into_bytes(),
            extra: &["--patience", "3"],
            expect: Expect::Failure(2, &["--patience", "--valid"]),
        },
    ]
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn every_bad_training_input_is_handled_cleanly() {
    for case in cases() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data.tsv");
        std::fs::write(&data, &case.file).unwrap();
        let out = dir.path().join("model.bin");
        let mut args = vec![
            "train",
            "--train",
            data.to_str().unwrap(),
            "--model",
            "logreg",
            "--epochs",
            "2",
            "--quiet",
        ];
        args.extend_from_slice(&["--out", out.to_str().unwrap()]);
        args.extend_from_slice(case.extra);
        let o = neurotext(&args);
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{}: a panic: {err}", case.name);
        match case.expect {
            Expect::Success => {
                assert!(o.status.success(), "{}: {err}", case.name);
                assert!(out.exists(), "{}: no model written", case.name);
            }
            Expect::Failure(status, parts) => {
                assert_eq!(o.status.code(), Some(status), "{}: {err}", case.name);
                for p in parts {
                    assert!(
                        err.contains(p),
                        "{}: the message should contain {p:?}: {err}",
                        case.name
                    );
                }
                assert_eq!(
                    files_in(dir.path()),
                    vec![data.clone()],
                    "{}: output left behind",
                    case.name
                );
            }
        }
    }
}

#[test]
fn evaluation_refuses_unseen_labels_and_models_of_another_task() {
    let dir = tempfile::tempdir().unwrap();
    let train = dir.path().join("train.tsv");
    std::fs::write(&train, good_lines()).unwrap();
    let model = dir.path().join("classifier.bin");
    let o = neurotext(&[
        "train",
        "--train",
        train.to_str().unwrap(),
        "--epochs",
        "1",
        "--out",
        model.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));

    let unseen = dir.path().join("unseen.tsv");
    std::fs::write(&unseen, "a good film\tpos\na strange film\tweird\n").unwrap();
    let o = neurotext(&[
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--data",
        unseen.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("unseen.tsv") && err.contains('2') && err.contains("weird"),
        "{err}"
    );

    // A classifier asked to read CoNLL data, and a tagger asked to read TSV.
    let o = neurotext(&[
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--data",
        unseen.to_str().unwrap(),
        "--format",
        "conll",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let conll = dir.path().join("train.conll");
    std::fs::write(&conll, "Alice B-PER\nran O\n\nBob B-PER\nsat O\n").unwrap();
    let tagger = dir.path().join("tagger.bin");
    let o = neurotext(&[
        "train",
        "--task",
        "tag",
        "--train",
        conll.to_str().unwrap(),
        "--epochs",
        "1",
        "--hidden",
        "4",
        "--embedding-dim",
        "4",
        "--out",
        tagger.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = neurotext(&[
        "eval",
        "--model",
        tagger.to_str().unwrap(),
        "--data",
        unseen.to_str().unwrap(),
        "--format",
        "tsv",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"));
}

#[test]
fn prediction_refuses_bad_lines_with_their_number() {
    let dir = tempfile::tempdir().unwrap();
    let train = dir.path().join("train.tsv");
    std::fs::write(&train, good_lines()).unwrap();
    let model = dir.path().join("m.bin");
    let o = neurotext(&[
        "train",
        "--train",
        train.to_str().unwrap(),
        "--epochs",
        "1",
        "--out",
        model.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let input = dir.path().join("in.txt");
    std::fs::write(&input, b"fine\r\n\xef\xbb\xbfgood\nbad \xff bytes\n").unwrap();
    let o = neurotext(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("in.txt:3") && err.contains("UTF-8"), "{err}");
}

#[test]
fn training_twice_with_the_same_seed_gives_identical_models() {
    let dir = tempfile::tempdir().unwrap();
    let train = dir.path().join("train.tsv");
    std::fs::write(&train, good_lines()).unwrap();
    let mut files = Vec::new();
    for run in ["a", "b"] {
        let out = dir.path().join(format!("{run}.bin"));
        let o = neurotext(&[
            "train",
            "--train",
            train.to_str().unwrap(),
            "--model",
            "bilstm",
            "--hidden",
            "8",
            "--embedding-dim",
            "8",
            "--epochs",
            "2",
            "--seed",
            "7",
            "--threads",
            "2",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        files.push(std::fs::read(&out).unwrap());
    }
    assert_eq!(
        files[0], files[1],
        "the same seed and thread count must give the same bytes"
    );
}
