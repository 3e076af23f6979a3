//! The engine's training kernels (`engine::model::ops`) against candle's composed ops, values
//! and gradients, at the report's layer shapes: the engine's own unit tests run natively only,
//! these also run in wasm (headless Chromium), where the products take gemm's simd128 path.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use candle_core::{Device, Tensor, Var};
use engine::model::ops;
use engine::rng::{normal_vec, rng};

fn randn(shape: &[usize], seed: u64) -> Tensor {
    let n = shape.iter().product();
    Tensor::from_vec(normal_vec(&mut rng(seed, 0), n, 1.0), shape, &Device::Cpu).unwrap()
}

fn max_diff(a: &Tensor, b: &Tensor) -> f32 {
    (a - b).unwrap().abs().unwrap().flatten_all().unwrap().max(0).unwrap().to_scalar::<f32>().unwrap()
}

/// Checks `ours` against `reference` in value and in the gradients of every variable, through a
/// weighted sum so that every output element matters.
fn check(what: &str, ours: Tensor, reference: Tensor, vars: &[&Var], tol: f32) {
    assert_eq!(ours.dims(), reference.dims(), "{what}: shapes");
    let d = max_diff(&ours, &reference);
    assert!(d < tol, "{what}: values differ by {d}");
    let weights = randn(ours.dims(), 99);
    let g1 = (ours * &weights).unwrap().sum_all().unwrap().backward().unwrap();
    let g2 = (reference * &weights).unwrap().sum_all().unwrap().backward().unwrap();
    for (i, v) in vars.iter().enumerate() {
        let (a, r) = (g1.get(v.as_tensor()).unwrap(), g2.get(v.as_tensor()).unwrap());
        let d = max_diff(a, r);
        assert!(d < 10.0 * tol, "{what}: gradient of operand {i} differs by {d}");
    }
}

#[test]
fn linear_matches_candle_at_the_report_mlp_shapes() {
    for (n, i, o) in [(64, 784, 256), (64, 256, 128), (64, 128, 10)] {
        let x = Var::from_tensor(&randn(&[n, i], 1)).unwrap();
        let w = Var::from_tensor(&randn(&[o, i], 2)).unwrap();
        let b = Var::from_tensor(&randn(&[o], 3)).unwrap();
        let ours = ops::linear(&x, &w, &b, true).unwrap();
        let reference = x.matmul(&w.t().unwrap()).unwrap().broadcast_add(&b).unwrap().relu().unwrap();
        check("linear", ours, reference, &[&x, &w, &b], 1e-3);
    }
}

#[test]
fn conv2d_matches_candle_at_lenets_shapes() {
    for (n, c, h, o, k, pad) in [(4, 1, 28, 6, 5, 2), (4, 6, 14, 16, 5, 0)] {
        let x = Var::from_tensor(&randn(&[n, c, h, h], 4)).unwrap();
        let w = Var::from_tensor(&randn(&[o, c, k, k], 5)).unwrap();
        let b = Var::from_tensor(&randn(&[o], 6)).unwrap();
        let ours = ops::conv2d(&x, &w, &b, pad, true).unwrap();
        let reference = x
            .conv2d(&w, pad, 1, 1, 1)
            .unwrap()
            .broadcast_add(&b.reshape((1, o, 1, 1)).unwrap())
            .unwrap()
            .relu()
            .unwrap();
        check("conv2d", ours, reference, &[&x, &w, &b], 1e-3);
    }
}

/// Max pooling's values against candle's; its gradient against a reshape-and-max reference,
/// because candle 0.11.1's own `max_pool2d` backward is wrong (see `engine::model::ops::pool`).
#[test]
fn max_pool_matches_a_reference_in_values_and_gradients() {
    let x = Var::from_tensor(&randn(&[3, 6, 28, 28], 7)).unwrap();
    let ours = ops::max_pool2(&x).unwrap();
    assert!(max_diff(&ours, &x.max_pool2d(2).unwrap()) == 0.0);
    // [n, c, 14, 2, 14, 2] -> max over the two window axes
    let reference = x.reshape((3, 6, 14, 2, 14, 2)).unwrap().max(5).unwrap().max(3).unwrap();
    check("max pool", ours, reference, &[&x], 1e-6);
}

#[test]
fn cross_entropy_matches_candle_nn() {
    let logits = Var::from_tensor(&randn(&[64, 10], 8)).unwrap();
    let labels: Vec<u32> = (0..64u32).map(|i| (i * 7) % 10).collect();
    let labels = Tensor::from_vec(labels, 64, &Device::Cpu).unwrap();
    let ours = ops::cross_entropy(&logits, &labels).unwrap();
    let reference = candle_nn::loss::cross_entropy(&logits, &labels).unwrap();
    check("cross-entropy", ours, reference, &[&logits], 1e-5);
}
