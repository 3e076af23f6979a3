//! Digits as a person draws them (large, off-centre, on a wide canvas) are read by a network
//! trained on MNIST once `centre_digit` prepares them as MNIST's were; without it they are not.

mod common;

use engine::crossbar::probabilities::crossbar_class_probabilities;
use engine::crossbar::{Crossbar, CrossbarConfig, FaultConfig, InputScaling};
use engine::data::digit::{centre_digit, Drawing};
use engine::data::{Dataset, IdxImages};
use engine::eval::evaluate;
use engine::model::{Architecture, Model, ModelConfig, IMAGE_SIDE, INPUTS};
use engine::noise::probabilities::class_probabilities;
use engine::noise::NoiseConfig;
use engine::train::{train, Control, TrainConfig, TrainHooks};

const DIGITS: usize = 300;
/// Canvas and placement: each test digit enlarged 6x, its top-left corner at (37, 11) of a
/// 300x240 canvas, so the ink sits far from the centre and is far too big for 28x28.
const W: usize = 300;
const H: usize = 240;
const SCALE: usize = 6;
const OX: usize = 37;
const OY: usize = 11;

fn drawn(image: &[u8]) -> Vec<f32> {
    let mut canvas = vec![0.0f32; W * H];
    for y in 0..IMAGE_SIDE * SCALE {
        for x in 0..IMAGE_SIDE * SCALE {
            canvas[(OY + y) * W + OX + x] = image[(y / SCALE) * IMAGE_SIDE + x / SCALE] as f32 / 255.0;
        }
    }
    canvas
}

/// What a page would do without centring: the whole canvas shrunk to 28x28 (nearest pixel).
fn shrunk(canvas: &[f32]) -> Vec<u8> {
    (0..INPUTS)
        .map(|i| {
            let (x, y) = (i % IMAGE_SIDE * W / IMAGE_SIDE, i / IMAGE_SIDE * H / IMAGE_SIDE);
            (canvas[y * W + x] * 255.0) as u8
        })
        .collect()
}

fn dataset(pixels: Vec<u8>, labels: Vec<u8>) -> Dataset {
    Dataset::new(IdxImages { count: labels.len(), rows: IMAGE_SIDE, cols: IMAGE_SIDE, pixels }, labels).unwrap()
}

#[test]
fn drawn_digits_are_read_once_centred_as_mnist_prepared_them() {
    let split = common::mnist();
    let model = Model::init(ModelConfig { arch: Architecture::report_mlp(), ..ModelConfig::report_mlp() }, 1).unwrap();
    let cfg = TrainConfig { epochs: 1, ..TrainConfig::default() };
    let mut go = |_: &engine::train::Progress| Control::Continue;
    train(&model, &split.train.take(20_000), &cfg, TrainHooks::with_progress(&mut go)).unwrap();

    let test = split.test.take(DIGITS);
    let labels = test.labels.clone();
    let (mut centred, mut naive) = (Vec::new(), Vec::new());
    for i in 0..DIGITS {
        let canvas = drawn(test.image(i));
        centred.extend(centre_digit(&Drawing { width: W, height: H, pixels: &canvas }).unwrap());
        naive.extend(shrunk(&canvas));
    }
    let original = evaluate(&model, &test).unwrap().accuracy();
    let centred = evaluate(&model, &dataset(centred, labels.clone())).unwrap().accuracy();
    let naive = evaluate(&model, &dataset(naive, labels)).unwrap().accuracy();
    eprintln!("{DIGITS} test digits: as in MNIST {original:.1}%, drawn and centred {centred:.1}%, drawn and shrunk {naive:.1}%");
    assert!(original > 90.0, "{original}");
    assert!(centred >= original - 1.5, "centred {centred} vs original {original}");
    assert!(naive < 50.0, "without centring the drawings should not be read: {naive}");
}

