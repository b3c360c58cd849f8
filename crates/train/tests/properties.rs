//! A checkpoint's encode/decode round trip is the identity (proptest), bit for bit: any
//! names, any shapes (empty ones included) and any f32 values (NaN, infinities, subnormals).

use std::path::Path;

use neurotext_linalg::Matrix;
use neurotext_optim::{AnyOptimizer, Sgd};
use neurotext_train::checkpoint;
use neurotext_train::{Checkpoint, TrainState};
use proptest::prelude::*;

fn matrix() -> impl Strategy<Value = Matrix> {
    (0usize..6, 0usize..6).prop_flat_map(|(r, c)| {
        prop::collection::vec(any::<f32>(), r * c)
            .prop_map(move |values| Matrix::from_vec(r, c, values))
    })
}

fn bits(params: &[(String, Matrix)]) -> Vec<(&str, (usize, usize), Vec<u32>)> {
    params
        .iter()
        .map(|(n, m)| {
            (
                n.as_str(),
                m.shape(),
                m.iter().map(|v| v.to_bits()).collect(),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn checkpoint_round_trip_of_named_matrices_is_the_identity(
        params in prop::collection::vec((any::<String>(), matrix()), 0..6),
        config in any::<String>(),
        epochs_done in any::<usize>(),
    ) {
        let mut state = TrainState::new();
        state.epochs_done = epochs_done;
        let ckpt = Checkpoint {
            params,
            optimizer: AnyOptimizer::Sgd(Sgd::new(0.1)),
            state,
            config,
        };
        let bytes = checkpoint::encode(&ckpt).unwrap();
        let back: Checkpoint<AnyOptimizer, String> =
            checkpoint::decode(&bytes, Path::new("prop.ckpt")).unwrap();
        prop_assert_eq!(bits(&back.params), bits(&ckpt.params));
        prop_assert_eq!(&back.config, &ckpt.config);
        prop_assert_eq!(back.state.epochs_done, epochs_done);
        prop_assert_eq!(&back.optimizer, &ckpt.optimizer);
        // And the bytes of the round trip are the bytes of the original.
        prop_assert_eq!(checkpoint::encode(&back).unwrap(), bytes);
    }
}
