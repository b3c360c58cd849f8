//! The lecture's text table, asserted exactly: the dictionary in first-occurrence order, the
//! bag-of-words rows, and the one-hot rows (the 6×6 identity).

#[path = "../examples/lecture/text.rs"]
#[allow(dead_code)]
mod text;

#[test]
fn lecture_dictionary_is_in_first_occurrence_order() {
    let t = text::table().unwrap();
    assert_eq!(t.vocabulary, ["the", "red", "dog", "cat", "eats", "food"]);
}

#[test]
fn lecture_bag_of_words_rows_match_the_table() {
    let t = text::table().unwrap();
    let lecture: [[f32; 6]; 5] = [
        [1., 1., 1., 0., 0., 0.], // the red dog
        [0., 0., 1., 1., 1., 0.], // cat eats dog
        [0., 0., 1., 0., 1., 1.], // dog eats food
        [0., 1., 0., 1., 1., 0.], // red cat eats
        [0., 2., 1., 1., 2., 1.], // red dog eats and red cat eats food ("and" has no column)
    ];
    assert_eq!(t.bow, lecture);
}

#[test]
fn lecture_one_hot_rows_are_the_identity() {
    let t = text::table().unwrap();
    for (i, row) in t.one_hot.iter().enumerate() {
        let expected: Vec<f32> = (0..6).map(|j| if i == j { 1.0 } else { 0.0 }).collect();
        assert_eq!(row, &expected, "row {i} ({})", t.vocabulary[i]);
    }
    assert_eq!(t.one_hot.len(), 6);
}

#[test]
fn lecture_text_section_prints() {
    text::print().unwrap();
}
