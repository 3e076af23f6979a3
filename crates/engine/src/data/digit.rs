//! A digit drawn by hand (or photographed) prepared as MNIST's digits were: the ink's bounding
//! box scaled to fit 20x20 with its aspect ratio kept (area-averaged, so strokes stay
//! anti-aliased), then placed in a 28x28 image with its centre of mass at the centre.
//!
//! Why this matters: a network trained on MNIST has only seen digits prepared this way; a digit
//! drawn in a corner of a canvas, or filling all of it, is outside what it learned and is
//! misread although it looks plain to a person.

use crate::error::{Error, Result};

/// MNIST's image side and size (the model module's `IMAGE_SIDE` and `INPUTS`; data comes
/// before models, so it does not import them).
const IMAGE_SIDE: usize = 28;
const INPUTS: usize = IMAGE_SIDE * IMAGE_SIDE;

/// The side of the box the digit is scaled into (MNIST: 20 of 28 pixels).
pub const BOX_SIDE: usize = 20;
/// Pixels at or below this share of the brightest pixel count as background when finding the
/// ink's bounding box (a canvas' faint anti-aliasing or a photo's paper).
pub const INK_THRESHOLD: f32 = 0.1;
/// The largest drawing accepted: 4096x4096 pixels.
pub const MAX_SIDE: usize = 4096;

/// A grayscale picture: `width * height` intensities in row order, ink bright (as in MNIST:
/// 0 is background), any non-negative scale.
#[derive(Clone, Debug)]
pub struct Drawing<'a> {
    pub width: usize,
    pub height: usize,
    pub pixels: &'a [f32],
}

/// The drawing as a 28x28 MNIST image (784 bytes, row order, 0 = background, 255 = ink).
pub fn centre_digit(d: &Drawing) -> Result<Vec<u8>> {
    if d.width == 0 || d.height == 0 || d.width > MAX_SIDE || d.height > MAX_SIDE {
        return Err(Error::invalid(
            "drawing size",
            format!("{}x{}", d.width, d.height),
            format!("must be between 1x1 and {MAX_SIDE}x{MAX_SIDE} pixels"),
        ));
    }
    if d.pixels.len() != d.width * d.height {
        return Err(Error::ShapeMismatch {
            what: "drawing pixels".into(),
            expected: vec![d.height, d.width],
            found: vec![d.pixels.len()],
        });
    }
    if let Some(bad) = d.pixels.iter().find(|v| !v.is_finite() || **v < 0.0) {
        return Err(Error::invalid("drawing pixel", bad, "must be finite and not negative"));
    }
    let max = d.pixels.iter().copied().fold(0.0f32, f32::max);
    if max <= 0.0 {
        return Err(Error::invalid("drawing", "blank", "has no ink: draw a digit first"));
    }
    // The ink's bounding box.
    let ink = |x: usize, y: usize| d.pixels[y * d.width + x] > INK_THRESHOLD * max;
    let rows: Vec<usize> = (0..d.height).filter(|&y| (0..d.width).any(|x| ink(x, y))).collect();
    let cols: Vec<usize> = (0..d.width).filter(|&x| (0..d.height).any(|y| ink(x, y))).collect();
    let (y0, y1) = (rows[0], rows[rows.len() - 1] + 1);
    let (x0, x1) = (cols[0], cols[cols.len() - 1] + 1);
    let (w, h) = (x1 - x0, y1 - y0);
    // Scaled so the longer side is BOX_SIDE (a thin "1" stays thin).
    let scale = BOX_SIDE as f64 / w.max(h) as f64;
    let nw = ((w as f64 * scale).round() as usize).clamp(1, BOX_SIDE);
    let nh = ((h as f64 * scale).round() as usize).clamp(1, BOX_SIDE);
    let crop: Vec<f32> = (y0..y1).flat_map(|y| d.pixels[y * d.width + x0..y * d.width + x1].iter().copied()).collect();
    let wide = resample_rows(&crop, w, h, nw);
    let small = transpose(&resample_rows(&transpose(&wide, nw, h), h, nw, nh), nh, nw);
    // Centre of mass, in pixel indices, to index 14 of 28: where MNIST's digits have it (the
    // mean over the first 2,000 test digits is (14.00, 13.99)), shifted by whole pixels.
    let mass: f64 = small.iter().map(|&v| v as f64).sum();
    let (mut cx, mut cy) = (0.0, 0.0);
    for y in 0..nh {
        for x in 0..nw {
            let v = small[y * nw + x] as f64;
            cx += v * x as f64;
            cy += v * y as f64;
        }
    }
    let half = IMAGE_SIDE as f64 / 2.0;
    let dx = (half - cx / mass).round() as isize;
    let dy = (half - cy / mass).round() as isize;
    let peak = small.iter().copied().fold(0.0f32, f32::max);
    let mut out = vec![0u8; INPUTS];
    for y in 0..nh {
        for x in 0..nw {
            let (tx, ty) = (x as isize + dx, y as isize + dy);
            if (0..IMAGE_SIDE as isize).contains(&tx) && (0..IMAGE_SIDE as isize).contains(&ty) {
                out[ty as usize * IMAGE_SIDE + tx as usize] = (small[y * nw + x] / peak * 255.0).round() as u8;
            }
        }
    }
    Ok(out)
}

