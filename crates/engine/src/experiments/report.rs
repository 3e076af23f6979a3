//! The report's own numbers (test accuracy in percent on the 10,000 MNIST test images), keyed
//! by recipe, kept beside the code that reproduces them so every table prints "ours" next to
//! "theirs". Source: `shared/reference/seed-report.md`.

use serde::{Deserialize, Serialize};

use super::keys::RecipeKey;
pub use super::recipes::Net;

/// Every figure the report gives for one model; `None` where the report has no such figure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportFigures {
    /// Clean (PyTorch) test accuracy.
    pub clean: Option<f64>,
    /// Under log-normal noise std 1.0 (mean of 5 draws).
    pub std1_0: Option<f64>,
    /// Under log-normal noise std 1.5.
    pub std1_5: Option<f64>,
    /// On MemTorch crossbars without faults.
    pub crossbar: Option<f64>,
    /// On MemTorch crossbars with stuck-at faults LRS 0.1 / HRS 0.1.
    pub crossbar_faults: Option<f64>,
}

const fn row(
    clean: f64,
    std1_0: f64,
    std1_5: Option<f64>,
    crossbar: Option<f64>,
    faults: Option<f64>,
) -> ReportFigures {
    ReportFigures { clean: Some(clean), std1_0: Some(std1_0), std1_5, crossbar, crossbar_faults: faults }
}

const MLP_B32: ReportFigures = row(97.81, 75.48, None, Some(88.49), Some(14.58));
const MLP_B64: ReportFigures = row(97.98, 72.53, Some(30.73), Some(90.54), Some(15.58));
const MLP_B128: ReportFigures = row(97.95, 64.89, None, Some(91.04), Some(18.09));
const MLP_B256: ReportFigures = row(97.48, 63.92, None, Some(91.44), Some(15.76));
const CNN_B32: ReportFigures = row(98.94, 52.84, None, Some(90.64), Some(10.65));
const CNN_B64: ReportFigures = row(98.51, 47.35, None, Some(89.48), Some(11.42));
const CNN_B128: ReportFigures = row(98.59, 41.52, None, Some(88.98), Some(10.90));
const CNN_B256: ReportFigures = row(98.25, 40.55, None, Some(87.39), Some(11.03));
const MLP_NOISE05: ReportFigures = row(98.00, 84.38, Some(44.17), Some(91.06), Some(16.73));
const MLP_NOISE10: ReportFigures = row(90.21, 85.88, Some(54.18), Some(72.17), Some(18.66));
const MLP_TS_MSE: ReportFigures = row(93.61, 86.43, Some(41.46), None, None);
const MLP_TS_KL: ReportFigures = row(92.00, 85.12, Some(45.60), None, None);
const MLP_DROPOUT05: ReportFigures = row(97.32, 90.13, Some(49.80), None, None);
const MLP_FAULT_AWARE: ReportFigures = row(97.32, 88.32, Some(69.64), None, Some(51.49));

/// The report's figures for `key`; all `None` for the project's own ablations, which the
/// report does not have.
pub fn report_figures(key: RecipeKey) -> ReportFigures {
    use RecipeKey::*;
    match key {
        MlpB32 => MLP_B32,
        MlpB64 => MLP_B64,
        MlpB128 => MLP_B128,
        MlpB256 => MLP_B256,
        CnnB32 => CNN_B32,
        CnnB64 => CNN_B64,
        CnnB128 => CNN_B128,
        CnnB256 => CNN_B256,
        MlpNoise05 => MLP_NOISE05,
        MlpNoise10 => MLP_NOISE10,
        MlpTsMse => MLP_TS_MSE,
        MlpTsKl => MLP_TS_KL,
        MlpDropout05 => MLP_DROPOUT05,
        MlpFaultAware => MLP_FAULT_AWARE,
        MlpB64Bias0 | MlpFaultAwareBiased | MlpFaultAwareLr1e4 => ReportFigures::default(),
    }
}

// The report's tables in their own layout, derived from the keyed figures above. Kept for the
// app's Reproduce panel until it renders `ReportTable`; nothing in the engine or the CLI joins
// rows through them.

const fn fig(v: Option<f64>) -> f64 {
    match v {
        Some(v) => v,
        None => panic!("the report has this figure"),
    }
}

