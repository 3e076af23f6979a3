//! Loss landscapes: centre equals the model's own test loss, filter normalisation, seeding,
//! and a model and its copy giving identical pictures. On real MNIST with a trained MLP.

mod common;

use engine::eval::{evaluate_with, EVAL_BATCH};
use engine::landscape::{
    filter_normalised_direction, filter_norms, grid_2d, noise_landscape, slice_1d, stratified_subset, LandscapeConfig,
};
use engine::model::{Architecture, DigitalLayers, Model, ModelConfig};
use engine::train::{train, Control, TrainConfig, TrainHooks};

fn trained_mlp() -> (Model, engine::data::Split) {
    let split = common::mnist();
    let model = Model::init(
        ModelConfig { arch: Architecture::Mlp { hidden: vec![64, 32], dropout: 0.0 }, ..ModelConfig::report_mlp() },
        3,
    )
    .unwrap();
    let mut go = |_: &engine::train::Progress| Control::Continue;
    let cfg = TrainConfig { epochs: 1, batch_size: 128, ..TrainConfig::default() };
    train(&model, &split.train.take(12_800), &cfg, TrainHooks::with_progress(&mut go)).unwrap();
    (model, split)
}

#[test]
fn landscapes_are_centred_normalised_seeded_and_copy_invariant() {
    let (model, split) = trained_mlp();
    let subset = stratified_subset(&split.test, 1000, 7);
    assert_eq!(subset.len(), 1000);
    for c in 0..10u8 {
        assert_eq!(subset.labels.iter().filter(|&&l| l == c).count(), 100, "class {c}");
    }
    let own = evaluate_with(&model, &model.weights(), &DigitalLayers, &subset, EVAL_BATCH).unwrap();

    let cfg = LandscapeConfig { range: 1.0, points: 5, seed: 11 };
    let s = slice_1d(&model, &subset, &cfg, |_, _| true).unwrap();
    assert_eq!(s.alphas, vec![-1.0, -0.5, 0.0, 0.5, 1.0]);
    assert_eq!(s.points[2].loss, own.loss, "the centre is the model's own test loss, exactly");
    assert_eq!(s.points[2].accuracy, own.accuracy());
    assert!(
        s.points[0].loss > own.loss && s.points[4].loss > own.loss,
        "a trained model sits in a valley: {:?}",
        s.points
    );

    // Filter normalisation: each filter of the direction has the norm of the weights' filter.
    let d = filter_normalised_direction(&model, 11, 0).unwrap();
    assert_eq!(d.len(), model.weights().len(), "one direction tensor per parameter");
    for ((w, dir), name) in model.weights().iter().zip(&d).zip(model.names()) {
        let (nw, nd) = (filter_norms(w).unwrap(), filter_norms(dir).unwrap());
        if !name.ends_with(".bias") {
            for (a, b) in nw.iter().zip(&nd) {
                assert!((a - b).abs() <= 1e-5 * a.max(1.0), "{name}: {a} vs {b}");
            }
        } else {
            assert!(nd.iter().all(|&x| x == 0.0), "bias directions are zero (the paper's ignore-biasbn)");
        }
    }
    // Same seed, same directions; another seed, other directions; the two axes differ.
    let again = filter_normalised_direction(&model, 11, 0).unwrap();
    let v = |t: &candle_core::Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    assert_eq!(v(&d[0]), v(&again[0]));
    assert_ne!(v(&d[0]), v(&filter_normalised_direction(&model, 12, 0).unwrap()[0]));
    assert_ne!(v(&d[0]), v(&filter_normalised_direction(&model, 11, 1).unwrap()[0]));

    // A copy of the model gives the identical landscape, 1-D, 2-D and noise.
    let copy = model.duplicate().unwrap();
    assert_eq!(slice_1d(&copy, &subset, &cfg, |_, _| true).unwrap(), s);
    let g_cfg = LandscapeConfig { range: 0.5, points: 3, seed: 11 };
    let g = grid_2d(&model, &subset, &g_cfg, |_, _| true).unwrap();
    assert_eq!(g.points[1][1].loss, own.loss);
    assert_eq!(grid_2d(&copy, &subset, &g_cfg, |_, _| true).unwrap(), g);
    // Pieces computed apart agree with the whole grid (how the browser splits the work).
    let piece = engine::landscape::points_at(&model, &subset, 11, &[(0.5, -0.5), (0.0, 0.0)]).unwrap();
    assert_eq!((piece[0], piece[1]), (g.points[0][2], g.points[1][1]));
    let n = noise_landscape(&model, &subset, &[0.0, 0.5, 1.0], 3, 5, |_, _| true).unwrap();
    assert_eq!(n[0].loss.mean, own.loss, "std 0 is the clean loss");
    assert!(n[2].loss.mean > n[1].loss.mean && n[1].loss.mean > n[0].loss.mean, "{n:?}");
    assert_eq!(noise_landscape(&copy, &subset, &[0.0, 0.5, 1.0], 3, 5, |_, _| true).unwrap(), n);

    assert!(slice_1d(&model, &subset, &LandscapeConfig { range: f32::NAN, ..cfg.clone() }, |_, _| true).is_err());
    assert!(slice_1d(&model, &subset, &LandscapeConfig { points: 1, ..cfg }, |_, _| true).is_err());
}
