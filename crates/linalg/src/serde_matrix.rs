//! Reading matrices from files with serde, checking the shape against the values.
//!
//! nalgebra's own `Deserialize` for a [`Matrix`] compares `nrows · ncols` with the number of
//! values without guarding the product against overflow. A file that claims a 2³² × 2³²
//! matrix with no values therefore panics in a build with overflow checks, and in a release
//! build yields a matrix whose shape does not fit its data, so that indexing it reads out of
//! bounds. The functions here read nalgebra's format unchanged (`(values, nrows, ncols)`,
//! values column by column) and refuse such a shape. Every field that a file fills uses them:
//!
//! ```
//! use neurotext_linalg::Matrix;
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct Weights {
//!     #[serde(deserialize_with = "neurotext_linalg::serde_matrix::deserialize_named")]
//!     params: Vec<(String, Matrix)>,
//! }
//! ```

use std::collections::BTreeMap;

use nalgebra::Dyn;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

use crate::Matrix;

/// A matrix whose shape was checked against its values while loading.
struct Checked(Matrix);

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (values, nrows, ncols): (Vec<f32>, Dyn, Dyn) = Deserialize::deserialize(deserializer)?;
        let (nrows, ncols) = (nrows.0, ncols.0);
        if nrows.checked_mul(ncols) != Some(values.len()) {
            return Err(D::Error::custom(format!(
                "a {nrows} × {ncols} matrix cannot hold {} values",
                values.len()
            )));
        }
        Ok(Checked(Matrix::from_vec(nrows, ncols, values)))
    }
}

/// Reads one matrix.
///
/// # Errors
/// The format's errors, and an error when the shape does not fit the number of values.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Matrix, D::Error> {
    Checked::deserialize(deserializer).map(|m| m.0)
}

/// Reads named matrices, as a model's parameters are saved.
///
/// # Errors
/// As [`deserialize`].
pub fn deserialize_named<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<(String, Matrix)>, D::Error> {
    let named: Vec<(String, Checked)> = Deserialize::deserialize(deserializer)?;
    Ok(named.into_iter().map(|(n, m)| (n, m.0)).collect())
}

/// Reads matrices keyed by name, as optimizers save their state.
///
/// # Errors
/// As [`deserialize`].
pub fn deserialize_map<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, Matrix>, D::Error> {
    let map: BTreeMap<String, Checked> = Deserialize::deserialize(deserializer)?;
    Ok(map.into_iter().map(|(n, m)| (n, m.0)).collect())
}
