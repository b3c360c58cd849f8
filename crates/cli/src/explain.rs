//! `predict --explain`: each token shaded by its attention weight, in the terminal and as an
//! HTML page.

/// The tokens with a background whose brightness follows the weight (ANSI 256 colours:
/// the grey ramp 232–255), and the weight after each token.
pub fn terminal(tokens: &[String], weights: &[f32]) -> String {
    let max = weights.iter().copied().fold(f32::MIN_POSITIVE, f32::max);
    tokens
        .iter()
        .zip(weights)
        .map(|(t, &w)| {
            let level = 232 + ((w / max).clamp(0.0, 1.0) * 23.0).round() as u32;
            let fg = if level > 243 { 16 } else { 255 };
            format!("\x1b[48;5;{level}m\x1b[38;5;{fg}m {t} \x1b[0m{w:.2}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One line of the HTML page: the label and the shaded tokens.
pub fn html_line(label: &str, probability: f32, tokens: &[String], weights: &[f32]) -> String {
    let max = weights.iter().copied().fold(f32::MIN_POSITIVE, f32::max);
    let spans: Vec<String> = tokens
        .iter()
        .zip(weights)
        .map(|(t, &w)| {
            format!(
                "<span title=\"{w:.3}\" style=\"background: rgba(255, 140, 0, {:.3})\">{}</span>",
                (w / max).clamp(0.0, 1.0),
                escape(t)
            )
        })
        .collect();
    format!(
        "<p><b>{}</b> ({probability:.3}): {}</p>\n",
        escape(label),
        spans.join(" ")
    )
}

/// The whole page around its lines.
pub fn html_page(lines: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>neurotext attention</title>\
         <style>body {{ font-family: sans-serif; line-height: 2 }} span {{ padding: 2px 3px; border-radius: 3px }}</style>\
         </head><body>\n<h1>Attention weights</h1>\n{lines}</body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_and_shaded() {
        let line = html_line("pos", 0.9, &["<b>".into(), "good".into()], &[0.1, 0.9]);
        assert!(
            line.contains("&lt;b&gt;") && line.contains("rgba(255, 140, 0, 1.000)"),
            "{line}"
        );
    }

    #[test]
    fn terminal_rendering_shows_each_weight() {
        let s = terminal(&["a".into(), "b".into()], &[0.25, 0.75]);
        assert!(s.contains("0.25") && s.contains("0.75") && s.contains("\x1b[48;5;255m"));
    }
}
