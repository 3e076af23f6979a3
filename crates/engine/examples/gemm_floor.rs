//! The matrix-product floor of noisy evaluation: candle's matmul (the `gemm` crate, which the
//! engine's kernels also use) at the products of evaluating the MLPs on a batch of 1,000 test
//! images, one thread. `bench/gemm_floor.py` times PyTorch's `torch.mm` on the same shapes;
//! together they show how fast an evaluation can be on each side when nothing but the products
//! is counted. Run: `RAYON_NUM_THREADS=1 cargo run --release -p engine --example gemm_floor`.

use std::time::Instant;

use candle_core::{Device, Tensor};

fn main() -> candle_core::Result<()> {
    let shapes: [(&str, &[(usize, usize)]); 2] = [
        ("mlp-784-256-128-10", &[(784, 256), (256, 128), (128, 10)]),
        ("mlp-784-512-512-10", &[(784, 512), (512, 512), (512, 10)]),
    ];
    let batch = 1000;
    for (name, layers) in shapes {
        let xs: Vec<Tensor> = layers
            .iter()
            .map(|&(i, _)| Tensor::randn(0f32, 1.0, (batch, i), &Device::Cpu))
            .collect::<Result<_, _>>()?;
        let ws: Vec<Tensor> =
            layers.iter().map(|&(i, o)| Tensor::randn(0f32, 1.0, (i, o), &Device::Cpu)).collect::<Result<_, _>>()?;
        let flops: usize = layers.iter().map(|&(i, o)| 2 * batch * i * o).sum();
        let mut best = f64::INFINITY;
        for _ in 0..50 {
            let t = Instant::now();
            for (x, w) in xs.iter().zip(&ws) {
                std::hint::black_box(x.matmul(w)?);
            }
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{{\"side\":\"candle-gemm\",\"model\":\"{name}\",\"batch\":{batch},\"best_s\":{best:.6},\"gflops\":{:.1},\"images_per_s\":{:.0}}}",
            flops as f64 / best / 1e9,
            batch as f64 / best
        );
    }
    Ok(())
}
