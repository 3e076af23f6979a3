//! The one report table: recipes, the report's figures and our measured figures joined by
//! [`RecipeKey`], rendered as Markdown, CSV or JSON. `mpg reproduce noise`, `mpg reproduce
//! crossbar` and the app's Reproduce panel all build theirs with [`ReportTable::build`], so a
//! row cannot be matched by a label or a position anywhere.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::keys::RecipeKey;
use super::recipes::{recipe, BATCH_KEYS, FAULT_AWARE_KEYS, HARDENING_KEYS};
use super::report::{report_figures, ReportFigures};
use crate::stats::Spread;

/// A table of the report, with the figures its columns show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Section {
    /// Part 1: clean and std 1.0 accuracy by batch size.
    Batch,
    /// Part 1: the hardened MLPs at std 1.0 and 1.5.
    Hardening,
    /// Part 2: the models on crossbars, with and without faults.
    Crossbar,
    /// Part 2: fault-aware training against the baseline, with the ablations.
    FaultAware,
}

impl Section {
    pub fn title(self) -> &'static str {
        match self {
            Section::Batch => "Batch size (MLP 784-256-128-10, LeNet CNN)",
            Section::Hardening => "Hardening (MLP, batch 64)",
            Section::Crossbar => "Crossbar deployment (faults: LRS 0.1, HRS 0.1)",
            Section::FaultAware => "Fault-aware training (MLP, batch 64)",
        }
    }

    /// The figures the section's columns show, in column order.
    pub fn figures(self) -> &'static [Figure] {
        use Figure::*;
        match self {
            Section::Batch => &[Clean, Std1_0],
            Section::Hardening => &[Clean, Std1_0, Std1_5],
            Section::Crossbar => &[Clean, Crossbar, CrossbarFaults, Calibrated, CalibratedFaults],
            Section::FaultAware => &[CrossbarFaults, CalibratedFaults, Clean, Crossbar, Calibrated],
        }
    }

    /// The report's rows of the section (with the project's ablations in the fault-aware one).
    pub fn keys(self) -> Vec<RecipeKey> {
        use RecipeKey::*;
        match self {
            Section::Batch => BATCH_KEYS.to_vec(),
            Section::Hardening => [MlpB64].into_iter().chain(HARDENING_KEYS).chain([MlpFaultAware]).collect(),
            Section::Crossbar => {
                vec![MlpB32, MlpB64, MlpB128, MlpB256, MlpNoise10, MlpNoise05, CnnB32, CnnB64, CnnB128, CnnB256]
            }
            Section::FaultAware => [MlpB64].into_iter().chain(FAULT_AWARE_KEYS).collect(),
        }
    }

    /// The row's label in this section: the baseline reads "Baseline" beside hardened models.
    fn label(self, key: RecipeKey, seed: u64) -> String {
        match (self, key) {
            (Section::Hardening | Section::FaultAware, RecipeKey::MlpB64) => "Baseline (MLP batch 64)".into(),
            _ => recipe(key, seed).label,
        }
    }
}

/// One figure of a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Figure {
    /// Clean digital accuracy.
    Clean,
    /// Under log-normal noise std 1.0.
    Std1_0,
    /// Under log-normal noise std 1.5.
    Std1_5,
    /// On crossbars with MemTorch's input scaling, no faults.
    Crossbar,
    /// On crossbars with MemTorch's input scaling, faults LRS 0.1 / HRS 0.1.
    CrossbarFaults,
    /// On crossbars with the calibrated input range, no faults (the report has no such figure).
    Calibrated,
    /// On crossbars with the calibrated input range, with faults.
    CalibratedFaults,
}

