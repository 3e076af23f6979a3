//! Two histograms over the same bins, drawn as overlaid translucent bars.

use plotters::prelude::*;

use crate::palette::color;
use crate::ChartError;

/// Bars of `a` and `b` (name, counts per bin) over [lo, hi].
pub fn histogram(
    caption: &str,
    x_label: &str,
    lo: f32,
    hi: f32,
    a: (&str, &[u32]),
    b: (&str, &[u32]),
    size: (u32, u32),
) -> Result<String, ChartError> {
    let mut svg = String::new();
    draw(caption, x_label, lo as f64, hi as f64, a, b, size, &mut svg).map_err(|e| e.to_string())?;
    Ok(crate::describe::titled(svg, caption, &describe(x_label, lo as f64, hi as f64, a, b)))
}

/// What the histograms show, in words.
fn describe(x_label: &str, lo: f64, hi: f64, a: (&str, &[u32]), b: (&str, &[u32])) -> String {
    use crate::describe::{colour_name, num};
    let bins = a.1.len();
    let width = (hi - lo) / bins.max(1) as f64;
    let one = |k: usize, (name, counts): (&str, &[u32])| {
        let total: u64 = counts.iter().map(|&n| n as u64).sum();
        let peak = counts.iter().enumerate().max_by_key(|(_, &n)| n).map(|(i, _)| i).unwrap_or(0);
        format!(
            "{name} ({}): {total} values, most between {} and {}",
            colour_name(k),
            num(lo + peak as f64 * width),
            num(lo + (peak + 1) as f64 * width)
        )
    };
    format!(
        "Two overlaid histograms over {bins} bins of {x_label} from {} to {}. {}. {}.",
        num(lo),
        num(hi),
        one(0, a),
        one(1, b)
    )
}

#[allow(clippy::too_many_arguments)]
fn draw<'a>(
    caption: &str,
    x_label: &str,
    lo: f64,
    hi: f64,
    a: (&str, &[u32]),
    b: (&str, &[u32]),
    size: (u32, u32),
    svg: &'a mut String,
) -> Result<(), Box<dyn std::error::Error + 'a>> {
    let bins = a.1.len().max(1);
    let width = (hi - lo) / bins as f64;
    let ymax = a.1.iter().chain(b.1).copied().max().unwrap_or(1).max(1) as f64 * 1.05;
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(lo..hi, 0.0..ymax)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc("count")
        .x_labels(6)
        .y_labels(5)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 18))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    for (k, (name, counts)) in [a, b].into_iter().enumerate() {
        let col = color(k);
        chart
            .draw_series(counts.iter().enumerate().map(|(i, &n)| {
                let x0 = lo + i as f64 * width;
                Rectangle::new([(x0, 0.0), (x0 + width, n as f64)], col.mix(0.45).filled())
            }))?
            .label(name.to_string())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], col.filled()));
    }
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 16))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_bar_per_bin_and_series() {
        let svg = super::histogram(
            "h",
            "weight value",
            -1.0,
            1.0,
            ("clean", &[1, 2, 3, 4]),
            ("noisy", &[4, 3, 2, 1]),
            (400, 300),
        )
        .unwrap();
        // 8 bars, 2 legend swatches, plus the background rectangles
        assert!(svg.matches("<rect").count() >= 10, "{}", svg.matches("<rect").count());
        assert!(svg.contains("clean") && svg.contains("noisy"));
        assert!(svg.contains("<title>h</title>"));
        assert!(svg.contains("clean (blue): 10 values, most between 0.5 and 1"), "{}", &svg[..500]);
    }
}
