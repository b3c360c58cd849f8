//! The fused LSTM: a whole layer (one or both directions, all time steps) as one autodiff
//! node with a hand-written backward pass.
//!
//! What makes it fast (the techniques of oneDNN, cuDNN and Appleyard et al. 2016):
//! - **one GEMM for the input projections of all steps**: `W_ih·X` over all `T·B` columns;
//! - **one `[4H, H]·[H, B]` GEMM per step**, accumulated straight into that step's columns of
//!   the projection, then **all gate arithmetic in one pass**
//!   ([`lstm_cell_forward`](neurotext_linalg::lstm_cell_forward)) over a layout where each
//!   example's four gates are contiguous;
//! - the backward pass keeps the **gate activations and cell states of every step**, runs only
//!   the recurrent chain step by step, and then forms **`∂W_ih`, `∂W_hh` and `∂X` each as one
//!   GEMM over all steps** (`∂W_hh` pairs the gate gradients with the outputs shifted by one
//!   step, read through views, not copied);
//! - **independent work runs side by side**: the two directions of a BiLSTM concurrently,
//!   and, for one direction, disjoint halves of the batch (sequences never interact);
//! - **no allocation inside the time loop**: states and scratch are allocated once.
//! - **inference keeps nothing but the output**: without a backward pass, the input
//!   projections are computed a chunk of steps at a time into one reused buffer, just before
//!   the recurrence reads them, and no gate activations or cell states are saved.
//!
//! Padding: a padded step leaves the state unchanged and outputs zeros, so "last state" is
//! each sequence's own last real step, and the reverse direction starts at each sequence's
//! own last token. It costs nothing extra (unlike PyTorch's packed sequences).
//!
//! Every number here is checked against the composed version built from autodiff ops
//! ([`Lstm::forward_composed`](crate::Lstm::forward_composed)) and by `gradcheck`.

use std::ops::Range;

use nalgebra::{DMatrixView, DMatrixViewMut};
use neurotext_autodiff::{InputGrads, Op, Var};
use neurotext_linalg::{
    Matrix, PackedMatrix, Trans, gemm_with_threads, lstm_cell_backward, lstm_cell_forward, pool,
    threads,
};

use crate::batch::{SeqBatch, own_step};
use crate::error::{Result, batch_error, config};

/// The four parameters of one direction, as graph values: `W_ih` `[4H, I]`, `W_hh` `[4H, H]`,
/// `b_ih` and `b_hh` `[4H, 1]` (PyTorch's layout and gate order i, f, g, o).
#[derive(Clone, Copy, Debug)]
pub struct DirectionVars<'g> {
    /// Input weights.
    pub w_ih: Var<'g>,
    /// Recurrent weights.
    pub w_hh: Var<'g>,
    /// Input bias.
    pub b_ih: Var<'g>,
    /// Recurrent bias.
    pub b_hh: Var<'g>,
    /// Whether this direction runs from each sequence's last step to its first.
    pub reverse: bool,
}

/// Runs one LSTM layer over a padded batch as a single fused node.
///
/// `x` is `[I, T·B]` (time-major, see [`SeqBatch`]); the result is `[D·H, T·B]` with the
/// directions' outputs stacked (rows `0..H` for the first direction, `H..2H` for the second),
/// zeros at padded steps. `truncate = Some(k)` cuts the gradient of the recurrence every `k`
/// steps of each sequence, counted from its own first step ([`SeqBatch::own_step`]):
/// truncated backpropagation through time that padding never shifts.
///
/// # Errors
/// When shapes do not fit each other or the batch, or `truncate` is `Some(0)`.
pub fn lstm_layer<'g>(
    x: Var<'g>,
    dirs: &[DirectionVars<'g>],
    batch: &SeqBatch,
    truncate: Option<usize>,
) -> Result<Var<'g>> {
    if dirs.is_empty() || dirs.len() > 2 {
        return Err(batch_error(
            "lstm_layer",
            format!("{} directions; expected 1 or 2", dirs.len()),
        ));
    }
    let xv = x.value();
    batch.check("lstm_layer", xv.shape())?;
    let input = xv.nrows();
    let (h4, _) = dirs[0].w_hh.shape();
    let hidden = h4 / 4;
    for d in dirs {
        let ok = d.w_ih.shape() == (4 * hidden, input)
            && d.w_hh.shape() == (4 * hidden, hidden)
            && d.b_ih.shape() == (4 * hidden, 1)
            && d.b_hh.shape() == (4 * hidden, 1)
            && h4.is_multiple_of(4)
            && hidden > 0;
        if !ok {
            return Err(batch_error(
                "lstm_layer",
                format!(
                    "weights do not fit input size {input} and hidden size {hidden}: W_ih {:?}, W_hh {:?}, b_ih {:?}, b_hh {:?}",
                    d.w_ih.shape(),
                    d.w_hh.shape(),
                    d.b_ih.shape(),
                    d.b_hh.shape()
                ),
            ));
        }
    }
    if truncate == Some(0) {
        return Err(config("lstm_layer", "truncation must be at least 1 step"));
    }
    let spec = Spec {
        batch: batch.clone(),
        hidden,
        truncate,
    };
    let weights: Vec<_> = dirs
        .iter()
        .map(|d| {
            (
                d.w_ih.value(),
                d.w_hh.value(),
                d.b_ih.value(),
                d.b_hh.value(),
            )
        })
        .collect();
    let reverse: Vec<bool> = dirs.iter().map(|d| d.reverse).collect();
    let per_dir_threads = (threads() / dirs.len()).max(1);
    // Without a backward pass nothing but the output is needed.
    let for_backward = x.graph().grad_enabled();
    let run = |k: usize, y_cols: Vec<&mut [f32]>| {
        let (w_ih, w_hh, b_ih, b_hh) = &weights[k];
        forward_direction(
            &spec,
            &xv,
            (w_ih, w_hh, b_ih, b_hh),
            reverse[k],
            per_dir_threads,
            for_backward,
            y_cols,
        )
    };
    // Recycled: every column of every direction is written (h_t, or zeros at padding). Each
    // direction writes its rows of the stacked output in place, so no copy stacks them
    // afterwards (that was 4.7 ms of a 138 ms BiLSTM inference at 64×100×300×256).
    let mut y = pool::take_matrix(dirs.len() * hidden, batch.columns());
    let y_cols = direction_columns(y.as_mut_slice(), dirs.len(), hidden);
    let results: Vec<Forward> = match <[_; 2]>::try_from(y_cols) {
        Ok([first, second]) => {
            let (a, b) = neurotext_linalg::join(|_| run(0, first), |_| run(1, second));
            vec![a?, b?]
        }
        Err(mut one) => vec![run(0, one.pop().expect("one direction"))?],
    };
    let op = FusedLstm {
        spec,
        reverse,
        saved: results
            .into_iter()
            .map(|r| Saved {
                gates: r.gates,
                cells: r.cells,
            })
            .collect(),
    };
    let mut inputs = vec![x];
    for d in dirs {
        inputs.extend_from_slice(&[d.w_ih, d.w_hh, d.b_ih, d.b_hh]);
    }
    Ok(x.graph().push(y, op, &inputs))
}

