//! The project's figures, drawn with plotters into SVG strings: the app puts them in the page,
//! the CLI writes them to files. Large type and thick lines, so they read on a projector, and
//! colour-blind-safe colours (Okabe-Ito). Every chart carries a text alternative (what it
//! shows, in words: `role="img"`, `aria-label`, `<title>` and `<desc>`).

mod describe;
mod export;
mod heatmap;
mod histogram;
mod line;
mod palette;

pub use describe::{num, titled};
pub use export::{csv_field, file_stem};
pub use heatmap::{heatmap, Heatmap};
pub use histogram::histogram;
pub use line::{line_chart, Legend, LineChart, Series};
pub use palette::{color, css, NAMES, PALETTE};

/// A chart that could not be drawn (plotters' error, as text).
pub type ChartError = String;
