//! Crossbar simulation: exact expectations on tiny hand-computable layers (mapping, tiles with
//! padding, ADC, input scaling, tuning, fault counts), then the ideal limit, the collapse
//! under faults and fault-aware training on the real MNIST.

mod common;

use candle_core::{Device, Tensor};
use engine::crossbar::adc::quantize;
use engine::crossbar::faults::draw_pattern;
use engine::crossbar::layer::difference;
use engine::crossbar::tiles::TiledMatmul;
use engine::crossbar::{
    crossbar_accuracy, Crossbar, CrossbarConfig, CrossbarLayer, FaultConfig, InputScaling, Stuck, TileGrid,
};
use engine::eval::evaluate;
use engine::model::{LayerKind, LayerSpec, Model, ModelConfig};
use engine::rng::rng;
use engine::train::{train, Biases, Control, Method, TrainConfig, TrainHooks};

/// R_on = 1, R_off = 2: G_on = 1, G_off = 0.5, G_on - G_off = 0.5, all exact in binary.
fn tiny_config() -> CrossbarConfig {
    CrossbarConfig {
        r_on: 1.0,
        r_off: 2.0,
        tile: 2,
        adc_bits: None,
        input_scaling: InputScaling::Calibrated,
        ..CrossbarConfig::default()
    }
}

/// fc: 3 inputs -> 2 outputs, PyTorch layout [out, in]; w_max = 1.
fn tiny_layer(cfg: &CrossbarConfig) -> CrossbarLayer {
    let spec = LayerSpec { name: "fc1".into(), kind: LayerKind::Linear { inputs: 3, outputs: 2 }, weight: 0 };
    let w = Tensor::new(&[[0.5f32, -1.0, 0.25], [0.0, 0.75, -0.5]], &Device::Cpu).unwrap();
    CrossbarLayer::deploy(&spec, &w, cfg, Some(1.0), &mut rng(1, 1)).unwrap()
}

#[test]
fn mapping_puts_each_weight_on_a_differential_pair_with_padding_at_g_off() {
    let layer = tiny_layer(&tiny_config());
    // Crossbar = W^T, [3, 2]; 2x2 tiles: 3 rows -> 2 row tiles, 2 columns -> 1 column tile, padded 4 x 2.
    assert_eq!(layer.grid, TileGrid::new(3, 2, 2));
    assert_eq!(layer.grid.padded(), (4, 2));
    assert_eq!(layer.grid.tiles(), 2);
    assert_eq!(layer.w_max, 1.0);
    // G_pos = 0.5 + 0.5 max(W, 0), G_neg = 0.5 + 0.5 max(-W, 0), row = input, column = output.
    #[rustfmt::skip]
    let pos = [0.75, 0.5,
               0.5, 0.875,
               0.625, 0.5,
               0.5, 0.5];
    #[rustfmt::skip]
    let neg = [0.5, 0.5,
               1.0, 0.5,
               0.5, 0.75,
               0.5, 0.5];
    assert_eq!(layer.g_pos, pos);
    assert_eq!(layer.g_neg, neg);
    // G_pos - G_neg = (G_on - G_off) W / w_max, and one device of each pair sits at G_off.
    let w_t = [0.5f32, 0.0, -1.0, 0.75, 0.25, -0.5, 0.0, 0.0];
    assert_eq!(layer.g_pos.len(), w_t.len());
    for ((p, n), w) in layer.g_pos.iter().zip(&layer.g_neg).zip(w_t) {
        assert_eq!(p - n, 0.5 * w);
        assert!(*p == 0.5 || *n == 0.5);
    }
    assert_eq!(layer.effective_weights(), vec![0.5, -1.0, 0.25, 0.0, 0.75, -0.5]);
    assert!(layer.stuck_pos.iter().chain(&layer.stuck_neg).all(|s| *s == Stuck::No));
}