#[derive(Clone, Debug)]
struct Spec {
    batch: SeqBatch,
    hidden: usize,
    truncate: Option<usize>,
}

struct Forward {
    gates: Matrix,
    cells: Matrix,
}

struct Saved {
    /// Gate activations i, f, a, o of every step, `[4H, T·B]`.
    gates: Matrix,
    /// Cell states of every step, `[H, T·B]` (zeros at padding).
    cells: Matrix,
}

struct FusedLstm {
    spec: Spec,
    reverse: Vec<bool>,
    saved: Vec<Saved>,
}

/// Splits `0..n` into `parts` contiguous ranges of nearly equal size.
fn split_range(n: usize, parts: usize) -> Vec<Range<usize>> {
    let parts = parts.clamp(1, n.max(1));
    (0..parts)
        .map(|p| (p * n / parts)..((p + 1) * n / parts))
        .collect()
}

/// Cuts a time-major buffer (`rows` values per column, `batch` columns per step) into, for
/// each part of the batch, its slice of every step: the parts can then run on separate
/// threads without sharing anything.
fn split_steps<'a, T>(
    data: &'a mut [T],
    rows: usize,
    batch: usize,
    parts: &[Range<usize>],
) -> Vec<Vec<&'a mut [T]>> {
    let mut out: Vec<Vec<&'a mut [T]>> = parts.iter().map(|_| Vec::new()).collect();
    for step in data.chunks_mut(rows * batch) {
        let mut rest = step;
        for (p, r) in parts.iter().enumerate() {
            let (head, tail) = rest.split_at_mut(r.len() * rows);
            out[p].push(head);
            rest = tail;
        }
    }
    out
}

/// Like [`split_steps`], read-only.
fn split_steps_ref<'a, T>(
    data: &'a [T],
    rows: usize,
    batch: usize,
    parts: &[Range<usize>],
) -> Vec<Vec<&'a [T]>> {
    let mut out: Vec<Vec<&'a [T]>> = parts.iter().map(|_| Vec::new()).collect();
    for step in data.chunks(rows * batch) {
        let mut rest = step;
        for (p, r) in parts.iter().enumerate() {
            let (head, tail) = rest.split_at(r.len() * rows);
            out[p].push(head);
            rest = tail;
        }
    }
    out
}

/// Zeroes, in one step's slice of a time-major buffer (`rows` values per column), the columns
/// of the sequences that step `t` pads (`t ≥` their length). The buffers are recycled with
/// stale values, and padding must read as zeros: the products over all steps sum over it.
fn zero_padding(step: &mut [f32], lengths: &[usize], t: usize, rows: usize) {
    for (col, &len) in step.chunks_exact_mut(rows).zip(lengths) {
        if t >= len {
            col.fill(0.0);
        }
    }
}

/// The maximal runs of real (unpadded) columns of step `t` within a part of the batch.
fn real_runs(lengths: &[usize], t: usize) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut b = 0;
    std::iter::from_fn(move || {
        while b < lengths.len() && t >= lengths[b] {
            b += 1;
        }
        if b == lengths.len() {
            return None;
        }
        let start = b;
        while b < lengths.len() && t < lengths[b] {
            b += 1;
        }
        Some(start..b)
    })
}

/// Runs `f` on every part, on the thread pool when there is more than one (the pool's
/// threads already exist, so a step pays no thread start-up).
fn for_each_part<P: Send>(parts: Vec<P>, f: impl Fn(P) -> Result<()> + Sync) -> Result<()> {
    if parts.len() == 1 {
        return parts.into_iter().try_for_each(f);
    }
    let mut results: Vec<Result<()>> = parts.iter().map(|_| Ok(())).collect();
    let f = &f;
    rayon::scope(|s| {
        for (part, slot) in parts.into_iter().zip(results.iter_mut()) {
            s.spawn(move |_| *slot = f(part));
        }
    });
    results.into_iter().collect()
}

