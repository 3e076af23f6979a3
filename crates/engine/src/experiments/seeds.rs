//! Statistics that can settle a claim: a report table measured over several training seeds,
//! every noisy cell under two protocols (the report's mean of a few draws, and the expectation
//! over many draws with its standard error), and a computed verdict on each of the report's
//! figures. `mpg reproduce noise` and `mpg reproduce crossbar` build theirs here.
//!
//! Evaluation draws are independent per model by default: the noise (or crossbar) seed of a
//! model is [`model_draw_seed`] of the base seed, the recipe key and the training seed, so two
//! models with the same shapes never share their perturbations. [`DrawSharing::Common`] keeps
//! the base seed for every model (draw k then depends on the base seed and k only).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::keys::RecipeKey;
use super::report::ReportFigures;
use super::table::{Figure, Measured, ModelSource, ReportTable, Section};
use crate::stats::{mean, sample_sd, Spread};

/// Most training seeds one run may ask for (each trains every row once more).
pub const MAX_SEEDS: usize = 100;

/// A verdict holds when the report's figure is within this many combined sd of our mean.
pub const VERDICT_SDS: f64 = 2.0;

/// The training seeds of a run: `n` consecutive seeds from `base` (1234, 1235, ...).
pub fn training_seeds(base: u64, n: usize) -> Vec<u64> {
    (0..n as u64).map(|i| base.wrapping_add(i)).collect()
}

/// 64-bit FNV-1a of `bytes`, finished with SplitMix64's mixer: a fixed function of the bytes
/// on every platform and Rust version (unlike `std`'s hashers, whose output may change).
pub fn stable_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The evaluation seed of one model when draws are independent per model: [`stable_hash`] of
/// `"mpg-draws-v1"`, the base seed (8 bytes, little-endian), the recipe key's string
/// (e.g. `mlp-b64`) and the training seed (8 bytes, little-endian), each field followed by a 0 byte.
pub fn model_draw_seed(base: u64, key: RecipeKey, train_seed: u64) -> u64 {
    let mut bytes = b"mpg-draws-v1\0".to_vec();
    bytes.extend(base.to_le_bytes());
    bytes.push(0);
    bytes.extend(key.as_str().as_bytes());
    bytes.push(0);
    bytes.extend(train_seed.to_le_bytes());
    bytes.push(0);
    stable_hash(&bytes)
}

/// Whether models share their evaluation draws.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DrawSharing {
    /// Each model's draws come from [`model_draw_seed`]: independent between models.
    #[default]
    Independent,
    /// Every model uses the base seed: the same perturbations for models of the same shapes.
    Common,
}

impl DrawSharing {
    /// The evaluation seed of the model of `key` trained from `train_seed`.
    pub fn seed(self, base: u64, key: RecipeKey, train_seed: u64) -> u64 {
        match self {
            DrawSharing::Independent => model_draw_seed(base, key, train_seed),
            DrawSharing::Common => base,
        }
    }

    /// A sentence for the results files.
    pub fn describe(self, base: u64) -> String {
        match self {
            DrawSharing::Independent => format!(
                "Draws are independent per model: each model's seed is `model_draw_seed({base}, key, training seed)` (a stable FNV-1a/SplitMix64 hash, `engine::experiments::seeds`)."
            ),
            DrawSharing::Common => format!(
                "Draws are common to every model (`--common-draws`): seed {base} for all, so models of the same shapes see the same perturbations."
            ),
        }
    }
}

/// How far the report's figure is from our measurements, and whether that is within the spread.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Report minus our mean, percentage points.
    pub diff_pp: f64,
    /// The combined sd the difference is measured in (see [`verdict`]).
    pub sigma: f64,
    /// `diff_pp / sigma` (infinite when sigma is 0 and the figures differ).
    pub z: f64,
    /// `|z| <= VERDICT_SDS`.
    pub holds: bool,
}

impl Verdict {
    /// "holds (+0.31 pp, 0.4 sd)" or "differs (-12.10 pp, 4.1 sd)".
    pub fn text(&self) -> String {
        let word = if self.holds { "holds" } else { "differs" };
        let z = if self.z.is_finite() { format!("{:.1}", self.z.abs()) } else { "∞".into() };
        format!("{word} ({:+.2} pp, {z} sd)", self.diff_pp)
    }
}