#[test]
fn tiles_quantise_each_sample_tile_vector_before_summing() {
    let layer = tiny_layer(&tiny_config());
    let diff = difference(&layer.g_pos, &layer.g_neg);
    let tm = TiledMatmul::new(layer.grid, &diff, false).unwrap();
    let v = [1.0f32, 0.5, -1.0];
    // Differential matrix 0.5 W^T = [[0.25, 0], [-0.5, 0.375], [0.125, -0.25]].
    // Ideal read-out: [0.25 - 0.25 - 0.125, 0.1875 + 0.25].
    assert_eq!(tm.forward(&v, 1, None).unwrap(), vec![-0.125, 0.4375]);
    // 2-bit ADC per tile. Row tile 0 gives [0, 0.1875]: a = 0.1875, step 2^(1-2+ceil(log2 a)) =
    // 1/8, levels -2..1 steps, so [0, 0.125] (clamped). Row tile 1 gives [-0.125, 0.25]:
    // step 1/8, -0.125 -> floor(-0.5) = -1 step, 0.25 -> 2 steps clamped to 1: [-0.125, 0.125].
    assert_eq!(tm.forward(&v, 1, Some(2)).unwrap(), vec![-0.125, 0.25]);
    // Two samples at once give each its own ADC range.
    let two = tm.forward(&[1.0, 0.5, -1.0, 2.0, 1.0, -2.0], 2, Some(2)).unwrap();
    assert_eq!(two, vec![-0.125, 0.25, -0.25, 0.5]);
    // The quantiser on a vector of equal values leaves it unchanged.
    let mut same = [0.1875f32; 5];
    quantize(&mut same, 2);
    assert_eq!(same, [0.1875; 5]);
}

#[test]
fn tuning_without_adc_recovers_the_mapping_scale() {
    let cfg = tiny_config();
    let layer = tiny_layer(&cfg);
    // slope = w_max / ((G_on - G_off) vmax) = 1 / (0.5 * 0.3).
    let want = 1.0 / (0.5 * 0.3);
    assert!((layer.tuning.slope / want - 1.0).abs() < 1e-5, "{:?}", layer.tuning);
    assert!(layer.tuning.intercept.abs() < 1e-5, "{:?}", layer.tuning);
    // The tuned layer reproduces W x + b with a calibrated range of 1.
    let x = Tensor::new(&[[0.5f32, -0.25, 1.0]], &Device::Cpu).unwrap();
    let b = Tensor::new(&[0.125f32, -1.0], &Device::Cpu).unwrap();
    let y = layer.forward(&x, &b, &cfg, None).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
    let want = [0.25 + 0.25 + 0.25 + 0.125, -0.1875 - 0.5 - 1.0];
    for (a, b) in y.iter().zip(want) {
        assert!((a - b).abs() < 1e-5, "{y:?} vs {want:?}");
    }
}

#[test]
fn memtorch_scaling_depends_on_the_batch_and_calibrated_does_not() {
    let b = Tensor::new(&[0.0f32, 0.0], &Device::Cpu).unwrap();
    let one = Tensor::new(&[[0.5f32, -0.25, 1.0]], &Device::Cpu).unwrap();
    let with_big = Tensor::new(&[[0.5f32, -0.25, 1.0], [4.0, 0.0, 0.0]], &Device::Cpu).unwrap();
    let first = |cfg: &CrossbarConfig, x: &Tensor| {
        let layer = tiny_layer(cfg);
        layer.forward(x, &b, cfg, None).unwrap().get(0).unwrap().to_vec1::<f32>().unwrap()
    };
    let mem = CrossbarConfig { input_scaling: InputScaling::Memtorch, ..tiny_config() };
    let alone = first(&mem, &one);
    let beside = first(&mem, &with_big);
    // Tuned at r = 1, so a call whose max |x| is 4 comes out 4 times smaller.
    for (a, c) in alone.iter().zip(&beside) {
        assert!((a / c - 4.0).abs() < 1e-3, "{alone:?} vs {beside:?}");
    }
    let cal = tiny_config();
    assert_eq!(first(&cal, &one), first(&cal, &with_big));
}

