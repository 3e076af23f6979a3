//! Convolution as a crossbar matmul: images unfolded into patches (PyTorch's `unfold`
//! order: channel, then kernel row, then kernel column), one row per output position.

/// Patches of `x` (`[n, c, h, w]` row-major) for a k x k kernel, stride 1, zero padding
/// `pad`: `([n * oh * ow, c * k * k], oh, ow)`, rows in (image, out row, out col) order.
pub fn unfold(x: &[f32], n: usize, c: usize, h: usize, w: usize, k: usize, pad: usize) -> (Vec<f32>, usize, usize) {
    let (oh, ow) = (h + 2 * pad - k + 1, w + 2 * pad - k + 1);
    let f = c * k * k;
    let mut out = vec![0.0f32; n * oh * ow * f];
    for s in 0..n {
        for oy in 0..oh {
            for ox in 0..ow {
                let row = &mut out[((s * oh + oy) * ow + ox) * f..][..f];
                for ch in 0..c {
                    let img = &x[(s * c + ch) * h * w..][..h * w];
                    for ky in 0..k {
                        let iy = oy + ky;
                        if iy < pad || iy >= h + pad {
                            continue;
                        }
                        for kx in 0..k {
                            let ix = ox + kx;
                            if ix < pad || ix >= w + pad {
                                continue;
                            }
                            row[(ch * k + ky) * k + kx] = img[(iy - pad) * w + (ix - pad)];
                        }
                    }
                }
            }
        }
    }
    (out, oh, ow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_of_a_padded_3x3_image() {
        let x: Vec<f32> = (1..=9).map(|v| v as f32).collect();
        let (p, oh, ow) = unfold(&x, 1, 1, 3, 3, 2, 1);
        assert_eq!((oh, ow), (4, 4));
        assert_eq!(&p[0..4], &[0.0, 0.0, 0.0, 1.0]);
        assert_eq!(&p[5 * 4..6 * 4], &[1.0, 2.0, 4.0, 5.0]);
        assert_eq!(&p[15 * 4..16 * 4], &[9.0, 0.0, 0.0, 0.0]);
    }
}
