//! `mpg crossbar`: a trained model on simulated memristive crossbars (MemTorch-faithful, see
//! docs/crossbar.md): accuracy with faults and other non-idealities, accuracy versus the
//! evaluation batch for both input-scaling modes (with an SVG figure), and throughput.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Instant;

use clap::ValueEnum;
use engine::crossbar::{crossbar_accuracy, Crossbar, CrossbarConfig, DriftConfig, FaultConfig, InputScaling};
use engine::data::Split;
use engine::model::{Architecture, Model, ModelConfig};

use crate::bars::bar;
use crate::datadir;
use crate::options::{DataArgs, ModelArgs};

#[derive(clap::Subcommand, Debug)]
pub enum CrossbarCommand {
    /// Test accuracy of a model deployed on simulated crossbars, with faults and non-idealities.
    Eval(EvalArgs),
    /// Accuracy versus evaluation batch size in both input-scaling modes (table, optional SVG).
    BatchSweep(SweepArgs),
    /// Crossbar evaluation throughput on the 10,000 test images (median of several runs).
    Bench(BenchArgs),
}

/// `memtorch` or `calibrated`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
pub enum ScalingArg {
    /// MemTorch's: scale by max |x| of each layer call (depends on --eval-batch).
    Memtorch,
    /// Fixed per-layer input range measured on training images (the project's fix).
    Calibrated,
}

impl From<ScalingArg> for InputScaling {
    fn from(s: ScalingArg) -> Self {
        match s {
            ScalingArg::Memtorch => InputScaling::Memtorch,
            ScalingArg::Calibrated => InputScaling::Calibrated,
        }
    }
}

/// ADC resolution: a number of bits or `none`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdcBits(pub Option<u32>);

impl FromStr for AdcBits {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.eq_ignore_ascii_case("none") {
            return Ok(AdcBits(None));
        }
        s.parse::<u32>().map(|b| AdcBits(Some(b))).map_err(|_| format!("`{s}` is not a number of bits or `none`"))
    }
}

impl std::fmt::Display for AdcBits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(b) => write!(f, "{b}"),
            None => f.write_str("none"),
        }
    }
}

/// Every crossbar setting as a flag; defaults are MemTorch's tutorial (the report's setup).
#[derive(clap::Args, Debug, Clone)]
pub struct CrossbarArgs {
    /// How layer inputs become voltages.
    #[arg(long, value_enum, default_value_t = ScalingArg::Memtorch)]
    pub input_scaling: ScalingArg,
    /// Images per layer call; changes results in memtorch scaling.
    #[arg(long, default_value_t = 64)]
    pub eval_batch: usize,
    /// ADC bits per tile read-out, or `none` for an ideal read-out.
    #[arg(long, default_value = "8")]
    pub adc_bits: AdcBits,
    /// Tile side (devices).
    #[arg(long, default_value_t = 128)]
    pub tile: usize,
    /// Low (on) resistance, ohm.
    #[arg(long, default_value_t = 50.0, allow_negative_numbers = true)]
    pub r_on: f64,
    /// High (off) resistance, ohm.
    #[arg(long, default_value_t = 1000.0, allow_negative_numbers = true)]
    pub r_off: f64,
    /// Maximum input voltage, volt.
    #[arg(long, default_value_t = 0.3, allow_negative_numbers = true)]
    pub vmax: f64,
    /// Proportion of devices stuck at LRS (G_on), per crossbar.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub lrs: f64,
    /// Proportion of devices stuck at HRS (G_off), per crossbar.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub hrs: f64,
    /// Finite conductance states: number of levels in [G_off, G_on] (absent = continuous).
    #[arg(long)]
    pub levels: Option<u32>,
    /// Device-to-device variation: relative sd of every device's R_on and R_off (0 = none).
    #[arg(long, default_value_t = 0.0)]
    pub variation: f64,
    /// Conductance drift: seconds since programming (absent = no drift).
    #[arg(long)]
    pub drift_time: Option<f64>,
    /// Drift reference time t0, seconds.
    #[arg(long, default_value_t = 20.0)]
    pub drift_t0: f64,
    /// Drift exponent nu in (t/t0)^-nu.
    #[arg(long, default_value_t = 0.05)]
    pub drift_nu: f64,
    /// Device-to-device sd of the drift exponent.
    #[arg(long, default_value_t = 0.0)]
    pub drift_nu_sd: f64,
    /// Read noise: sd of additive conductance noise per read, relative to G_on - G_off (0 = none).
    #[arg(long, default_value_t = 0.0)]
    pub read_noise: f64,
    /// Training images used to measure the calibrated input ranges.
    #[arg(long, default_value_t = 10_000)]
    pub calibration_images: usize,
    /// Seed of tuning inputs, faults, variation, drift and read noise.
    #[arg(long, default_value_t = 1234)]
    pub seed: u64,
}

