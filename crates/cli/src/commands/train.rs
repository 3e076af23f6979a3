//! `mpg train`: train a model and save it.

use std::path::PathBuf;
use std::time::Instant;

use clap::ValueEnum;
use engine::data::Dataset;
use engine::experiments::notes::{model_file, ModelNotes};
use engine::model::{Architecture, Model, ModelConfig};
use engine::train::{
    train, AdamConfig, Biases, Control, DistillLoss, EpochSummary, GradientVariant, Method, TrainConfig, TrainHooks,
};

use crate::bars::bar;
use crate::datadir;
use crate::options::{DataArgs, PreprocessingArg};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub data: DataArgs,
    /// Network: the report's MLP (hidden sizes from --hidden), the LeNet CNN, or PyTorch's MNIST example CNN.
    #[arg(long = "arch", value_enum, default_value_t = ArchArg::Mlp)]
    pub arch: ArchArg,
    /// MLP hidden layer sizes, comma-separated (units).
    #[arg(long, value_delimiter = ',', default_value = "256,128")]
    pub hidden: Vec<usize>,
    /// MLP only: dropout probability after each hidden ReLU (0 = none).
    #[arg(long, default_value_t = 0.0)]
    pub dropout: f32,
    /// Input preparation.
    #[arg(long, value_enum, default_value_t = PreprocessingArg::Normalized)]
    pub preprocessing: PreprocessingArg,
    /// Passes over the 60,000 training images.
    #[arg(long, default_value_t = 5)]
    pub epochs: usize,
    /// Images per optimisation step (the last partial batch is kept).
    #[arg(long = "batch", default_value_t = 64)]
    pub batch_size: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    /// Seed for initialisation, shuffling, dropout and training noise.
    #[arg(long, default_value_t = 1234)]
    pub seed: u64,
    /// Training method.
    #[arg(long, value_enum, default_value_t = MethodArg::Standard)]
    pub method: MethodArg,
    /// Training noise: std of eps in w*exp(eps) (dimensionless). Default 1.0 for noise and
    /// teacher-student, 0 (none) for fault-aware.
    #[arg(long)]
    pub train_noise: Option<f32>,
    /// How gradients reach the clean weights under training noise.
    #[arg(long, value_enum, default_value_t = GradientArg::PerturbRestore)]
    pub gradient: GradientArg,
    /// teacher-student: the loss against the teacher's softmax.
    #[arg(long, value_enum, default_value_t = DistillArg::Kl)]
    pub distill_loss: DistillArg,
    /// fault-aware: share of devices stuck at the lowest resistance (LRS), per crossbar, drawn afresh every step.
    #[arg(long, default_value_t = 0.1)]
    pub lrs: f64,
    /// fault-aware: share of devices stuck at the highest resistance (HRS), per crossbar.
    #[arg(long, default_value_t = 0.1)]
    pub hrs: f64,
    /// Biases: trained, or held at zero (a network without biases keeps its accuracy under
    /// MemTorch's batch-dependent input scaling; see docs/crossbar.md).
    #[arg(long, value_enum, default_value_t = BiasesArg::Trained)]
    pub biases: BiasesArg,
    /// teacher-student: the clean teacher model (.safetensors).
    #[arg(long)]
    pub teacher: Option<PathBuf>,
    /// Where to save the trained model.
    #[arg(long, short, default_value = "model.safetensors")]
    pub out: PathBuf,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ArchArg {
    Mlp,
    Lenet,
    ExampleCnn,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum MethodArg {
    /// Plain cross-entropy.
    Standard,
    /// Fresh log-normal noise on every parameter at every step.
    Noise,
    /// Student under noise matching a clean teacher's softmax (needs --teacher).
    TeacherStudent,
    /// Each step uses the weights a crossbar with --lrs/--hrs stuck devices would realise
    /// (plus log-normal noise when --train-noise > 0).
    FaultAware,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum BiasesArg {
    /// Learned like every other parameter.
    Trained,
    /// Set to zero and never updated.
    Zero,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum GradientArg {
    PerturbRestore,
    Reparameterised,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DistillArg {
    Mse,
    Kl,
}

/// Trains with a progress bar; returns the history and the wall time in seconds.
pub fn train_with_bar(
    model: &Model,
    data: &Dataset,
    cfg: &TrainConfig,
    teacher: Option<&Model>,
    label: &str,
) -> anyhow::Result<(Vec<EpochSummary>, f64)> {
    let steps = data.len().div_ceil(cfg.batch_size) * cfg.epochs;
    let pb = bar(steps as u64, label, "steps");
    let start = Instant::now();
    let mut on_progress = |p: &engine::train::Progress| {
        pb.set_position(p.global_step as u64);
        if p.step == p.steps_per_epoch || p.global_step.is_multiple_of(20) {
            let rate = p.throughput.map(|r| format!(" {r:.0} img/s")).unwrap_or_default();
            pb.set_message(format!(
                "{label} e{}/{} loss {:.3} acc {:.1}%{rate}",
                p.epoch, p.epochs, p.running_loss, p.running_accuracy
            ));
        }
        Control::Continue
    };
    let clock = || start.elapsed().as_secs_f64();
    let hooks = TrainHooks { teacher, clock: Some(&clock), progress: &mut on_progress };
    let result = train(model, data, cfg, hooks);
    pb.finish_and_clear();
    // The engine's divergence rule stops a runaway run with an error, so its model is never saved.
    let history = result.map_err(|e| anyhow::Error::new(e).context(format!("training {label}")))?;
    Ok((history, start.elapsed().as_secs_f64()))
}

/// Test accuracy (percent) at or below which a finished run counts as having learned nothing:
/// 1.5 times chance for 10 classes.
const CHANCE_LIMIT: f64 = 15.0;

pub fn run(a: Args) -> anyhow::Result<()> {
    crate::output::check_target(&a.out)?;
    let kind = a.data.dataset.into();
    let arch = match a.arch {
        ArchArg::Mlp => Architecture::Mlp { hidden: a.hidden.clone(), dropout: a.dropout },
        ArchArg::Lenet => Architecture::LeNet,
        ArchArg::ExampleCnn => Architecture::ExampleCnn,
    };
    let gradient = match a.gradient {
        GradientArg::PerturbRestore => GradientVariant::PerturbRestore,
        GradientArg::Reparameterised => GradientVariant::Reparameterised,
    };
    let method = match a.method {
        MethodArg::Standard => Method::Standard,
        MethodArg::Noise => Method::NoiseInjection { std: a.train_noise.unwrap_or(1.0), gradient },
        MethodArg::TeacherStudent => Method::Distillation {
            std: a.train_noise.unwrap_or(1.0),
            gradient,
            loss: match a.distill_loss {
                DistillArg::Mse => DistillLoss::Mse,
                DistillArg::Kl => DistillLoss::Kl,
            },
        },
        MethodArg::FaultAware => Method::FaultAware { lrs: a.lrs, hrs: a.hrs, noise_std: a.train_noise.unwrap_or(0.0) },
    };
    let teacher = match (&a.teacher, &method) {
        (Some(p), _) => Some(
            crate::options::ModelArgs {
                model: p.clone(),
                import_preprocessing: a.preprocessing,
                allow_dataset_mismatch: false,
            }
            .load(kind)?
            .model,
        ),
        (None, Method::Distillation { .. }) => {
            anyhow::bail!("--method teacher-student needs --teacher FILE (a clean model trained first)")
        }
        _ => None,
    };
    let config = ModelConfig { arch, preprocessing: a.preprocessing.resolve(kind), dataset: kind };
    let cfg = TrainConfig {
        epochs: a.epochs,
        batch_size: a.batch_size,
        adam: AdamConfig { lr: a.lr, ..AdamConfig::default() },
        seed: a.seed,
        method,
        biases: match a.biases {
            BiasesArg::Trained => Biases::Trained,
            BiasesArg::Zero => Biases::Zero,
        },
    };
    cfg.validate()?;
    config.validate()?;
    config.arch.check_batch(cfg.batch_size)?;
    // The data only once the settings hold: a refused setting answers at once.
    let split = datadir::load(&a.data.data, kind)?;
    let model = Model::init(config, a.seed)?;
    let (history, seconds) = train_with_bar(&model, &split.train, &cfg, teacher.as_ref(), &model.config.arch.label())?;
    let test = crate::options::checked_evaluation(&model, &split.test)?;
    // A run that ends no better than guessing learned nothing (a learning rate far too high
    // collapses a small MLP to one class with a finite, unremarkable loss, which the divergence
    // guard cannot see): an error, and the previous --out stays.
    if test.accuracy() <= CHANCE_LIMIT {
        anyhow::bail!(
            "training {}: test accuracy {:.2}% after {} epoch(s), no better than guessing (10% for 10 classes): these settings learned nothing (learning rate {}); nothing was saved to {}",
            model.config.arch.label(),
            test.accuracy(),
            history.len(),
            cfg.adam.lr,
            a.out.display()
        );
    }
    // No recipe key: a file trained by hand is still reused by `mpg reproduce` when its
    // settings are a recipe's (see `ModelNotes::matches`).
    let mut notes = ModelNotes::new(&model.config, &cfg, None, history.clone());
    notes.test_accuracy = Some(test.accuracy());
    // The wall time is printed, not saved: with it the same seed and build would not give a
    // byte-identical file.
    crate::output::write_atomic(&a.out, model_file(&model, &notes)?)?;
    if a.json {
        let mut shown = notes.clone();
        shown.train_seconds = Some(seconds);
        println!("{}", serde_json::to_string_pretty(&shown)?);
    } else {
        for h in &history {
            println!("epoch {}: train loss {:.4}, train accuracy {:.2}%", h.epoch, h.loss, h.accuracy);
        }
        println!(
            "test accuracy {:.2}% ({} parameters, {:.1} s); saved {}",
            test.accuracy(),
            model.num_params(),
            seconds,
            a.out.display()
        );
    }
    Ok(())
}
