//! The view in the URL: a round trip, and whatever a hostile link holds.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use engine::crossbar::{CrossbarConfig, FaultConfig, InputScaling};

use super::{ready, started_with, take_effects};
use crate::app_core::explore::{CrossbarField, CrossbarUi};
use crate::app_core::reducer::reduce;
use crate::app_core::url::{fragment, parse_fragment, percent_decode, query_param, Teacher, ViewParams};
use crate::app_core::{Action, Effect, Tab};

/// Crossbar controls that differ from the defaults in every field a control sets.
fn edited_crossbar() -> CrossbarUi {
    CrossbarUi {
        enabled: true,
        config: CrossbarConfig {
            faults: FaultConfig { lrs: 0.07, hrs: 0.1 },
            adc_bits: Some(6),
            tile: 64,
            r_on: 120.5,
            r_off: 2500.0,
            input_scaling: InputScaling::Calibrated,
            levels: Some(32),
            variation: 0.12,
            read_noise: 0.015,
            drift: Some(crate::app_core::explore::drift_at(86_400.0)),
            ..CrossbarConfig::default()
        },
        drift_seconds: 86_400.0,
        // not the drift curve a link with drift on implies: written out
        knob: crate::app_core::curve_knob::CurveKnob::Levels,
    }
}

#[test]
fn a_view_round_trips_through_its_fragment() {
    let off_but_edited = CrossbarUi { enabled: false, ..edited_crossbar() };
    let ideal_adc =
        CrossbarUi { config: CrossbarConfig { adc_bits: None, ..edited_crossbar().config }, ..edited_crossbar() };
    let on_with_defaults = CrossbarUi { enabled: true, ..CrossbarUi::default() };
    for view in [
        ViewParams::default(),
        ViewParams {
            tab: Tab::Explore,
            std: 1.25,
            draws: 12,
            model: Some(1_732_000_000_123),
            crossbar: edited_crossbar(),
            teacher: Teacher { hide: ["crossbar".to_string(), "train".to_string()].into(), lock: true },
            lesson: Some(2),
            ..ViewParams::default()
        },
        ViewParams {
            tab: Tab::Landscape,
            std: 2.0,
            draws: 1,
            model: None,
            crossbar: off_but_edited,
            ..ViewParams::default()
        },
        ViewParams {
            tab: Tab::See,
            std: 0.05,
            draws: 50,
            model: Some(0),
            crossbar: ideal_adc,
            ..ViewParams::default()
        },
        ViewParams {
            tab: Tab::Explore,
            std: 0.5,
            draws: 5,
            model: None,
            crossbar: on_with_defaults,
            ..ViewParams::default()
        },
    ] {
        assert_eq!(parse_fragment(&fragment(&view)), view, "{}", fragment(&view));
    }
    // Default crossbar controls keep the link short; any edit writes them all.
    assert!(!fragment(&ViewParams::default()).contains("xbar"));
    let f = fragment(&ViewParams { crossbar: edited_crossbar(), ..ViewParams::default() });
    assert_eq!(
        f,
        "#tab=train&std=0.00&draws=5&xbar=on&lrs=0.07&hrs=0.10&adc=6&tile=64&ron=120.5&roff=2500&scaling=calibrated\
         &levels=32&var=0.12&rnoise=0.015&drift=86400&curve=levels"
    );
}

#[test]
fn crossbar_edits_reach_the_url_and_a_reopened_page() {
    let mut s = ready();
    take_effects(&mut s);
    for field in [
        CrossbarField::Enabled(true),
        CrossbarField::Lrs("0.07".into()),
        CrossbarField::Hrs("0.1".into()),
        CrossbarField::Adc("6".into()),
        CrossbarField::Tile("64".into()),
        CrossbarField::ROn("120.5".into()),
        CrossbarField::ROff("2500".into()),
        CrossbarField::Scaling("calibrated".into()),
        CrossbarField::Levels("32".into()),
        CrossbarField::Variation("0.12".into()),
        CrossbarField::ReadNoise("0.015".into()),
        CrossbarField::DriftTime("4.936513742478893".into()),
        CrossbarField::Drift(true),
        CrossbarField::Knob("levels".into()),
    ] {
        reduce(&mut s, Action::Crossbar { field, now_ms: 0.0 });
    }
    assert_eq!(s.explore.crossbar, edited_crossbar());
    let written: Vec<String> = take_effects(&mut s)
        .into_iter()
        .filter_map(|e| match e {
            Effect::WriteUrl(f) => Some(f),
            _ => None,
        })
        .collect();
    let last = written.last().expect("a crossbar edit rewrites the URL");
    let reopened = started_with(None, vec![], last);
    assert_eq!(reopened.explore.crossbar, edited_crossbar());
    assert_eq!(reopened.explore.crossbar.config.seed, CrossbarConfig::default().seed);
}

#[test]
fn hostile_crossbar_values_give_the_defaults() {
    let d = CrossbarUi::default();
    let c = |frag: &str| parse_fragment(frag).crossbar;
    for frag in ["#lrs=nan", "#lrs=inf", "#lrs=1e309", "#lrs=-0.1", "#lrs=0.6", "#lrs=", "#lrs=0x1"] {
        assert_eq!(c(frag).config.faults.lrs, d.config.faults.lrs, "{frag}");
        let hrs = frag.replace("lrs", "hrs");
        assert_eq!(c(&hrs).config.faults.hrs, d.config.faults.hrs, "{hrs}");
    }
    // Rates keep the slider's steps of 0.01.
    assert_eq!(c("#lrs=0.123&hrs=0.5").config.faults, FaultConfig { lrs: 0.12, hrs: 0.5 });
    for frag in ["#adc=3", "#adc=0", "#adc=-4", "#adc=64", "#adc=nan", "#adc=", "#adc=8.0"] {
        assert_eq!(c(frag).config.adc_bits, d.config.adc_bits, "{frag}");
    }
    assert_eq!(c("#adc=10").config.adc_bits, Some(10));
    for frag in ["#tile=0", "#tile=100", "#tile=-64", "#tile=1e9", "#tile=4096"] {
        assert_eq!(c(frag).config.tile, d.config.tile, "{frag}");
    }
    for frag in ["#ron=nan", "#ron=inf", "#ron=0", "#ron=-50", "#ron=1e10", "#ron=1e309", "#ron=abc"] {
        assert_eq!(c(frag).config.r_on, d.config.r_on, "{frag}");
        let roff = frag.replace("ron", "roff");
        assert_eq!(c(&roff).config.r_off, d.config.r_off, "{roff}");
    }
    // Each resistance valid alone, the pair not: the default device.
    for frag in ["#ron=2000", "#ron=500&roff=500", "#roff=10"] {
        let x = c(frag).config;
        assert_eq!((x.r_on, x.r_off), (d.config.r_on, d.config.r_off), "{frag}");
        assert!(x.validate().is_ok(), "{frag}");
    }
    for frag in ["#scaling=MEMTORCH", "#scaling=", "#scaling=calibrated2"] {
        assert_eq!(c(frag).config.input_scaling, d.config.input_scaling, "{frag}");
    }
    for frag in ["#xbar=1", "#xbar=true", "#xbar=", "#xbar=off"] {
        assert!(!c(frag).enabled, "{frag}");
    }
    // Whatever a link holds, the page opens on settings the simulation accepts.
    let s = started_with(None, vec![], "#xbar=on&lrs=nan&hrs=9&adc=99&tile=7&ron=inf&roff=-1&scaling=x");
    assert_eq!(s.explore.crossbar, CrossbarUi { enabled: true, ..d });
    assert!(s.explore.crossbar.config.validate().is_ok());
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