#[test]
fn faults_hit_exactly_floor_n_p_cells_per_crossbar_including_padding() {
    let spec = LayerSpec { name: "fc1".into(), kind: LayerKind::Linear { inputs: 300, outputs: 200 }, weight: 0 };
    let vals: Vec<f32> = (0..60_000).map(|i| ((i as f32) * 0.7).sin() * 0.1).collect();
    let w = Tensor::from_vec(vals, (200, 300), &Device::Cpu).unwrap();
    let count = |s: &[Stuck], k: Stuck| s.iter().filter(|x| **x == k).count();
    let n = 384 * 256; // 3 x 2 tiles of 128 x 128
                       // 300 x 200 real cells of the 384 x 256 padded crossbar.
    let padding_share = 1.0 - 60_000.0 / n as f64;
    for (lrs, hrs) in [(0.1, 0.0), (0.0, 0.1), (0.1, 0.1), (0.25, 0.15)] {
        let cfg = CrossbarConfig { faults: FaultConfig { lrs, hrs }, ..CrossbarConfig::default() };
        let mut layer = CrossbarLayer::deploy(&spec, &w, &cfg, None, &mut rng(1, 1)).unwrap();
        let ideal = layer.clone();
        let mut r = (rng(9, 100), rng(9, 6), rng(9, 101));
        layer.realise(&cfg, &mut r.0, &mut r.1, &mut r.2).unwrap();
        assert_eq!(layer.grid.cells(), n);
        // The documented draw, composed by hand: per crossbar (positive, then negative) on the
        // fault stream, floor(N hrs) cells stuck at HRS, then floor(N lrs) at LRS overwriting.
        // So the HRS count left is exactly floor(N hrs) less the overlap of the two draws.
        let mut faults_rng = rng(9, 6);
        let mut hand_draw = || {
            let h = draw_pattern(n, 0.0, hrs, &mut faults_rng);
            let l = draw_pattern(n, lrs, 0.0, &mut faults_rng);
            let overlap = (0..n).filter(|&i| h[i] == Stuck::Hrs && l[i] == Stuck::Lrs).count();
            (count(&h, Stuck::Hrs), overlap)
        };
        let expected = [hand_draw(), hand_draw()];
        for ((stuck, g, g0), (hrs_drawn, overlap)) in
            [(&layer.stuck_pos, &layer.g_pos, &ideal.g_pos), (&layer.stuck_neg, &layer.g_neg, &ideal.g_neg)]
                .into_iter()
                .zip(expected)
        {
            let (l, h) = (count(stuck, Stuck::Lrs), count(stuck, Stuck::Hrs));
            assert_eq!(l, (n as f64 * lrs).floor() as usize, "LRS cells at lrs {lrs}");
            assert_eq!(hrs_drawn, (n as f64 * hrs).floor() as usize, "HRS cells drawn at hrs {hrs}");
            assert_eq!(h, hrs_drawn - overlap, "HRS cells left after LRS overwrote {overlap} of them");
            for i in 0..n {
                match stuck[i] {
                    Stuck::Lrs => assert_eq!(g[i], 0.02),
                    Stuck::Hrs => assert_eq!(g[i], 0.001),
                    Stuck::No => assert_eq!(g[i], g0[i]),
                }
            }
            // Padding cells (rows 300.., columns 200..) are devices too, drawn uniformly with the
            // real ones: the stuck cells in the padding follow a hypergeometric law with mean
            // stuck * padding share and sd below sqrt(stuck / 4); 5 sd either side. A draw over
            // the real cells only would put none there.
            let stuck_cells = (l + h) as f64;
            let padded_hits = (0..n).filter(|&i| (i / 256 >= 300 || i % 256 >= 200) && stuck[i] != Stuck::No).count();
            let (mean, sd) = (stuck_cells * padding_share, (stuck_cells / 4.0).sqrt());
            eprintln!("lrs {lrs} hrs {hrs}: {l} LRS, {h} HRS ({overlap} overwritten), {padded_hits} in the padding (expected {mean:.0})");
            assert!(
                (padded_hits as f64 - mean).abs() <= 5.0 * sd,
                "{padded_hits} stuck padding cells, expected {mean:.0} +- {:.0}",
                5.0 * sd
            );
        }
        assert_ne!(layer.stuck_pos, layer.stuck_neg, "the two crossbars draw independently");
        // Tuning is not redone after faults.
        assert_eq!(layer.tuning, ideal.tuning);
    }
}

fn train_mlp(data: &engine::data::Dataset, method: Method, biases: Biases) -> Model {
    let model = Model::init(ModelConfig::report_mlp(), 1234).unwrap();
    let cfg = TrainConfig { epochs: 1, batch_size: 64, method, biases, ..TrainConfig::default() };
    let mut cont = |_: &engine::train::Progress| Control::Continue;
    train(&model, data, &cfg, TrainHooks::with_progress(&mut cont)).unwrap();
    model
}

