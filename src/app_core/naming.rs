//! How the page names and colours a model: in the UI's words (never a Rust enum's), and one
//! colour per model wherever it is drawn.

use engine::data::DatasetKind;
use engine::model::ModelConfig;
use engine::train::{Biases, DistillLoss, GradientVariant, Method, TrainConfig};

/// Colours in the chart palette (`charts::PALETTE`).
pub const COLOURS: usize = 7;

/// A model's colour, from its id: the same in every chart and list whatever else is shown.
pub fn model_colour(id: u64) -> usize {
    // Ids are milliseconds: consecutive trainings differ in the low bits, so mix them first.
    (id.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize % COLOURS
}

/// "1 epoch", "5 epochs".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn gradient_words(g: GradientVariant) -> &'static str {
    match g {
        GradientVariant::PerturbRestore => "perturb-restore",
        GradientVariant::Reparameterised => "reparameterised",
    }
}

/// The training method as the Train panel words it.
pub fn method_words(method: &Method) -> String {
    match method {
        Method::Standard => "standard".into(),
        Method::NoiseInjection { std, gradient } => {
            format!("noise injection σ {std} ({} gradient)", gradient_words(*gradient))
        }
        Method::Distillation { std, loss, gradient } => {
            let loss = match loss {
                DistillLoss::Mse => "MSE",
                DistillLoss::Kl => "KL",
            };
            format!("teacher-student {loss}, σ {std} ({} gradient)", gradient_words(*gradient))
        }
        Method::FaultAware { lrs, hrs, noise_std } if *noise_std > 0.0 => {
            format!("fault-aware LRS {lrs} / HRS {hrs} + noise σ {noise_std}")
        }
        Method::FaultAware { lrs, hrs, .. } => format!("fault-aware LRS {lrs} / HRS {hrs}"),
    }
}

/// The name a freshly trained model gets.
pub fn model_name(model: &ModelConfig, train: &TrainConfig) -> String {
    let data = if model.dataset == DatasetKind::FashionMnist { "Fashion-MNIST · " } else { "" };
    let biases = if train.biases == Biases::Zero { " · biases 0" } else { "" };
    format!(
        "{data}{} · {}{biases} · batch {} · {} · seed {}",
        model.arch.label(),
        method_words(&train.method),
        train.batch_size,
        plural(train.epochs, "epoch", "epochs"),
        train.seed
    )
}

/// A drop-down's entry: the whole name (a shortened one would make a plain and a
/// noise-trained MLP look alike) and the clean accuracy.
pub fn option_label(name: &str, test_accuracy: f64) -> String {
    format!("{name} — {test_accuracy:.2}%")
}
