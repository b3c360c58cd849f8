//! Which dimension an op reduces, slices or joins along.

/// A dimension of a matrix, numbered as numpy and PyTorch number them (rows = 0, cols = 1).
///
/// - A reduction **over** `Rows` combines the rows: `[r, c] → [1, c]`. In neurotext's layout
///   (one example per column) that is one result per example.
/// - A reduction over `Cols` combines the columns: `[r, c] → [r, 1]`, one result per feature.
/// - Concatenating along `Rows` stacks matrices vertically; along `Cols`, side by side.
/// - Slicing or gathering along `Rows` picks rows; along `Cols`, columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Axis {
    /// The first dimension (numpy axis 0).
    Rows,
    /// The second dimension (numpy axis 1).
    Cols,
}

impl Axis {
    /// The extent of `shape` along this axis.
    pub fn len(self, shape: (usize, usize)) -> usize {
        match self {
            Axis::Rows => shape.0,
            Axis::Cols => shape.1,
        }
    }

    /// The name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Axis::Rows => "rows",
            Axis::Cols => "cols",
        }
    }
}