impl Figure {
    /// Identifier in CSV headers and JSON.
    pub fn id(self) -> &'static str {
        match self {
            Figure::Clean => "clean",
            Figure::Std1_0 => "std1.0",
            Figure::Std1_5 => "std1.5",
            Figure::Crossbar => "crossbar",
            Figure::CrossbarFaults => "crossbar_faults",
            Figure::Calibrated => "calibrated",
            Figure::CalibratedFaults => "calibrated_faults",
        }
    }

    /// Column heading in Markdown.
    pub fn heading(self) -> &'static str {
        match self {
            Figure::Clean => "Clean",
            Figure::Std1_0 => "Std 1.0",
            Figure::Std1_5 => "Std 1.5",
            Figure::Crossbar => "Crossbar, memtorch",
            Figure::CrossbarFaults => "+ faults, memtorch",
            Figure::Calibrated => "Crossbar, calibrated",
            Figure::CalibratedFaults => "+ faults, calibrated",
        }
    }

    /// The report's value, if the report has this figure for the row.
    pub fn report(self, r: &ReportFigures) -> Option<f64> {
        match self {
            Figure::Clean => r.clean,
            Figure::Std1_0 => r.std1_0,
            Figure::Std1_5 => r.std1_5,
            Figure::Crossbar => r.crossbar,
            Figure::CrossbarFaults => r.crossbar_faults,
            Figure::Calibrated | Figure::CalibratedFaults => None,
        }
    }

    /// Whether the report has this kind of figure at all (else the column is ours only).
    fn in_report(self) -> bool {
        !matches!(self, Figure::Calibrated | Figure::CalibratedFaults)
    }

    /// Our value, if measured.
    pub fn ours(self, m: &Measured) -> Option<&Spread> {
        match self {
            Figure::Clean => m.clean.as_ref(),
            Figure::Std1_0 => m.std1_0.as_ref(),
            Figure::Std1_5 => m.std1_5.as_ref(),
            Figure::Crossbar => m.crossbar.as_ref(),
            Figure::CrossbarFaults => m.crossbar_faults.as_ref(),
            Figure::Calibrated => m.calibrated.as_ref(),
            Figure::CalibratedFaults => m.calibrated_faults.as_ref(),
        }
    }

    /// Where our value goes.
    pub fn ours_mut(self, m: &mut Measured) -> &mut Option<Spread> {
        match self {
            Figure::Clean => &mut m.clean,
            Figure::Std1_0 => &mut m.std1_0,
            Figure::Std1_5 => &mut m.std1_5,
            Figure::Crossbar => &mut m.crossbar,
            Figure::CrossbarFaults => &mut m.crossbar_faults,
            Figure::Calibrated => &mut m.calibrated,
            Figure::CalibratedFaults => &mut m.calibrated_faults,
        }
    }
}

/// Where a measured model came from in the run that measured it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelSource {
    /// Trained in this run.
    Trained,
    /// Loaded from this file, trained by an earlier run (of the CLI or the app).
    Reused { file: String },
}

/// Our figures for one model (accuracy in percent; a deterministic figure is a spread of one
/// value). Anything not measured is `None`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    pub clean: Option<Spread>,
    pub std1_0: Option<Spread>,
    pub std1_5: Option<Spread>,
    pub crossbar: Option<Spread>,
    pub crossbar_faults: Option<Spread>,
    pub calibrated: Option<Spread>,
    pub calibrated_faults: Option<Spread>,
    /// Mean |b| over every bias of the model.
    pub mean_abs_bias: Option<f64>,
    /// Training wall time, seconds (from the model's notes when reused).
    pub train_seconds: Option<f64>,
    pub source: Option<ModelSource>,
}

/// One row: a recipe in a section, the report's figures and ours.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    pub section: Section,
    pub key: RecipeKey,
    pub label: String,
    pub report: ReportFigures,
    pub ours: Measured,
}

/// The report's tables with our figures beside its own.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportTable {
    pub rows: Vec<TableRow>,
}

impl ReportTable {
    /// Joins, by key, the rows `layout` lists (section by section, in order) with the report's
    /// figures and with `measured` (rows without a measurement keep empty "ours" cells).
    /// `seed` is the training seed of the recipes, for their labels.
    pub fn build(layout: &[(Section, Vec<RecipeKey>)], measured: &BTreeMap<RecipeKey, Measured>, seed: u64) -> Self {
        let rows = layout
            .iter()
            .flat_map(|(section, keys)| {
                keys.iter().map(move |&key| TableRow {
                    section: *section,
                    key,
                    label: section.label(key, seed),
                    report: report_figures(key),
                    ours: measured.get(&key).cloned().unwrap_or_default(),
                })
            })
            .collect();
        Self { rows }
    }

