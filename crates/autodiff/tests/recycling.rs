//! The buffers of a backward pass's gradients go back to the pool when the gradients are
//! dropped. Alone in its file (its own process): the pool is process-wide, and another test
//! running at the same time could take the buffer this one looks for.

use neurotext_autodiff::Graph;
use neurotext_linalg::{Matrix, pool};

#[test]
fn dropped_gradients_return_their_buffers_to_the_pool() {
    // Large enough to be kept (pool::MIN_LEN values).
    let (rows, cols) = (256, 257);
    assert!(rows * cols >= pool::MIN_LEN);
    pool::release();
    let g = Graph::new();
    let x = g.input(Matrix::from_element(rows, cols, 0.5));
    // ∂(3·Σx)/∂x = 3 everywhere.
    let loss = x.sum().mul_scalar(3.0);
    let grads = g.backward(loss).expect("scalar loss");
    assert_eq!(grads.get(x).expect("x is a leaf")[(0, 0)], 3.0);
    drop(grads);
    // A recycled buffer keeps its old values; a fresh one is zeros.
    let recycled = pool::take(rows * cols);
    assert!(
        recycled.iter().all(|&v| v == 3.0),
        "the gradient's buffer was not kept"
    );
}
