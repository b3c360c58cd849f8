//! The lecture's recurrent part, computed by the library: the counting RNN, the worked LSTM
//! example, the vanishing gradient, and a long-range task that an LSTM learns and a simple
//! RNN forgets.
//!
//! Shared by `examples/lecture` (which prints) and `tests/lecture.rs` (which asserts).

use neurotext::prelude::*;
use neurotext::recurrent::LstmState;
use neurotext::train::BoxError;

/// The result type of the lecture sections.
pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// The RNN with wₓ = 1, wₕ = 1, b = 0 and the identity: hₜ = xₜ + hₜ₋₁, the number of ones.
pub fn count_ones(bits: &[u8]) -> Res<f32> {
    let one = Matrix::from_element(1, 1, 1.0);
    let rnn = Rnn::from_weights(one.clone(), one, Matrix::zeros(1, 1), Activation::Identity)?;
    let batch = SeqBatch::full(1, bits.len())?;
    let g = Graph::no_grad();
    let x = g.constant(Matrix::from_fn(1, bits.len(), |_, t| f32::from(bits[t])));
    let h = rnn.forward(&g, x, &batch)?;
    Ok(Pooling::Last.apply(h, &batch, false)?.scalar())
}

/// The forget-gate bias of the LSTMs in the vanishing-gradient and memory demonstrations.
pub const FORGET_BIAS: f32 = 3.0;

/// One step of the lecture's LSTM example: the four activations and the new state.
pub struct LstmStep {
    /// Input activation a.
    pub a: f32,
    /// Input gate i.
    pub i: f32,
    /// Forget gate f.
    pub f: f32,
    /// Output gate o.
    pub o: f32,
    /// stateₜ.
    pub state: f32,
    /// hₜ.
    pub h: f32,
}

/// The lecture's LSTM with hidden size 1 on x₀ = (1, 2), x₁ = (0.5, 3).
pub fn lecture_lstm() -> Res<Vec<LstmStep>> {
    let row = |a: f32, b: f32| from_rows(&[&[a, b]]);
    let s = |v: f32| Matrix::from_element(1, 1, v);
    // Gates in the lecture's order: a, i, f, o.
    let w = [
        row(0.45, 0.25)?,
        row(0.95, 0.8)?,
        row(0.7, 0.45)?,
        row(0.6, 0.4)?,
    ];
    let u = [s(0.15), s(0.8), s(0.1), s(0.25)];
    let b = [s(0.2), s(0.65), s(0.15), s(0.1)];
    let lstm = Lstm::from_lecture(
        [&w[0], &w[1], &w[2], &w[3]],
        [&u[0], &u[1], &u[2], &u[3]],
        [&b[0], &b[1], &b[2], &b[3]],
    )?;
    let g = Graph::no_grad();
    let mut state = LstmState::zeros(&g, 1, 1);
    let mut steps = Vec::new();
    for x in [[1.0, 2.0], [0.5, 3.0]] {
        let (next, gates) = lstm.step(&g, g.constant(column(&x)), state)?;
        steps.push(LstmStep {
            a: gates.a.scalar(),
            i: gates.i.scalar(),
            f: gates.f.scalar(),
            o: gates.o.scalar(),
            state: next.c.scalar(),
            h: next.h.scalar(),
        });
        state = next;
    }
    Ok(steps)
}

