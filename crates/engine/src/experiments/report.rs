//! The report's own numbers (test accuracy in percent on the 10,000 MNIST test images), keyed
//! by recipe, kept beside the code that reproduces them so every table prints "ours" next to
//! "theirs". Source: `shared/reference/seed-report.md`.

use serde::{Deserialize, Serialize};

use super::keys::RecipeKey;

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
