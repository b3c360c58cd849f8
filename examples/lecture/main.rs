//! The lecture's worked numbers, computed by neurotext and printed beside the values the
//! lecture gives. Run with `cargo run --release --example lecture`.

mod basics;
mod recurrent;
mod text;
mod training;

use basics::Res;
use neurotext::prelude::{Activation, Init};

fn heading(title: &str) {
    println!("\n== {title} ==");
}

fn row(label: &str, computed: f32, lecture: &str) {
    println!("  {label:<44} computed {computed:>10.4}   lecture {lecture}");
}

fn rows(label: &str, computed: &[f32], lecture: &str) {
    let c: Vec<String> = computed.iter().map(|v| format!("{v:.4}")).collect();
    println!(
        "  {label:<44} computed ({})   lecture {lecture}",
        c.join(", ")
    );
}

fn main() -> Res<()> {
    heading("1. The artificial neuron: y = f(w·x + b)");
    row("ReLU(w·x + b), x=(0.8,−0.3,0.1)", basics::neuron()?, "0.28");

    heading("2. A dense layer: y = tanh(Wx + b)");
    let (z, y) = basics::dense_layer()?;
    rows("Wx + b", &z, "(0.285, −0.533, 0.762)");
    rows("tanh(Wx + b)", &y, "(0.2775, −0.4877, 0.6423)");

    heading("3. Softmax");
    rows(
        "softmax(1, 0, 0.5, −1, 1)",
        &basics::softmax(),
        "(0.3216, 0.1183, 0.1950, 0.0435, 0.3216)",
    );

    heading("4. Gradient descent on f(x) = x² − 2 from x₀ = 3, η = 0.4");
    let lecture_x = ["0.6", "0.12", "0.024", "0.0048", "0.00096"];
    for (k, (step, lx)) in basics::gradient_descent(3.0, 0.4, 5)?
        .iter()
        .zip(lecture_x)
        .enumerate()
    {
        println!(
            "  x{:<2} computed {:>9.5}   lecture {lx:<8}  f(x) = {:.4}",
            k + 1,
            step.x,
            step.f
        );
    }
    println!("  (lecture: f(x₁) = −1.64, f(x₂) = −1.9856)");

    heading("5. Backpropagation: y = tanh(x₁w₁ + x₂w₂ + b), L = (y − t)²");
    let bp = basics::backprop()?;
    row("y", bp.y, "−0.6044");
    row("L", bp.loss, "0.1565");
    rows("∂L/∂w", &bp.dw, "(1.0045, −0.2511)");
    row("∂L/∂b", bp.db, "0.5022");
    rows("w after one step, η = 0.7", &bp.w_after, "(0.2969, 3.1757)");
    println!("  (w₂ = 3.175786…: the lecture truncates it to 3.1757)");
    row("b after one step", bp.b_after, "−1.5516");
    row("y, next forward pass", bp.y_next, "−0.9878");
    println!(
        "  {:<44} computed {:>10.5}   lecture 0.00015",
        "L, next forward pass", bp.loss_next
    );
    println!(
        "  (the lecture's later slide prints x = (2.0, 1.0); its numbers hold for x = (2, −0.5))"
    );

    print_training()?;
    print_recurrent()?;
    text::print()?;
    Ok(())
}