/// One part of the batch (its columns of every step) on its way through the forward
/// recurrence: the state it carries from step to step.
struct ForwardState<'a> {
    /// `W_hh`, packed once for the whole sequence: it meets the state at every step.
    w_hh: &'a PackedMatrix,
    /// `b_ih + b_hh`, added to the gates by the cell (`[4H]`).
    bias: &'a [f32],
    /// The part's sequence lengths.
    lengths: &'a [usize],
    hidden: usize,
    h: Matrix,
    c: Vec<f32>,
    /// Whether a step has run: before the first, `h` is the zero state and `W_hh·h` is zero.
    started: bool,
}

impl<'a> ForwardState<'a> {
    fn new(w_hh: &'a PackedMatrix, bias: &'a [f32], lengths: &'a [usize], hidden: usize) -> Self {
        let cols = lengths.len();
        ForwardState {
            w_hh,
            bias,
            lengths,
            hidden,
            h: Matrix::zeros(hidden, cols),
            c: vec![0.0; hidden * cols],
            started: false,
        }
    }

    /// Step `t`: `g_t` (`[4H, cols]`) holds the input projections on entry and the gate
    /// activations on return; `y_t` (one slice of `H` values per column) receives `h_t`,
    /// zeros at padding, and `c_t`, when given, `c_t` (`[H, cols]`, zeros at padding).
    fn step(
        &mut self,
        t: usize,
        g_t: &mut [f32],
        y_t: &mut [&mut [f32]],
        mut c_t: Option<&mut [f32]>,
    ) -> Result<()> {
        let (hidden, cols) = (self.hidden, self.lengths.len());
        // The first step's product would add W_hh·0: skipped (1/T of the recurrent work).
        if self.started {
            let mut view = DMatrixViewMut::from_slice(g_t, 4 * hidden, cols);
            self.w_hh.matmul_into(&self.h, 1.0, &mut view)?;
        }
        self.started = true;
        if let Some(c_t) = c_t.as_deref_mut() {
            zero_padding(c_t, self.lengths, t, hidden);
        }
        for run in real_runs(self.lengths, t) {
            let (g4, g1) = (
                4 * hidden * run.start..4 * hidden * run.end,
                hidden * run.start..hidden * run.end,
            );
            // h_{t−1} has been used up by the product above: the cell overwrites it. The
            // columns of padded sequences keep their state (zeros before a reverse
            // direction's sequence starts).
            lstm_cell_forward(
                &mut g_t[g4],
                self.bias,
                &mut self.c[g1.clone()],
                &mut self.h.as_mut_slice()[g1.clone()],
                hidden,
            )?;
            if let Some(c_t) = c_t.as_deref_mut() {
                c_t[g1.clone()].copy_from_slice(&self.c[g1]);
            }
        }
        let h = self.h.as_slice();
        for ((out, h), &len) in y_t.iter_mut().zip(h.chunks_exact(hidden)).zip(self.lengths) {
            if t < len {
                out.copy_from_slice(h);
            } else {
                out.fill(0.0);
            }
        }
        Ok(())
    }
}

/// One direction's forward pass, its output written into `y_cols` (the `H` values of every
/// column of its rows of the layer's output, `T·B` slices); the gate activations and cell
/// states are kept when a backward pass will follow.
fn forward_direction(
    spec: &Spec,
    x: &Matrix,
    (w_ih, w_hh, b_ih, b_hh): (&Matrix, &Matrix, &Matrix, &Matrix),
    reverse: bool,
    threads: usize,
    for_backward: bool,
    mut y_cols: Vec<&mut [f32]>,
) -> Result<Forward> {
    let (hidden, b, t_len) = (spec.hidden, spec.batch.batch(), spec.batch.max_len());
    let n = spec.batch.columns();
    let bias = b_ih + b_hh;
    let w_hh_packed = PackedMatrix::pack_with_threads(w_hh, Trans::No, threads);
    if !for_backward {
        let w_ih_packed = PackedMatrix::pack_with_threads(w_ih, Trans::No, threads);
        let weights = (&w_ih_packed, &bias, &w_hh_packed);
        return forward_inference(spec, x, weights, reverse, threads, y_cols);
    }
    // All input projections at once (recycled: the GEMM writes every value, β = 0). The
    // biases are added by the cell at each step, not written into every column first: that
    // was a pass over the whole [4H, T·B] block (26 MB at 16×200×64×512) on one thread.
    let mut gates = pool::take_matrix(4 * hidden, n);
    gemm_with_threads(1.0, w_ih, Trans::No, x, Trans::No, 0.0, &mut gates, threads)?;
    // Recycled: each step writes its real columns and zeroes its padding. Only a backward
    // pass reads the cell states.
    let mut cells = if for_backward {
        pool::take_matrix(hidden, n)
    } else {
        Matrix::zeros(0, 0)
    };
    let parts = split_range(b, threads);
    let g_parts = split_steps(gates.as_mut_slice(), 4 * hidden, b, &parts);
    let y_parts = split_steps(&mut y_cols, 1, b, &parts);
    let c_parts = split_steps(cells.as_mut_slice(), hidden, b, &parts);
    let work: Vec<_> = parts
        .iter()
        .cloned()
        .zip(g_parts)
        .zip(y_parts)
        .zip(c_parts)
        .map(|(((r, g), y), c)| (r, g, y, c))
        .collect();
    let lengths = spec.batch.lengths();
    for_each_part(work, |(range, mut g_steps, mut y_steps, mut c_steps)| {
        let mut state = ForwardState::new(&w_hh_packed, bias.as_slice(), &lengths[range], hidden);
        for s in 0..t_len {
            let t = if reverse { t_len - 1 - s } else { s };
            let c_t = if for_backward {
                Some(&mut *c_steps[t])
            } else {
                None
            };
            state.step(t, g_steps[t], y_steps[t], c_t)?;
        }
        Ok(())
    })?;
    Ok(Forward { gates, cells })
}

