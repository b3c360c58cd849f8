//! The hashing trick: a term's column is a hash of its bytes, so no vocabulary is stored.

/// MurmurHash3 x86 32-bit of `bytes` with `seed`.
pub fn murmur3_32(bytes: &[u8], seed: u32) -> u32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mut h = seed;
    let mut blocks = bytes.chunks_exact(4);
    for b in &mut blocks {
        let mut k = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let mut k = 0u32;
        for (i, &byte) in tail.iter().enumerate() {
            k |= u32::from(byte) << (8 * i);
        }
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
    }
    // The length is mixed in modulo 2³², as the reference implementation does.
    h ^= bytes.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
}

/// The column (`< n_features`) and the sign (`±1`) of `term`, as scikit-learn computes them.
///
/// The hash is MurmurHash3 (x86, 32-bit) of the term's UTF-8 bytes with seed 0, and the column
/// and sign follow scikit-learn's `HashingVectorizer`/`FeatureHasher` exactly: with
/// `h = murmurhash3_32(term, seed=0)` read as a signed 32-bit integer,
/// `column = |h| mod n_features` and `sign = +1 if h ≥ 0 else −1`
/// (`h = −2³¹`, whose absolute value does not fit, maps to `(2³¹−1 − (n_features−1)) mod
/// n_features`, as scikit-learn does). The hash is specified bit for bit, so columns are the
/// same on every run and machine, unlike std's randomly seeded SipHash.
///
/// `n_features` must be positive; the vectorizer checks it when it is configured.
pub fn hashed_feature(term: &str, n_features: usize) -> (u32, f32) {
    let h = murmur3_32(term.as_bytes(), 0) as i32;
    let n = n_features.max(1) as u64;
    let column = if h == i32::MIN {
        (i32::MAX as u64).wrapping_sub(n - 1) % n
    } else {
        u64::from(h.unsigned_abs()) % n
    };
    let sign = if h >= 0 { 1.0 } else { -1.0 };
    // n_features is at most u32::MAX + 1 (checked by the vectorizer), so column fits in u32.
    (column as u32, sign)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur3_matches_reference_vectors() {
        // Published test vectors of MurmurHash3_x86_32.
        assert_eq!(murmur3_32(b"", 0), 0);
        assert_eq!(murmur3_32(b"", 1), 0x514e_28b7);
        assert_eq!(murmur3_32(b"", 0xffff_ffff), 0x81f1_6f39);
        assert_eq!(murmur3_32(b"test", 0), 0xba6b_d213);
        assert_eq!(murmur3_32(b"Hello, world!", 0), 0xc036_3e43);
        assert_eq!(
            murmur3_32(b"The quick brown fox jumps over the lazy dog", 0),
            0x2e4f_f723
        );
    }

    #[test]
    fn hashed_feature_matches_scikit_learn() {
        // from sklearn.feature_extraction.text import HashingVectorizer
        // X = HashingVectorizer(n_features=16, norm=None, token_pattern=r"\S+")
        //     .transform(["the", "red", "dog", "cat", "eats", "food"])
        // [(X[i].indices[0], X[i].data[0]) for i in range(6)]
        let expected = [
            ("the", 14, -1.0),
            ("red", 3, -1.0),
            ("dog", 5, -1.0),
            ("cat", 7, 1.0),
            ("eats", 7, -1.0),
            ("food", 6, 1.0),
        ];
        for (term, col, sign) in expected {
            assert_eq!(hashed_feature(term, 16), (col, sign), "{term}");
        }
    }
}
