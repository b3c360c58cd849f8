//! Recurrent networks, as the lecture builds them: the simple RNN unfolded over time, the
//! LSTM with its input activation and gates, bidirectional and stacked LSTMs, batches of
//! sequences of different lengths, and the ways to aggregate a sequence into one vector.
//!
//! # Brief overview
//! - [`SeqBatch`]: lengths of a padded batch; a batch is `[features, T·B]`, time-major.
//! - [`Rnn`]: `hₜ = f(Wₓxₜ + Wₕhₜ₋₁ + b)`, backpropagation through time (optionally
//!   truncated) by the autodiff.
//! - [`Lstm`]: a cell step ([`Lstm::step`]), a whole sequence as one fused op with a
//!   hand-written backward ([`Lstm::forward`]), and its composed twin
//!   ([`Lstm::forward_composed`]) that it is tested against.
//! - [`BiLstm`] and [`LstmStack`]: directions concatenated, layers stacked, PyTorch's
//!   parameter names and layout.
//! - [`Pooling`] (last, mean, max) and [`AttentionPooling`], all mask-aware.
//! - [`pytorch`]: `nn.LSTM` weights in and out of safetensors files.
//!
//! No padding step changes a result: padded steps keep the state and output zeros, the
//! reverse direction starts at each sequence's own last token, and pooling counts real
//! steps only.
//!
//! # Example: the lecture's counting RNN
//! ```
//! use neurotext_autodiff::Graph;
//! use neurotext_layers::Activation;
//! use neurotext_linalg::Matrix;
//! use neurotext_recurrent::{Pooling, Rnn, SeqBatch};
//!
//! // wₓ = 1, wₕ = 1, identity: hₜ = xₜ + hₜ₋₁ counts the ones.
//! let rnn = Rnn::from_weights(Matrix::from_element(1, 1, 1.0), Matrix::from_element(1, 1, 1.0),
//!                             Matrix::zeros(1, 1), Activation::Identity)?;
//! let bits = [1.0, 0.0, 1.0, 1.0, 0.0];
//! let batch = SeqBatch::full(1, bits.len())?;
//! let g = Graph::no_grad();
//! let h = rnn.forward(&g, g.constant(Matrix::from_row_slice(1, 5, &bits)), &batch)?;
//! assert_eq!(Pooling::Last.apply(h, &batch, false)?.scalar(), 3.0);
//! # Ok::<(), neurotext_recurrent::Error>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

// Why these dependencies: nalgebra for matrix views in the fused op's GEMMs, rayon (through
// neurotext-linalg) for concurrent directions, and safetensors to read and write PyTorch's
// weight files without writing a parser of our own.

mod attention;
mod batch;
mod bilstm;
mod error;
mod fused;
mod lstm;
mod over_time;
mod pooling;
pub mod pytorch;
mod rnn;

pub use attention::{Attended, AttentionPooling};
pub use batch::SeqBatch;
pub use bilstm::{BiLstm, LstmStack};
pub use error::{Error, Result};
pub use fused::{DirectionVars, lstm_layer};
pub use lstm::{Lstm, LstmState, StepGates};
pub use over_time::{max_over_time, softmax_over_time, sum_over_time};
pub use pooling::{Pooling, last, mean};
pub use rnn::Rnn;

/// Frees the buffers kept for reuse between training steps (the fused LSTM's activations
/// and gradients among them): [`neurotext_linalg::pool::release`], under its old name.
pub fn release_recycled_buffers() {
    neurotext_linalg::pool::release();
}