/// Columns per chunk of input projections in inference: a `[4H, I]·[I, 256]` product runs
/// near full speed, and its chunk of gates (1 MB at H = 256) is still in cache when the
/// recurrence reads it.
const INFERENCE_CHUNK_COLUMNS: usize = 256;

/// One direction's forward pass when no backward pass will follow: the input projections
/// are computed a chunk of steps at a time, just before the recurrence needs them, into one
/// reused buffer. Nothing but the output is kept, so the gates of all steps (`[4H, T·B]`,
/// 26 MB for 64 sequences of 100 steps at H = 256) are never allocated, written out and read
/// back. The result's `gates` and `cells` are empty.
///
/// It is as fast or faster in every shape measured, most so where both directions of a
/// BiLSTM would otherwise write all their gates out at once: interleaved in one process
/// (medians of 9 to 15), bi 16×200×64×512 went from 202.5 to 173.1 ms on one thread and from 103.1/106.3 to
/// 88.8/97.3 ms on two; uni 16×200×64×512, where the projections are a tenth of the work,
/// was level (86.8 against 86.9 ms on one thread, 47.6/45.8 against 48.1/45.7 on two).
///
/// Each thread takes a part of the batch through the whole sequence on its own, input
/// projections included: no thread waits for another, and each reads gates that it wrote
/// itself into its own cache. Splitting each chunk's projections between the threads
/// instead needs two barriers per chunk, where the faster thread waits, and hands half of
/// the gates to the other core. On two threads (binaries alternating, six runs each, medians
/// of 11), 64×100×300×256 went from 46.3–52.0 to 42.8–47.9 ms and 32×50×128×128 from
/// 2.94–3.84 to 2.76–2.88 ms; one thread is unchanged.
fn forward_inference(
    spec: &Spec,
    x: &Matrix,
    (w_ih, bias, w_hh): (&PackedMatrix, &Matrix, &PackedMatrix),
    reverse: bool,
    threads: usize,
    mut y_cols: Vec<&mut [f32]>,
) -> Result<Forward> {
    let (b, t_len) = (spec.batch.batch(), spec.batch.max_len());
    let parts = split_range(b, threads);
    let y_parts = split_steps(&mut y_cols, 1, b, &parts);
    let work: Vec<_> = parts.into_iter().zip(y_parts).collect();
    for_each_part(work, |(range, mut y_steps)| {
        let mut state = ForwardState::new(
            w_hh,
            bias.as_slice(),
            &spec.batch.lengths()[range.clone()],
            spec.hidden,
        );
        let mut projections = ChunkProjections::new(w_ih, x, b, range, t_len);
        let chunk_steps = projections.chunk_steps;
        let chunks = t_len.div_ceil(chunk_steps);
        for c in 0..chunks {
            let k = if reverse { chunks - 1 - c } else { c };
            let t0 = k * chunk_steps;
            let steps = chunk_steps.min(t_len - t0);
            let gates = projections.compute(t0, steps)?;
            let step_len = gates.len() / steps;
            for i in 0..steps {
                let i = if reverse { steps - 1 - i } else { i };
                let g_t = &mut gates[i * step_len..(i + 1) * step_len];
                state.step(t0 + i, g_t, y_steps[t0 + i], None)?;
            }
        }
        Ok(())
    })?;
    Ok(Forward {
        gates: Matrix::zeros(0, 0),
        cells: Matrix::zeros(0, 0),
    })
}

/// The input projections of one part of the batch (a range of its columns), a chunk of
/// steps at a time, for [`forward_inference`].
struct ChunkProjections<'a> {
    /// `W_ih`, packed once for all chunks (a GEMM would pack it again for each).
    w_ih: &'a PackedMatrix,
    x: &'a Matrix,
    /// Columns of the whole batch per step.
    batch: usize,
    /// The part's columns of each step.
    part: Range<usize>,
    /// Steps per chunk.
    chunk_steps: usize,
    /// The chunk's gates, `[4H, steps·part]` (recycled: every column used is written).
    gates: Matrix,
    /// The part's inputs for a chunk, gathered from `x` (empty when the part is the whole
    /// batch: its columns of a chunk are then contiguous in `x`). Recycled, as `gates`:
    /// every column used is written first.
    inputs: Matrix,
}

