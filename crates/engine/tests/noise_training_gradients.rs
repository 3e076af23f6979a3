//! The two gradient variants of noise-injection training, against an independent reference:
//! a tiny softmax classifier whose loss is written again in plain f64 Rust and differentiated
//! by central finite differences.
//!
//! - perturb-restore: the forward pass runs at w' = w exp(eps) and that gradient, dL/dw' at
//!   w', is applied to the clean w unchanged;
//! - reparameterised: the gradient flows through w' = w exp(eps), so dL/dw = exp(eps) dL/dw'.
//!
//! The noise factors are read back from the forward values (f = w'/w), so the reference does
//! not depend on the order in which the engine draws them.

use candle_core::{DType, Device, Tensor, Var};
use engine::model::ParamKind;
use engine::rng::{rng, stream};
use engine::train::{GradientVariant, Method};

const STD: f32 = 0.5;
/// Three images of four features, three classes.
const X: [[f64; 4]; 3] = [[0.5, -1.0, 0.25, 2.0], [1.5, 0.5, -0.75, 0.0], [-0.5, 1.0, 1.0, -1.5]];
const Y: [u32; 3] = [2, 0, 1];

/// Clean parameters: a [3, 4] weight (PyTorch layout [out, in]) and a [3] bias, none zero so
/// that every noise factor can be read back as w'/w.
fn clean_values() -> (Vec<f32>, Vec<f32>) {
    let w = (0..12).map(|i| ((i as f32) * 0.9 + 0.3).sin() * 0.8).collect();
    (w, vec![0.1, -0.2, 0.3])
}

/// Mean cross-entropy of the classifier, in f64, from flat weight and bias values.
fn reference_loss(w: &[f64], b: &[f64]) -> f64 {
    let mut total = 0.0;
    for (x, &y) in X.iter().zip(&Y) {
        let z: Vec<f64> = (0..3).map(|o| b[o] + (0..4).map(|i| w[o * 4 + i] * x[i]).sum::<f64>()).collect();
        let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let lse = m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
        total += lse - z[y as usize];
    }
    total / X.len() as f64
}

/// Central finite differences of `f` at `p`, one coordinate at a time.
fn finite_difference(p: &[f64], f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    let h = 1e-6;
    (0..p.len())
        .map(|k| {
            let (mut up, mut down) = (p.to_vec(), p.to_vec());
            up[k] += h;
            down[k] -= h;
            (f(&up) - f(&down)) / (2.0 * h)
        })
        .collect()
}

/// What the engine computes for one training step of `variant`: the realised (noisy) values
/// and candle's gradient of the loss with respect to the clean parameters, weight then bias.
struct EngineStep {
    noisy: Vec<f64>,
    grad: Vec<f64>,
}

fn engine_step(variant: GradientVariant, seed: u64) -> EngineStep {
    let dev = Device::Cpu;
    let (w, b) = clean_values();
    let wv = Var::from_vec(w, (3, 4), &dev).unwrap();
    let bv = Var::from_vec(b, 3, &dev).unwrap();
    let method = Method::NoiseInjection { std: STD, gradient: variant };
    let clean = [wv.as_tensor().clone(), bv.as_tensor().clone()];
    let eff = method
        .effective_weights(&clean, &[ParamKind::Weight, ParamKind::Bias], &mut rng(seed, stream::TRAIN_NOISE))
        .unwrap();
    let x: Vec<f32> = X.iter().flatten().map(|&v| v as f32).collect();
    let x = Tensor::from_vec(x, (3, 4), &dev).unwrap();
    let y = Tensor::new(&Y, &dev).unwrap();
    let logits = x.matmul(&eff[0].t().unwrap()).unwrap().broadcast_add(&eff[1]).unwrap();
    let loss = candle_nn::loss::cross_entropy(&logits, &y).unwrap();
    let grads = loss.backward().unwrap();
    let flat =
        |t: &Tensor| -> Vec<f64> { t.to_dtype(DType::F64).unwrap().flatten_all().unwrap().to_vec1::<f64>().unwrap() };
    EngineStep {
        noisy: [flat(&eff[0]), flat(&eff[1])].concat(),
        grad: [flat(grads.get(wv.as_tensor()).unwrap()), flat(grads.get(bv.as_tensor()).unwrap())].concat(),
    }
}

fn clean_f64() -> Vec<f64> {
    let (w, b) = clean_values();
    w.iter().chain(&b).map(|&v| v as f64).collect()
}

fn loss_of(p: &[f64]) -> f64 {
    reference_loss(&p[..12], &p[12..])
}

/// |a - b| within 1e-4 + 1e-3 |b| for every coordinate: f32 autograd against f64 differences.
fn assert_close(got: &[f64], want: &[f64], what: &str) {
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-4 + 1e-3 * w.abs(), "{what}, parameter {k}: {g} vs {w}\n{got:?}\n{want:?}");
    }
}

