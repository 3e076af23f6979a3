//! Training edge cases: divergence, cancellation, Adam's first step, distillation losses,
//! and noise never touching the clean weights.

use candle_core::{Device, Tensor};
use engine::data::{idx::IdxImages, Dataset};
use engine::model::{Model, ModelConfig};
use engine::noise::perturb;
use engine::rng;
use engine::train::{distill_loss, train, Adam, AdamConfig, Control, DistillLoss, TrainConfig, TrainHooks};
use engine::Error;

/// 256 synthetic 28x28 images: class k lights up row 2k. Enough to train on.
fn toy_data() -> Dataset {
    let n = 256;
    let mut pixels = vec![0u8; n * 784];
    let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
    for (i, &l) in labels.iter().enumerate() {
        for c in 0..28 {
            pixels[i * 784 + (2 * l as usize) * 28 + c] = 255;
        }
    }
    Dataset::new(IdxImages { count: n, rows: 28, cols: 28, pixels }, labels).unwrap()
}

fn small_mlp(seed: u64) -> Model {
    let mut cfg = ModelConfig::report_mlp();
    cfg.arch = engine::model::Architecture::Mlp { hidden: vec![16], dropout: 0.0 };
    Model::init(cfg, seed).unwrap()
}

#[test]
fn a_nan_loss_stops_training_with_a_divergence_error() {
    let good = small_mlp(1);
    let mut w = good.weights();
    w[0] = (w[0].ones_like().unwrap() * -1e38).unwrap(); // finite, but the activations overflow to infinity
    let model = Model::from_tensors(good.config.clone(), w).unwrap();
    let mut go = |_: &engine::train::Progress| Control::Continue;
    let err = train(
        &model,
        &toy_data(),
        &TrainConfig { epochs: 1, ..TrainConfig::default() },
        TrainHooks::with_progress(&mut go),
    )
    .unwrap_err();
    match err {
        Error::Diverged { epoch, step, loss } => {
            assert_eq!((epoch, step), (1, 1));
            assert!(!loss.is_finite());
        }
        e => panic!("expected Diverged, got {e:?}"),
    }
}

#[test]
fn cancelling_stops_after_the_requested_step_and_keeps_the_trained_weights() {
    let model = small_mlp(2);
    let before = model.weights()[0].flatten_all().unwrap().to_vec1::<f32>().unwrap();
    let mut steps = 0;
    let mut stop_at_3 = |p: &engine::train::Progress| {
        steps = p.global_step;
        if p.global_step == 3 {
            Control::Stop
        } else {
            Control::Continue
        }
    };
    let err = train(
        &model,
        &toy_data(),
        &TrainConfig { epochs: 3, batch_size: 16, ..TrainConfig::default() },
        TrainHooks::with_progress(&mut stop_at_3),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Cancelled));
    assert_eq!(steps, 3);
    let after = model.weights()[0].flatten_all().unwrap().to_vec1::<f32>().unwrap();
    assert!(before != after && after.iter().all(|v| v.is_finite()));
}

#[test]
fn training_learns_a_toy_problem_and_keeps_the_last_partial_batch() {
    let model = small_mlp(3);
    let mut last = None;
    let mut record = |p: &engine::train::Progress| {
        last = Some(p.clone());
        Control::Continue
    };
    let data = toy_data();
    let h = train(
        &model,
        &data,
        &TrainConfig { epochs: 20, batch_size: 100, ..TrainConfig::default() },
        TrainHooks::with_progress(&mut record),
    )
    .unwrap();
    let last = last.unwrap();
    assert_eq!(last.steps_per_epoch, 3, "256 images at batch 100: 100 + 100 + 56");
    assert_eq!(last.images_seen, 20 * 256);
    assert!(h.last().unwrap().accuracy > 95.0 && h.last().unwrap().loss < h[0].loss, "{h:?}");
}

#[test]
fn adams_first_step_moves_each_weight_by_lr_times_the_gradient_sign() {
    // PyTorch: m = 0.1 g, v = 0.001 g^2, step = lr/0.1 * m / (sqrt(v)/sqrt(0.001) + eps) = lr * g / (|g| + eps).
    let var = candle_core::Var::from_tensor(&Tensor::new(&[1.0f32, -2.0, 0.5], &Device::Cpu).unwrap()).unwrap();
    let mut adam = Adam::new(std::slice::from_ref(&var), AdamConfig { lr: 0.01, ..AdamConfig::default() }).unwrap();
    let g = Tensor::new(&[0.3f32, -4.0, 1e-9], &Device::Cpu).unwrap();
    adam.step(std::slice::from_ref(&var), &[g]).unwrap();
    let w = var.as_tensor().to_vec1::<f32>().unwrap();
    let expect = [1.0 - 0.01 * 0.3 / (0.3 + 1e-8), -2.0 + 0.01 * 4.0 / (4.0 + 1e-8), 0.5 - 0.01 * 1e-9 / (1e-9 + 1e-8)];
    for (a, e) in w.iter().zip(expect) {
        assert!((a - e).abs() < 1e-6, "{w:?} vs {expect:?}");
    }
    assert!(AdamConfig { lr: -1.0, ..AdamConfig::default() }.validate().is_err());
}

