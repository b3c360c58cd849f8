//! The lecture's worked numbers, computed by neurotext and printed beside the values the
//! lecture gives. Run with `cargo run --release --example lecture`.

mod basics;

use basics::Res;

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
    Ok(())
}
