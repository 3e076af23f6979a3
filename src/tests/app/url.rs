//! The view in the URL: a round trip, and whatever a hostile link holds.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::started_with;
use crate::app_core::url::{fragment, parse_fragment, percent_decode, query_param, ViewParams};
use crate::app_core::Tab;

#[test]
fn a_view_round_trips_through_its_fragment() {
    for view in [
        ViewParams::default(),
        ViewParams { tab: Tab::Explore, std: 1.25, draws: 12, model: Some(1_732_000_000_123) },
        ViewParams { tab: Tab::Landscape, std: 2.0, draws: 1, model: None },
        ViewParams { tab: Tab::See, std: 0.05, draws: 50, model: Some(0) },
    ] {
        assert_eq!(parse_fragment(&fragment(&view)), view);
    }
}

#[test]
fn hostile_values_give_the_defaults() {
    let d = ViewParams::default();
    for frag in ["#std=nan", "#std=NaN", "#std=1e309", "#std=-1e309", "#std=inf", "#std=-0.5", "#std=2.5", "#std="] {
        let p = parse_fragment(frag);
        assert!(p.std.is_finite(), "{frag}");
        assert_eq!(p.std, d.std, "{frag}");
    }
    for frag in ["#draws=-1", "#draws=0", "#draws=51", "#draws=1e3", "#draws=99999999999999999999999"] {
        assert_eq!(parse_fragment(frag).draws, d.draws, "{frag}");
    }
    assert_eq!(parse_fragment("#tab=admin&model=abc").tab, Tab::Train);
    assert_eq!(parse_fragment("#model=-3").model, None);
    // A 100 kB fragment is not ours: ignored whole, quickly.
    let huge = format!("#tab=explore&std=1.00&{}", "x=%ZZ&".repeat(100_000 / 6));
    assert!(huge.len() >= 100_000);
    assert_eq!(parse_fragment(&huge), d);
    // The page opens with the defaults from a hostile fragment.
    let s = started_with(None, vec![], "#std=nan&draws=-1");
    assert_eq!((s.explore.std, s.explore.draws), (0.0, 5));
}

#[test]
fn values_are_percent_decoded() {
    assert_eq!(percent_decode("a%20b+c%2Fd"), "a b c/d");
    assert_eq!(percent_decode("100%"), "100%");
    assert_eq!(percent_decode("%zz%4"), "%zz%4");
    assert_eq!(query_param("?data=my%20data%2F&x=1", "data").as_deref(), Some("my data/"));
    assert_eq!(parse_fragment("#tab=explore&std=1%2E5").std, 1.5);
}