/// True when some coordinate differs by far more than the comparison's tolerance.
fn clearly_differs(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).any(|(x, y)| (x - y).abs() > 1e-2 + 1e-2 * y.abs())
}

#[test]
fn perturb_restore_applies_the_gradient_at_the_noisy_weights_to_the_clean_ones() {
    let step = engine_step(GradientVariant::PerturbRestore, 21);
    let clean = clean_f64();
    assert!(clearly_differs(&step.noisy, &clean), "the forward pass must use noisy weights");
    let at_noisy = finite_difference(&step.noisy, loss_of);
    assert_close(&step.grad, &at_noisy, "perturb-restore gradient vs dL/dw' at w'");
    // Not the reparameterised gradient: that one would carry the factors exp(eps).
    let factors: Vec<f64> = step.noisy.iter().zip(&clean).map(|(n, c)| n / c).collect();
    let scaled: Vec<f64> = at_noisy.iter().zip(&factors).map(|(g, f)| g * f).collect();
    assert!(clearly_differs(&step.grad, &scaled), "perturb-restore must not scale by exp(eps)");
    // Nor the clean gradient: the noise has to reach the backward pass.
    assert!(clearly_differs(&step.grad, &finite_difference(&clean, loss_of)));
}

#[test]
fn reparameterised_gradient_flows_through_w_times_exp_eps() {
    let step = engine_step(GradientVariant::Reparameterised, 21);
    let clean = clean_f64();
    let factors: Vec<f64> = step.noisy.iter().zip(&clean).map(|(n, c)| n / c).collect();
    // d/dw L(w * f) with the step's factors held fixed, by finite differences in w.
    let through_factors = finite_difference(&clean, |p| {
        let scaled: Vec<f64> = p.iter().zip(&factors).map(|(w, f)| w * f).collect();
        loss_of(&scaled)
    });
    assert_close(&step.grad, &through_factors, "reparameterised gradient vs d/dw L(w exp(eps))");
    let at_noisy = finite_difference(&step.noisy, loss_of);
    assert!(clearly_differs(&step.grad, &at_noisy), "reparameterised must differ from perturb-restore");
}

#[test]
fn both_variants_draw_the_same_log_normal_noise_on_weights_and_biases() {
    let a = engine_step(GradientVariant::PerturbRestore, 33);
    let b = engine_step(GradientVariant::Reparameterised, 33);
    // Same seed, same draws: the variants differ only in the backward pass.
    for (x, y) in a.noisy.iter().zip(&b.noisy) {
        assert!((x - y).abs() <= 1e-6 * y.abs(), "{:?} vs {:?}", a.noisy, b.noisy);
    }
    let clean = clean_f64();
    for (k, (n, c)) in a.noisy.iter().zip(&clean).enumerate() {
        assert!(
            n / c > 0.0 && (n / c - 1.0).abs() > 1e-4,
            "parameter {k} (biases too) is scaled by exp(eps): {n} vs {c}"
        );
    }
    assert_ne!(a.noisy, engine_step(GradientVariant::PerturbRestore, 34).noisy, "another seed, other noise");
}

#[test]
fn training_noise_has_the_requested_log_spread_and_is_fresh_every_step() {
    let n = 100_000;
    let values: Vec<f32> = (0..n).map(|i| if i % 2 == 0 { 0.5 } else { -0.25 }).collect();
    let w = Tensor::from_vec(values.clone(), n, &Device::Cpu).unwrap();
    let method = Method::NoiseInjection { std: STD, gradient: GradientVariant::PerturbRestore };
    let mut r = rng(5, stream::TRAIN_NOISE);
    let log_factors = |r: &mut engine::rng::EngineRng| -> Vec<f64> {
        let e = method.effective_weights(std::slice::from_ref(&w), &[ParamKind::Weight], r).unwrap();
        let noisy = e[0].to_vec1::<f32>().unwrap();
        noisy.iter().zip(&values).map(|(a, b)| ((a / b) as f64).ln()).collect()
    };
    let (first, second) = (log_factors(&mut r), log_factors(&mut r));
    assert_ne!(first, second, "every step draws new noise");
    // ln(w'/w) ~ N(0, 0.5^2): over 100,000 values the mean has sd 0.0016 and the sd 0.0011;
    // 5 of those either side.
    let mean = first.iter().sum::<f64>() / n as f64;
    let sd = (first.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
    assert!(mean.abs() < 0.008, "mean of ln(w'/w) = {mean}");
    assert!((sd - STD as f64).abs() < 0.006, "sd of ln(w'/w) = {sd}");
}
