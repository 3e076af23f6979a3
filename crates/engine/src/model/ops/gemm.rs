//! A safe, bounds-checked front to the `gemm` crate's matrix product, for the kernels.

/// A read-only matrix view over a flat slice: element (r, c) is `data[r * rs + c * cs]`.
/// Row-major `[rows, cols]` has `rs = cols, cs = 1`; its transpose swaps them.
#[derive(Clone, Copy)]
pub(crate) struct Mat<'a> {
    pub data: &'a [f32],
    pub rows: usize,
    pub cols: usize,
    pub rs: usize,
    pub cs: usize,
}

impl<'a> Mat<'a> {
    /// Row-major `[rows, cols]`.
    pub fn rows(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self { data, rows, cols, rs: cols, cs: 1 }
    }

    /// The transpose of a row-major `[cols, rows]` matrix, viewed as `[rows, cols]`.
    pub fn transposed(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self { data, rows, cols, rs: 1, cs: rows }
    }

    /// The largest flat index addressed, plus one (0 for an empty matrix).
    fn extent(&self) -> usize {
        if self.rows == 0 || self.cols == 0 {
            0
        } else {
            (self.rows - 1) * self.rs + (self.cols - 1) * self.cs + 1
        }
    }
}

/// Products smaller than this many multiply-adds run on one thread: below it, handing work to
/// rayon costs more than it saves. Every product of a batch-64 training step (at most
/// 64 x 784 x 512 = 25.7M) stays on one thread: split at 8.4M, the report's MLP trained at
/// 22-24K img/s on 2 threads against 30-33K on 1 (bench/results, this machine). Evaluation
/// batches of 1,000 images (200M and more) are split.
const PARALLEL_MIN_MACS: usize = 1 << 25;

thread_local! {
    /// Set by [`one_thread`]: this thread's products stay on it.
    static ONE_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with this thread's matrix products on this thread only: for callers that already
/// keep every core busy with one model per thread (`mpg reproduce` training several rows at
/// once), where splitting each product as well only adds hand-offs.
pub fn one_thread<R>(f: impl FnOnce() -> R) -> R {
    let before = ONE_THREAD.with(|c| c.replace(true));
    let out = f();
    ONE_THREAD.with(|c| c.set(before));
    out
}

/// Which of gemm's micro-kernel families runs this machine's products. gemm picks it at run
/// time from the CPU (the same test as `gemm_common`'s `init_gemm_fn`), and each family sums in
/// its own order, so training is bit-for-bit reproducible within a family only: a model trained
/// on an AVX-512 CPU differs in its last bits from one trained on an AVX2 CPU.
pub fn kernel_family() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            "x86-64 avx512f"
        } else if std::arch::is_x86_feature_detected!("fma") {
            "x86-64 fma"
        } else {
            "x86-64 scalar"
        }
    }
    #[cfg(target_arch = "wasm32")]
    {
        if cfg!(target_feature = "simd128") {
            "wasm32 simd128"
        } else {
            "wasm32 scalar"
        }
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "wasm32")))]
    {
        std::env::consts::ARCH
    }
}

/// `dst[m, n] = (accumulate ? dst : 0) + a[m, k] . b[k, n]`, `dst` row-major.
pub(crate) fn matmul(dst: &mut [f32], a: Mat, b: Mat, accumulate: bool) {
    check(&a, &b);
    assert!(dst.len() >= a.rows * b.cols, "matmul: destination too small");
    if a.rows == 0 || b.cols == 0 {
        return;
    }
    if a.cols == 0 {
        if !accumulate {
            dst[..a.rows * b.cols].fill(0.0);
        }
        return;
    }
    // SAFETY: `dst` holds at least m * n elements (checked above), the operands their extents.
    unsafe { gemm_into(dst.as_mut_ptr(), a, b, accumulate) }
}

/// `a[m, k] . b[k, n]` in a new row-major vector. gemm writes every element of a product it is
/// not asked to accumulate onto, so the buffer is never zero-filled first (that pass over each
/// gradient was 6% of an MLP training step).
pub(crate) fn product(a: Mat, b: Mat) -> Vec<f32> {
    check(&a, &b);
    let len = a.rows * b.cols;
    if len == 0 || a.cols == 0 {
        return vec![0.0; len];
    }
    let mut dst: Vec<f32> = Vec::with_capacity(len);
    // SAFETY: the buffer has room for m * n elements; with k > 0 and no accumulation, gemm
    // writes each of them (dst = a . b) without reading any, so all are initialised before
    // `set_len` exposes them.
    unsafe {
        gemm_into(dst.as_mut_ptr(), a, b, false);
        dst.set_len(len);
    }
    dst
}

fn check(a: &Mat, b: &Mat) {
    assert_eq!(b.rows, a.cols, "matmul: inner dimensions differ");
    assert!(a.extent() <= a.data.len() && b.extent() <= b.data.len(), "matmul: operand out of bounds");
}

/// # Safety
/// `dst` must be valid for writes (and reads, when `accumulate`) of `a.rows * b.cols` elements,
/// and `a`, `b` must have passed [`check`] with `a.rows`, `b.cols`, `a.cols` all non-zero.
unsafe fn gemm_into(dst: *mut f32, a: Mat, b: Mat, accumulate: bool) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    let threads = if ONE_THREAD.with(|c| c.get()) { 1 } else { candle_core::utils::get_num_threads() };
    let parallelism = if threads > 1 && m * n * k >= PARALLEL_MIN_MACS {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: the caller's contract; every index gemm touches is (i, j) at i * n + j < m * n in
    // `dst`, and within the checked extents of `a` and `b`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
            a.cs as isize,
            a.rs as isize,
            b.data.as_ptr(),
            b.cs as isize,
            b.rs as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: Mat, b: Mat) -> Vec<f32> {
        let mut out = vec![0.0; a.rows * b.cols];
        for i in 0..a.rows {
            for j in 0..b.cols {
                for p in 0..a.cols {
                    out[i * b.cols + j] += a.data[i * a.rs + p * a.cs] * b.data[p * b.rs + j * b.cs];
                }
            }
        }
        out
    }

    #[test]
    fn products_of_plain_and_transposed_views_match_the_definition() {
        let x: Vec<f32> = (0..12).map(|v| v as f32 * 0.5 - 2.0).collect();
        let y: Vec<f32> = (0..12).map(|v| (v as f32).sin()).collect();
        for (a, b) in [
            (Mat::rows(&x, 3, 4), Mat::rows(&y, 4, 3)),
            (Mat::transposed(&x, 3, 4), Mat::rows(&y, 4, 3)),
            (Mat::rows(&x, 3, 4), Mat::transposed(&y, 4, 3)),
            (Mat::transposed(&x, 4, 3), Mat::transposed(&y, 3, 4)),
        ] {
            let mut dst = vec![1.0; a.rows * b.cols];
            matmul(&mut dst, a, b, false);
            let expected = naive(a, b);
            for (d, e) in dst.iter().zip(&expected) {
                assert!((d - e).abs() < 1e-5, "{d} vs {e}");
            }
            matmul(&mut dst, a, b, true);
            for (d, e) in dst.iter().zip(&expected) {
                assert!((d - 2.0 * e).abs() < 1e-5, "accumulate: {d} vs {}", 2.0 * e);
            }
            let fresh = product(a, b);
            assert_eq!(fresh.len(), expected.len());
            for (d, e) in fresh.iter().zip(&expected) {
                assert!((d - e).abs() < 1e-5, "product: {d} vs {e}");
            }
        }
    }
}