fn print_recurrent() -> Res<()> {
    heading("11. A recurrent network counts ones: wₓ = 1, wₕ = 1, identity");
    for bits in [&[1u8, 0, 1, 1, 0][..], &[0, 0, 0], &[1, 1, 1, 1, 1, 1, 1]] {
        println!("  {bits:?} → {}", recurrent::count_ones(bits)?);
    }

    heading("12. The lecture's LSTM example: x₀ = (1, 2), x₁ = (0.5, 3), hidden size 1");
    let lecture = [
        [0.81775, 0.96083, 0.85195, 0.81757, 0.78572, 0.53631],
        [0.8498, 0.98118, 0.8703, 0.84993, 1.5176, 0.77197],
    ];
    for (t, (s, l)) in recurrent::lecture_lstm()?.iter().zip(lecture).enumerate() {
        let c = [s.a, s.i, s.f, s.o, s.state, s.h];
        for (k, name) in ["a", "i", "f", "o", "state", "h"].iter().enumerate() {
            println!(
                "  step {t}: {name:<6} computed {:>8.5}   lecture {}",
                c[k], l[k]
            );
        }
    }

    heading("13. The vanishing gradient: ‖∂h_T/∂h_1‖ for a tanh RNN and an LSTM (16 units)");
    println!("  {:>4}  {:>12}  {:>12}", "T", "RNN", "LSTM");
    for (t, rnn, lstm) in recurrent::vanishing_gradient(&[2, 5, 10, 20, 30, 40, 50])? {
        println!("  {t:>4}  {rnn:>12.3e}  {lstm:>12.3e}");
    }

    heading("14. Remembering the first token of 50 (a long-range dependency)");
    let (rnn, lstm) = recurrent::long_range_memory(50)?;
    println!(
        "  simple RNN: validation accuracy {:.1} %   (chance: 50 %)",
        rnn * 100.0
    );
    println!("  LSTM:       validation accuracy {:.1} %", lstm * 100.0);
    Ok(())
}

fn print_training() -> Res<()> {
    heading("6. Logistic regression is one neuron: σ(w·x + b), BCE, gradient descent");
    let run = training::logistic_regression()?;
    for e in [0, 9, 49, 199] {
        println!("  epoch {:>3}: loss {:.4}", e + 1, run.losses[e]);
    }
    let (w1, w2, b) = run.boundary;
    println!(
        "  boundary {w1:.3}·x₁ + {w2:.3}·x₂ + {b:.3} = 0 separates {:.0} % of the points",
        run.accuracy * 100.0
    );

    heading("7. The step size matters: gradient descent on x² − 2 from x₀ = 3");
    let regimes = [
        (0.1, "slow convergence"),
        (0.5, "exact in one step"),
        (0.8, "converges, sign flips"),
        (1.01, "diverges"),
    ];
    for (alpha, regime) in regimes {
        let xs = training::step_size_trajectory(alpha, 6)?;
        let shown: Vec<String> = xs.iter().map(|x| format!("{x:.3}")).collect();
        println!("  α = {alpha:<5} {:<60} ({regime})", shown.join(", "));
    }

    heading("8. Why nonlinear activations: an MLP on XOR");
    let (_, tanh_acc) = training::train_xor(Activation::Tanh, Init::XavierUniform)?;
    let (_, linear_acc) = training::train_xor(Activation::Identity, Init::XavierUniform)?;
    println!(
        "  2-4-1 with tanh:     accuracy {:.0} %   (lecture: learns XOR)",
        tanh_acc * 100.0
    );
    println!(
        "  2-4-1 with identity: accuracy {:.0} %   (lecture: a linear model cannot beat 75 %)",
        linear_acc * 100.0
    );

    heading("9. Why not initialise with a constant");
    let (constant_net, constant_acc) = training::train_xor(Activation::Tanh, Init::Constant(0.5))?;
    let (xavier_net, xavier_acc) = training::train_xor(Activation::Tanh, Init::XavierUniform)?;
    let runs = [
        ("constant 0.5", &constant_net, constant_acc),
        ("Xavier", &xavier_net, xavier_acc),
    ];
    for (name, net, acc) in runs {
        println!(
            "  {name}: accuracy {:.0} %, hidden units' weights after training:",
            acc * 100.0
        );
        for row in training::hidden_unit_weights(net) {
            let r: Vec<String> = row.iter().map(|v| format!("{v:>7.3}")).collect();
            println!("      [{}]", r.join(", "));
        }
    }

    heading("10. The optimizers side by side: Rosenbrock's function from (−1.5, 2)");
    println!("  f at the start: {:.3}", training::rosenbrock_start()?);
    for (name, f) in training::optimizers_side_by_side(2000)? {
        println!("  {name:<32} f after 2000 steps: {f:.6}");
    }
    Ok(())
}
