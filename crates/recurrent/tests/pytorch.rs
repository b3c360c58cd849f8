//! PyTorch compatibility: a 2-layer bidirectional `nn.LSTM` with its weights, a padded and
//! packed input batch, its output and its gradients, all made by PyTorch 2.15 with
//! `tests/data/make_pytorch_reference.py`:
//!
//! ```python
//! torch.manual_seed(0)
//! I, H, B, T = 3, 4, 3, 5
//! lengths = torch.tensor([5, 3, 1])
//! lstm = torch.nn.LSTM(I, H, num_layers=2, bidirectional=True, batch_first=True)
//! x = torch.randn(B, T, I)                       # padded steps zeroed, then requires_grad
//! packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
//! out, _ = lstm(packed)
//! out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=T)
//! proj = torch.randn(B, T, 2 * H)
//! (out * proj).sum().backward()
//! # saved with safetensors: the state dict, input, lengths, projection, output,
//! # grad.input and grad.<parameter> for every parameter
//! ```
//!
//! neurotext must reproduce the output and every gradient to 1e-5.

use neurotext_autodiff::{Graph, Matrix, Module};
use neurotext_recurrent::pytorch::{from_safetensors, lstm_from_safetensors, lstm_to_safetensors};
use neurotext_recurrent::{LstmStack, SeqBatch};

const REFERENCE: &[u8] = include_bytes!("data/pytorch_lstm.safetensors");

/// A PyTorch `[B, T, F]` tensor (read as a `[B, T·F]` row-major matrix) in neurotext's
/// time-major `[F, T·B]` layout.
fn to_time_major(m: &Matrix, b: usize, t: usize) -> Matrix {
    let f = m.ncols() / t;
    Matrix::from_fn(f, t * b, |i, col| m[(col % b, (col / b) * f + i)])
}

fn tensor_3d(bytes: &[u8], name: &str, b: usize, t: usize) -> Matrix {
    // Re-read the 3-D tensor as 2-D [B, T·F]: same row-major bytes.
    let st = safetensors::SafeTensors::deserialize(bytes).unwrap();
    let view = st.tensor(name).unwrap();
    let shape = view.shape().to_vec();
    let data: Vec<f32> = view
        .data()
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    to_time_major(
        &Matrix::from_row_slice(shape[0], shape[1] * shape[2], &data),
        b,
        t,
    )
}

/// The reference file's 1-D and 2-D tensors (weights, gradients, lengths), by name.
fn reference_2d() -> std::collections::HashMap<String, Matrix> {
    let st = safetensors::SafeTensors::deserialize(REFERENCE).unwrap();
    st.tensors()
        .into_iter()
        .filter(|(_, v)| v.shape().len() <= 2)
        .map(|(n, v)| {
            let m = neurotext_recurrent::pytorch::tensor_to_matrix(&v, &n, "ref").unwrap();
            (n, m)
        })
        .collect()
}

fn assert_close(what: &str, ours: &Matrix, theirs: &Matrix) {
    assert_eq!(ours.shape(), theirs.shape(), "{what}");
    let diff = (ours - theirs).abs().max();
    assert!(diff <= 1e-5, "{what}: differs from PyTorch by {diff}");
}

#[test]
fn pytorch_lstm_outputs_and_gradients_are_reproduced() {
    let (b, t) = (3, 5);
    let mut stack = lstm_from_safetensors(REFERENCE, "pytorch_lstm.safetensors", "").unwrap();
    assert!(stack.is_bidirectional());
    assert_eq!(stack.layers().len(), 2);
    let all = reference_2d();
    let lengths: Vec<usize> = all["lengths"].iter().map(|&l| l as usize).collect();
    let batch = SeqBatch::padded_to(lengths, t).unwrap();
    let x = tensor_3d(REFERENCE, "input", b, t);
    let proj = tensor_3d(REFERENCE, "projection", b, t);
    let expected_out = tensor_3d(REFERENCE, "output", b, t);
    let expected_dx = tensor_3d(REFERENCE, "grad.input", b, t);

    let g = Graph::new();
    let xv = g.input(x);
    let y = stack.forward(&g, xv, &batch).unwrap();
    assert_close("output", &y.value(), &expected_out);
    let loss = y.mul(g.constant(proj)).unwrap().sum();
    let rest = g.backward_into(loss, &mut stack).unwrap();
    assert_close("∂input", rest.get(xv).unwrap(), &expected_dx);
    drop(g);
    for (name, p) in stack.named_params() {
        assert_close(&format!("∂{name}"), p.grad(), &all[&format!("grad.{name}")]);
    }
}