impl CrossbarArgs {
    pub fn config(&self) -> anyhow::Result<CrossbarConfig> {
        let c = CrossbarConfig {
            r_on: self.r_on,
            r_off: self.r_off,
            vmax: self.vmax,
            tile: self.tile,
            adc_bits: self.adc_bits.0,
            input_scaling: self.input_scaling.into(),
            eval_batch: self.eval_batch,
            calibration_images: self.calibration_images,
            faults: FaultConfig { lrs: self.lrs, hrs: self.hrs },
            levels: self.levels,
            variation: self.variation,
            drift: self.drift_time.map(|time| DriftConfig {
                time,
                t0: self.drift_t0,
                nu: self.drift_nu,
                nu_sd: self.drift_nu_sd,
            }),
            read_noise: self.read_noise,
            seed: self.seed,
            ..CrossbarConfig::default()
        };
        c.validate()?;
        Ok(c)
    }
}

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub crossbar: CrossbarArgs,
    /// Independent draws of faults / variation / noise (ignored when nothing is random).
    #[arg(long, default_value_t = 5)]
    pub draws: usize,
    /// Write every layer's state (conductances, stuck cells, effective weights, tuning) of
    /// draw 0 as JSON to this file.
    #[arg(long)]
    pub dump_state: Option<PathBuf>,
    /// Print JSON: `accuracy`, or `mean`, `sd` and `draws` when something is random.
    #[arg(long)]
    pub json: bool,
}

/// A short description of the settings, e.g. `memtorch scaling, eval batch 64, 8-bit ADC, 128x128 tiles`.
pub fn describe(c: &CrossbarConfig) -> String {
    format!("{} scaling, eval batch {}, {}", c.input_scaling, c.eval_batch, describe_devices(c))
}

/// The settings other than input scaling and evaluation batch.
pub fn describe_devices(c: &CrossbarConfig) -> String {
    let mut s = format!(
        "{}, {}x{} tiles, R_on {} / R_off {} ohm, {} V",
        c.adc_bits.map(|b| format!("{b}-bit ADC")).unwrap_or_else(|| "no ADC".into()),
        c.tile,
        c.tile,
        c.r_on,
        c.r_off,
        c.vmax
    );
    if !c.faults.is_none() {
        s += &format!(", faults LRS {} / HRS {}", c.faults.lrs, c.faults.hrs);
    }
    if let Some(l) = c.levels {
        s += &format!(", {l} levels");
    }
    if c.variation > 0.0 {
        s += &format!(", variation {}", c.variation);
    }
    if let Some(d) = c.drift {
        s += &format!(", drift {} s (nu {} +- {})", d.time, d.nu, d.nu_sd);
    }
    if c.read_noise > 0.0 {
        s += &format!(", read noise {}", c.read_noise);
    }
    s
}

pub fn run(cmd: CrossbarCommand) -> anyhow::Result<()> {
    match cmd {
        CrossbarCommand::Eval(a) => eval(a),
        CrossbarCommand::BatchSweep(a) => batch_sweep(a),
        CrossbarCommand::Bench(a) => bench(a),
    }
}