/// Whether the report's figure `report` is within the spread of what one run of its protocol
/// gives. `per_seed` holds, for each training seed, our best estimate of that model's figure
/// (the clean accuracy, or the mean of all its draws); `draw_sd` is the sd of a single draw
/// within a model (0 for a deterministic figure); `report_draws` is how many draws the report
/// averaged. One run of the report's protocol (a new training run, `report_draws` draws) has
/// sd `sigma = sqrt(sd_seeds^2 * (1 + 1/n) + draw_sd^2 / report_draws)` around our mean
/// (`1/n` for the uncertainty of our mean of `n` seeds); the figure holds when
/// `|report - mean| <= 2 sigma`. `None` with fewer than two seeds (no training spread).
pub fn verdict(report: f64, per_seed: &[f64], draw_sd: f64, report_draws: usize) -> Option<Verdict> {
    let n = per_seed.len();
    if n < 2 || report_draws == 0 {
        return None;
    }
    let m = mean(per_seed);
    let sd = sample_sd(per_seed);
    let sigma = (sd * sd * (1.0 + 1.0 / n as f64) + draw_sd * draw_sd / report_draws as f64).sqrt();
    let diff_pp = report - m;
    let z = if sigma > 0.0 {
        diff_pp / sigma
    } else if diff_pp == 0.0 {
        0.0
    } else {
        f64::INFINITY.copysign(diff_pp)
    };
    Some(Verdict { diff_pp, sigma, z, holds: z.abs() <= VERDICT_SDS })
}

/// One figure of one row over the seeds, under both protocols.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FigureStats {
    pub figure: Figure,
    /// The report's protocol per seed: the value of a deterministic figure, the mean of the
    /// first `draws` draws of a noisy one.
    pub protocol: Vec<f64>,
    /// Mean of `protocol`.
    pub protocol_mean: f64,
    /// Sample sd of `protocol` over seeds; with one seed, the sd over that model's first
    /// `draws` draws (0 for a deterministic figure).
    pub protocol_sd: f64,
    /// A noisy figure's expectation: `None` for a deterministic one.
    pub expectation: Option<Expectation>,
    /// `None` where the report has no such figure or with one seed.
    pub verdict: Option<Verdict>,
}

/// The expectation of a noisy figure: every model's mean over all its draws, averaged over seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Expectation {
    /// Draws per model.
    pub draws: usize,
    /// Each seed's model's mean over its draws.
    pub per_seed: Vec<f64>,
    /// Mean over seeds.
    pub mean: f64,
    /// Standard error of `mean`: sd of `per_seed` / sqrt(seeds), or with one seed the draw
    /// sd / sqrt(draws).
    pub se: f64,
    /// Pooled sd of one draw within a model: sqrt of the mean of the models' draw variances.
    pub draw_sd: f64,
}

/// The statistics of `figure` from the measurements of one row's models (one per seed, in
/// seed order); `None` if a model lacks the figure. `draws` is the report's protocol's count.
pub fn figure_stats(figure: Figure, runs: &[&Measured], draws: usize, report: Option<f64>) -> Option<FigureStats> {
    let spreads: Vec<&Spread> = runs.iter().map(|m| figure.ours(m)).collect::<Option<_>>()?;
    if spreads.is_empty() {
        return None;
    }
    let noisy = spreads.iter().any(|s| s.draws.len() > 1);
    let protocol: Vec<f64> = spreads.iter().map(|s| mean(&s.draws[..draws.min(s.draws.len())])).collect();
    let protocol_mean = mean(&protocol);
    let protocol_sd = match spreads.as_slice() {
        [one] => sample_sd(&one.draws[..draws.min(one.draws.len())]),
        _ => sample_sd(&protocol),
    };
    let expectation = noisy.then(|| {
        let per_seed: Vec<f64> = spreads.iter().map(|s| s.mean).collect();
        let draw_sd = (mean(&spreads.iter().map(|s| s.sd * s.sd).collect::<Vec<_>>())).sqrt();
        let n = per_seed.len() as f64;
        let se = if per_seed.len() > 1 {
            sample_sd(&per_seed) / n.sqrt()
        } else {
            draw_sd / (spreads[0].draws.len() as f64).sqrt()
        };
        Expectation { draws: spreads[0].draws.len(), mean: mean(&per_seed), se, draw_sd, per_seed }
    });
    let verdict = report.and_then(|r| match &expectation {
        Some(e) => verdict(r, &e.per_seed, e.draw_sd, draws),
        None => verdict(r, &protocol, 0.0, draws),
    });
    Some(FigureStats { figure, protocol, protocol_mean, protocol_sd, expectation, verdict })
}