/// Part 1: clean and noisy (std 1.0, mean of 5 draws) accuracy by training batch size.
pub const BATCH_TABLE: [(Net, usize, f64, f64); 8] = [
    (Net::Mlp, 32, fig(MLP_B32.clean), fig(MLP_B32.std1_0)),
    (Net::Mlp, 64, fig(MLP_B64.clean), fig(MLP_B64.std1_0)),
    (Net::Mlp, 128, fig(MLP_B128.clean), fig(MLP_B128.std1_0)),
    (Net::Mlp, 256, fig(MLP_B256.clean), fig(MLP_B256.std1_0)),
    (Net::Cnn, 32, fig(CNN_B32.clean), fig(CNN_B32.std1_0)),
    (Net::Cnn, 64, fig(CNN_B64.clean), fig(CNN_B64.std1_0)),
    (Net::Cnn, 128, fig(CNN_B128.clean), fig(CNN_B128.std1_0)),
    (Net::Cnn, 256, fig(CNN_B256.clean), fig(CNN_B256.std1_0)),
];

const fn hardening(label: &'static str, f: ReportFigures) -> (&'static str, f64, f64, f64) {
    (label, fig(f.clean), fig(f.std1_0), fig(f.std1_5))
}

/// Part 1 hardening (MLP, batch 64): label, clean, std 1.0, std 1.5.
pub const HARDENING_TABLE: [(&str, f64, f64, f64); 7] = [
    hardening("Baseline", MLP_B64),
    hardening("Noise-injection training, std 0.5", MLP_NOISE05),
    hardening("Noise-injection training, std 1.0", MLP_NOISE10),
    hardening("Teacher-student, MSE, std 1.0", MLP_TS_MSE),
    hardening("Teacher-student, KL divergence, std 1.0", MLP_TS_KL),
    hardening("Dropout p=0.5", MLP_DROPOUT05),
    hardening("Fault-aware training (Part 2)", MLP_FAULT_AWARE),
];

const fn crossbar(
    key: &'static str,
    label: &'static str,
    f: ReportFigures,
) -> (&'static str, &'static str, f64, f64, f64) {
    (key, label, fig(f.clean), fig(f.crossbar), fig(f.crossbar_faults))
}

/// Part 2 (MemTorch crossbars, faults LRS 0.1 / HRS 0.1): key, the report's label, and
/// PyTorch / crossbar / crossbar + faults accuracy.
pub const CROSSBAR_TABLE: [(&str, &str, f64, f64, f64); 10] = [
    crossbar("mlp-b32", "MLP, batch 32", MLP_B32),
    crossbar("mlp-b64", "MLP, batch 64", MLP_B64),
    crossbar("mlp-b128", "MLP, batch 128", MLP_B128),
    crossbar("mlp-b256", "MLP, batch 256", MLP_B256),
    crossbar("mlp-noise1.0", "MLP, noise-trained std 1.0, batch 64", MLP_NOISE10),
    crossbar("mlp-noise0.5", "MLP, noise-trained std 0.5, batch 64", MLP_NOISE05),
    crossbar("cnn-b32", "CNN, batch 32", CNN_B32),
    crossbar("cnn-b64", "CNN, batch 64", CNN_B64),
    crossbar("cnn-b128", "CNN, batch 128", CNN_B128),
    crossbar("cnn-b256", "CNN, batch 256", CNN_B256),
];

/// Part 2 fault-aware training (MLP, batch 64): crossbar + faults (0.1 / 0.1) accuracy.
pub const FAULT_AWARE_TABLE: [(&str, f64); 2] =
    [("Baseline", fig(MLP_B64.crossbar_faults)), ("Fault-aware training", fig(MLP_FAULT_AWARE.crossbar_faults))];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_match_the_report_tables_by_key() {
        // Spot checks against seed-report.md, one per table.
        assert_eq!(report_figures(RecipeKey::CnnB128).std1_0, Some(41.52));
        assert_eq!(report_figures(RecipeKey::MlpTsKl).std1_5, Some(45.60));
        assert_eq!(report_figures(RecipeKey::MlpNoise10).crossbar, Some(72.17));
        assert_eq!(report_figures(RecipeKey::MlpB64).crossbar_faults, Some(15.58));
        assert_eq!(report_figures(RecipeKey::MlpFaultAware).crossbar_faults, Some(51.49));
        assert_eq!(report_figures(RecipeKey::MlpB64Bias0), ReportFigures::default());
    }
}
