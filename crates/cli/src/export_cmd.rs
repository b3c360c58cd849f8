//! `neurotext export`: the weights with PyTorch's names and layouts, in a safetensors file
//! that `safetensors.torch.load_file` reads into a state dict.
//!
//! Names follow the modules of an equivalent PyTorch model: `embedding.weight` `[V, E]`,
//! `lstm.weight_ih_l0` … (`nn.LSTM`'s names), `rnn.weight_ih_l0`, `rnn.weight_hh_l0`,
//! `rnn.bias_ih_l0`, `rnn.bias_hh_l0` … (`nn.RNN`'s names), `output.weight` `[C, H]`,
//! `output.bias` `[C]`. Attention pooling, which has no PyTorch module, is `attention.w`
//! `[A, D]`, `attention.b` `[A]` and `attention.v` `[1, A]` (scores `v·tanh(W·h + b)`).
//! Every bias is a vector, as PyTorch stores biases.

use anyhow::{Context, Result};
use neurotext_linalg::Matrix;
use neurotext_recurrent::pytorch::to_safetensors_with;

use crate::args::ExportArgs;
use crate::model_file::ModelFile;

/// The model's tensors in PyTorch's layout: an embedding table is stored `[E, V]` here (one
/// word per column) and `[V, E]` in PyTorch, so it is transposed; every other matrix has the
/// same `[out, in]` shape in both. The RNN's one bias `b` is `nn.RNN`'s two, `bias_ih` = b
/// and `bias_hh` = 0 (they are only ever added).
pub fn pytorch_tensors(file: &ModelFile) -> Vec<(String, Matrix)> {
    let mut out = Vec::with_capacity(file.params.len());
    for (name, m) in &file.params {
        if let Some(layer) = name.strip_prefix("rnn.bias_l") {
            out.push((format!("rnn.bias_ih_l{layer}"), m.clone()));
            out.push((
                format!("rnn.bias_hh_l{layer}"),
                Matrix::zeros(m.nrows(), m.ncols()),
            ));
            continue;
        }
        let is_table = name == "embedding.weight" || name == "casing.weight";
        out.push((
            name.clone(),
            if is_table { m.transpose() } else { m.clone() },
        ));
    }
    out
}

/// Whether the tensor `name` is a vector in PyTorch: a bias (`…bias…` or attention's `b`).
fn is_vector(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    last.starts_with("bias") || last == "b"
}

/// Runs `export`.
pub fn run(args: &ExportArgs) -> Result<String> {
    let file = ModelFile::load(&args.model)?;
    let tensors = pytorch_tensors(&file);
    let bytes = to_safetensors_with(&tensors, is_vector)?;
    neurotext_train::checkpoint::write_atomic(&args.safetensors, &bytes)
        .with_context(|| format!("cannot write {}", args.safetensors.display()))?;
    Ok(format!(
        "wrote {} tensors to {}",
        tensors.len(),
        args.safetensors.display()
    ))
}