/// One model of a row: its training seed and what was measured of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeedRun {
    pub key: RecipeKey,
    pub seed: u64,
    pub measured: Measured,
}

/// One row over its seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeedRow {
    pub section: Section,
    pub key: RecipeKey,
    pub label: String,
    pub report: ReportFigures,
    /// The training seeds of the row's models, in order.
    pub seeds: Vec<u64>,
    /// The section's figures, in column order (a figure some model lacks is left out).
    pub figures: Vec<FigureStats>,
    /// How many of the row's models were reused, trained, and the training time of the trained.
    pub reused: usize,
    pub trained: usize,
    pub train_seconds: f64,
}

impl SeedRow {
    pub fn figure(&self, f: Figure) -> Option<&FigureStats> {
        self.figures.iter().find(|s| s.figure == f)
    }
}

/// A report table over several training seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeedTable {
    /// The report's protocol's draws per noisy figure (the first draws of each model's).
    pub draws: usize,
    pub rows: Vec<SeedRow>,
}

impl SeedTable {
    /// The rows of `layout` with the measurements `runs` (keyed by recipe and training seed),
    /// each row over the seeds `seeds_of(key)`; `label_seed` names the recipes. A row with a
    /// model missing from `runs` keeps no figures.
    pub fn build(
        layout: &[(Section, Vec<RecipeKey>)],
        runs: &BTreeMap<(RecipeKey, u64), Measured>,
        seeds_of: impl Fn(RecipeKey) -> Vec<u64>,
        label_seed: u64,
        draws: usize,
    ) -> Self {
        let labels = ReportTable::build(layout, &BTreeMap::new(), label_seed);
        let rows = labels
            .rows
            .into_iter()
            .map(|r| {
                let seeds = seeds_of(r.key);
                let models: Option<Vec<&Measured>> = seeds.iter().map(|&s| runs.get(&(r.key, s))).collect();
                let models = models.unwrap_or_default();
                let figures = r
                    .section
                    .figures()
                    .iter()
                    .filter_map(|&f| figure_stats(f, &models, draws, f.report(&r.report)))
                    .collect();
                let reused = models.iter().filter(|m| matches!(m.source, Some(ModelSource::Reused { .. }))).count();
                let trained: Vec<&&Measured> =
                    models.iter().filter(|m| matches!(m.source, Some(ModelSource::Trained))).collect();
                SeedRow {
                    section: r.section,
                    key: r.key,
                    label: r.label,
                    report: r.report,
                    seeds,
                    figures,
                    reused,
                    trained: trained.len(),
                    train_seconds: trained.iter().filter_map(|m| m.train_seconds).fold(0.0, |a, b| a + b),
                }
            })
            .collect();
        Self { draws, rows }
    }

    /// The sections present, in first-appearance order.
    fn sections(&self) -> Vec<Section> {
        let mut out: Vec<Section> = Vec::new();
        for r in &self.rows {
            if !out.contains(&r.section) {
                out.push(r.section);
            }
        }
        out
    }

    /// The draws per model of the expectation columns (the first noisy figure's), if any.
    pub fn expectation_draws(&self) -> Option<usize> {
        self.rows.iter().flat_map(|r| &r.figures).find_map(|f| f.expectation.as_ref().map(|e| e.draws))
    }