impl<'a> ChunkProjections<'a> {
    fn new(
        w_ih: &'a PackedMatrix,
        x: &'a Matrix,
        batch: usize,
        part: Range<usize>,
        t_len: usize,
    ) -> Self {
        let cols = part.len();
        let chunk_steps = INFERENCE_CHUNK_COLUMNS.div_ceil(cols).min(t_len);
        let inputs = if cols == batch {
            Matrix::zeros(0, 0)
        } else {
            pool::take_matrix(x.nrows(), chunk_steps * cols)
        };
        ChunkProjections {
            w_ih,
            x,
            batch,
            gates: pool::take_matrix(w_ih.nrows(), chunk_steps * cols),
            inputs,
            part,
            chunk_steps,
        }
    }

    /// The projections of steps `t0..t0 + steps` (`steps ≤ chunk_steps`), step after step,
    /// each `[4H, part]`.
    fn compute(&mut self, t0: usize, steps: usize) -> Result<&mut [f32]> {
        let (cols, input) = (self.part.len(), self.x.nrows());
        let n = steps * cols;
        let gates = &mut self.gates.as_mut_slice()[..self.w_ih.nrows() * n];
        let mut view = DMatrixViewMut::from_slice(gates, self.w_ih.nrows(), n);
        if cols == self.batch {
            let x = self.x.columns(t0 * self.batch, n);
            self.w_ih.matmul_into(&x, 0.0, &mut view)?;
        } else {
            // Gathered so that one product covers the whole chunk: a product per step would
            // stream all of W_ih once per `part` columns.
            let (from, to) = (self.x.as_slice(), self.inputs.as_mut_slice());
            for (i, dst) in to[..input * n].chunks_exact_mut(input * cols).enumerate() {
                let first = ((t0 + i) * self.batch + self.part.start) * input;
                dst.copy_from_slice(&from[first..first + input * cols]);
            }
            self.w_ih
                .matmul_into(&self.inputs.columns(0, n), 0.0, &mut view)?;
        }
        Ok(&mut self.gates.as_mut_slice()[..self.w_ih.nrows() * n])
    }
}

impl Drop for ChunkProjections<'_> {
    fn drop(&mut self) {
        pool::give_matrix(std::mem::replace(&mut self.gates, Matrix::zeros(0, 0)));
        pool::give_matrix(std::mem::replace(&mut self.inputs, Matrix::zeros(0, 0)));
    }
}

/// Cuts a layer's output (`[D·H, n]`, column-major) into, for each of its `D` directions,
/// that direction's `H` values of every column: the directions then write their rows of the
/// stacked output in place, concurrently, without sharing anything.
fn direction_columns(y: &mut [f32], dirs: usize, hidden: usize) -> Vec<Vec<&mut [f32]>> {
    let mut out: Vec<Vec<&mut [f32]>> = (0..dirs).map(|_| Vec::new()).collect();
    for column in y.chunks_exact_mut(dirs * hidden) {
        for (d, rows) in column.chunks_exact_mut(hidden).enumerate() {
            out[d].push(rows);
        }
    }
    out
}

/// Gradients of one direction.
struct DirGrads {
    dx: Option<Matrix>,
    dw_ih: Matrix,
    dw_hh: Matrix,
    db: Matrix,
}

