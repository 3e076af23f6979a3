//! Progress bars for long jobs (indicatif), in one style everywhere.

use std::sync::OnceLock;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

/// Every bar is drawn through one `MultiProgress`, so bars of models training side by side
/// (`mpg reproduce --jobs 2`) stack instead of overwriting each other.
fn multi() -> &'static MultiProgress {
    static MULTI: OnceLock<MultiProgress> = OnceLock::new();
    MULTI.get_or_init(MultiProgress::new)
}

/// A bar counting `len` units of `unit` (e.g. "steps", "draws").
pub fn bar(len: u64, msg: impl Into<String>, unit: &str) -> ProgressBar {
    let pb = multi().add(ProgressBar::new(len));
    let template = format!("{{msg:44}} [{{bar:32.cyan/blue}}] {{pos}}/{{len}} {unit} {{per_sec}} ETA {{eta}}");
    pb.set_style(ProgressStyle::with_template(&template).expect("valid template").progress_chars("=> "));
    pb.set_message(msg.into());
    pb
}

/// Prints `line` above the bars (a plain `eprintln!` would be drawn over).
pub fn println(line: impl AsRef<str>) {
    let _ = multi().println(line);
}