    /// One section as Markdown: for every figure the report's value, ours under the report's
    /// protocol, the expectation (noisy figures) and the verdict (figures the report has).
    pub fn section_markdown(&self, section: Section) -> String {
        let figures = section.figures();
        let rows: Vec<&SeedRow> = self.rows.iter().filter(|r| r.section == section).collect();
        let noisy = |f: Figure| rows.iter().any(|r| r.figure(f).is_some_and(|s| s.expectation.is_some()));
        let d = self.draws;
        let e = self.expectation_draws().unwrap_or(d);
        let mut s = format!("## {}\n\n| Model | Seeds |", section.title());
        let mut columns = 1;
        for &f in figures {
            let reported = in_report(f);
            if reported {
                let _ = write!(s, " {} (report) |", f.heading());
                columns += 1;
            }
            if noisy(f) {
                let _ = write!(s, " {} (ours, {d} draws) | {} (ours, {e} draws ± SE) |", f.heading(), f.heading());
                columns += 2;
            } else {
                let _ = write!(s, " {} (ours) |", f.heading());
                columns += 1;
            }
            if reported {
                let _ = write!(s, " {} verdict |", f.heading());
                columns += 1;
            }
        }
        s.push_str(" Models |\n|---|");
        s.push_str(&"---|".repeat(columns + 1));
        s.push('\n');
        let dash = || "—".to_string();
        for r in &rows {
            let _ = write!(s, "| {} | {} |", r.label, r.seeds.len());
            for &f in figures {
                let stats = r.figure(f);
                let reported = in_report(f);
                if reported {
                    let _ = write!(s, " {} |", f.report(&r.report).map(|v| format!("{v:.2}")).unwrap_or_else(dash));
                }
                let protocol = stats.map(|st| {
                    if st.protocol_sd > 0.0 || r.seeds.len() > 1 {
                        format!("{:.2} ± {:.2}", st.protocol_mean, st.protocol_sd)
                    } else {
                        format!("{:.2}", st.protocol_mean)
                    }
                });
                let _ = write!(s, " {} |", protocol.unwrap_or_else(dash));
                if noisy(f) {
                    let exp =
                        stats.and_then(|st| st.expectation.as_ref()).map(|x| format!("{:.2} ± {:.2}", x.mean, x.se));
                    let _ = write!(s, " {} |", exp.unwrap_or_else(dash));
                }
                if reported {
                    let v = stats.and_then(|st| st.verdict).map(|v| v.text());
                    let _ = write!(s, " {} |", v.unwrap_or_else(dash));
                }
            }
            let _ = writeln!(s, " {} |", provenance(r));
        }
        s
    }

    /// Every section, one Markdown table each.
    pub fn markdown(&self) -> String {
        self.sections().into_iter().map(|s| self.section_markdown(s)).collect::<Vec<_>>().join("\n")
    }

    /// Which of the report's figures hold within the spread and which do not, computed from
    /// the verdicts (every figure of every row once, a row in two sections counted once).
    pub fn verdict_summary(&self) -> String {
        let mut seen: Vec<(RecipeKey, Figure)> = Vec::new();
        let (mut holds, mut differs, mut open) = (Vec::new(), Vec::new(), 0usize);
        for r in &self.rows {
            for st in &r.figures {
                if st.figure.report(&r.report).is_none() || seen.contains(&(r.key, st.figure)) {
                    continue;
                }
                seen.push((r.key, st.figure));
                let report = st.figure.report(&r.report).unwrap_or_default();
                let ours = st.expectation.as_ref().map(|e| e.mean).unwrap_or(st.protocol_mean);
                match st.verdict {
                    Some(v) => {
                        let line = format!(
                            "{}, {}: report {report:.2}, ours {ours:.2} ({:+.2} pp, {} sd)",
                            r.label,
                            st.figure.heading(),
                            v.diff_pp,
                            if v.z.is_finite() { format!("{:.1}", v.z.abs()) } else { "∞".into() }
                        );
                        if v.holds {
                            holds.push(line);
                        } else {
                            differs.push(line);
                        }
                    }
                    None => open += 1,
                }
            }
        }
        let list = |v: &[String]| {
            if v.is_empty() {
                "- none\n".to_string()
            } else {
                v.iter().map(|l| format!("- {l}\n")).collect()
            }
        };
        let mut s = String::from("## Which of the report's figures hold\n\n");
        if !holds.is_empty() || !differs.is_empty() {
            let _ = write!(
                s,
                "Computed from the verdicts above: {} of {} figures hold within the spread, {} do not.\n\nWithin the spread:\n\n{}\nOutside the spread:\n\n{}",
                holds.len(),
                holds.len() + differs.len(),
                differs.len(),
                list(&holds),
                list(&differs)
            );
        }
        if open > 0 {
            let sep = if s.ends_with("\n\n") { "" } else { "\n" };
            let _ = writeln!(s, "{sep}{open} of the report's figures have no verdict: one seed gives no training spread (run with --seeds 2 or more).");
        }
        s
    }

