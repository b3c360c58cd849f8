//! The lecture's first part, computed by the library: the artificial neuron, a dense layer,
//! softmax, gradient descent and backpropagation on a computation graph.
//!
//! Shared by `examples/lecture` (which prints each number beside the lecture's) and
//! `tests/lecture.rs` (which asserts them), so that what is printed is what is tested.

use neurotext::prelude::*;

/// The result type of the lecture sections.
pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// The neuron y = ReLU(w·x + b) with x = (0.8, −0.3, 0.1), w = (0.15, 0.7, −0.5), b = 0.42.
pub fn neuron() -> Res<f32> {
    let g = Graph::no_grad();
    let w = g.constant(from_rows(&[&[0.15, 0.7, -0.5]])?);
    let x = g.constant(column(&[0.8, -0.3, 0.1]));
    let b = g.constant(column(&[0.42]));
    Ok(w.matmul(x)?.add_bias(b)?.relu().scalar())
}

/// The dense layer y = tanh(Wx + b): returns (Wx + b, tanh(Wx + b)).
pub fn dense_layer() -> Res<(Vec<f32>, Vec<f32>)> {
    let g = Graph::no_grad();
    let w = g.constant(from_rows(&[&[0.15, -0.7], &[0.02, 0.81], &[1.1, -0.24]])?);
    let b = g.constant(column(&[0.0, -0.3, 0.14]));
    let x = g.constant(column(&[0.5, -0.3]));
    let z = w.matmul(x)?.add_bias(b)?;
    Ok((
        z.value().as_slice().to_vec(),
        z.tanh().value().as_slice().to_vec(),
    ))
}

/// softmax(1, 0, 0.5, −1, 1).
pub fn softmax() -> Vec<f32> {
    let g = Graph::no_grad();
    let s = g.constant(column(&[1.0, 0.0, 0.5, -1.0, 1.0])).softmax();
    s.value().as_slice().to_vec()
}

/// One step of gradient descent: the new x and f(x) = x² − 2 there.
pub struct DescentStep {
    /// x after the step.
    pub x: f32,
    /// f(x) after the step.
    pub f: f32,
}

/// f(x) = x² − 2 evaluated on the graph.
fn f_of<'g>(g: &'g Graph, x: &Param) -> Var<'g> {
    g.param(x).square().add_scalar(-2.0)
}

/// Gradient descent on f(x) = x² − 2 from `x0` with step `lr`; the gradient comes from the
/// autodiff, not from a hand-written 2x.
pub fn gradient_descent(x0: f32, lr: f32, steps: usize) -> Res<Vec<DescentStep>> {
    let mut x = Param::new(Matrix::from_element(1, 1, x0));
    let mut trace = Vec::with_capacity(steps);
    for _ in 0..steps {
        x.zero_grad();
        let g = Graph::new();
        let f = f_of(&g, &x);
        g.backward_into(f, &mut x)?;
        let (value, grad) = x.value_and_grad_mut();
        *value -= grad * lr;
        let x_new = x.value()[0];
        trace.push(DescentStep {
            x: x_new,
            f: f_of(&Graph::no_grad(), &x).scalar(),
        });
    }
    Ok(trace)
}

/// The numbers of the backpropagation slide.
pub struct Backprop {
    /// y = tanh(x₁w₁ + x₂w₂ + b).
    pub y: f32,
    /// L = (y − t)².
    pub loss: f32,
    /// ∂L/∂w.
    pub dw: [f32; 2],
    /// ∂L/∂b.
    pub db: f32,
    /// w after one step with η = 0.7.
    pub w_after: [f32; 2],
    /// b after that step.
    pub b_after: f32,
    /// y of the next forward pass.
    pub y_next: f32,
    /// L of the next forward pass.
    pub loss_next: f32,
}

/// Backpropagation through y = tanh(x₁w₁ + x₂w₂ + b), L = (y − t)², with x = (2, −0.5),
/// w = (1, 3), b = −1.2, t = −1, then one gradient step with η = 0.7.
///
/// The lecture's later slide prints x = (2.0, 1.0), but its numbers (y = −0.6044, ∂L/∂w₂ =
/// −0.2511…) only hold for x = (2, −0.5): with x₂ = 1, y would be tanh(3.8) = 0.999.
pub fn backprop() -> Res<Backprop> {
    let mut w = Param::new(from_rows(&[&[1.0, 3.0]])?);
    let mut b = Param::new(Matrix::from_element(1, 1, -1.2));
    let x = column(&[2.0, -0.5]);
    let t = Matrix::from_element(1, 1, -1.0);
    let forward = |g: &Graph, w: &Param, b: &Param| -> Res<(f32, f32)> {
        let y = g
            .param(w)
            .matmul(g.constant(x.clone()))?
            .add(g.param(b))?
            .tanh();
        let loss = y.sub(g.constant(t.clone()))?.square().sum();
        Ok((y.scalar(), loss.scalar()))
    };
    let g = Graph::new();
    let y = g
        .param(&w)
        .matmul(g.constant(x.clone()))?
        .add(g.param(&b))?
        .tanh();
    let loss = y.sub(g.constant(t.clone()))?.square().sum();
    let mut params = vec![w, b];
    g.backward_into(loss, &mut params)?;
    let (y, loss) = (y.scalar(), loss.scalar());
    drop(g);
    let dw = [params[0].grad()[0], params[0].grad()[1]];
    let db = params[1].grad()[0];
    for p in &mut params {
        let (value, grad) = p.value_and_grad_mut();
        *value -= grad * 0.7;
    }
    b = params.pop().expect("two params");
    w = params.pop().expect("two params");
    let (y_next, loss_next) = forward(&Graph::no_grad(), &w, &b)?;
    Ok(Backprop {
        y,
        loss,
        dw,
        db,
        w_after: [w.value()[0], w.value()[1]],
        b_after: b.value()[0],
        y_next,
        loss_next,
    })
}