#[test]
fn ideal_limit_faults_and_fault_aware_training_on_mnist() {
    let split = common::mnist();
    let t0 = std::time::Instant::now();
    let model = train_mlp(&split.train, Method::Standard, Biases::Trained);
    let digital = evaluate(&model, &split.test).unwrap().accuracy();

    // Ideal limit: no ADC, calibrated range, no faults -> the digital accuracy within 0.1 pp.
    let ideal_cfg =
        CrossbarConfig { adc_bits: None, input_scaling: InputScaling::Calibrated, ..CrossbarConfig::default() };
    let ideal = crossbar_accuracy(&model, &split.test, &ideal_cfg, Some(&split.train), 3, |_, _| true).unwrap();
    eprintln!("digital {digital:.2}%, ideal crossbar {:.2}%", ideal.spread.mean);
    assert_eq!(ideal.spread.draws.len(), 1, "nothing random: one evaluation");
    assert!(
        (ideal.spread.mean - digital).abs() <= 0.1,
        "ideal crossbar {:.2} vs digital {digital:.2}",
        ideal.spread.mean
    );

    // The report's setting (memtorch scaling, 8-bit ADC, eval batch 64) loses accuracy.
    let report_cfg = CrossbarConfig::default();
    let mapped = Crossbar::deploy(&model, &report_cfg, None).unwrap().evaluate(&model, &split.test).unwrap().accuracy();
    eprintln!("memtorch scaling, 8-bit ADC: {mapped:.2}%");
    assert!(mapped < digital, "mapping costs accuracy: {mapped:.2} vs {digital:.2}");
    // The more images share a layer call, the larger its max |x| and the smaller the product
    // next to the unscaled bias.
    let whole = CrossbarConfig { eval_batch: 10_000, ..CrossbarConfig::default() };
    let mapped_whole =
        Crossbar::deploy(&model, &whole, None).unwrap().evaluate(&model, &split.test).unwrap().accuracy();
    eprintln!("memtorch scaling, one batch of 10,000: {mapped_whole:.2}%");
    assert!(mapped_whole < mapped, "batch 10,000 {mapped_whole:.2} vs batch 64 {mapped:.2}");

    // What it costs is the unscaled digital bias: the same MLP trained with its biases held
    // at zero keeps its digital accuracy under memtorch scaling, at any evaluation batch.
    let bias0 = train_mlp(&split.train, Method::Standard, Biases::Zero);
    let digital0 = evaluate(&bias0, &split.test).unwrap().accuracy();
    for batch in [1, 64, 10_000] {
        let cfg = CrossbarConfig { eval_batch: batch, ..CrossbarConfig::default() };
        let acc = Crossbar::deploy(&bias0, &cfg, None).unwrap().evaluate(&bias0, &split.test).unwrap().accuracy();
        eprintln!("biases held at 0: digital {digital0:.2}%, memtorch scaling at batch {batch}: {acc:.2}%");
        assert!((acc - digital0).abs() <= 0.3, "batch {batch}: {acc:.2} vs digital {digital0:.2}");
    }

    // Faults 0.1 / 0.1 collapse the baseline; fault-aware training (biases held at zero, the
    // project's recipe) recovers much of it in the memtorch scaling the report used.
    let test = split.test.take(2000);
    let faulty = CrossbarConfig { faults: FaultConfig { lrs: 0.1, hrs: 0.1 }, ..CrossbarConfig::default() };
    let base = crossbar_accuracy(&model, &test, &faulty, None, 2, |_, _| true).unwrap().spread;
    let again = crossbar_accuracy(&model, &test, &faulty, None, 2, |_, _| true).unwrap().spread;
    assert_eq!(base, again, "same seed, same result");
    assert_ne!(base.draws[0], base.draws[1], "independent fault draws differ");
    let fa_model = train_mlp(&split.train, Method::FaultAware { lrs: 0.1, hrs: 0.1, noise_std: 0.0 }, Biases::Zero);
    let fa = crossbar_accuracy(&fa_model, &test, &faulty, None, 2, |_, _| true).unwrap().spread;
    eprintln!(
        "faults 0.1/0.1: baseline {:?}, fault-aware {:?} ({:.0} s)",
        base.draws,
        fa.draws,
        t0.elapsed().as_secs_f64()
    );
    assert!(base.mean < 50.0, "stuck-at faults at 0.1/0.1 should collapse the baseline: {:.2}", base.mean);
    assert!(fa.mean > base.mean + 30.0, "fault-aware {:.2} vs baseline {:.2}", fa.mean, base.mean);
}