    /// Every section with its full list of rows.
    pub fn full_layout(sections: &[Section]) -> Vec<(Section, Vec<RecipeKey>)> {
        sections.iter().map(|&s| (s, s.keys())).collect()
    }

    /// The row of `key` in `section`.
    pub fn row(&self, section: Section, key: RecipeKey) -> Option<&TableRow> {
        self.rows.iter().find(|r| r.section == section && r.key == key)
    }

    /// The rows of one section, in order.
    pub fn section(&self, section: Section) -> impl Iterator<Item = &TableRow> {
        self.rows.iter().filter(move |r| r.section == section)
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

    /// One section as a Markdown table (heading included): for each figure the report's value
    /// and ours, then where the model came from.
    pub fn section_markdown(&self, section: Section) -> String {
        let figures = section.figures();
        let mut s = format!("## {}\n\n| Model |", section.title());
        for f in figures {
            if f.in_report() {
                let _ = write!(s, " {} (report) |", f.heading());
            }
            let _ = write!(s, " {} (ours) |", f.heading());
        }
        let bias = section == Section::FaultAware;
        if bias {
            s.push_str(" mean \\|b\\| |");
        }
        s.push_str(" Model file |\n|---|");
        let columns = figures.iter().map(|f| 1 + usize::from(f.in_report())).sum::<usize>() + usize::from(bias) + 1;
        s.push_str(&"---|".repeat(columns));
        s.push('\n');
        for r in self.section(section) {
            let _ = write!(s, "| {} |", r.label);
            for f in figures {
                if f.in_report() {
                    let _ = write!(s, " {} |", f.report(&r.report).map(|v| format!("{v:.2}")).unwrap_or("—".into()));
                }
                let _ = write!(s, " {} |", f.ours(&r.ours).map(cell).unwrap_or("—".into()));
            }
            if bias {
                let _ = write!(s, " {} |", r.ours.mean_abs_bias.map(|b| format!("{b:.3}")).unwrap_or("—".into()));
            }
            let _ = writeln!(s, " {} |", source(&r.ours, r.key));
        }
        s
    }

    /// Every section, one Markdown table each.
    pub fn markdown(&self) -> String {
        self.sections().into_iter().map(|s| self.section_markdown(s)).collect::<Vec<_>>().join("\n")
    }

    /// One line per row: section, key, label, then for every figure the report's value, our
    /// mean and our sd (empty where absent), then the model's provenance.
    pub fn csv(&self) -> String {
        let all = ALL_FIGURES;
        let mut s = String::from("section,key,label");
        for f in all {
            let id = f.id();
            let _ = write!(s, ",report_{id},ours_{id},ours_{id}_sd");
        }
        s.push_str(",mean_abs_bias,train_seconds,model\n");
        let num = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        for r in &self.rows {
            let _ = write!(s, "{},{},\"{}\"", serde_plain(&r.section), r.key, r.label.replace('"', "\"\""));
            for f in all {
                let ours = f.ours(&r.ours);
                let _ = write!(
                    s,
                    ",{},{},{}",
                    num(f.report(&r.report)),
                    num(ours.map(|o| o.mean)),
                    num(ours.filter(|o| o.draws.len() > 1).map(|o| o.sd))
                );
            }
            let _ = writeln!(
                s,
                ",{},{},\"{}\"",
                num(r.ours.mean_abs_bias),
                num(r.ours.train_seconds),
                source(&r.ours, r.key).replace('"', "\"\"")
            );
        }
        s
    }

    /// The table as JSON: `{"rows": [...]}`, every row with its key, the report's figures and
    /// ours (with every draw).
    pub fn json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("the table is plain data")
    }
}

/// Every figure, in CSV column order.
const ALL_FIGURES: [Figure; 7] = [
    Figure::Clean,
    Figure::Std1_0,
    Figure::Std1_5,
    Figure::Crossbar,
    Figure::CrossbarFaults,
    Figure::Calibrated,
    Figure::CalibratedFaults,
];

/// `mean ± sd` over draws, or the one value of a deterministic figure.
fn cell(s: &Spread) -> String {
    if s.draws.len() > 1 {
        format!("{:.2} ± {:.2}", s.mean, s.sd)
    } else {
        format!("{:.2}", s.mean)
    }
}