impl FusedLstm {
    #[allow(clippy::too_many_arguments)]
    fn backward_direction(
        &self,
        k: usize,
        x: &Matrix,
        w_ih: &Matrix,
        w_hh: &Matrix,
        y: &Matrix,
        gy: &Matrix,
        need_dx: bool,
        threads: usize,
    ) -> Result<DirGrads> {
        let spec = &self.spec;
        let (hidden, b, t_len, n) = (
            spec.hidden,
            spec.batch.batch(),
            spec.batch.max_len(),
            spec.batch.columns(),
        );
        let reverse = self.reverse[k];
        let saved = &self.saved[k];
        // Products with a transposed left operand ran 10–20 % slower than plain ones in
        // measurements here; transposing the weights once costs far less than that.
        let w_hh_t = PackedMatrix::pack_with_threads(w_hh, Trans::Yes, threads);
        let dirs = self.reverse.len();
        // This direction's rows of the output gradient, read in place: its `H` values of
        // every column (a contiguous copy cost a pass over them in each direction).
        let gy_cols: Vec<&[f32]> = gy
            .as_slice()
            .chunks_exact(dirs * hidden)
            .map(|column| &column[k * hidden..(k + 1) * hidden])
            .collect();
        // Recycled: each step writes its real columns and zeroes its padding.
        let mut dgates = pool::take_matrix(4 * hidden, n);
        let parts = split_range(b, threads);
        let dg_parts = split_steps(dgates.as_mut_slice(), 4 * hidden, b, &parts);
        let g_parts = split_steps_ref(saved.gates.as_slice(), 4 * hidden, b, &parts);
        let c_parts = split_steps_ref(saved.cells.as_slice(), hidden, b, &parts);
        let gy_parts = split_steps_ref(&gy_cols, 1, b, &parts);
        // ∂b, one partial sum per part, each accumulated step by step while the step's
        // ∂gates are still in cache (summing the [4H, T·B] matrix afterwards read it all
        // back from memory on one thread).
        let mut db_parts = vec![vec![0.0f32; 4 * hidden]; parts.len()];
        let work: Vec<_> = parts
            .iter()
            .cloned()
            .zip(dg_parts)
            .zip(g_parts)
            .zip(c_parts)
            .zip(gy_parts)
            .zip(db_parts.iter_mut())
            .map(|(((((r, dg), g), c), gy), db)| (r, dg, g, c, gy, db))
            .collect();
        let lengths = spec.batch.lengths();
        let truncate = spec.truncate;
        for_each_part(
            work,
            |(range, mut dg_steps, g_steps, c_steps, gy_steps, db)| {
                let lens = &lengths[range.clone()];
                let cols = range.len();
                let mut dh = Matrix::zeros(hidden, cols);
                let mut dc = vec![0.0f32; hidden * cols];
                let mut dh_total = vec![0.0f32; hidden * cols];
                let zeros = vec![0.0f32; hidden * cols];
                for s in (0..t_len).rev() {
                    let t = if reverse { t_len - 1 - s } else { s };
                    // The step processed just before this one in the forward pass.
                    let prev = if reverse {
                        (t + 1 < t_len).then(|| t + 1)
                    } else {
                        t.checked_sub(1)
                    };
                    zero_padding(dg_steps[t], lens, t, 4 * hidden);
                    for run in real_runs(lens, t) {
                        let (g4, g1) = (
                            4 * hidden * run.start..4 * hidden * run.end,
                            hidden * run.start..hidden * run.end,
                        );
                        // ∂L/∂h_t: from the output, and from step t + 1 through the state.
                        let total = dh_total[g1.clone()].chunks_exact_mut(hidden);
                        let from_next = dh.as_slice()[g1.clone()].chunks_exact(hidden);
                        for ((d, &gy), from_next) in total.zip(&gy_steps[t][run]).zip(from_next) {
                            for ((d, a), b) in d.iter_mut().zip(gy).zip(from_next) {
                                *d = a + b;
                            }
                        }
                        let c_prev = match prev {
                            Some(p) => &c_steps[p][g1.clone()],
                            None => &zeros[g1.clone()],
                        };
                        lstm_cell_backward(
                            &g_steps[t][g4.clone()],
                            c_prev,
                            &c_steps[t][g1.clone()],
                            &dh_total[g1.clone()],
                            &mut dc[g1],
                            &mut dg_steps[t][g4],
                            hidden,
                        )?;
                    }
                    for column in dg_steps[t].chunks_exact(4 * hidden) {
                        for (d, &g) in db.iter_mut().zip(column) {
                            *d += g;
                        }
                    }
                    // ∂h_{t−1} = W_hhᵀ·∂gates_t, unless nothing reads it: after the first
                    // step processed, or where truncation cuts every sequence's chain.
                    // Truncation counts each sequence's own steps from its own first one,
                    // which for the reverse direction depends on its length.
                    let cut = |len: usize| {
                        truncate
                            .is_some_and(|k| own_step(t, len, reverse).is_some_and(|i| i % k == 0))
                    };
                    let cut_all = s == 0
                        || truncate.is_some_and(|k| !reverse && s % k == 0)
                        || (reverse && lens.iter().all(|&len| t >= len || cut(len)));
                    if cut_all {
                        dh.fill(0.0);
                        dc.fill(0.0);
                    } else {
                        let dg_t = DMatrixView::from_slice(&dg_steps[t][..], 4 * hidden, cols);
                        w_hh_t.matmul_into(&dg_t, 0.0, &mut dh)?;
                        if reverse {
                            for (j, &len) in lens.iter().enumerate() {
                                if cut(len) {
                                    dh.column_mut(j).fill(0.0);
                                    dc[j * hidden..(j + 1) * hidden].fill(0.0);
                                }
                            }
                        }
                    }
                }
                Ok(())
            },
        )?;
        // The three large products, each one GEMM over all steps.
        // Recycled, both: a product with β = 0 overwrites them, and the graph gives them
        // back to the pool once it has added them to the parameters' gradients.
        let mut dw_ih = pool::take_matrix(4 * hidden, x.nrows());
        gemm_with_threads(
            1.0,
            &dgates,
            Trans::No,
            x,
            Trans::Yes,
            0.0,
            &mut dw_ih,
            threads,
        )?;
        let dw_hh = if t_len > 1 {
            // h_{t−1} of step t is the output one step earlier in processing order.
            let y_d = y.rows(k * hidden, hidden);
            let (dg_cols, y_cols) = if reverse {
                (0..n - b, b..n)
            } else {
                (b..n, 0..n - b)
            };
            let dg_v = dgates.columns(dg_cols.start, dg_cols.len());
            let y_v = y_d.columns(y_cols.start, y_cols.len());
            let mut dw_hh = pool::take_matrix(4 * hidden, hidden);
            gemm_with_threads(
                1.0,
                &dg_v,
                Trans::No,
                &y_v,
                Trans::Yes,
                0.0,
                &mut dw_hh,
                threads,
            )?;
            dw_hh
        } else {
            // One step: h_{t−1} is the zero state, so ∂W_hh is zero.
            pool::zeros(4 * hidden, hidden)
        };
        let mut db = Matrix::zeros(4 * hidden, 1);
        for part in &db_parts {
            for (d, &p) in db.iter_mut().zip(part) {
                *d += p;
            }
        }
        let dx = if need_dx {
            // Recycled: the product overwrites it (β = 0).
            let mut dx = pool::take_matrix(x.nrows(), n);
            // W_ihᵀ read through strides as the GEMM packs it: a transposed copy first cost
            // more (55.9 vs 59.1 ms at [300, 1024]·[1024, 6400] on one thread).
            gemm_with_threads(
                1.0,
                w_ih,
                Trans::Yes,
                &dgates,
                Trans::No,
                0.0,
                &mut dx,
                threads,
            )?;
            Some(dx)
        } else {
            None
        };
        pool::give_matrix(dgates);
        Ok(DirGrads {
            dx,
            dw_ih,
            dw_hh,
            db,
        })
    }
}