#[test]
fn probabilities_are_sure_when_clean_and_spread_under_noise() {
    let split = common::mnist();
    let model = Model::init(ModelConfig::report_mlp(), 2).unwrap();
    let cfg = TrainConfig { epochs: 1, ..TrainConfig::default() };
    let mut go = |_: &engine::train::Progress| Control::Continue;
    train(&model, &split.train.take(10_000), &cfg, TrainHooks::with_progress(&mut go)).unwrap();
    let seven = split.test.image(0); // the first test digit is a 7
    assert_eq!(split.test.labels[0], 7);

    let quiet = class_probabilities(&model, seven, &NoiseConfig { std: 0.0, draws: 5, seed: 1 }).unwrap();
    assert_eq!(quiet.mean, quiet.clean);
    assert_eq!(quiet.sd, [0.0; 10]);
    let best = (0..10).max_by(|&a, &b| quiet.clean[a].total_cmp(&quiet.clean[b])).unwrap();
    assert_eq!(best, 7, "{:?}", quiet.clean);
    assert!((quiet.clean.iter().sum::<f32>() - 1.0).abs() < 1e-5);

    let noisy = class_probabilities(&model, seven, &NoiseConfig { std: 1.5, draws: 10, seed: 1 }).unwrap();
    assert_eq!(noisy.clean, quiet.clean);
    assert!((noisy.mean.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    assert!(noisy.sd.iter().any(|&s| s > 0.01), "{:?}", noisy.sd);
    assert!(noisy.mean[7] < quiet.clean[7], "noise makes the network less sure: {:?}", noisy.mean);
    // The same seed gives the same draws.
    assert_eq!(noisy, class_probabilities(&model, seven, &NoiseConfig { std: 1.5, draws: 10, seed: 1 }).unwrap());
    assert!(class_probabilities(&model, &seven[..700], &NoiseConfig { std: 0.0, draws: 1, seed: 1 }).is_err());
}

#[test]
fn crossbars_read_a_digit_as_the_network_does_until_devices_fail() {
    let split = common::mnist();
    let model = Model::init(ModelConfig::report_mlp(), 2).unwrap();
    let cfg = TrainConfig { epochs: 1, ..TrainConfig::default() };
    let mut go = |_: &engine::train::Progress| Control::Continue;
    train(&model, &split.train.take(10_000), &cfg, TrainHooks::with_progress(&mut go)).unwrap();
    let seven = split.test.image(0);
    let argmax = |p: &[f32; 10]| (0..10).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();

    // Calibrated input scaling, no faults, no ADC: the crossbar computes the same network.
    let ideal_cfg =
        CrossbarConfig { input_scaling: InputScaling::Calibrated, adc_bits: None, ..CrossbarConfig::default() };
    let calibration = split.train.take(1_000);
    let ideal = Crossbar::deploy(&model, &ideal_cfg, Some(&calibration)).unwrap();
    let p = crossbar_class_probabilities(&model, seven, &ideal, 5).unwrap();
    assert_eq!(p.sd, [0.0; 10], "nothing random: one reading");
    assert_eq!(argmax(&p.mean), 7);
    let gap = p.mean.iter().zip(&p.clean).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(gap < 0.02, "an ideal crossbar reads as the digital network: {gap}");

    // A quarter of the devices stuck at each end: the readings spread and the sure answer is lost.
    let mut faulty_cfg = ideal_cfg.clone();
    faulty_cfg.faults = FaultConfig { lrs: 0.25, hrs: 0.25 };
    let faulty = Crossbar::deploy(&model, &faulty_cfg, Some(&calibration)).unwrap();
    let q = crossbar_class_probabilities(&model, seven, &faulty, 8).unwrap();
    assert_eq!(q.clean, p.clean);
    assert!(q.sd.iter().any(|&s| s > 0.01), "{:?}", q.sd);
    assert!(q.mean[7] < p.mean[7] - 0.05, "faults make the chip less sure: {:?} vs {:?}", q.mean, p.mean);
    assert!((q.mean.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    // draw k is draw k: the same draws give the same readings
    assert_eq!(q, crossbar_class_probabilities(&model, seven, &faulty, 8).unwrap());
    assert!(crossbar_class_probabilities(&model, seven, &faulty, 0).is_err());
}