#[test]
fn fault_aware_method_faults_weights_only_and_uses_the_clean_w_max_under_noise() {
    use engine::rng::EngineRng;
    let w: Vec<f32> = (0..2000).map(|i| ((i as f32) * 0.61).sin() * 0.5).collect();
    let clean = vec![
        Tensor::from_vec(w.clone(), (20, 100), &Device::Cpu).unwrap(),
        Tensor::new(&[0.25f32; 20], &Device::Cpu).unwrap(),
    ];
    let wm = w.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let values = |m: &Method, r: &mut EngineRng| -> (Vec<f32>, Vec<f32>) {
        let e = m
            .effective_weights(&clean, &[engine::model::ParamKind::Weight, engine::model::ParamKind::Bias], r)
            .unwrap();
        (e[0].flatten_all().unwrap().to_vec1().unwrap(), e[1].to_vec1().unwrap())
    };
    let (ew, eb) = values(&Method::FaultAware { lrs: 0.1, hrs: 0.1, noise_std: 0.0 }, &mut rng(4, 4));
    assert_eq!(eb, vec![0.25; 20], "biases are digital: no faults");
    // The documented realisation, by hand: without noise nothing else draws, so the positive
    // side's pattern and then the negative side's come first from the generator. A side stuck
    // at LRS reads w_max, one stuck at HRS reads 0, a free one its part of w.
    let mut r = rng(4, 4);
    let (pos, neg) = (draw_pattern(2000, 0.1, 0.1, &mut r), draw_pattern(2000, 0.1, 0.1, &mut r));
    let side = |s: Stuck, part: f32| match s {
        Stuck::No => part,
        Stuck::Hrs => 0.0,
        Stuck::Lrs => wm,
    };
    let expected: Vec<f32> = (0..2000).map(|i| side(pos[i], w[i].max(0.0)) - side(neg[i], (-w[i]).max(0.0))).collect();
    assert_eq!(ew, expected, "realised weights");
    // How many change, from the per-weight probabilities: a positive weight changes when its
    // positive side is stuck (200 LRS + about 180 HRS of 2000 cells) or its negative side is
    // stuck at LRS (200); so 1 - 0.81 * 0.9 = 0.271 of them, and symmetrically for negative
    // weights: about 542 +- 20. Halving the fault rate would give about 280.
    let changed = ew.iter().zip(&w).filter(|(a, b)| a != b).count();
    eprintln!("{changed} of 2000 weights realised differently");
    assert!((542i64 - changed as i64).abs() <= 60, "{changed} of 2000 weights realised differently");
    // With log-normal noise first, stuck-LRS weights sit at the clean w_max (not the noisy one):
    // a positive weight with its positive side at LRS and its negative side free reads exactly
    // +w_max, and the mirror case -w_max, so about 2000 * 0.1 * 0.9 = 180 +- 13 of them.
    let (nw, nb) = values(&Method::FaultAware { lrs: 0.1, hrs: 0.0, noise_std: 0.5 }, &mut rng(4, 4));
    assert_ne!(nb, vec![0.25; 20], "biases get the log-normal noise");
    let at_max = nw.iter().filter(|v| v.abs() == wm).count();
    eprintln!("{at_max} weights at +-clean w_max");
    assert!((180i64 - at_max as i64).abs() <= 50, "{at_max} weights at +-clean w_max");
    assert!(nw.iter().all(|v| v.is_finite()));
}

#[test]
fn read_noise_is_fresh_per_call_and_seeded() {
    let cfg = CrossbarConfig { read_noise: 0.01, ..tiny_config() };
    let layer = tiny_layer(&cfg);
    let x = Tensor::new(&[[0.5f32, -0.25, 1.0]], &Device::Cpu).unwrap();
    let b = Tensor::new(&[0.0f32, 0.0], &Device::Cpu).unwrap();
    let out = |r: &mut engine::rng::EngineRng| {
        layer.forward(&x, &b, &cfg, Some(r)).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap()
    };
    let mut r = rng(7, 1);
    let (first, second) = (out(&mut r), out(&mut r));
    assert_ne!(first, second, "every read draws new noise");
    assert_eq!(first, out(&mut rng(7, 1)), "same seed, same noise");
    let clean = layer.forward(&x, &b, &cfg, None).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
    // Each device pair reads G_pos - G_neg + N(0, 2 (s (G_on - G_off))^2); the tuned output
    // scales the current back by w_max / (G_on - G_off) per unit input (calibrated range 1), so
    // each output carries N(0, (s sqrt(2) w_max |x|_2)^2): sd 0.0162 here. Over 4,000 reads the
    // sample sd is within 1.2% of that (one standard error), so 10% is 8 standard errors.
    let want_sd = 0.01 * std::f64::consts::SQRT_2 * 1.0 * (0.25f64 + 0.0625 + 1.0).sqrt();
    let errors: Vec<f64> = (0..2000)
        .flat_map(|_| out(&mut r).into_iter().zip(&clean).map(|(n, c)| (n - c) as f64).collect::<Vec<_>>())
        .collect();
    let mean = errors.iter().sum::<f64>() / errors.len() as f64;
    let sd = (errors.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / errors.len() as f64).sqrt();
    eprintln!("read noise: mean {mean:.5}, sd {sd:.5}, expected sd {want_sd:.5}");
    assert!(mean.abs() < 5.0 * want_sd / (errors.len() as f64).sqrt(), "read noise has no bias: mean {mean}");
    assert!((sd / want_sd - 1.0).abs() < 0.1, "read-noise sd {sd} vs {want_sd}");
}