fn source(m: &Measured, key: RecipeKey) -> String {
    match &m.source {
        Some(ModelSource::Trained) => match m.train_seconds {
            Some(t) => format!("trained in this run ({t:.0} s)"),
            None => "trained in this run".into(),
        },
        Some(ModelSource::Reused { file }) => format!("reused `{file}`"),
        None if m.clean.is_some() => key.to_string(),
        None => "not trained".into(),
    }
}

/// A unit enum variant's serde name (e.g. `fault-aware`).
fn serde_plain<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fields of one CSV line, with `"..."` quoting (and `""` inside it).
    fn split_csv(line: &str) -> Vec<String> {
        let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    cur.push('"');
                    chars.next();
                }
                ('"', _) => quoted = !quoted,
                (',', false) => out.push(std::mem::take(&mut cur)),
                _ => cur.push(c),
            }
        }
        out.push(cur);
        out
    }

    fn one(v: f64) -> Option<Spread> {
        Some(Spread::of(vec![v]))
    }

    #[test]
    fn rows_are_joined_by_key_whatever_the_order_of_the_measurements() {
        let mut measured = BTreeMap::new();
        measured.insert(RecipeKey::MlpTsKl, Measured { clean: one(91.0), ..Measured::default() });
        measured.insert(RecipeKey::MlpB64, Measured { clean: one(98.0), ..Measured::default() });
        let t = ReportTable::build(&ReportTable::full_layout(&[Section::Batch, Section::Hardening]), &measured, 1234);
        assert_eq!(t.rows.len(), 8 + 7);
        let kl = t.row(Section::Hardening, RecipeKey::MlpTsKl).unwrap();
        assert_eq!(kl.report.clean, Some(92.00));
        assert_eq!(kl.ours.clean.as_ref().unwrap().mean, 91.0);
        assert_eq!(t.row(Section::Batch, RecipeKey::MlpB64).unwrap().ours.clean.as_ref().unwrap().mean, 98.0);
        assert_eq!(t.row(Section::Hardening, RecipeKey::MlpB64).unwrap().report.std1_5, Some(30.73));
        assert!(t.row(Section::Batch, RecipeKey::MlpB32).unwrap().ours.clean.is_none());
    }

    #[test]
    fn markdown_csv_and_json_carry_the_same_figures() {
        let mut measured = BTreeMap::new();
        measured.insert(
            RecipeKey::MlpNoise10,
            Measured {
                clean: one(90.5),
                std1_0: Some(Spread::of(vec![85.0, 87.0])),
                source: Some(ModelSource::Reused { file: "m/mlp-noise1.0.safetensors".into() }),
                ..Measured::default()
            },
        );
        let layout = vec![(Section::Hardening, vec![RecipeKey::MlpNoise10])];
        let t = ReportTable::build(&layout, &measured, 1234);
        let md = t.markdown();
        assert!(
            md.contains("| Noise-injection training, std 1.0 | 90.21 | 90.50 | 85.88 | 86.00 ± 1.41 | 54.18 | — |"),
            "{md}"
        );
        assert!(md.contains("reused `m/mlp-noise1.0.safetensors`"), "{md}");
        let csv = t.csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2);
        let header = split_csv(lines[0]);
        let cells = split_csv(lines[1]);
        assert_eq!(header.len(), cells.len());
        let at = |name: &str| cells[header.iter().position(|h| h == name).unwrap()].as_str();
        assert_eq!(at("key"), "mlp-noise1.0");
        assert_eq!(at("label"), "Noise-injection training, std 1.0");
        assert_eq!(at("report_std1.0"), "85.88");
        assert_eq!(at("ours_std1.0"), "86");
        assert_eq!(at("ours_clean_sd"), "", "one value has no sd");
        let json = t.json();
        assert_eq!(json["rows"][0]["key"], "mlp-noise1.0");
        assert_eq!(json["rows"][0]["ours"]["std1_0"]["draws"][1], 87.0);
        assert_eq!(serde_json::from_value::<ReportTable>(json).unwrap(), t);
    }
}
