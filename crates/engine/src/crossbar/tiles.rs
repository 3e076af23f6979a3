//! Tiles (MemTorch `bh/crossbar/Tile.py`): a `[rows, cols]` crossbar matrix is cut into
//! ceil(rows/T) x ceil(cols/T) tiles of T x T, zero-padded (padding cells at G_off on both
//! crossbars, so their differential is 0); inputs are cut into the same T-wide chunks. Every
//! (sample, tile) vector of T column currents goes through the ADC before the tiles of a
//! column block are summed digitally.

use serde::{Deserialize, Serialize};

use super::adc::Quantizer;
use crate::error::Result;
use crate::model::ops::gemm::{matmul, Mat};

/// The tile geometry of one layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TileGrid {
    /// Real rows (layer inputs).
    pub rows: usize,
    /// Real columns (layer outputs).
    pub cols: usize,
    /// Tile side T.
    pub tile: usize,
}

impl TileGrid {
    pub fn new(rows: usize, cols: usize, tile: usize) -> Self {
        Self { rows, cols, tile }
    }
    /// Tiles along the input axis.
    pub fn row_tiles(&self) -> usize {
        self.rows.div_ceil(self.tile)
    }
    /// Tiles along the output axis.
    pub fn col_tiles(&self) -> usize {
        self.cols.div_ceil(self.tile)
    }
    pub fn tiles(&self) -> usize {
        self.row_tiles() * self.col_tiles()
    }
    /// Padded shape `(row_tiles * T, col_tiles * T)`.
    pub fn padded(&self) -> (usize, usize) {
        (self.row_tiles() * self.tile, self.col_tiles() * self.tile)
    }
    /// Devices per crossbar, padding included.
    pub fn cells(&self) -> usize {
        let (r, c) = self.padded();
        r * c
    }
    /// Real rows of row tile `i`.
    pub fn rows_in(&self, i: usize) -> std::ops::Range<usize> {
        i * self.tile..((i + 1) * self.tile).min(self.rows)
    }
    /// Real columns of column tile `j`.
    pub fn cols_in(&self, j: usize) -> std::ops::Range<usize> {
        j * self.tile..((j + 1) * self.tile).min(self.cols)
    }
}

/// One column tile within a row-tile block: which columns of the block matrix it occupies.
#[derive(Clone, Debug)]
struct Segment {
    /// First column in the block matrix.
    offset: usize,
    /// Columns computed (real outputs, plus padding columns that carry current).
    len: usize,
    /// First real output.
    out_start: usize,
    /// Real outputs.
    out_len: usize,
}

/// All tiles of one row block side by side, ready for one matmul per block.
#[derive(Clone, Debug)]
struct RowBlock {
    rows: std::ops::Range<usize>,
    /// `[rows.len(), width]` row-major, differential conductances.
    matrix: Vec<f32>,
    width: usize,
    segments: Vec<Segment>,
}

/// A layer's differential conductance matrix G_pos - G_neg laid out for fast tiled read-out.
/// Padding rows see zero input and are skipped; padding columns are kept only where they
/// carry a current (faults or variation on padding cells), since they widen the ADC range.
#[derive(Clone, Debug)]
pub struct TiledMatmul {
    grid: TileGrid,
    blocks: Vec<RowBlock>,
}

impl TiledMatmul {
    /// From the padded differential matrix `diff` (row-major, `grid.padded()` shape).
    /// `keep_all_columns` computes every padding column (needed when it will carry noise).
    pub fn new(grid: TileGrid, diff: &[f32], keep_all_columns: bool) -> Result<Self> {
        let (_, pc) = grid.padded();
        let t = grid.tile;
        let mut blocks = Vec::new();
        for i in 0..grid.row_tiles() {
            let rows = grid.rows_in(i);
            let mut segments = Vec::new();
            let mut width = 0;
            for j in 0..grid.col_tiles() {
                let outs = grid.cols_in(j);
                let mut len = outs.len();
                if keep_all_columns {
                    len = t;
                } else {
                    // last padding column with any current in the real rows
                    for c in (outs.len()..t).rev() {
                        if rows.clone().any(|r| diff[r * pc + j * t + c] != 0.0) {
                            len = c + 1;
                            break;
                        }
                    }
                }
                segments.push(Segment { offset: width, len, out_start: outs.start, out_len: outs.len() });
                width += len;
            }
            let mut m = Vec::with_capacity(rows.len() * width);
            for r in rows.clone() {
                for (j, s) in segments.iter().enumerate() {
                    let start = r * pc + j * t;
                    m.extend_from_slice(&diff[start..start + s.len]);
                }
            }
            blocks.push(RowBlock { rows, matrix: m, width, segments });
        }
        Ok(Self { grid, blocks })
    }

