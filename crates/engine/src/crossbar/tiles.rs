//! Tiles (MemTorch `bh/crossbar/Tile.py`): a `[rows, cols]` crossbar matrix is cut into
//! ceil(rows/T) x ceil(cols/T) tiles of T x T, zero-padded (padding cells at G_off on both
//! crossbars, so their differential is 0); inputs are cut into the same T-wide chunks. Every
//! (sample, tile) vector of T column currents goes through the ADC before the tiles of a
//! column block are summed digitally.

use candle_core::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::adc::quantize_padded;
use crate::error::Result;

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
    /// `[rows.len(), width]`, differential conductances.
    matrix: Tensor,
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
            let matrix = Tensor::from_vec(m, (rows.len(), width), &Device::Cpu)?;
            blocks.push(RowBlock { rows, matrix, segments });
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
        let mut out = vec![0.0f32; n * cols];
        for b in &self.blocks {
            let k = b.rows.len();
            let x = if self.blocks.len() == 1 {
                Tensor::from_slice(v, (n, rows), &Device::Cpu)?
            } else {
                let mut chunk = Vec::with_capacity(n * k);
                for s in 0..n {
                    chunk.extend_from_slice(&v[s * rows + b.rows.start..s * rows + b.rows.end]);
                }
                Tensor::from_vec(chunk, (n, k), &Device::Cpu)?
            };
            let width = b.matrix.dim(1)?;
            let mut z = x.matmul(&b.matrix)?.flatten_all()?.to_vec1::<f32>()?;
            for s in 0..n {
                let row = &mut z[s * width..(s + 1) * width];
                let o = &mut out[s * cols..(s + 1) * cols];
                for seg in &b.segments {
                    let cur = &mut row[seg.offset..seg.offset + seg.len];
                    if let Some(bits) = adc_bits {
                        quantize_padded(cur, t, bits);
                    }
                    for (dst, src) in o[seg.out_start..seg.out_start + seg.out_len].iter_mut().zip(cur.iter()) {
                        *dst += *src;
                    }
                }
            }
        }
        Ok(out)
    }
}

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
