//! The lecture's second part, computed by the library: logistic regression as one neuron,
//! the effect of the step size, why activations must be nonlinear, why weights must not
//! start equal, and the optimizers side by side.
//!
//! Shared by `examples/lecture` (which prints) and `tests/lecture.rs` (which asserts).

use neurotext::prelude::*;
use neurotext::train::BoxError;

/// The result type of the lecture sections.
pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// A tiny data set: inputs as columns, one target per column.
pub struct Points {
    /// `[features, n]`.
    pub x: Matrix,
    /// `[1, n]`, 0 or 1.
    pub t: Matrix,
}

impl Points {
    fn batch(&self, idx: &[usize]) -> (Matrix, Matrix) {
        let x = Matrix::from_fn(self.x.nrows(), idx.len(), |i, j| self.x[(i, idx[j])]);
        let t = Matrix::from_fn(1, idx.len(), |_, j| self.t[(0, idx[j])]);
        (x, t)
    }

    /// The fraction of points whose sign of the model's logit matches the target.
    pub fn accuracy(&self, model: &dyn Layer) -> Res<f32> {
        let g = Graph::no_grad();
        let z = model.forward(&g, g.constant(self.x.clone()))?.value();
        let correct = z
            .iter()
            .zip(self.t.iter())
            .filter(|(z, t)| (**z > 0.0) == (**t > 0.5))
            .count();
        Ok(correct as f32 / self.t.len() as f32)
    }
}

impl<M: Layer> Objective<M> for Points {
    fn train_len(&self) -> usize {
        self.t.len()
    }
    fn loss<'g>(&self, g: &'g Graph, model: &M, batch: &[usize]) -> Result<Var<'g>, BoxError> {
        let (x, t) = self.batch(batch);
        Ok(model
            .forward(g, g.constant(x))?
            .bce_with_logits(g.constant(t))?)
    }
}

/// Eight points in the plane, separable by the line x₁ + x₂ = 1.
pub fn separable_points() -> Points {
    let pts = [
        (0.0, 0.0, 0.0),
        (0.5, 0.2, 0.0),
        (0.1, 0.6, 0.0),
        (-0.5, 0.5, 0.0),
        (1.0, 1.0, 1.0),
        (1.5, 0.2, 1.0),
        (0.4, 1.3, 1.0),
        (2.0, 2.0, 1.0),
    ];
    Points {
        x: Matrix::from_fn(
            2,
            pts.len(),
            |i, j| if i == 0 { pts[j].0 } else { pts[j].1 },
        ),
        t: Matrix::from_fn(1, pts.len(), |_, j| pts[j].2),
    }
}

/// What training logistic regression produced.
pub struct LogisticRun {
    /// The training loss after each epoch.
    pub losses: Vec<f64>,
    /// The fraction of points on the right side of the learned boundary.
    pub accuracy: f32,
    /// The learned weights (w₁, w₂) and bias b: the boundary is w₁x₁ + w₂x₂ + b = 0.
    pub boundary: (f32, f32, f32),
}

/// Logistic regression is one neuron: σ(w·x + b), trained on BCE by full-batch gradient
/// descent (the sigmoid is inside the loss, `bce_with_logits`, for numerical stability).
pub fn logistic_regression() -> Res<LogisticRun> {
    let data = separable_points();
    let mut neuron = Linear::with_init(2, 1, Init::Zeros, &mut random::seeded_rng(0))?;
    let mut state = TrainState::new();
    Trainer::new(TrainConfig::new(200, data.t.len()).without_shuffle()).fit(
        &mut neuron,
        &mut Sgd::new(1.0),
        &data,
        &mut state,
    )?;
    let w = neuron.weight().value();
    let b = neuron.bias().expect("has a bias").value()[0];
    Ok(LogisticRun {
        losses: state.history.iter().map(|r| r.train_loss).collect(),
        accuracy: data.accuracy(&neuron)?,
        boundary: (w[0], w[1], b),
    })
}

/// Gradient descent on f(x) = x² − 2 from x₀ = 3 with step α, by the library's SGD: the
/// positions x₀, x₁, …, x_steps.
pub fn step_size_trajectory(alpha: f32, steps: usize) -> Res<Vec<f32>> {
    let mut x = Param::new(Matrix::from_element(1, 1, 3.0));
    let mut opt = Sgd::new(alpha);
    let mut xs = vec![3.0];
    for _ in 0..steps {
        x.zero_grad();
        let g = Graph::new();
        let f = g.param(&x).square().add_scalar(-2.0);
        g.backward_into(f, &mut x)?;
        opt.step(&mut x)?;
        xs.push(x.value()[0]);
    }
    Ok(xs)
}