/// ‖∂h_T/∂h_1‖ (Frobenius) for a tanh RNN and an LSTM with 16 units and random inputs, for
/// each T in `lengths`: (T, RNN norm, LSTM norm). Both start from PyTorch's initialisation;
/// the LSTM's forget gate is opened with a bias of `FORGET_BIAS`, as is usual, so that its
/// cell state can carry the gradient.
pub fn vanishing_gradient(lengths: &[usize]) -> Res<Vec<(usize, f32, f32)>> {
    let (input, hidden) = (4, 16);
    let mut rng = random::seeded_rng(3);
    let rnn = Rnn::new(input, hidden, Activation::Tanh, &mut rng)?;
    let lstm = Lstm::new(input, hidden, &mut rng)?.with_forget_bias(FORGET_BIAS);
    let max_t = lengths.iter().copied().max().unwrap_or(1);
    let xs = random::normal(input, max_t, 0.0, 1.0, &mut rng);
    let h1 = random::uniform(hidden, 1, -0.5, 0.5, &mut rng);
    let mut out = Vec::new();
    for &t_len in lengths {
        // Row k of the Jacobian is the gradient of h_T[k] with respect to h_1.
        let mut rnn_sq = 0.0f64;
        let mut lstm_sq = 0.0f64;
        for k in 0..hidden {
            let pick = Matrix::from_fn(hidden, 1, |i, _| if i == k { 1.0 } else { 0.0 });
            let g = Graph::new();
            let start = g.input(h1.clone());
            let mut h = start;
            for t in 1..t_len {
                h = rnn.step(&g, g.constant(xs.columns(t, 1).into_owned()), h)?;
            }
            let grads = g.backward(h.mul(g.constant(pick.clone()))?.sum())?;
            rnn_sq += grads
                .get(start)
                .map_or(0.0, |m| m.iter().map(|v| f64::from(*v).powi(2)).sum());

            let g = Graph::new();
            let start = g.input(h1.clone());
            let mut state = LstmState {
                h: start,
                c: g.constant(Matrix::zeros(hidden, 1)),
            };
            for t in 1..t_len {
                state = lstm
                    .step(&g, g.constant(xs.columns(t, 1).into_owned()), state)?
                    .0;
            }
            let grads = g.backward(state.h.mul(g.constant(pick))?.sum())?;
            lstm_sq += grads
                .get(start)
                .map_or(0.0, |m| m.iter().map(|v| f64::from(*v).powi(2)).sum());
        }
        out.push((t_len, rnn_sq.sqrt() as f32, lstm_sq.sqrt() as f32));
    }
    Ok(out)
}

/// Sequences of random tokens whose label is their first token (0 or 1): nothing after the
/// first step carries information, so a model must remember it to the end.
pub struct FirstToken {
    /// The token ids of each sequence.
    pub sequences: Vec<Vec<usize>>,
    /// The first token of each (the label).
    pub labels: Vec<usize>,
}

/// The vocabulary of the long-range task: tokens 0 and 1 start a sequence, 2..8 fill it.
pub const FIRST_TOKEN_VOCAB: usize = 8;

impl FirstToken {
    /// `n` sequences of `len` tokens, seeded.
    pub fn new(n: usize, len: usize, seed: u64) -> Self {
        use rand::RngExt;
        let mut rng = random::seeded_rng(seed);
        let mut sequences = Vec::with_capacity(n);
        let mut labels = Vec::with_capacity(n);
        for _ in 0..n {
            let label = rng.random_range(0..2usize);
            let mut s = vec![label];
            s.extend((1..len).map(|_| rng.random_range(2..FIRST_TOKEN_VOCAB)));
            sequences.push(s);
            labels.push(label);
        }
        FirstToken { sequences, labels }
    }

    fn batch(&self, idx: &[usize]) -> Res<(Vec<usize>, SeqBatch)> {
        let len = self.sequences[idx[0]].len();
        let batch = SeqBatch::full(idx.len(), len)?;
        let mut ids = vec![0; len * idx.len()];
        for (b, &i) in idx.iter().enumerate() {
            for (t, &tok) in self.sequences[i].iter().enumerate() {
                ids[batch.column(t, b)] = tok;
            }
        }
        Ok((ids, batch))
    }
}

/// A classifier of token sequences: embedding, a recurrent layer, its last output, a linear
/// layer with two outputs.
pub struct SequenceClassifier {
    embedding: Embedding,
    recurrent: Recurrent,
    output: Linear,
}

/// The recurrent layer of a [`SequenceClassifier`].
pub enum Recurrent {
    /// A simple tanh RNN.
    Simple(Rnn),
    /// An LSTM.
    Lstm(Lstm),
}

