//! The training loop: seeded shuffling, mini-batches (the last partial batch kept), the
//! method's perturbed forward pass, Adam on the clean weights, progress and cancellation.

use candle_core::{Device, Tensor};
use rand::seq::SliceRandom;

use super::adam::Adam;
use super::config::{Biases, TrainConfig};
use super::method::{DistillLoss, Method};
use super::progress::{Control, EpochSummary, Progress};
use crate::data::{Batcher, Dataset};
use crate::error::{Error, Result};
use crate::eval::argmax_rows;
use crate::model::ops::ParamGrads;
use crate::model::{DigitalLayers, Model, ParamKind, Pass};
use crate::rng::{self, stream};

/// What a run needs besides its settings.
pub struct TrainHooks<'a> {
    /// The clean teacher, required by [`Method::Distillation`].
    pub teacher: Option<&'a Model>,
    /// Seconds since some fixed point, for throughput; `None` where no clock is wanted.
    pub clock: Option<&'a dyn Fn() -> f64>,
    /// Called after every step.
    pub progress: &'a mut dyn FnMut(&Progress) -> Control,
}

impl<'a> TrainHooks<'a> {
    /// Hooks with a progress callback only.
    pub fn with_progress(progress: &'a mut dyn FnMut(&Progress) -> Control) -> Self {
        Self { teacher: None, clock: None, progress }
    }
}