fn eval(a: EvalArgs) -> anyhow::Result<()> {
    let cfg = a.crossbar.config()?;
    anyhow::ensure!((1..=1000).contains(&a.draws), "--draws must be between 1 and 1000");
    if let Some(p) = &a.dump_state {
        crate::output::check_target(p)?;
    }
    let kind = a.data.dataset.into();
    let model = a.model.load(kind)?.model;
    let split = datadir::load(&a.data.data, kind)?;
    let digital = crate::options::checked_evaluation(&model, &split.test)?.accuracy();
    if let Some(path) = &a.dump_state {
        let xbar = Crossbar::deploy(&model, &cfg, Some(&split.train))?.realise(0)?;
        crate::output::write_atomic(path, serde_json::to_string(&xbar.inspect())?)?;
    }
    let draws = if cfg.is_stochastic() { a.draws } else { 1 };
    let pb = bar(draws as u64, "crossbar", "draws");
    let start = Instant::now();
    let r = crossbar_accuracy(&model, &split.test, &cfg, Some(&split.train), draws, |k, _| {
        pb.set_position(k as u64 + 1);
        true
    })?;
    pb.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    let s = r.spread;
    if a.json {
        let mut j =
            serde_json::json!({ "accuracy": s.mean, "digital_accuracy": digital, "config": cfg, "seconds": secs });
        if cfg.is_stochastic() {
            j["mean"] = s.mean.into();
            j["sd"] = s.sd.into();
            j["draws"] = serde_json::to_value(&s.draws)?;
        }
        println!("{j}");
    } else if cfg.is_stochastic() {
        let d: Vec<String> = s.draws.iter().map(|v| format!("{v:.2}")).collect();
        println!(
            "{} on crossbars ({}): {:.2}% +- {:.2} over {} draws [{}]; digital {digital:.2}% ({secs:.1} s)",
            model.config.arch.label(),
            describe(&cfg),
            s.mean,
            s.sd,
            s.draws.len(),
            d.join(", ")
        );
    } else {
        println!(
            "{} on crossbars ({}): {:.2}%; digital {digital:.2}% ({secs:.1} s)",
            model.config.arch.label(),
            describe(&cfg),
            s.mean
        );
    }
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub crossbar: CrossbarArgs,
    /// Evaluation batch sizes to try (the last partial batch is kept).
    #[arg(long, value_delimiter = ',', default_value = "1,4,16,64,256,1000,10000")]
    pub batches: Vec<usize>,
    /// Write the figure (accuracy vs batch, both modes, digital for reference) as SVG here.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Accuracy by evaluation batch for both scaling modes: `(batch, memtorch, calibrated)`.
pub fn sweep_batches(
    model: &Model,
    split: &Split,
    base: &CrossbarConfig,
    batches: &[usize],
) -> anyhow::Result<Vec<(usize, f64, f64)>> {
    let mem = sweep_mode(model, split, base, InputScaling::Memtorch, batches)?;
    let cal = sweep_mode(model, split, base, InputScaling::Calibrated, batches)?;
    Ok(mem.into_iter().zip(cal).map(|((b, m), (_, c))| (b, m, c)).collect())
}

/// Accuracy at each evaluation batch in one input-scaling mode: (batch, accuracy).
pub fn sweep_mode(
    model: &Model,
    split: &Split,
    base: &CrossbarConfig,
    scaling: InputScaling,
    batches: &[usize],
) -> anyhow::Result<Vec<(usize, f64)>> {
    anyhow::ensure!(batches.iter().all(|&b| b >= 1), "batch sizes must be at least 1");
    let calibration = (scaling == InputScaling::Calibrated).then_some(&split.train);
    let cfg = CrossbarConfig { input_scaling: scaling, ..base.clone() };
    let crossbar = Crossbar::deploy(model, &cfg, calibration)?.realise(0)?;
    let pb = bar(batches.len() as u64, format!("batch sweep ({scaling})"), "batches");
    let mut rows = Vec::new();
    for &b in batches {
        rows.push((b, engine::eval::evaluate_with(model, &model.weights(), &crossbar, &split.test, b)?.accuracy()));
        pb.inc(1);
    }
    pb.finish_and_clear();
    Ok(rows)
}

fn batch_sweep(a: SweepArgs) -> anyhow::Result<()> {
    let cfg = a.crossbar.config()?;
    anyhow::ensure!(
        !cfg.is_stochastic(),
        "the batch sweep compares scaling modes without faults or noise; drop --lrs/--hrs/--variation/--read-noise"
    );
    if let Some(p) = &a.svg {
        crate::output::check_target(p)?;
    }
    let kind = a.data.dataset.into();
    let model = a.model.load(kind)?.model;
    let split = datadir::load(&a.data.data, kind)?;
    let digital = crate::options::checked_evaluation(&model, &split.test)?.accuracy();
    let rows = sweep_batches(&model, &split, &cfg, &a.batches)?;
    if let Some(path) = &a.svg {
        let title = format!("{} on crossbars: {}", model.config.arch.label(), describe_devices(&cfg));
        batch_svg(path, &title, &rows, digital, None)?;
        eprintln!("wrote {}", path.display());
    }
    if a.json {
        let r: Vec<_> = rows
            .iter()
            .map(|(b, m, c)| serde_json::json!({ "eval_batch": b, "memtorch": m, "calibrated": c }))
            .collect();
        println!("{}", serde_json::json!({ "digital_accuracy": digital, "config": cfg, "rows": r }));
    } else {
        println!("| eval batch | memtorch scaling | calibrated scaling |\n|---|---|---|");
        for (b, m, c) in &rows {
            println!("| {b} | {m:.2} | {c:.2} |");
        }
        println!("(digital accuracy {digital:.2}%; {})", describe(&cfg));
    }
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub crossbar: CrossbarArgs,
    /// Also time the LeNet CNN (conv layers through unfolded patches).
    #[arg(long)]
    pub lenet: bool,
    /// Timed runs per network (the median is reported; one extra warm-up run).
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

fn bench(a: BenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(a.runs >= 1, "--runs must be at least 1");
    let cfg = a.crossbar.config()?;
    let split = datadir::load(&a.data.data, a.data.dataset.into())?;
    let mut nets = vec![
        ("mlp-784-512-512-10", Architecture::Mlp { hidden: vec![512, 512], dropout: 0.0 }),
        ("mlp-784-256-128-10", Architecture::report_mlp()),
    ];
    if a.lenet {
        nets.push(("lenet", Architecture::LeNet));
    }
    let mut rows = Vec::new();
    for (name, arch) in nets {
        // Throughput does not depend on training: an initialised model has the same shapes.
        let model = Model::init(ModelConfig { arch, ..ModelConfig::report_mlp() }, 1)?;
        let t = Instant::now();
        let ideal = Crossbar::deploy(&model, &cfg, Some(&split.train))?;
        let deploy_s = t.elapsed().as_secs_f64();
        let mut times = Vec::new();
        for run in 0..=a.runs {
            let t = Instant::now();
            let xbar = ideal.realise(run as u64)?;
            let acc = xbar.evaluate(&model, &split.test)?.accuracy();
            if run > 0 {
                times.push(t.elapsed().as_secs_f64());
            }
            std::hint::black_box(acc);
        }
        times.sort_by(|x, y| x.total_cmp(y));
        let median = times[times.len() / 2];
        eprintln!("{name}: {median:.3} s per 10k-image evaluation (deploy + tune {deploy_s:.3} s)");
        rows.push(
            serde_json::json!({ "model": name, "seconds": median, "images_per_s": split.test.len() as f64 / median,
            "deploy_seconds": deploy_s, "runs": times }),
        );
    }
    let threads = candle_core::utils::get_num_threads();
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "config": cfg, "threads": threads, "results": rows }))?
        );
    } else {
        println!(
            "| model | seconds per 10k test images (median of {}) | images/s | deploy + tune (s) |\n|---|---|---|---|",
            a.runs
        );
        for r in &rows {
            println!(
                "| {} | {:.3} | {:.0} | {:.3} |",
                r["model"].as_str().unwrap_or(""),
                r["seconds"].as_f64().unwrap_or(0.0),
                r["images_per_s"].as_f64().unwrap_or(0.0),
                r["deploy_seconds"].as_f64().unwrap_or(0.0)
            );
        }
        println!("({}; candle on {threads} threads)", describe(&cfg));
    }
    Ok(())
}

