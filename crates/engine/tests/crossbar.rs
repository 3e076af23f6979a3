//! Crossbar simulation: exact expectations on tiny hand-computable layers (mapping, tiles with
//! padding, ADC, input scaling, tuning, fault counts), then the ideal limit, the collapse
//! under faults and fault-aware training on the real MNIST.

mod common;

use candle_core::{Device, Tensor};
use engine::crossbar::adc::quantize;
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
    for i in 0..8 {
        assert_eq!(layer.g_pos[i] - layer.g_neg[i], 0.5 * w_t[i]);
        assert!(layer.g_pos[i] == 0.5 || layer.g_neg[i] == 0.5);
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
    for (lrs, hrs) in [(0.1, 0.0), (0.0, 0.1), (0.1, 0.1), (0.25, 0.15)] {
        let cfg = CrossbarConfig { faults: FaultConfig { lrs, hrs }, ..CrossbarConfig::default() };
        let mut layer = CrossbarLayer::deploy(&spec, &w, &cfg, None, &mut rng(1, 1)).unwrap();
        let ideal = layer.clone();
        let mut r = (rng(9, 100), rng(9, 6), rng(9, 101));
        layer.realise(&cfg, &mut r.0, &mut r.1, &mut r.2).unwrap();
        let n = 384 * 256; // 3 x 2 tiles of 128 x 128
        assert_eq!(layer.grid.cells(), n);
        for (stuck, g, g0) in
            [(&layer.stuck_pos, &layer.g_pos, &ideal.g_pos), (&layer.stuck_neg, &layer.g_neg, &ideal.g_neg)]
        {
            let (l, h) = (count(stuck, Stuck::Lrs), count(stuck, Stuck::Hrs));
            assert_eq!(l, (n as f64 * lrs).floor() as usize, "LRS cells at lrs {lrs}");
            if lrs == 0.0 {
                assert_eq!(h, (n as f64 * hrs).floor() as usize, "HRS cells at hrs {hrs}");
            } else {
                // LRS is drawn second and overwrites: HRS keeps its count less the overlap
                // (about hrs * lrs * N).
                let drawn = (n as f64 * hrs).floor();
                assert!(h as f64 <= drawn && h as f64 >= drawn * (1.0 - 2.0 * lrs), "{h} of {drawn}");
            }
            for i in 0..n {
                match stuck[i] {
                    Stuck::Lrs => assert_eq!(g[i], 0.02),
                    Stuck::Hrs => assert_eq!(g[i], 0.001),
                    Stuck::No => assert_eq!(g[i], g0[i]),
                }
            }
            // Padding cells (rows 300.., columns 200..) are devices too.
            let padded_hits = (0..n).filter(|&i| (i / 256 >= 300 || i % 256 >= 200) && stuck[i] != Stuck::No).count();
            assert!(padded_hits > 0);
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
    let changed = ew.iter().zip(&w).filter(|(a, b)| a != b).count();
    assert!((250..550).contains(&changed), "{changed} of 2000 weights realised differently");
    // With log-normal noise first, stuck-LRS weights sit at the clean w_max (not the noisy one).
    let (nw, nb) = values(&Method::FaultAware { lrs: 0.1, hrs: 0.0, noise_std: 0.5 }, &mut rng(4, 4));
    assert_ne!(nb, vec![0.25; 20], "biases get the log-normal noise");
    let at_max = nw.iter().filter(|v| (v.abs() - wm).abs() < 1e-7).count();
    assert!(at_max > 100, "{at_max} weights at +-clean w_max");
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
    for (n, c) in first.iter().zip(&clean) {
        // sd per output ~ 0.01 * 0.5 * sqrt(2) * |x|_2 * vmax * slope: small against the signal
        assert!((n - c).abs() < 0.2 && n != c, "{first:?} vs {clean:?}");
    }
}
