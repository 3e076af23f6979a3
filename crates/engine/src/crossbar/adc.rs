//! The ADC at the foot of every tile: MemTorch's linear quantiser with overflow rate 0
//! (`cpp/quantize.cpp`), applied to each (sample, tile) vector of column currents.
//!
//! With a = max |v|: step = 2^(1 - B + ceil(log2(a + 1e-12))) and
//! v_q = clamp(floor(v / step + 0.5), -2^(B-1), 2^(B-1) - 1) * step.
//! A vector whose elements are all equal is left unchanged; with 1 bit every element becomes
//! the mean. Computed in f32, as MemTorch does.

/// MemTorch's quantiser fitted to one (sample, tile) vector of column currents: what it does
/// to each element. Fitting and applying are apart so a tile's padding columns can widen the
/// range without being quantised themselves (their values are thrown away).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Quantizer {
    /// All elements equal (or all zero): left as they are.
    Unchanged,
    /// One bit: every element becomes the mean over the padded length.
    Mean(f32),
    /// `clamp(floor(v / step + 0.5), -bound, bound - 1) * step`, with `inv = 1 / step` exact.
    Step { step: f32, inv: f32, bound: f32 },
}

impl Quantizer {
    /// Fits the quantiser to `v` as if it were `total_len` long with the missing tail all
    /// zeros. Tiles whose last columns hold no current (padding, or an output block narrower
    /// than the tile) are computed short; the zeros still count for the equal-vector rule and
    /// the 1-bit mean, exactly as MemTorch quantises the whole padded tile row.
    pub fn fit(v: &[f32], total_len: usize, bits: u32) -> Self {
        let Some(&first) = v.first() else {
            return Self::Unchanged; // all zeros
        };
        if v.iter().all(|&x| x == first) && (v.len() == total_len || first == 0.0) {
            return Self::Unchanged;
        }
        if bits == 1 {
            let mean = v.iter().map(|&x| x as f64).sum::<f64>() / total_len.max(v.len()) as f64;
            return Self::Mean(mean as f32);
        }
        let a = v.iter().fold(0.0f32, |m, &x| m.max(x.abs()));
        let integral = (a + 1e-12f32).log2().ceil();
        let sf = 1.0 - bits as f32 + integral;
        let step = 2f32.powi(sf as i32);
        Self::Step { step, inv: 1.0 / step, bound: 2f32.powi(bits as i32 - 1) }
    }

    /// The quantised value of `x`.
    #[inline]
    pub fn apply(self, x: f32) -> f32 {
        match self {
            Self::Unchanged => x,
            Self::Mean(m) => m,
            Self::Step { step, inv, bound } => (x * inv + 0.5).floor().clamp(-bound, bound - 1.0) * step,
        }
    }
}

/// Quantises `v` in place with `bits` bits, as if it were `total_len` long with the missing
/// tail all zeros (see [`Quantizer::fit`]).
pub fn quantize_padded(v: &mut [f32], total_len: usize, bits: u32) {
    let q = Quantizer::fit(v, total_len, bits);
    if q != Quantizer::Unchanged {
        v.iter_mut().for_each(|x| *x = q.apply(*x));
    }
}

/// Quantises a whole vector in place.
pub fn quantize(v: &mut [f32], bits: u32) {
    let n = v.len();
    quantize_padded(v, n, bits);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        // a = 0.9: ceil(log2 0.9) = 0, step = 2^(1-3+0) = 0.25, bounds -4..3 steps.
        let mut v = [0.9f32, -0.9, 0.3, 0.1, -0.2];
        quantize(&mut v, 3);
        // 0.9/0.25+0.5 = 4.1 -> 4 -> clamped to 3 -> 0.75; -0.9 -> floor(-3.1) = -4 -> -1.0;
        // 0.3 -> floor(1.7) = 1 -> 0.25; 0.1 -> floor(0.9) = 0; -0.2 -> floor(-0.3) = -1 -> -0.25
        assert_eq!(v, [0.75, -1.0, 0.25, 0.0, -0.25]);

        // 8 bits, a = 3: ceil(log2 3) = 2, step = 2^(1-8+2) = 1/32.
        let mut w = [3.0f32, 1.0 / 64.0 + 1e-4, -1.0, 0.01];
        quantize(&mut w, 8);
        // 3*32 = 96; (1/64+1e-4)*32+0.5 = 1.0032 -> 1; -32 -> -32; 0.32+0.5 -> 0
        assert_eq!(w, [3.0, 1.0 / 32.0, -1.0, 0.0]);
    }

    #[test]
    fn all_equal_vectors_stay_unchanged() {
        let mut v = [0.3f32; 7];
        quantize(&mut v, 8);
        assert_eq!(v, [0.3f32; 7]);
        let mut z = [0.0f32; 4];
        quantize(&mut z, 2);
        assert_eq!(z, [0.0; 4]);
        // Short vector of equal non-zero values standing for a longer one with zeros: quantised.
        let mut s = [0.3f32, 0.3];
        quantize_padded(&mut s, 4, 8);
        assert_ne!(s, [0.3, 0.3]);
        assert_eq!(s, [77.0 / 256.0, 77.0 / 256.0]);
    }

    #[test]
    fn one_bit_gives_the_mean_over_the_padded_length() {
        let mut v = [1.0f32, 3.0];
        quantize_padded(&mut v, 4, 1);
        assert_eq!(v, [1.0, 1.0]);
    }
}