    /// One line per row: section, key, label, seeds, then for every figure the report's value,
    /// ours under the report's protocol (mean, sd), the expectation (mean, SE, draws) and the
    /// verdict (holds, difference in pp and in sd).
    pub fn csv(&self) -> String {
        let mut s = String::from("section,key,label,seeds");
        for f in ALL {
            let id = f.id();
            let _ = write!(
                s,
                ",report_{id},ours_{id},ours_{id}_sd,expect_{id},expect_{id}_se,expect_{id}_draws,verdict_{id},diff_pp_{id},diff_sd_{id}"
            );
        }
        s.push_str(",reused,trained,train_seconds\n");
        let num = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        for r in &self.rows {
            let seeds: Vec<String> = r.seeds.iter().map(u64::to_string).collect();
            let section = serde_json::to_value(r.section).ok().and_then(|v| v.as_str().map(str::to_string));
            let _ = write!(
                s,
                "{},{},\"{}\",{}",
                section.unwrap_or_default(),
                r.key,
                r.label.replace('"', "\"\""),
                seeds.join(" ")
            );
            for f in ALL {
                let st = r.figure(f);
                let e = st.and_then(|st| st.expectation.as_ref());
                let v = st.and_then(|st| st.verdict);
                let _ = write!(
                    s,
                    ",{},{},{},{},{},{},{},{},{}",
                    num(f.report(&r.report)),
                    num(st.map(|st| st.protocol_mean)),
                    num(st.map(|st| st.protocol_sd)),
                    num(e.map(|e| e.mean)),
                    num(e.map(|e| e.se)),
                    e.map(|e| e.draws.to_string()).unwrap_or_default(),
                    v.map(|v| if v.holds { "holds" } else { "differs" }).unwrap_or_default(),
                    num(v.map(|v| v.diff_pp)),
                    num(v.map(|v| v.z)),
                );
            }
            let _ = writeln!(s, ",{},{},{}", r.reused, r.trained, r.train_seconds);
        }
        s
    }
}

/// Every figure, in CSV column order.
const ALL: [Figure; 7] = [
    Figure::Clean,
    Figure::Std1_0,
    Figure::Std1_5,
    Figure::Crossbar,
    Figure::CrossbarFaults,
    Figure::Calibrated,
    Figure::CalibratedFaults,
];

/// Whether the report has this kind of figure at all.
fn in_report(f: Figure) -> bool {
    !matches!(f, Figure::Calibrated | Figure::CalibratedFaults)
}

/// "reused 3, trained 2 (41 s)".
fn provenance(r: &SeedRow) -> String {
    match (r.reused, r.trained) {
        (0, 0) => "not measured".into(),
        (u, 0) => format!("reused {u}"),
        (0, t) => format!("trained {t} ({:.0} s)", r.train_seconds),
        (u, t) => format!("reused {u}, trained {t} ({:.0} s)", r.train_seconds),
    }
}