impl SequenceClassifier {
    /// A classifier with a simple RNN (`lstm = false`) or an LSTM of `hidden` units.
    pub fn new(lstm: bool, hidden: usize, seed: u64) -> Res<Self> {
        let mut rng = random::seeded_rng(seed);
        let embedding = Embedding::new(FIRST_TOKEN_VOCAB, 8, &mut rng)?;
        let recurrent = if lstm {
            Recurrent::Lstm(Lstm::new(8, hidden, &mut rng)?.with_forget_bias(FORGET_BIAS))
        } else {
            Recurrent::Simple(Rnn::new(8, hidden, Activation::Tanh, &mut rng)?)
        };
        Ok(SequenceClassifier {
            embedding,
            recurrent,
            output: Linear::new(hidden, 2, &mut rng)?,
        })
    }

    fn logits<'g>(&self, g: &'g Graph, ids: &[usize], batch: &SeqBatch) -> Res<Var<'g>> {
        let x = self.embedding.forward(g, ids)?;
        let h = match &self.recurrent {
            Recurrent::Simple(r) => r.forward(g, x, batch)?,
            Recurrent::Lstm(l) => l.forward(g, x, batch)?,
        };
        let last = Pooling::Last.apply(h, batch, false)?;
        Ok(self.output.forward(g, last)?)
    }

    /// The fraction of `data` classified correctly.
    pub fn accuracy(&self, data: &FirstToken) -> Res<f32> {
        let idx: Vec<usize> = (0..data.labels.len()).collect();
        let (ids, batch) = data.batch(&idx)?;
        let g = Graph::no_grad();
        let scores = self.logits(&g, &ids, &batch)?.value();
        let pred = neurotext::train::argmax_columns(&scores);
        Ok(pred
            .iter()
            .zip(&data.labels)
            .filter(|(p, l)| p == l)
            .count() as f32
            / data.labels.len() as f32)
    }
}

impl Module for SequenceClassifier {
    fn visit_params<'a>(&'a self, prefix: &str, f: &mut dyn FnMut(String, &'a Param)) {
        self.embedding
            .visit_params(&join_name(prefix, "embedding"), f);
        match &self.recurrent {
            Recurrent::Simple(r) => r.visit_params(&join_name(prefix, "rnn"), f),
            Recurrent::Lstm(l) => l.visit_params(&join_name(prefix, "lstm"), f),
        }
        self.output.visit_params(&join_name(prefix, "output"), f);
    }
    fn visit_params_mut<'a>(&'a mut self, prefix: &str, f: &mut dyn FnMut(String, &'a mut Param)) {
        self.embedding
            .visit_params_mut(&join_name(prefix, "embedding"), f);
        match &mut self.recurrent {
            Recurrent::Simple(r) => r.visit_params_mut(&join_name(prefix, "rnn"), f),
            Recurrent::Lstm(l) => l.visit_params_mut(&join_name(prefix, "lstm"), f),
        }
        self.output
            .visit_params_mut(&join_name(prefix, "output"), f);
    }
}

impl Objective<SequenceClassifier> for FirstToken {
    fn train_len(&self) -> usize {
        self.labels.len()
    }
    fn loss<'g>(
        &self,
        g: &'g Graph,
        model: &SequenceClassifier,
        idx: &[usize],
    ) -> Result<Var<'g>, BoxError> {
        let (ids, batch) = self.batch(idx).map_err(|e| e.to_string())?;
        let logits = model.logits(g, &ids, &batch).map_err(|e| e.to_string())?;
        let labels: Vec<usize> = idx.iter().map(|&i| self.labels[i]).collect();
        Ok(logits.cross_entropy(&labels, None)?)
    }
}

/// Trains an RNN and an LSTM on sequences of `len` tokens whose label is the first token;
/// returns their validation accuracies (RNN, LSTM).
pub fn long_range_memory(len: usize) -> Res<(f32, f32)> {
    let train = FirstToken::new(1000, len, 1);
    let valid = FirstToken::new(400, len, 2);
    let mut accs = Vec::new();
    for lstm in [false, true] {
        let mut model = SequenceClassifier::new(lstm, 16, 5)?;
        let mut state = TrainState::new();
        Trainer::new(TrainConfig::new(12, 32).with_seed(9).with_clip_norm(5.0)).fit(
            &mut model,
            &mut Adam::new(0.01),
            &train,
            &mut state,
        )?;
        accs.push(model.accuracy(&valid)?);
    }
    Ok((accs[0], accs[1]))
}