#[test]
fn distillation_losses_are_zero_on_agreement_and_match_hand_values() {
    let logits = Tensor::new(&[[0.0f32, (3.0f32).ln()]], &Device::Cpu).unwrap(); // softmax = [0.25, 0.75]
    let same = Tensor::new(&[[0.25f32, 0.75]], &Device::Cpu).unwrap();
    for kind in [DistillLoss::Mse, DistillLoss::Kl] {
        let l = distill_loss(&logits, &same, kind).unwrap().to_scalar::<f32>().unwrap();
        assert!(l.abs() < 1e-6, "{kind:?}: {l}");
    }
    let t = Tensor::new(&[[0.5f32, 0.5]], &Device::Cpu).unwrap();
    let mse = distill_loss(&logits, &t, DistillLoss::Mse).unwrap().to_scalar::<f32>().unwrap();
    assert!((mse - 0.0625).abs() < 1e-6, "mean of (0.25^2, 0.25^2) = 0.0625, got {mse}");
    let kl = distill_loss(&logits, &t, DistillLoss::Kl).unwrap().to_scalar::<f32>().unwrap();
    let expect = 0.5 * (0.5f32 / 0.25).ln() + 0.5 * (0.5f32 / 0.75).ln();
    assert!((kl - expect).abs() < 1e-6, "KL {kl} vs {expect}");
}

#[test]
fn noise_leaves_clean_weights_alone_and_has_the_requested_log_spread() {
    let model = small_mlp(4);
    let clean: Vec<f32> = model.weights()[0].flatten_all().unwrap().to_vec1().unwrap();
    let mut r = rng::rng(9, rng::stream::EVAL_NOISE);
    let noisy = perturb(&model.weights(), 0.7, &mut r).unwrap();
    let after: Vec<f32> = model.weights()[0].flatten_all().unwrap().to_vec1().unwrap();
    assert_eq!(clean, after, "perturb must not modify the model");
    let n: Vec<f32> = noisy[0].flatten_all().unwrap().to_vec1().unwrap();
    // log(w'/w) = eps ~ N(0, 0.7^2)
    let eps: Vec<f64> = n.iter().zip(&clean).map(|(a, b)| (a / b).ln() as f64).collect();
    let mean = eps.iter().sum::<f64>() / eps.len() as f64;
    let sd = (eps.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / eps.len() as f64).sqrt();
    assert!(mean.abs() < 0.02 && (sd - 0.7).abs() < 0.02, "mean {mean}, sd {sd} over {} weights", eps.len());
    assert!(n.iter().zip(&clean).all(|(a, b)| a.signum() == b.signum()), "log-normal noise never flips a sign");
    assert!(perturb(&model.weights(), f32::NAN, &mut r).is_err());
    assert!(perturb(&model.weights(), -1.0, &mut r).is_err());
}

#[test]
fn distilled_students_learn_to_agree_with_their_teacher_under_both_losses() {
    let data = toy_data();
    let teacher = small_mlp(5);
    let mut go = |_: &engine::train::Progress| Control::Continue;
    train(
        &teacher,
        &data,
        &TrainConfig { epochs: 20, batch_size: 32, ..TrainConfig::default() },
        TrainHooks::with_progress(&mut go),
    )
    .unwrap();
    let taught = engine::eval::evaluate(&teacher, &data).unwrap();
    assert!(taught.accuracy() > 95.0);
    for loss in [DistillLoss::Mse, DistillLoss::Kl] {
        let student = small_mlp(6);
        let method = engine::train::Method::Distillation {
            std: 0.1,
            loss,
            gradient: engine::train::GradientVariant::PerturbRestore,
        };
        let cfg = TrainConfig { epochs: 20, batch_size: 32, method, ..TrainConfig::default() };
        let mut go = |_: &engine::train::Progress| Control::Continue;
        train(&student, &data, &cfg, TrainHooks { teacher: Some(&teacher), clock: None, progress: &mut go }).unwrap();
        let e = engine::eval::evaluate(&student, &data).unwrap();
        let agree = e.predictions.iter().zip(&taught.predictions).filter(|(a, b)| a == b).count();
        assert!(
            agree as f64 > 0.95 * data.len() as f64,
            "{loss:?}: the student agrees with its teacher on only {agree}/{}",
            data.len()
        );
    }
}

#[test]
fn biases_held_at_zero_stay_zero_while_the_weights_learn() {
    use engine::train::Biases;
    let model = small_mlp(5);
    // Copies: a Var's tensor shares its storage, which training overwrites.
    let before: Vec<Tensor> = model.weights().iter().map(|t| t.copy().unwrap()).collect();
    assert!(before.iter().zip(model.names()).any(|(t, n)| n.ends_with(".bias") && t.abs().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap() > 0.0), "PyTorch init gives non-zero biases");
    let cfg = TrainConfig { epochs: 3, batch_size: 32, biases: Biases::Zero, ..TrainConfig::default() };
    let mut go = |_: &engine::train::Progress| Control::Continue;
    let history = train(&model, &toy_data(), &cfg, TrainHooks::with_progress(&mut go)).unwrap();
    for ((t, b), name) in model.weights().iter().zip(&before).zip(model.names()) {
        let v = t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        if name.ends_with(".bias") {
            assert!(v.iter().all(|&x| x == 0.0), "{name} must stay exactly zero");
        } else {
            let moved = (t - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
            assert!(moved > 1e-3, "{name} must learn (moved {moved})");
        }
    }
    assert!(history.last().unwrap().accuracy > 90.0, "a bias-free MLP still learns the toy task: {:?}", history.last());
    // The same run with trained biases moves them away from their initial values.
    let trained = small_mlp(5);
    train(&trained, &toy_data(), &TrainConfig { biases: Biases::Trained, ..cfg }, TrainHooks::with_progress(&mut go))
        .unwrap();
    let moved =
        (&trained.weights()[1] - &before[1]).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
    assert!(moved > 1e-3, "trained biases learn (moved {moved})");
}
