//! `neurotext export`: the weights with PyTorch's names and layouts, in a safetensors file
//! that `safetensors.torch.load_file` reads into a state dict.
//!
//! Names follow the modules of an equivalent PyTorch model: `embedding.weight` `[V, E]`,
//! `lstm.weight_ih_l0` … (`nn.LSTM`'s names), `output.weight` `[C, H]`, `output.bias` `[C]`.

use anyhow::{Context, Result};
use neurotext_linalg::Matrix;
use neurotext_recurrent::pytorch::to_safetensors;

use crate::args::ExportArgs;
use crate::model_file::ModelFile;

/// The model's tensors in PyTorch's layout: an embedding table is stored `[E, V]` here (one
/// word per column) and `[V, E]` in PyTorch, so it is transposed; every other matrix has the
/// same `[out, in]` shape in both.
pub fn pytorch_tensors(file: &ModelFile) -> Vec<(String, Matrix)> {
    file.params
        .iter()
        .map(|(name, m)| {
            let is_table = name == "embedding.weight" || name == "casing.weight";
            (
                name.clone(),
                if is_table { m.transpose() } else { m.clone() },
            )
        })
        .collect()
}

/// Runs `export`.
pub fn run(args: &ExportArgs) -> Result<String> {
    let file = ModelFile::load(&args.model)?;
    let tensors = pytorch_tensors(&file);
    let bytes = to_safetensors(&tensors)?;
    neurotext_train::checkpoint::write_atomic(&args.safetensors, &bytes)
        .with_context(|| format!("cannot write {}", args.safetensors.display()))?;
    Ok(format!(
        "wrote {} tensors to {}",
        tensors.len(),
        args.safetensors.display()
    ))
}