/// The XOR truth table as four points.
pub fn xor_points() -> Points {
    Points {
        x: Matrix::from_row_slice(2, 4, &[0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0]),
        t: Matrix::from_row_slice(1, 4, &[0.0, 1.0, 1.0, 0.0]),
    }
}

/// A 2-4-1 network with the given hidden activation and initialiser, trained on XOR with
/// Adam for 500 full-batch epochs. Returns the trained network and its accuracy.
pub fn train_xor(activation: Activation, init: Init) -> Res<(Sequential, f32)> {
    let data = xor_points();
    let mut rng = random::seeded_rng(7);
    let mut net = Sequential::new()
        .push(Linear::with_init(2, 4, init, &mut rng)?.with_activation(activation))
        .push(Linear::with_init(4, 1, init, &mut rng)?);
    let mut state = TrainState::new();
    Trainer::new(TrainConfig::new(500, 4).without_shuffle()).fit(
        &mut net,
        &mut Adam::new(0.05),
        &data,
        &mut state,
    )?;
    let acc = data.accuracy(&net)?;
    Ok((net, acc))
}

/// The rows of the first layer's weight matrix: one row per hidden unit.
pub fn hidden_unit_weights(net: &Sequential) -> Vec<Vec<f32>> {
    let (_, w) = net
        .named_params()
        .into_iter()
        .next()
        .expect("a first layer");
    let w = w.value();
    (0..w.nrows())
        .map(|i| w.row(i).iter().copied().collect())
        .collect()
}

/// Rosenbrock's function f(x, y) = (1 − x)² + 100·(y − x²)², minimum 0 at (1, 1).
fn rosenbrock<'g>(g: &'g Graph, p: &Param) -> Res<Var<'g>> {
    let v = g.param(p);
    let x = v.slice(Axis::Cols, 0, 1)?;
    let y = v.slice(Axis::Cols, 1, 1)?;
    let one = g.constant(Matrix::from_element(1, 1, 1.0));
    Ok(one
        .sub(x)?
        .square()
        .add(y.sub(x.square())?.square().mul_scalar(100.0))?)
}

/// Each optimizer minimising Rosenbrock's function from (−1.5, 2) for `steps` steps:
/// (name, f after the steps).
pub fn optimizers_side_by_side(steps: usize) -> Res<Vec<(&'static str, f32)>> {
    let runs: Vec<(&'static str, AnyOptimizer)> = vec![
        ("SGD (η = 5e-4)", AnyOptimizer::Sgd(Sgd::new(5e-4))),
        (
            "momentum (η = 5e-4, β = 0.9)",
            AnyOptimizer::Momentum(Momentum::new(5e-4)),
        ),
        (
            "Nesterov (η = 5e-4, β = 0.9)",
            AnyOptimizer::Nesterov(Nesterov::new(5e-4)),
        ),
        (
            "Adagrad (η = 0.5)",
            AnyOptimizer::Adagrad(Adagrad::new(0.5)),
        ),
        (
            "RMSprop (η = 0.01)",
            AnyOptimizer::RmsProp(RmsProp::new(0.01)),
        ),
        ("Adam (η = 0.05)", AnyOptimizer::Adam(Adam::new(0.05))),
    ];
    let mut out = Vec::new();
    for (name, mut opt) in runs {
        let mut p = Param::new(from_rows(&[&[-1.5, 2.0]])?);
        for _ in 0..steps {
            p.zero_grad();
            let g = Graph::new();
            let f = rosenbrock(&g, &p)?;
            g.backward_into(f, &mut p)?;
            opt.step(&mut p)?;
        }
        out.push((name, rosenbrock(&Graph::no_grad(), &p)?.scalar()));
    }
    Ok(out)
}

/// f at the start point of [`optimizers_side_by_side`].
pub fn rosenbrock_start() -> Res<f32> {
    Ok(rosenbrock(&Graph::no_grad(), &Param::new(from_rows(&[&[-1.5, 2.0]])?))?.scalar())
}