/// One [`Measured`] per row for the single-seed [`ReportTable`] (its JSON and the crossbar
/// sentences): each figure is the spread over seeds of the report's protocol, or with one
/// seed that model's first `draws` draws (today's single-seed figure).
pub fn summary_measured(runs: &[&Measured], draws: usize) -> Measured {
    let mut m = Measured::default();
    for f in ALL {
        let spreads: Option<Vec<&Spread>> = runs.iter().map(|r| f.ours(r)).collect();
        let Some(spreads) = spreads.filter(|s| !s.is_empty()) else { continue };
        *f.ours_mut(&mut m) = Some(match spreads.as_slice() {
            [one] => Spread::of(one.draws[..draws.min(one.draws.len())].to_vec()),
            _ => Spread::of(spreads.iter().map(|s| mean(&s.draws[..draws.min(s.draws.len())])).collect()),
        });
    }
    let biases: Vec<f64> = runs.iter().filter_map(|r| r.mean_abs_bias).collect();
    m.mean_abs_bias = (biases.len() == runs.len() && !biases.is_empty()).then(|| mean(&biases));
    m.train_seconds = runs.first().and_then(|r| r.train_seconds);
    m.source = runs.first().and_then(|r| r.source.clone());
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict_holds_within_two_combined_sd_and_not_beyond() {
        // Clean accuracy over 5 seeds: mean 97.8, sd 0.1581; sigma = sd * sqrt(1.2) = 0.1732.
        let clean = [97.6, 97.7, 97.8, 97.9, 98.0];
        let v = verdict(97.98, &clean, 0.0, 5).unwrap();
        assert!(v.holds, "{v:?}");
        assert!((v.diff_pp - 0.18).abs() < 1e-9, "{v:?}");
        assert!((v.sigma - (0.025f64 * 1.2).sqrt()).abs() < 1e-12, "{v:?}");
        assert!((v.z - 0.18 / (0.03f64).sqrt()).abs() < 1e-9);
        assert_eq!(v.text(), "holds (+0.18 pp, 1.0 sd)");
        let v = verdict(90.21, &clean, 0.0, 5).unwrap();
        assert!(!v.holds);
        assert!(v.text().starts_with("differs (-7.59 pp, 43.8 sd"), "{}", v.text());
        // A noisy figure: the draw sd widens the spread (sd 10 per draw, 5 draws: 4.47 on its own).
        let noisy = [40.0, 41.0, 39.0];
        let near = verdict(47.0, &noisy, 10.0, 5).unwrap();
        assert!(near.holds, "{near:?}");
        let far = verdict(55.6, &noisy, 10.0, 5).unwrap();
        assert!(!far.holds && far.z > 2.0, "{far:?}");
        // The same distance without the draw spread does not hold.
        assert!(!verdict(47.0, &noisy, 0.0, 5).unwrap().holds);
        // One seed: no training spread, no verdict; identical seeds: only an exact match holds.
        assert_eq!(verdict(97.0, &[97.0], 1.0, 5), None);
        assert!(verdict(97.0, &[97.0, 97.0], 0.0, 5).unwrap().holds);
        let v = verdict(97.5, &[97.0, 97.0], 0.0, 5).unwrap();
        assert!(!v.holds && v.z.is_infinite() && v.text() == "differs (+0.50 pp, ∞ sd)", "{v:?}");
    }

    #[test]
    fn draw_seeds_are_stable_and_differ_between_models() {
        // Fixed values: a change to the rule changes every published table.
        assert_eq!(stable_hash(b""), stable_hash(b""));
        let a = model_draw_seed(1234, RecipeKey::CnnB32, 1234);
        let b = model_draw_seed(1234, RecipeKey::CnnB64, 1234);
        let c = model_draw_seed(1234, RecipeKey::CnnB32, 1235);
        let d = model_draw_seed(1235, RecipeKey::CnnB32, 1234);
        assert!(a != b && a != c && a != d && b != c && c != d, "{a} {b} {c} {d}");
        assert_eq!(a, model_draw_seed(1234, RecipeKey::CnnB32, 1234));
        assert_eq!(DrawSharing::Common.seed(1234, RecipeKey::CnnB32, 1235), 1234);
        assert_eq!(DrawSharing::Independent.seed(1234, RecipeKey::CnnB32, 1234), a);
        assert_eq!(training_seeds(1234, 3), [1234, 1235, 1236]);
    }

    #[test]
    fn independent_draws_differ_between_models_of_the_same_shapes_and_common_draws_do_not() {
        use crate::data::{DatasetKind, Split};
        use crate::experiments::recipe;
        use crate::model::Model;
        use crate::noise::{noisy_accuracy_draw, NoiseConfig};
        let dir = match std::env::var_os("MPG_DATA_DIR") {
            Some(d) => std::path::PathBuf::from(d),
            None => std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        };
        let split = Split::load_dir(&dir.join("mnist"), DatasetKind::Mnist, true)
            .unwrap_or_else(|e| panic!("MNIST is needed for this test ({e}); set MPG_DATA_DIR"));
        let test = split.test.take(1000);
        // One network read as two rows of the same shapes (the baseline and noise-trained
        // MLPs): any difference between their noisy accuracies comes from the draws.
        let model = Model::init(recipe(RecipeKey::MlpB64, 1234).model, 1234).unwrap();
        let (a, b) = (RecipeKey::MlpB64, RecipeKey::MlpNoise05);
        assert_eq!(recipe(a, 1234).model.arch, recipe(b, 1234).model.arch);
        let draws = |sharing: DrawSharing, key: RecipeKey| -> Vec<f64> {
            let cfg = NoiseConfig { std: 1.0, draws: 3, seed: sharing.seed(1234, key, 1234) };
            (0..3).map(|k| noisy_accuracy_draw(&model, &test, &cfg, k).unwrap()).collect()
        };
        assert_eq!(draws(DrawSharing::Common, a), draws(DrawSharing::Common, b), "common draws are shared");
        let (ia, ib) = (draws(DrawSharing::Independent, a), draws(DrawSharing::Independent, b));
        assert!(ia.iter().zip(&ib).all(|(x, y)| x != y), "independent draws: {ia:?} vs {ib:?}");
        assert_eq!(ia, draws(DrawSharing::Independent, a), "and reproducible");
    }

    fn noisy(clean: f64, draws: &[f64]) -> Measured {
        Measured {
            clean: Some(Spread::of(vec![clean])),
            std1_0: Some(Spread::of(draws.to_vec())),
            source: Some(ModelSource::Trained),
            train_seconds: Some(2.0),
            ..Measured::default()
        }
    }

    #[test]
    fn the_table_gives_both_protocols_and_computed_verdicts() {
        let key = RecipeKey::MlpB64; // report: clean 97.98, std 1.0 72.53
        let runs = BTreeMap::from([
            ((key, 1), noisy(97.0, &[70.0, 72.0, 74.0, 76.0, 78.0, 80.0])),
            ((key, 2), noisy(97.1, &[60.0, 62.0, 64.0, 66.0, 68.0, 70.0])),
            ((key, 3), noisy(97.2, &[70.0, 70.0, 70.0, 70.0, 70.0, 70.0])),
        ]);
        let layout = vec![(Section::Batch, vec![key])];
        let t = SeedTable::build(&layout, &runs, |_| vec![1, 2, 3], 1234, 5);
        let row = &t.rows[0];
        let std = row.figure(Figure::Std1_0).unwrap();
        // The report's protocol: the first 5 draws of each model.
        assert_eq!(std.protocol, [74.0, 64.0, 70.0]);
        let e = std.expectation.as_ref().unwrap();
        assert_eq!((e.draws, e.per_seed.as_slice()), (6, &[75.0, 65.0, 70.0][..]));
        assert!((e.se - 5.0 / 3f64.sqrt()).abs() < 1e-12, "{e:?}");
        assert!(std.verdict.unwrap().holds);
        let clean = row.figure(Figure::Clean).unwrap();
        assert!(clean.expectation.is_none());
        assert!(!clean.verdict.unwrap().holds, "97.98 is far from 97.10 ± 0.10: {:?}", clean.verdict);
        let md = t.markdown();
        assert!(md.contains("| Std 1.0 (ours, 5 draws) | Std 1.0 (ours, 6 draws ± SE) |"), "{md}");
        assert!(md.contains("| MLP batch 64 | 3 | 97.98 | 97.10 ± 0.10 |"), "{md}");
        assert!(md.contains("| 72.53 | 69.33 ± 5.03 | 70.00 ± 2.89 | holds (+2.53 pp, 0.4 sd) |"), "{md}");
        assert!(md.contains("trained 3 (6 s)"), "{md}");
        let summary = t.verdict_summary();
        assert!(summary.contains("1 of 2 figures hold"), "{summary}");
        assert!(summary.contains("MLP batch 64, Clean: report 97.98, ours 97.10"), "{summary}");
        let csv = t.csv();
        assert_eq!(csv.lines().count(), 2);
        assert!(csv.lines().nth(1).unwrap().contains(",holds,"), "{csv}");
        // One seed: today's figure (first 5 draws, sd over draws), no verdict.
        let one = SeedTable::build(&layout, &runs, |_| vec![1], 1234, 5);
        let std = one.rows[0].figure(Figure::Std1_0).unwrap();
        assert_eq!((std.protocol_mean, std.verdict), (74.0, None));
        assert!((std.protocol_sd - 10f64.sqrt()).abs() < 1e-12);
        let m = summary_measured(&[&runs[&(key, 1)]], 5);
        assert_eq!(m.std1_0.unwrap().draws, [70.0, 72.0, 74.0, 76.0, 78.0]);
    }
}
