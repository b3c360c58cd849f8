//! neurotext: neural networks for text, from first principles, fast on a CPU.
