//! Progress bars for long jobs (indicatif), in one style everywhere.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar counting `len` units of `unit` (e.g. "steps", "draws").
pub fn bar(len: u64, msg: impl Into<String>, unit: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    let template = format!("{{msg:44}} [{{bar:32.cyan/blue}}] {{pos}}/{{len}} {unit} {{per_sec}} ETA {{eta}}");
    pb.set_style(ProgressStyle::with_template(&template).expect("valid template").progress_chars("=> "));
    pb.set_message(msg.into());
    pb
}
