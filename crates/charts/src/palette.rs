//! Series colours.

use plotters::style::RGBColor;

/// Colours of successive series (colour-blind-safe Okabe-Ito).
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
];

/// What each palette colour is called (Okabe and Ito's names), for text alternatives.
pub const NAMES: [&str; 7] = ["blue", "vermillion", "bluish green", "reddish purple", "orange", "sky blue", "grey"];

/// The colour of series `i`.
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// CSS form of a palette colour, for legends drawn outside the chart.
pub fn css(i: usize) -> String {
    let c = color(i);
    format!("rgb({},{},{})", c.0, c.1, c.2)
}
