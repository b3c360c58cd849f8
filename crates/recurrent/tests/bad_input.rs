//! Impossible settings and mismatched inputs get an error that says what is wrong, never a
//! panic or a silently wrong result.

use neurotext_autodiff::{Graph, Matrix};
use neurotext_layers::Activation;
use neurotext_linalg::random::{seeded_rng, uniform};
use neurotext_recurrent::{AttentionPooling, BiLstm, Lstm, LstmStack, Pooling, Rnn, SeqBatch};

fn message<T>(r: neurotext_recurrent::Result<T>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn truncation_to_zero_steps_is_refused() {
    let lstm = Lstm::new(2, 3, &mut seeded_rng(1)).unwrap();
    assert!(message(lstm.with_truncation(0)).contains("at least 1 step"));
    let rnn = Rnn::new(2, 3, Activation::Tanh, &mut seeded_rng(2)).unwrap();
    assert!(message(rnn.with_truncation(0)).contains("at least 1 step"));
    let bi = BiLstm::new(2, 3, &mut seeded_rng(3)).unwrap();
    assert!(message(bi.with_truncation(0)).contains("at least 1 step"));
}

#[test]
fn directions_with_different_truncations_are_refused() {
    let forward = || Lstm::new(2, 3, &mut seeded_rng(4)).unwrap();
    let err = message(BiLstm::from_directions(
        forward(),
        forward().with_truncation(5).unwrap(),
    ));
    assert!(
        err.contains("same truncation") && err.contains("none") && err.contains("5 steps"),
        "{err}"
    );
    let err = message(LstmStack::from_layers(vec![(
        forward().with_truncation(3).unwrap(),
        Some(forward()),
    )]));
    assert!(err.contains("same truncation"), "{err}");
    // Alike, they are accepted, and the BiLSTM keeps the setting in both directions.
    let bi = BiLstm::from_directions(
        forward().with_truncation(5).unwrap(),
        forward().with_truncation(5).unwrap(),
    )
    .unwrap();
    assert_eq!(bi.reverse_lstm().truncation(), Some(5));
}

#[test]
fn last_output_of_an_odd_bidirectional_width_is_refused() {
    let batch = SeqBatch::new(vec![2, 1]).unwrap();
    let g = Graph::no_grad();
    let h = g.constant(Matrix::zeros(5, batch.columns()));
    let err = message(Pooling::Last.apply(h, &batch, true));
    assert!(err.contains("2·H rows") && err.contains("5"), "{err}");
    assert!(Pooling::Last.apply(h, &batch, false).is_ok());
}

#[test]
fn attention_weights_of_a_sequence_check_the_batch() {
    let batch = SeqBatch::new(vec![3, 1, 2]).unwrap();
    let att = AttentionPooling::new(4, 5, &mut seeded_rng(5)).unwrap();
    let g = Graph::no_grad();
    let h = g.constant(uniform(4, batch.columns(), -1.0, 1.0, &mut seeded_rng(6)));
    let attended = att.forward(&g, h, &batch).unwrap();
    for b in 0..batch.batch() {
        let w = attended.weights_of(&batch, b).unwrap();
        assert_eq!(w.len(), batch.lengths()[b]);
        let sum: f32 = w.iter().sum();
        assert!(
            (sum - 1.0).abs() < 1e-6,
            "sequence {b}: weights sum to {sum}"
        );
    }
    let err = message(attended.weights_of(&batch, 3));
    assert!(err.contains("no sequence 3"), "{err}");
    let other = SeqBatch::new(vec![3, 3]).unwrap();
    assert!(message(attended.weights_of(&other, 0)).contains("columns"));
}