/// Trains `model` in place on `data`. Returns the per-epoch history.
pub fn train(model: &Model, data: &Dataset, cfg: &TrainConfig, hooks: TrainHooks) -> Result<Vec<EpochSummary>> {
    cfg.validate()?;
    if data.is_empty() {
        return Err(Error::invalid("training set", 0, "is empty"));
    }
    if data.features() != crate::model::INPUTS {
        return Err(Error::ShapeMismatch {
            what: "training images".into(),
            expected: vec![28, 28],
            found: vec![data.images.rows, data.images.cols],
        });
    }
    let teacher = match (&cfg.method, hooks.teacher) {
        (Method::Distillation { .. }, None) => {
            return Err(Error::invalid("method", "teacher-student", "needs a trained teacher model"))
        }
        (Method::Distillation { loss, .. }, Some(t)) => Some((t, *loss)),
        _ => None,
    };
    let dev = Device::Cpu;
    let batcher = Batcher::new(data, model.config.preprocessing, model.config.arch.example_shape());
    // The teacher needs its own input batches only when it prepares or shapes inputs differently.
    let teacher_batcher = teacher
        .filter(|(t, _)| {
            t.config.preprocessing != model.config.preprocessing
                || t.config.arch.example_shape() != model.config.arch.example_shape()
        })
        .map(|(t, _)| Batcher::new(data, t.config.preprocessing, t.config.arch.example_shape()));
    let params = model.params().to_vec();
    // Which parameters Adam updates: all, or all but the biases held at zero.
    let frozen = |i: usize| cfg.biases == Biases::Zero && model.kinds()[i] == ParamKind::Bias;
    for (i, p) in params.iter().enumerate() {
        if frozen(i) {
            p.set(&p.as_tensor().zeros_like()?)?;
        }
    }
    let trainable: Vec<usize> = (0..params.len()).filter(|&i| !frozen(i)).collect();
    let trained_params: Vec<_> = trainable.iter().map(|&i| params[i].clone()).collect();
    let mut adam = Adam::new(&trained_params, cfg.adam)?;
    let mut shuffle_rng = rng::rng(cfg.seed, stream::SHUFFLE);
    let mut dropout_rng = rng::rng(cfg.seed, stream::DROPOUT);
    let mut noise_rng = rng::rng(cfg.seed, stream::TRAIN_NOISE);
    let steps_per_epoch = data.len().div_ceil(cfg.batch_size);
    let total_steps = steps_per_epoch * cfg.epochs;
    let start_time = hooks.clock.map(|c| c());
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut history = Vec::new();
    // Stops NaN/inf, and finite losses running away (see `divergence.rs`).
    let mut guard = super::divergence::DivergenceGuard::default();
    let mut global_step = 0;
    let mut images_seen = 0;
    for epoch in 1..=cfg.epochs {
        order.shuffle(&mut shuffle_rng);
        let (mut loss_sum, mut correct, mut seen) = (0.0f64, 0usize, 0usize);
        for (step, idx) in order.chunks(cfg.batch_size).enumerate() {
            let (x, y) = batcher.batch(idx, &dev)?;
            let clean = model.weights();
            let weights = cfg.method.effective_weights(&clean, model.kinds(), &mut noise_rng)?;
            // The fused layers hand the variables' gradients to `param_grads` (see its module).
            let param_grads = ParamGrads::default();
            let logits = param_grads.gather(|| {
                model.forward_with(&weights, &x, &mut Pass { dropout: Some(&mut dropout_rng), exec: &DigitalLayers })
            })?;
            let loss = match teacher {
                None => crate::model::ops::cross_entropy(&logits, &y)?,
                Some((t, kind)) => {
                    let tx = match &teacher_batcher {
                        Some(b) => b.batch(idx, &dev)?.0,
                        None => x.clone(),
                    };
                    let target = candle_nn::ops::softmax_last_dim(&t.forward(&tx)?.detach())?;
                    distill_loss(&logits, &target, kind)?
                }
            };
            let loss_value = loss.to_scalar::<f32>()?;
            global_step += 1;
            guard.observe(epoch, step + 1, loss_value)?;
            let grads = loss.backward()?;
            // Every parameter takes part in every forward pass, so a missing gradient is a broken
            // graph (an op without backward), never something to paper over with zeros.
            let grads = params
                .iter()
                .zip(model.names())
                .map(|(p, name)| {
                    let p = p.as_tensor();
                    match (param_grads.take(p)?, grads.get(p)) {
                        (Some(gathered), Some(more)) => Ok((gathered + more)?),
                        (Some(g), None) => Ok(g),
                        (None, Some(g)) => Ok(g.clone()),
                        (None, None) => Err(Error::NoGradient { name: name.clone() }),
                    }
                })
                .collect::<Result<Vec<_>>>()?;
            let grads: Vec<_> = trainable.iter().map(|&i| grads[i].clone()).collect();
            adam.step(&trained_params, &grads)?;
            let pred = argmax_rows(&logits)?;
            correct += pred.iter().zip(idx).filter(|(p, &i)| **p == data.labels[i]).count();
            loss_sum += loss_value as f64 * idx.len() as f64;
            seen += idx.len();
            images_seen += idx.len();
            let throughput = match (hooks.clock, start_time) {
                (Some(c), Some(s)) => Some(images_seen as f64 / (c() - s).max(1e-9)),
                _ => None,
            };
            let p = Progress {
                epoch,
                epochs: cfg.epochs,
                step: step + 1,
                steps_per_epoch,
                global_step,
                total_steps,
                loss: loss_value,
                running_loss: (loss_sum / seen as f64) as f32,
                running_accuracy: (100.0 * correct as f64 / seen as f64) as f32,
                images_seen,
                throughput,
            };
            if (hooks.progress)(&p) == Control::Stop {
                return Err(Error::Cancelled);
            }
        }
        history.push(EpochSummary {
            epoch,
            loss: (loss_sum / seen as f64) as f32,
            accuracy: (100.0 * correct as f64 / seen as f64) as f32,
        });
    }
    Ok(history)
}

/// The distillation loss of student logits against teacher probabilities.
pub fn distill_loss(student_logits: &Tensor, teacher_probs: &Tensor, kind: DistillLoss) -> Result<Tensor> {
    Ok(match kind {
        DistillLoss::Mse => {
            // The composed softmax, not candle-nn's fused `softmax_last_dim`: the fused op has no
            // backward pass, so the student would silently receive no gradient.
            let p = candle_nn::ops::softmax(student_logits, 1)?;
            candle_nn::loss::mse(&p, teacher_probs)?
        }
        DistillLoss::Kl => {
            // KL(t || s) = sum t (log t - log s), batch mean; 0 log 0 taken as 0.
            let log_s = candle_nn::ops::log_softmax(student_logits, 1)?;
            let log_t = teacher_probs.clamp(1e-12f32, 1.0f32)?.log()?;
            let n = student_logits.dim(0)? as f64;
            ((teacher_probs * (log_t - log_s)?)?.sum_all()? / n)?
        }
    })
}
