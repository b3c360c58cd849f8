//! Loss functions. Each is a single fused op with a numerically stable forward and its own
//! backward, returning a `[1, 1]` value: the mean over all elements (or over all counted
//! examples, for cross-entropy).

mod bce;
mod bce_with_logits;
mod cross_entropy;
mod mae;
mod mse;