#[test]
fn exported_weights_carry_pytorch_names_and_reload_identically() {
    let stack = lstm_from_safetensors(REFERENCE, "ref", "").unwrap();
    let bytes = lstm_to_safetensors(&stack).unwrap();
    let tensors = from_safetensors(&bytes, "export").unwrap();
    let original = reference_2d();
    for (name, m) in &tensors {
        assert_eq!(m, &original[name], "{name}");
    }
    assert_eq!(tensors.len(), 16);
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    assert_eq!(
        st.tensor("bias_hh_l1_reverse").unwrap().shape(),
        &[16],
        "biases are vectors, as in PyTorch"
    );
    assert_eq!(st.tensor("weight_ih_l1").unwrap().shape(), &[16, 8]);
    let again: LstmStack = lstm_from_safetensors(&bytes, "export", "").unwrap();
    let names = |s: &LstmStack| {
        s.named_params()
            .into_iter()
            .map(|(n, p)| (n, p.value().clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&again), names(&stack));
}

#[test]
fn malformed_weight_files_are_refused_with_the_source_named() {
    let err = lstm_from_safetensors(b"not safetensors", "junk.bin", "")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("junk.bin") && err.contains("not a valid safetensors"),
        "{err}"
    );
    // A valid file without an LSTM in it.
    let other =
        neurotext_recurrent::pytorch::to_safetensors(&[("fc.weight".into(), Matrix::zeros(2, 2))])
            .unwrap();
    let err = lstm_from_safetensors(&other, "fc.safetensors", "")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("weight_ih_l0") && err.contains("missing"),
        "{err}"
    );
    // A misshapen recurrent weight.
    let mut tensors: Vec<(String, Matrix)> = reference_2d()
        .into_iter()
        .filter(|(n, _)| !n.contains('.') && n.contains("_l"))
        .collect();
    for (n, m) in &mut tensors {
        if n == "weight_hh_l1" {
            *m = Matrix::zeros(16, 5);
        }
    }
    let bytes = neurotext_recurrent::pytorch::to_safetensors(&tensors).unwrap();
    let err = lstm_from_safetensors(&bytes, "bad.safetensors", "")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("bad.safetensors") && err.contains("layer 1"),
        "{err}"
    );
}

#[test]
fn a_reverse_direction_whose_sizes_differ_from_the_forward_one_is_refused_at_import() {
    // Found by the `safetensors` fuzz target: such a stack was accepted and failed only when
    // run. Layer 1's reverse direction reading 3 features (not 8), then layer 0's reading 5.
    for (name, shape, layer) in [
        ("weight_ih_l1_reverse", (16, 3), 1),
        ("weight_ih_l0_reverse", (16, 5), 0),
    ] {
        let tensors: Vec<(String, Matrix)> = reference_2d()
            .into_iter()
            .filter(|(n, _)| !n.contains('.') && n.contains("_l"))
            .map(|(n, m)| {
                let m = if n == name {
                    Matrix::zeros(shape.0, shape.1)
                } else {
                    m
                };
                (n, m)
            })
            .collect();
        let bytes = neurotext_recurrent::pytorch::to_safetensors(&tensors).unwrap();
        let err = lstm_from_safetensors(&bytes, "mixed.safetensors", "")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("mixed.safetensors")
                && err.contains(&format!("reverse direction of layer {layer}")),
            "{err}"
        );
    }
}

#[test]
fn export_refuses_a_name_twice_and_picks_vectors_by_name() {
    use neurotext_recurrent::pytorch::{from_safetensors, to_safetensors, to_safetensors_with};
    let column = neurotext_autodiff::Matrix::from_column_slice(3, 1, &[1.0, 2.0, 3.0]);
    let twice = vec![
        ("a.bias".to_string(), column.clone()),
        ("a.bias".to_string(), column.clone()),
    ];
    let err = to_safetensors(&twice).unwrap_err().to_string();
    assert!(err.contains("\"a.bias\" appears twice"), "{err}");
    let tensors = vec![
        ("att.b".to_string(), column.clone()),
        ("x.bias".to_string(), column),
    ];
    let shapes = |bytes: &[u8]| {
        let st = safetensors::SafeTensors::deserialize(bytes).unwrap();
        let mut shapes: Vec<(String, Vec<usize>)> = st
            .tensors()
            .into_iter()
            .map(|(n, v)| (n, v.shape().to_vec()))
            .collect();
        shapes.sort();
        shapes
    };
    let by_default = to_safetensors(&tensors).unwrap();
    assert_eq!(
        shapes(&by_default),
        [("att.b".into(), vec![3, 1]), ("x.bias".into(), vec![3])]
    );
    let chosen = to_safetensors_with(&tensors, |name| name.ends_with(".b")).unwrap();
    assert_eq!(
        shapes(&chosen),
        [("att.b".into(), vec![3]), ("x.bias".into(), vec![3, 1])]
    );
    // Either way the values read back as the same column.
    assert_eq!(
        from_safetensors(&chosen, "test").unwrap()["att.b"].as_slice(),
        &[1.0, 2.0, 3.0]
    );
}