    pub fn grid(&self) -> TileGrid {
        self.grid
    }

    /// Column currents for `n` input voltage vectors `v` (`[n, rows]` row-major):
    /// `[n, cols]`, each (sample, tile) vector quantised with `adc_bits` before the tiles of a
    /// column block are summed.
    pub fn forward(&self, v: &[f32], n: usize, adc_bits: Option<u32>) -> Result<Vec<f32>> {
        let (rows, cols, t) = (self.grid.rows, self.grid.cols, self.grid.tile);
        if v.len() != n * rows {
            return Err(crate::error::Error::ShapeMismatch {
                what: "crossbar input voltages".into(),
                expected: vec![n, rows],
                found: vec![v.len()],
            });
        }
        let mut out = vec![0.0f32; n * cols];
        // Currents of a few samples at a time into one reused buffer: a conv layer's patches
        // (50,176 rows for 64 LeNet images) would otherwise allocate and fault in tens of MB
        // per call, which was a third of a faulty CNN evaluation.
        let widest = self.blocks.iter().map(|b| b.width).max().unwrap_or(0).max(1);
        let chunk = (CHUNK_CURRENTS / widest).max(1);
        let mut z = vec![0.0f32; chunk.min(n) * widest];
        for b in &self.blocks {
            let (k, width) = (b.rows.len(), b.width);
            let g = Mat::rows(&b.matrix, k, width);
            for first in (0..n).step_by(chunk) {
                let m = chunk.min(n - first);
                // Rows `first..first + m` of the voltages, this block's inputs only (a view).
                let x = Mat { data: &v[first * rows + b.rows.start..], rows: m, cols: k, rs: rows, cs: 1 };
                let z = &mut z[..m * width];
                matmul(z, x, g, false);
                for (row, o) in z.chunks_exact(width).zip(out[first * cols..].chunks_exact_mut(cols)) {
                    for seg in &b.segments {
                        let cur = &row[seg.offset..seg.offset + seg.len];
                        let dst = &mut o[seg.out_start..seg.out_start + seg.out_len];
                        // Padding columns only widen the ADC's range: quantise the real outputs.
                        match adc_bits.map(|bits| Quantizer::fit(cur, t, bits)) {
                            Some(q) if q != Quantizer::Unchanged => {
                                dst.iter_mut().zip(cur).for_each(|(d, &c)| *d += q.apply(c))
                            }
                            _ => dst.iter_mut().zip(cur).for_each(|(d, &c)| *d += c),
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Column currents computed per matrix product (floats): 256K, a 1 MB buffer that stays in
/// cache, and products far below the size at which gemm splits work across threads.
const CHUNK_CURRENTS: usize = 1 << 18;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_of_the_report_sized_mlp() {
        // 784-512-512-10 with 128x128 tiles: 7x4, 4x4 and 4x1 tiles.
        assert_eq!(TileGrid::new(784, 512, 128).tiles(), 28);
        assert_eq!(TileGrid::new(512, 512, 128).tiles(), 16);
        assert_eq!(TileGrid::new(512, 10, 128).tiles(), 4);
        let g = TileGrid::new(5, 3, 2);
        assert_eq!(g.padded(), (6, 4));
        assert_eq!(g.cells(), 24);
        assert_eq!(g.rows_in(2), 4..5);
        assert_eq!(g.cols_in(1), 2..3);
    }
}