/// The batch-sweep figure: accuracy against evaluation batch (log axis) for both scaling
/// modes, with the digital accuracy as a dashed reference line, and optionally one more named
/// curve (e.g. another model in memtorch scaling).
pub fn batch_svg(
    path: &std::path::Path,
    title: &str,
    rows: &[(usize, f64, f64)],
    digital: f64,
    extra: Option<(&str, &[(usize, f64)])>,
) -> anyhow::Result<()> {
    use crate::plots::{Legend, Series};
    anyhow::ensure!(!rows.is_empty(), "nothing to plot");
    let xmax = rows.iter().map(|r| r.0).max().unwrap_or(1) as f64 * 1.5;
    let series_of = |name: &str, color: usize, pts: Vec<(f64, f64)>| Series {
        name: name.into(),
        color,
        points: pts.into_iter().map(|(x, y)| (x, y, 0.0)).collect(),
        dashed: false,
    };
    let mut series = vec![
        Series {
            dashed: true,
            ..series_of(&format!("digital ({digital:.2}%)"), 6, vec![(0.8, digital), (xmax, digital)])
        },
        series_of("memtorch scaling", 1, rows.iter().map(|r| (r.0 as f64, r.1)).collect()),
        series_of("calibrated scaling", 0, rows.iter().map(|r| (r.0 as f64, r.2)).collect()),
    ];
    if let Some((name, e)) = extra {
        series.push(series_of(name, 2, e.iter().map(|&(b, a)| (b as f64, a)).collect()));
    }
    let lowest = series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(digital, f64::min);
    let chart = charts::LineChart {
        caption: title.into(),
        x_label: "evaluation batch (images per layer call)".into(),
        y_label: "MNIST test accuracy (%)".into(),
        x: (0.8, xmax),
        y: ((lowest - 2.0).floor().max(0.0), (digital + 1.0).ceil().min(100.0)),
        log_x: true,
        series,
        size: (900, 540),
        legend: Legend::LowerLeft,
        ..charts::LineChart::default()
    };
    crate::plots::write(path, charts::line_chart(&chart))
}
