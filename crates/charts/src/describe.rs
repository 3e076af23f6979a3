//! Text alternatives: every chart says in words what it shows, for screen readers in the page
//! and for anyone opening the SVG file. The drawn document gets `role="img"`, an `aria-label`
//! (the caption and the summary) and `<title>` / `<desc>` as its first children.

use crate::palette::NAMES;

/// A number in few digits: 3 significant ones, no exponent for the ranges charts show.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let a = v.abs();
    let s = if a == 0.0 {
        "0".to_string()
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else if a >= 0.001 {
        format!("{v:.3}")
    } else {
        format!("{v:.1e}")
    };
    // 0.500 -> 0.5, 2.00 -> 2
    if s.contains('.') && !s.contains('e') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `svg` with its text alternative: `title` (the caption) and `desc` (what the chart shows).
pub fn titled(svg: String, title: &str, desc: &str) -> String {
    let Some(open) = svg.find("<svg") else { return svg };
    let Some(end) = svg[open..].find('>').map(|i| open + i) else { return svg };
    let label = if desc.is_empty() { title.to_string() } else { format!("{title}. {desc}") };
    let (head, tail) = svg.split_at(end);
    let head = head.trim_end_matches('/');
    format!(
        "{head} role=\"img\" aria-label=\"{}\"><title>{}</title><desc>{}</desc>{}",
        escape(&label),
        escape(title),
        escape(desc),
        &tail[1..]
    )
}

/// The colour name of palette entry `i`, as a reader of the legend would say it.
pub fn colour_name(i: usize) -> &'static str {
    NAMES[i % NAMES.len()]
}

/// One curve in words: its points' span, where it starts, ends, and its extremes.
pub fn series(name: &str, colour: usize, points: &[(f64, f64, f64)]) -> String {
    let who = if name.is_empty() {
        format!("{} curve", colour_name(colour))
    } else {
        format!("{name} ({})", colour_name(colour))
    };
    let (Some(first), Some(last)) = (points.first(), points.last()) else { return format!("{who}: no points yet") };
    let lo = points.iter().fold(first, |m, p| if p.1 < m.1 { p } else { m });
    let hi = points.iter().fold(first, |m, p| if p.1 > m.1 { p } else { m });
    let mut s = format!(
        "{who}: {} point{}, from {} at x = {} to {} at x = {}",
        points.len(),
        if points.len() == 1 { "" } else { "s" },
        num(first.1),
        num(first.0),
        num(last.1),
        num(last.0)
    );
    if points.len() > 2 {
        s += &format!(", highest {} at x = {}, lowest {} at x = {}", num(hi.1), num(hi.0), num(lo.1), num(lo.0));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_few_digits() {
        assert_eq!(num(93.456), "93.5");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(2.0), "2");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(-1.25), "-1.25");
        assert_eq!(num(1234.4), "1234");
    }

    #[test]
    fn the_alternative_goes_first_in_the_document_and_is_escaped() {
        let svg = titled("<svg width=\"10\" height=\"10\"><rect/></svg>".into(), "a < b", "x & \"y\"");
        assert_eq!(
            svg,
            "<svg width=\"10\" height=\"10\" role=\"img\" aria-label=\"a &lt; b. x &amp; &quot;y&quot;\"><title>a &lt; b</title><desc>x &amp; &quot;y&quot;</desc><rect/></svg>"
        );
    }

    #[test]
    fn a_curve_in_words() {
        let s = series("", 0, &[(0.0, 98.0, 0.0), (1.0, 60.0, 1.0), (2.0, 12.5, 2.0)]);
        assert_eq!(
            s,
            "blue curve: 3 points, from 98 at x = 0 to 12.5 at x = 2, highest 98 at x = 0, lowest 12.5 at x = 2"
        );
        assert_eq!(series("test", 1, &[]), "test (vermillion): no points yet");
    }
}