impl Drop for FusedLstm {
    /// The saved activations go back to the pool, for the next step's forward pass to fill.
    fn drop(&mut self) {
        for saved in self.saved.drain(..) {
            pool::give_matrix(saved.gates);
            pool::give_matrix(saved.cells);
        }
    }
}

impl Op for FusedLstm {
    fn name(&self) -> &'static str {
        "lstm_layer"
    }

    fn backward(&self, x: &[&Matrix], y: &Matrix, gy: &Matrix, grads: &mut InputGrads<'_, '_>) {
        let dirs = self.reverse.len();
        let need_dx = grads.needs(0);
        let per_dir_threads = (threads() / dirs).max(1);
        let run = |k: usize| {
            let (w_ih, w_hh) = (x[1 + 4 * k], x[2 + 4 * k]);
            self.backward_direction(k, x[0], w_ih, w_hh, y, gy, need_dx, per_dir_threads)
        };
        let results: Vec<DirGrads> = if dirs == 2 {
            let (a, b) = neurotext_linalg::join(|_| run(0), |_| run(1));
            vec![a, b]
        } else {
            vec![run(0)]
        }
        .into_iter()
        .map(|r| r.expect("lstm_layer backward: shapes were checked in forward"))
        .collect();
        for (k, r) in results.into_iter().enumerate() {
            if let Some(dx) = r.dx {
                grads.add(0, dx);
            }
            grads.add(1 + 4 * k, r.dw_ih);
            grads.add(2 + 4 * k, r.dw_hh);
            grads.add(3 + 4 * k, r.db.clone());
            grads.add(4 + 4 * k, r.db);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seven sequences of up to 80 steps, padded inside the batch.
    fn uneven_batch() -> SeqBatch {
        SeqBatch::padded_to(vec![40, 80, 1, 79, 55, 2, 66], 80).unwrap()
    }

    /// Random weights of one direction: `[W_ih, W_hh, b_ih, b_hh]`.
    fn random_weights(
        input: usize,
        hidden: usize,
        w_hh_std: f32,
        rng: &mut neurotext_linalg::random::Rng,
    ) -> [Matrix; 4] {
        use neurotext_linalg::random::normal;
        [
            normal(4 * hidden, input, 0.0, 0.4, rng),
            normal(4 * hidden, hidden, 0.0, w_hh_std, rng),
            normal(4 * hidden, 1, 0.0, 0.1, rng),
            normal(4 * hidden, 1, 0.0, 0.1, rng),
        ]
    }

    /// One direction's forward pass into an output of its own, which starts as NaN so that
    /// a value left unwritten shows: (y, what the pass keeps).
    fn forward_alone(
        spec: &Spec,
        x: &Matrix,
        weights: (&Matrix, &Matrix, &Matrix, &Matrix),
        reverse: bool,
        threads: usize,
        for_backward: bool,
    ) -> (Matrix, Forward) {
        let mut y = Matrix::from_element(spec.hidden, spec.batch.columns(), f32::NAN);
        let cols = direction_columns(y.as_mut_slice(), 1, spec.hidden)
            .pop()
            .expect("one direction");
        let f = forward_direction(spec, x, weights, reverse, threads, for_backward, cols)
            .expect("shapes fit");
        (y, f)
    }

    /// Runs one direction forward and backward on `threads` threads: (y, ∂X, ∂W_ih,
    /// ∂W_hh, ∂b).
    fn run_direction(
        (input, hidden): (usize, usize),
        batch: &SeqBatch,
        reverse: bool,
        truncate: Option<usize>,
        threads: usize,
    ) -> Vec<Matrix> {
        use neurotext_linalg::random::{normal, seeded_rng};
        let mut rng = seeded_rng(7);
        let [w_ih, w_hh, b_ih, b_hh] = random_weights(input, hidden, 0.2, &mut rng);
        let x = normal(input, batch.columns(), 0.0, 1.0, &mut rng);
        let gy = normal(hidden, batch.columns(), 0.0, 1.0, &mut rng);
        let spec = Spec {
            batch: batch.clone(),
            hidden,
            truncate,
        };
        let (y, f) = forward_alone(
            &spec,
            &x,
            (&w_ih, &w_hh, &b_ih, &b_hh),
            reverse,
            threads,
            true,
        );
        let op = FusedLstm {
            spec,
            reverse: vec![reverse],
            saved: vec![Saved {
                gates: f.gates,
                cells: f.cells,
            }],
        };
        let g = op
            .backward_direction(0, &x, &w_ih, &w_hh, &y, &gy, true, threads)
            .expect("shapes fit");
        vec![y, g.dx.expect("asked for"), g.dw_ih, g.dw_hh, g.db]
    }

    #[test]
    fn the_batch_split_agrees_with_one_thread() {
        // Uneven lengths (padding inside the batch), both directions, with and without
        // truncation; the batch of 7 split in 2 and in 3 parts.
        let batch = uneven_batch();
        for reverse in [false, true] {
            for truncate in [None, Some(3)] {
                let one = run_direction((12, 20), &batch, reverse, truncate, 1);
                for threads in [2, 3] {
                    let many = run_direction((12, 20), &batch, reverse, truncate, threads);
                    for (i, (a, b)) in one.iter().zip(&many).enumerate() {
                        let diff = (a - b).abs().max();
                        assert!(
                            diff <= 1e-5 * (1.0 + a.abs().max()),
                            "output {i} differs by {diff} (reverse {reverse}, truncate {truncate:?}, {threads} threads)"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn inference_in_chunks_gives_the_outputs_of_the_training_pass() {
        use neurotext_linalg::random::{normal, seeded_rng};
        // 7 sequences of up to 80 steps: on one thread, chunks of 37 steps (256 columns),
        // so three chunks, the last one short; on two, parts of 4 and 3 sequences, the first
        // in chunks of 64 and 16 steps (its inputs gathered); padding inside the batch; both
        // directions; 1 to 3 threads.
        let (input, hidden) = (6, 10);
        let batch = uneven_batch();
        assert_eq!(INFERENCE_CHUNK_COLUMNS.div_ceil(7), 37);
        assert_eq!(INFERENCE_CHUNK_COLUMNS.div_ceil(4), 64);
        let mut rng = seeded_rng(3);
        let [w_ih, w_hh, b_ih, b_hh] = random_weights(input, hidden, 0.3, &mut rng);
        let x = normal(input, batch.columns(), 0.0, 1.0, &mut rng);
        let spec = Spec {
            batch,
            hidden,
            truncate: None,
        };
        for reverse in [false, true] {
            let weights = (&w_ih, &w_hh, &b_ih, &b_hh);
            let run = |threads, for_backward| {
                forward_alone(&spec, &x, weights, reverse, threads, for_backward)
            };
            let (trained, _) = run(1, true);
            for threads in [1, 2, 3] {
                let (inferred, f) = run(threads, false);
                assert_eq!(f.gates.len(), 0, "inference keeps no gates");
                let diff = (&trained - &inferred).abs().max();
                assert!(diff <= 1e-6, "reverse {reverse}, {threads} threads: {diff}");
            }
        }
    }

    #[test]
    fn recycled_buffers_with_stale_values_change_no_result() {
        // Large enough for the pool (H·columns = 2¹⁸ ≥ pool::MIN_LEN, so the outputs and cell
        // states are recycled too), with padding, in both directions, on one and two threads.
        let lengths = vec![512, 3, 300, 512, 1, 400, 512, 50];
        let batch = SeqBatch::padded_to(lengths, 512).unwrap();
        for threads in [1, 2] {
            for reverse in [false, true] {
                pool::release();
                let fresh = run_direction((8, 64), &batch, reverse, None, threads);
                // Only buffers full of NaN: any value read before it is written shows.
                pool::release();
                // Sized for the outputs and cell states ([64, 4096]) and for the gates and
                // gate gradients ([256, 4096]).
                for _ in 0..6 {
                    pool::give(vec![f32::NAN; 1 << 18]);
                    pool::give(vec![f32::NAN; 1 << 20]);
                }
                let recycled = run_direction((8, 64), &batch, reverse, None, threads);
                assert_eq!(recycled, fresh, "threads {threads}, reverse {reverse}");
            }
        }
        pool::release();
    }

    #[test]
    fn recycled_weight_gradient_buffers_change_no_result() {
        // ∂W_ih ([4H, I] = [1024, 64]) and ∂W_hh ([1024, 256]) are large enough for the pool;
        // both are written whole by their products, whatever the buffers held. One step
        // too, where ∂W_hh is zero without a product.
        for steps in [3, 1] {
            let batch = SeqBatch::full(2, steps).unwrap();
            pool::release();
            let fresh = run_direction((64, 256), &batch, false, None, 1);
            pool::release();
            // Several of each: the packed copies of W_ih and W_hh take some too.
            for _ in 0..4 {
                pool::give(vec![f32::NAN; 1024 * 64]);
                pool::give(vec![f32::NAN; 1024 * 256]);
            }
            let recycled = run_direction((64, 256), &batch, false, None, 1);
            assert_eq!(recycled, fresh, "{steps} steps");
        }
        pool::release();
    }

    #[test]
    fn split_range_covers_everything_in_order() {
        assert_eq!(split_range(5, 2), vec![0..2, 2..5]);
        assert_eq!(split_range(1, 4), vec![0..1]);
        assert_eq!(split_range(4, 1), vec![0..4]);
    }

    #[test]
    fn real_runs_skip_padding() {
        let lens = [3, 1, 2, 3];
        assert_eq!(real_runs(&lens, 0).collect::<Vec<_>>(), vec![0..4]);
        assert_eq!(real_runs(&lens, 1).collect::<Vec<_>>(), vec![0..1, 2..4]);
        assert_eq!(real_runs(&lens, 2).collect::<Vec<_>>(), vec![0..1, 3..4]);
        assert_eq!(real_runs(&lens, 3).count(), 0);
    }

    #[test]
    fn split_steps_gives_each_part_its_columns_of_every_step() {
        let mut data: Vec<usize> = (0..12).collect(); // rows 2, batch 3, 2 steps
        let parts = split_steps(&mut data, 2, 3, &[0..1, 1..3]);
        assert_eq!(
            parts[0].iter().map(|s| s.to_vec()).collect::<Vec<_>>(),
            vec![vec![0, 1], vec![6, 7]]
        );
        assert_eq!(
            parts[1].iter().map(|s| s.to_vec()).collect::<Vec<_>>(),
            vec![vec![2, 3, 4, 5], vec![8, 9, 10, 11]]
        );
    }
}
