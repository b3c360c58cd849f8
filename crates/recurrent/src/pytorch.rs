//! Import and export of PyTorch `nn.LSTM` weights in safetensors files.
//!
//! PyTorch names a layer's parameters `weight_ih_l{k}`, `weight_hh_l{k}`, `bias_ih_l{k}`,
//! `bias_hh_l{k}`, with a `_reverse` suffix for the reverse direction; weights are
//! row-major `[4H, I]` and `[4H, H]` in gate order i, f, g, o (g is the lecture's a), biases
//! are vectors of 4H. [`LstmStack`] uses the same names and gate order, so a state dict saved
//! with `safetensors.torch.save_file(lstm.state_dict(), …)` loads as it is.
//!
//! The [`safetensors`](https://docs.rs/safetensors) crate parses the file (it validates the
//! header and every offset before anything is read); this module checks names, shapes and
//! dtype, and reports the first problem with the source's name.

use std::collections::HashMap;

use neurotext_autodiff::{Module, duplicate_name};
use neurotext_linalg::Matrix;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use crate::bilstm::LstmStack;
use crate::error::{Error, Result};
use crate::lstm::Lstm;

fn import_error(source: &str, message: impl Into<String>) -> Error {
    Error::Import {
        source_name: source.to_string(),
        message: message.into(),
    }
}

/// A row-major f32 tensor as a matrix: 2-D `[r, c]` → `[r, c]`; 1-D `[n]` → `[n, 1]`.
///
/// # Errors
/// When the tensor is not f32 or has another number of dimensions.
pub fn tensor_to_matrix(view: &TensorView<'_>, name: &str, source: &str) -> Result<Matrix> {
    if view.dtype() != Dtype::F32 {
        return Err(import_error(
            source,
            format!(
                "tensor {name:?} is {:?}; only F32 is supported",
                view.dtype()
            ),
        ));
    }
    let (rows, cols) = match *view.shape() {
        [n] => (n, 1),
        [r, c] => (r, c),
        ref other => {
            return Err(import_error(
                source,
                format!("tensor {name:?} has shape {other:?}; expected 1 or 2 dimensions"),
            ));
        }
    };
    let data: Vec<f32> = view
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Ok(Matrix::from_row_slice(rows, cols, &data))
}

/// A matrix as row-major little-endian f32 bytes, with its shape (`[n]` for a column).
pub fn matrix_to_tensor_bytes(m: &Matrix, as_vector: bool) -> (Vec<usize>, Vec<u8>) {
    let shape = if as_vector && m.ncols() == 1 {
        vec![m.nrows()]
    } else {
        vec![m.nrows(), m.ncols()]
    };
    let mut bytes = Vec::with_capacity(m.len() * 4);
    for r in 0..m.nrows() {
        for c in 0..m.ncols() {
            bytes.extend_from_slice(&m[(r, c)].to_le_bytes());
        }
    }
    (shape, bytes)
}

/// Encodes named matrices as a safetensors file (row-major f32; `[n, 1]` columns whose
/// names start with `bias` become vectors, as PyTorch stores biases).
///
/// # Errors
/// When a name appears twice, or the safetensors encoder refuses the data.
pub fn to_safetensors(tensors: &[(String, Matrix)]) -> Result<Vec<u8>> {
    to_safetensors_with(tensors, |name| {
        name.rsplit('.')
            .next()
            .is_some_and(|last| last.starts_with("bias"))
    })
}

