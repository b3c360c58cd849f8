//! The lecture's text section, computed by the library: a dictionary built in first-occurrence
//! order, one-hot rows, and bag-of-words rows.
//!
//! Shared by `examples/lecture` (which prints each row beside the lecture's) and
//! `tests/lecture_text.rs` (which asserts them), so that what is printed is what is tested.

use neurotext::text::{BowConfig, one_hot_rows};

/// The result type of this section.
pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// The lecture's training texts.
pub const TRAIN: [&str; 4] = [
    "the red dog",
    "cat eats dog",
    "dog eats food",
    "red cat eats",
];

/// A new text with a word ("and") that is not in the dictionary.
pub const NEW_TEXT: &str = "red dog eats and red cat eats food";

/// The section's numbers.
pub struct TextTable {
    /// The dictionary, by id.
    pub vocabulary: Vec<String>,
    /// The bag-of-words row of each training text, then of [`NEW_TEXT`].
    pub bow: Vec<Vec<f32>>,
    /// The one-hot row of each dictionary word, in dictionary order.
    pub one_hot: Vec<Vec<f32>>,
}

/// Fits a count bag of words on [`TRAIN`] and encodes the texts and the dictionary's words.
pub fn table() -> Res<TextTable> {
    let mut bow = BowConfig::new().build()?;
    let mut texts: Vec<&str> = TRAIN.to_vec();
    bow.fit(&texts)?;
    texts.push(NEW_TEXT);
    let x = bow.transform(&texts)?.to_dense();
    let vocab = bow.vocabulary().ok_or("the vectorizer has no vocabulary")?;
    let one_hot = one_hot_rows(vocab, vocab.tokens());
    let rows = |m: &neurotext::linalg::Matrix| -> Vec<Vec<f32>> {
        m.row_iter().map(|r| r.iter().copied().collect()).collect()
    };
    Ok(TextTable {
        vocabulary: vocab.tokens().to_vec(),
        bow: rows(&x),
        one_hot: rows(&one_hot),
    })
}

fn show(row: &[f32]) -> String {
    let cells: Vec<String> = row.iter().map(|v| format!("{v}")).collect();
    format!("[{}]", cells.join(", "))
}

/// Prints the section: each computed row beside the lecture's.
pub fn print() -> Res<()> {
    println!("\n== 15. Text as vectors: a dictionary, one-hot rows, bags of words ==");
    let t = table()?;
    println!(
        "  {:<44} computed {:<36} lecture the, red, dog, cat, eats, food",
        "dictionary (first occurrence)",
        t.vocabulary.join(", ")
    );
    let lecture_bow = [
        "[1, 1, 1, 0, 0, 0]",
        "[0, 0, 1, 1, 1, 0]",
        "[0, 0, 1, 0, 1, 1]",
        "[0, 1, 0, 1, 1, 0]",
        "[0, 2, 1, 1, 2, 1]",
    ];
    let texts = TRAIN.iter().chain([&NEW_TEXT]);
    for ((text, row), lecture) in texts.zip(&t.bow).zip(lecture_bow) {
        println!(
            "  {:<44} computed {:<36} lecture {lecture}",
            format!("BoW \"{text}\""),
            show(row)
        );
    }
    println!("  (\"and\" is not in the dictionary, so it has no column)");
    // The lecture's one-hot rows are the rows of the 6×6 identity.
    for (i, (word, row)) in t.vocabulary.iter().zip(&t.one_hot).enumerate() {
        let lecture: Vec<f32> = (0..6).map(|j| if j == i { 1.0 } else { 0.0 }).collect();
        println!(
            "  {:<44} computed {:<36} lecture {}",
            format!("one-hot \"{word}\""),
            show(row),
            show(&lecture)
        );
    }
    Ok(())
}