/// Each row of a `w x h` image resampled to `nw` columns by area averaging: output pixel `i`
/// is the mean of the input over `[i, i + 1) * w / nw` (partial pixels weighted by coverage).
fn resample_rows(src: &[f32], w: usize, h: usize, nw: usize) -> Vec<f32> {
    let step = w as f64 / nw as f64;
    let mut out = vec![0.0f32; nw * h];
    for i in 0..nw {
        let (a, b) = (i as f64 * step, (i + 1) as f64 * step);
        let mut weights = Vec::new();
        let mut x = a.floor() as usize;
        while (x as f64) < b && x < w {
            let cover = (b.min(x as f64 + 1.0) - a.max(x as f64)).max(0.0);
            weights.push((x, cover / step));
            x += 1;
        }
        for y in 0..h {
            let row = &src[y * w..(y + 1) * w];
            out[y * nw + i] = weights.iter().map(|&(x, c)| row[x] as f64 * c).sum::<f64>() as f32;
        }
    }
    out
}

/// A `w x h` image (row order) transposed to `h x w`.
fn transpose(src: &[f32], w: usize, h: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            out[x * h + y] = src[y * w + x];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drawing(width: usize, height: usize, pixels: &[f32]) -> Result<Vec<u8>> {
        centre_digit(&Drawing { width, height, pixels })
    }

    #[test]
    fn a_bar_in_a_corner_is_scaled_to_20_pixels_and_centred() {
        // A vertical bar 4 wide and 50 tall in the top-left corner of a 100x100 canvas.
        let mut px = vec![0.0; 100 * 100];
        for y in 2..52 {
            for x in 3..7 {
                px[y * 100 + x] = 1.0;
            }
        }
        let img = drawing(100, 100, &px).unwrap();
        let on: Vec<(usize, usize)> =
            (0..INPUTS).filter(|&i| img[i] > 127).map(|i| (i % IMAGE_SIDE, i / IMAGE_SIDE)).collect();
        let (ys, xs): (Vec<usize>, Vec<usize>) = (on.iter().map(|p| p.1).collect(), on.iter().map(|p| p.0).collect());
        // 50 tall -> 20 rows, 4 wide -> 2 columns (the aspect ratio kept); its centre of mass
        // (index 9.5, 0.5) moved to index 14 (rounded away from zero: 14.5, 14.5): rows 5 to
        // 24, columns 14 and 15.
        assert_eq!((ys.iter().min(), ys.iter().max()), (Some(&5), Some(&24)));
        assert_eq!((xs.iter().min(), xs.iter().max()), (Some(&14), Some(&15)));
        assert_eq!(img.iter().copied().max(), Some(255));
    }

    #[test]
    fn blank_broken_and_huge_drawings_are_refused() {
        assert!(drawing(10, 10, &[0.0; 100]).unwrap_err().to_string().contains("no ink"));
        assert!(drawing(10, 10, &[1.0; 99]).is_err());
        let mut nan = vec![0.0; 100];
        nan[5] = f32::NAN;
        assert!(drawing(10, 10, &nan).unwrap_err().to_string().contains("finite"));
        assert!(drawing(0, 10, &[]).is_err());
        assert!(drawing(MAX_SIDE + 1, 1, &vec![1.0; MAX_SIDE + 1]).is_err());
    }
}