/// Encodes named matrices as a safetensors file (row-major f32), the `[n, 1]` columns whose
/// names `is_vector` picks as vectors `[n]`.
///
/// # Errors
/// When a name appears twice, or the safetensors encoder refuses the data.
pub fn to_safetensors_with(
    tensors: &[(String, Matrix)],
    is_vector: impl Fn(&str) -> bool,
) -> Result<Vec<u8>> {
    if let Some(name) = duplicate_name(tensors) {
        return Err(import_error(
            "<export>",
            format!("the tensor name {name:?} appears twice"),
        ));
    }
    let encoded: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
        .iter()
        .map(|(name, m)| {
            let (shape, bytes) = matrix_to_tensor_bytes(m, is_vector(name));
            (name.clone(), shape, bytes)
        })
        .collect();
    let views = encoded
        .iter()
        .map(|(name, shape, bytes)| {
            Ok((
                name.clone(),
                TensorView::new(Dtype::F32, shape.clone(), bytes)
                    .map_err(|e| import_error("<export>", e.to_string()))?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    safetensors::serialize(views, None).map_err(|e| import_error("<export>", e.to_string()))
}

/// All tensors of a safetensors file as matrices, by name.
///
/// # Errors
/// When the file does not parse or a tensor is not a 1-D or 2-D f32 tensor.
pub fn from_safetensors(bytes: &[u8], source: &str) -> Result<HashMap<String, Matrix>> {
    let st = SafeTensors::deserialize(bytes)
        .map_err(|e| import_error(source, format!("not a valid safetensors file: {e}")))?;
    st.tensors()
        .iter()
        .map(|(name, view)| Ok((name.clone(), tensor_to_matrix(view, name, source)?)))
        .collect()
}

/// The stack's parameters with PyTorch's names, as a safetensors file.
///
/// # Errors
/// When the safetensors encoder refuses the data.
pub fn lstm_to_safetensors(stack: &LstmStack) -> Result<Vec<u8>> {
    let tensors: Vec<(String, Matrix)> = stack
        .named_params()
        .into_iter()
        .map(|(n, p)| (n, p.value().clone()))
        .collect();
    to_safetensors(&tensors)
}

/// Reads an `nn.LSTM` state dict (see the module docs) into an [`LstmStack`]: the number of
/// layers, the direction and the sizes come from the names and shapes. Tensors whose names
/// start with `prefix` are read (`""` for a bare `nn.LSTM`, `"lstm."` inside a model); other
/// tensors in the file are ignored.
///
/// # Errors
/// [`Error::Import`] naming the source and the first missing, misshapen or non-f32 tensor.
pub fn lstm_from_safetensors(bytes: &[u8], source: &str, prefix: &str) -> Result<LstmStack> {
    let st = SafeTensors::deserialize(bytes)
        .map_err(|e| import_error(source, format!("not a valid safetensors file: {e}")))?;
    let names: std::collections::HashSet<&str> = st.names().into_iter().collect();
    let has = |name: &str| names.contains(name);
    let get = |name: String| -> Result<Matrix> {
        let view = st
            .tensor(&name)
            .map_err(|_| import_error(source, format!("tensor {name:?} is missing")))?;
        tensor_to_matrix(&view, &name, source)
    };
    lstm_from(&has, &get, source, prefix)
}

/// [`lstm_from_safetensors`] on tensors already read, by name.
///
/// # Errors
/// As [`lstm_from_safetensors`].
pub fn lstm_from_tensors(
    tensors: &HashMap<String, Matrix>,
    source: &str,
    prefix: &str,
) -> Result<LstmStack> {
    let has = |name: &str| tensors.contains_key(name);
    let get = |name: String| -> Result<Matrix> {
        tensors
            .get(&name)
            .cloned()
            .ok_or_else(|| import_error(source, format!("tensor {name:?} is missing")))
    };
    lstm_from(&has, &get, source, prefix)
}

fn lstm_from(
    has: &dyn Fn(&str) -> bool,
    get: &dyn Fn(String) -> Result<Matrix>,
    source: &str,
    prefix: &str,
) -> Result<LstmStack> {
    if !has(&format!("{prefix}weight_ih_l0")) {
        return Err(import_error(
            source,
            format!("tensor \"{prefix}weight_ih_l0\" is missing: not an nn.LSTM state dict"),
        ));
    }
    let bidirectional = has(&format!("{prefix}weight_ih_l0_reverse"));
    let mut layers = Vec::new();
    let mut k = 0;
    while has(&format!("{prefix}weight_ih_l{k}")) {
        let direction = |suffix: &str| -> Result<Lstm> {
            let name = |p: &str| format!("{prefix}{p}_l{k}{suffix}");
            let (w_ih, w_hh) = (get(name("weight_ih"))?, get(name("weight_hh"))?);
            let (b_ih, b_hh) = (get(name("bias_ih"))?, get(name("bias_hh"))?);
            Lstm::from_weights(w_ih, w_hh, b_ih, b_hh)
                .map_err(|e| import_error(source, format!("layer {k}{suffix}: {e}")))
        };
        let fwd = direction("")?;
        let rev = if bidirectional {
            Some(direction("_reverse")?.reversed())
        } else {
            None
        };
        layers.push((fwd, rev));
        k += 1;
    }
    LstmStack::from_layers(layers).map_err(|e| import_error(source, e.to_string()))
}
