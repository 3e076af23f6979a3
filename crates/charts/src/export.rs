//! What exporting a figure or a table needs, kept here to be tested natively: file names from
//! captions, CSV fields.

/// A file name (without extension) from a caption: lower-case ASCII words joined by hyphens,
/// at most 60 characters; "chart" when nothing is left.
pub fn file_stem(caption: &str) -> String {
    let mut out = String::new();
    for c in caption.chars() {
        if out.len() >= 60 {
            break;
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "chart".into()
    } else {
        out.to_string()
    }
}

/// One CSV field (RFC 4180): runs of white space become one space; quoted when it holds a
/// comma or a quote (quotes doubled).
pub fn csv_field(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.contains([',', '"']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_from_captions() {
        assert_eq!(
            file_stem("test accuracy vs noise std (mean ± sd over draws)"),
            "test-accuracy-vs-noise-std-mean-sd-over-draws"
        );
        assert_eq!(file_stem("  ±  "), "chart");
        assert!(file_stem(&"word ".repeat(40)).len() <= 60);
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("93.56%"), "93.56%");
        assert_eq!(csv_field("hidden 256,128"), "\"hidden 256,128\"");
        assert_eq!(csv_field(" a \"b\"\n  c "), "\"a \"\"b\"\" c\"");
    }
}
