//! End-to-end tests of the `neurotext` command on small generated files: every subcommand,
//! and the error paths (exit status 2 for usage errors, 1 for failures, a message naming the
//! file and line or the flag, never a panic).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

fn neurotext(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_neurotext"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts a clean failure: the status, a message containing every `needle`, and no panic.
fn assert_fails(o: &Output, status: i32, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(status), "status; stderr: {err}");
    assert!(!err.contains("panicked"), "a panic: {err}");
    for n in needles {
        assert!(err.contains(n), "the message should contain {n:?}: {err}");
    }
}

const POSITIVE: [&str; 6] = ["good", "great", "fine", "lovely", "superb", "nice"];
const NEGATIVE: [&str; 6] = ["bad", "awful", "poor", "dull", "weak", "ugly"];

/// A small sentiment data set: "the film was good" → pos, with some variety.
fn sentiment_lines(n: usize, offset: usize) -> Vec<(String, &'static str)> {
    (0..n)
        .map(|i| {
            let k = i + offset;
            let pos = k.is_multiple_of(2);
            let adj = if pos {
                POSITIVE[k % 6]
            } else {
                NEGATIVE[k % 6]
            };
            let subj = ["the film", "this book", "the show", "our meal"][k % 4];
            (
                format!("{subj} was really {adj}"),
                if pos { "pos" } else { "neg" },
            )
        })
        .collect()
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn tsv(lines: &[(String, &str)]) -> String {
    lines.iter().map(|(t, l)| format!("{t}\t{l}\n")).collect()
}

struct Fixture {
    dir: TempDir,
    train: PathBuf,
    valid: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let train = write(dir.path(), "train.tsv", &tsv(&sentiment_lines(120, 0)));
    let valid = write(dir.path(), "valid.tsv", &tsv(&sentiment_lines(30, 1000)));
    Fixture { dir, train, valid }
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn train_eval_predict_and_export_a_bag_of_words_classifier() {
    let f = fixture();
    let model = f.dir.path().join("m.model");
    let plot = f.dir.path().join("curves.svg");
    let o = neurotext(&[
        "train",
        "--train",
        p(&f.train),
        "--valid",
        p(&f.valid),
        "--model",
        "logreg",
        "--epochs",
        "30",
        "--lr",
        "0.5",
        "--optimizer",
        "sgd",
        "--out",
        p(&model),
        "--plot",
        p(&plot),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("model written to"), "{}", stdout(&o));
    assert!(std::fs::read_to_string(&plot).unwrap().contains("<svg"));

    let o = neurotext(&[
        "eval",
        "--model",
        p(&model),
        "--data",
        p(&f.valid),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["task"], "classify");
    assert_eq!(v["examples"], 30);
    assert!(v["accuracy"].as_f64().unwrap() > 0.9, "{v}");
    assert!(v["macro_f1"].as_f64().is_some());

    let o = neurotext(&["eval", "--model", p(&model), "--data", p(&f.valid)]);
    assert!(stdout(&o).contains("confusion matrix"), "{}", stdout(&o));

    let input = write(
        f.dir.path(),
        "new.txt",
        "the show was really superb\nour meal was really awful\n\n",
    );
    let o = neurotext(&["predict", "--model", p(&model), p(&input)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let labels: Vec<&str> = out.lines().map(|l| l.split('\t').next().unwrap()).collect();
    assert_eq!(&labels[..2], ["pos", "neg"], "{out}");
    assert_eq!(
        labels.len(),
        3,
        "one answer per line, the empty one included: {out}"
    );

    let st = f.dir.path().join("m.safetensors");
    let o = neurotext(&["export", "--model", p(&model), "--safetensors", p(&st)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::metadata(&st).unwrap().len() > 0);
}

#[test]
fn attention_model_explains_its_predictions() {
    let f = fixture();
    let model = f.dir.path().join("att.model");
    let o = neurotext(&[
        "train",
        "--train",
        p(&f.train),
        "--valid",
        p(&f.valid),
        "--model",
        "lstm",
        "--pooling",
        "attention",
        "--epochs",
        "3",
        "--hidden",
        "8",
        "--embedding-dim",
        "8",
        "--out",
        p(&model),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let input = write(f.dir.path(), "in.txt", "the film was really good\n");
    let html = f.dir.path().join("explain.html");
    let o = neurotext(&[
        "predict",
        "--model",
        p(&model),
        p(&input),
        "--explain",
        "--explain-html",
        p(&html),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("\x1b[48;5;"), "{}", stdout(&o));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<span") && page.contains("good"), "{page}");

    // Explaining needs attention: a bag of words cannot.
    let bow = f.dir.path().join("bow.model");
    let o = neurotext(&[
        "train",
        "--train",
        p(&f.train),
        "--epochs",
        "1",
        "--out",
        p(&bow),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = neurotext(&["predict", "--model", p(&bow), p(&input), "--explain"]);
    assert_fails(&o, 2, &["--pooling attention"]);
}

#[test]
fn fasttext_format_and_stdin_prediction() {
    let dir = tempfile::tempdir().unwrap();
    let lines: String = sentiment_lines(80, 0)
        .iter()
        .map(|(t, l)| format!("__label__{l} {t}\n"))
        .collect();
    let train = write(dir.path(), "train.ft", &lines);
    let model = dir.path().join("ft.model");
    let o = neurotext(&[
        "train",
        "--train",
        p(&train),
        "--format",
        "fasttext",
        "--holdout",
        "0.2",
        "--epochs",
        "5",
        "--out",
        p(&model),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut child = Command::new(env!("CARGO_BIN_EXE_neurotext"))
        .args(["predict", "--model", p(&model), "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"the book was really lovely\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    assert!(stdout(&o).starts_with("pos\t"), "{}", stdout(&o));
}

fn conll(sentences: usize, offset: usize) -> String {
    let names = ["Alice", "Bob", "Carol", "Dmitri", "Erika"];
    let places = ["Paris", "Berlin", "Kazan", "Lima"];
    let mut out = String::from("-DOCSTART- -X- -X- O\n\n");
    for i in offset..offset + sentences {
        let (n, c) = (names[i % names.len()], places[i % places.len()]);
        out.push_str(&format!("{n} NNP B-NP B-PER\nvisited VBD B-VP O\n{c} NNP B-NP B-LOC\nyesterday NN B-NP O\n. . O O\n\n"));
    }
    out
}

#[test]
fn tagger_trains_evaluates_at_entity_level_and_tags() {
    let dir = tempfile::tempdir().unwrap();
    let train = write(dir.path(), "train.conll", &conll(60, 0));
    let valid = write(dir.path(), "valid.conll", &conll(10, 3));
    let model = dir.path().join("tagger.model");
    let o = neurotext(&[
        "train",
        "--task",
        "tag",
        "--train",
        p(&train),
        "--valid",
        p(&valid),
        "--epochs",
        "40",
        "--hidden",
        "16",
        "--lr",
        "0.01",
        "--dropout",
        "0.1",
        "--batch",
        "8",
        "--embedding-dim",
        "16",
        "--out",
        p(&model),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = neurotext(&["eval", "--model", p(&model), "--data", p(&valid), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["task"], "tag");
    assert_eq!(v["sentences"], 10);
    assert!(v["f1"].as_f64().unwrap() > 0.8, "{v}");
    assert!(v["precision"].is_number() && v["recall"].is_number());
    let input = write(dir.path(), "s.txt", "Carol visited Lima yesterday .\n");
    let o = neurotext(&["predict", "--model", p(&model), p(&input)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Carol/B-PER") && stdout(&o).contains("Lima/B-LOC"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn offline_default_trains_both_models_and_compares_them() {
    let o = neurotext(&["train", "--quiet", "--epochs", "4"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("bag of words") && out.contains("BiLSTM"),
        "{out}"
    );
}

#[test]
fn usage_errors_exit_with_status_2_and_name_the_flag() {
    let f = fixture();
    assert_fails(
        &neurotext(&["train", "--train", p(&f.train), "--threads", "0"]),
        2,
        &["--threads"],
    );
    assert_fails(
        &neurotext(&["train", "--train", p(&f.train), "--patience", "2"]),
        2,
        &["--patience", "--valid"],
    );
    assert_fails(
        &neurotext(&["train", "--train", p(&f.train), "--epochs", "0"]),
        2,
        &["--epochs"],
    );
    assert_fails(
        &neurotext(&["train", "--train", p(&f.train), "--holdout", "1.5"]),
        2,
        &["--holdout"],
    );
    assert_fails(
        &neurotext(&["train", "--no-such-flag"]),
        2,
        &["--no-such-flag"],
    );
    assert_fails(
        &neurotext(&["train", "--train", p(&f.train), "--format", "conll"]),
        2,
        &["--format conll"],
    );
}

#[test]
fn failures_exit_with_status_1_and_name_the_file_and_line() {
    let f = fixture();
    let missing = f.dir.path().join("missing.tsv");
    assert_fails(
        &neurotext(&["train", "--train", p(&missing)]),
        1,
        &["missing.tsv"],
    );
    let bad = write(
        f.dir.path(),
        "bad.tsv",
        "good film\tpos\nno label column here\nbad film\tneg\n",
    );
    assert_fails(
        &neurotext(&["train", "--train", p(&bad)]),
        1,
        &["bad.tsv", "2"],
    );
    let model = f.dir.path().join("m.model");
    let o = neurotext(&[
        "train",
        "--train",
        p(&f.train),
        "--model",
        "logreg",
        "--epochs",
        "2",
        "--out",
        p(&model),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // A label the model never saw.
    let unseen = write(
        f.dir.path(),
        "unseen.tsv",
        "the film was good\tpos\nthe film was odd\tmixed\n",
    );
    assert_fails(
        &neurotext(&["eval", "--model", p(&model), "--data", p(&unseen)]),
        1,
        &["unseen.tsv", "2", "mixed"],
    );
    // A corrupt model file.
    let mut bytes = std::fs::read(&model).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    let corrupt = f.dir.path().join("corrupt.model");
    std::fs::write(&corrupt, &bytes).unwrap();
    assert_fails(
        &neurotext(&["eval", "--model", p(&corrupt), "--data", p(&f.valid)]),
        1,
        &["corrupt.model"],
    );
    assert_fails(
        &neurotext(&["predict", "--model", p(&missing)]),
        1,
        &["missing.tsv"],
    );
}

#[test]
fn holdout_of_a_one_example_file_is_a_usage_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let one = write(dir.path(), "one_line.tsv", "the film was good\tpos\n");
    assert_fails(
        &neurotext(&["train", "--train", p(&one), "--holdout", "0.5"]),
        2,
        &["--holdout", "at least 2", "one_line.tsv"],
    );
    let one_sentence = write(dir.path(), "one.conll", &conll(1, 0));
    assert_fails(
        &neurotext(&[
            "train",
            "--task",
            "tag",
            "--train",
            p(&one_sentence),
            "--holdout",
            "0.5",
        ]),
        2,
        &["--holdout", "at least 2", "one.conll"],
    );
    // Two examples are enough: one on each side.
    let two = write(
        dir.path(),
        "two.tsv",
        "a good film\tpos\na fine film\tpos\n",
    );
    let o = neurotext(&[
        "train",
        "--train",
        p(&two),
        "--holdout",
        "0.5",
        "--epochs",
        "1",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// The names, shapes and byte ranges of a safetensors file's tensors, from its header.
fn safetensors_header(path: &Path) -> serde_json::Map<String, serde_json::Value> {
    let bytes = std::fs::read(path).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    assert_eq!(n % 8, 0, "the header is padded to 8 bytes");
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    header.as_object().unwrap().clone()
}

fn shape(header: &serde_json::Map<String, serde_json::Value>, name: &str) -> Vec<u64> {
    let t = header
        .get(name)
        .unwrap_or_else(|| panic!("no tensor {name:?} in {:?}", header.keys()));
    assert_eq!(t["dtype"], "F32");
    t["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap())
        .collect()
}

#[test]
fn stacked_rnn_layers_train_save_load_and_export_with_nn_rnn_names() {
    let f = fixture();
    let model = f.dir.path().join("rnn.model");
    let o = neurotext(&[
        "train",
        "--train",
        p(&f.train),
        "--valid",
        p(&f.valid),
        "--model",
        "rnn",
        "--layers",
        "3",
        "--pooling",
        "attention",
        "--epochs",
        "2",
        "--hidden",
        "6",
        "--embedding-dim",
        "5",
        "--out",
        p(&model),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("3×RNN(6)"), "{}", stdout(&o));
    // The model file holds the three layers and loads again.
    let o = neurotext(&[
        "eval",
        "--model",
        p(&model),
        "--data",
        p(&f.valid),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));

    let st = f.dir.path().join("rnn.safetensors");
    let o = neurotext(&["export", "--model", p(&model), "--safetensors", p(&st)]);
    assert!(o.status.success(), "{}", stderr(&o));
    // A valid safetensors file (the safetensors crate checks every offset).
    let bytes = std::fs::read(&st).unwrap();
    let tensors = neurotext_recurrent::pytorch::from_safetensors(&bytes, "rnn.safetensors")
        .expect("a valid safetensors file");
    let header = safetensors_header(&st);
    assert_eq!(header.len(), tensors.len());
    for k in 0..3 {
        let input = if k == 0 { 5 } else { 6 };
        assert_eq!(shape(&header, &format!("rnn.weight_ih_l{k}")), [6, input]);
        assert_eq!(shape(&header, &format!("rnn.weight_hh_l{k}")), [6, 6]);
        assert_eq!(shape(&header, &format!("rnn.bias_ih_l{k}")), [6]);
        assert_eq!(shape(&header, &format!("rnn.bias_hh_l{k}")), [6]);
        let hh = &tensors[&format!("rnn.bias_hh_l{k}")];
        assert!(hh.iter().all(|&x| x == 0.0), "bias_hh is zero");
        assert!(!header.contains_key(&format!("rnn.bias_l{k}")));
    }
    assert!(!header.contains_key("rnn.weight_ih_l3"));
    assert_eq!(shape(&header, "attention.w"), [6, 6]);
    assert_eq!(shape(&header, "attention.b"), [6]);
    assert_eq!(shape(&header, "attention.v"), [1, 6]);
    assert_eq!(shape(&header, "output.weight"), [2, 6]);
    assert_eq!(shape(&header, "output.bias"), [2]);
    assert_eq!(shape(&header, "embedding.weight")[1], 5);
}

#[test]
fn the_built_in_demonstration_refuses_flags_it_would_ignore_and_validates_itself() {
    assert_fails(
        &neurotext(&["train", "--task", "tag"]),
        2,
        &["--task tag", "--train"],
    );
    for extra in [
        ["--valid", "v.tsv"],
        ["--holdout", "0.2"],
        ["--model", "lstm"],
        ["--format", "csv"],
    ] {
        assert_fails(
            &neurotext(&["train", extra[0], extra[1]]),
            2,
            &[extra[0], "--train"],
        );
    }
    // Early stopping works on the demonstration's own validation set.
    let o = neurotext(&[
        "train",
        "--patience",
        "1",
        "--epochs",
        "1",
        "--hidden",
        "8",
        "--embedding-dim",
        "8",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("validation accuracy"), "{}", stdout(&o));
}
