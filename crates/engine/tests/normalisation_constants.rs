//! The normalisation constants a normalised model is trained with are the statistics of its
//! training set: mean and standard deviation of pixel / 255 over every pixel of the 60,000
//! training images (torchvision's 0.1307 / 0.3081 for MNIST), recomputed here from the real
//! files and compared to 4 decimals.

mod common;

use engine::data::{Dataset, DatasetKind, Preprocessing};

/// Mean and population standard deviation of pixel / 255 over every pixel of `data`.
fn pixel_statistics(data: &Dataset) -> (f64, f64) {
    let (mut sum, mut sum_sq) = (0u64, 0u64);
    for &p in &data.images.pixels {
        sum += p as u64;
        sum_sq += (p as u64) * (p as u64);
    }
    let n = data.images.pixels.len() as f64;
    let mean = sum as f64 / n / 255.0;
    let var = sum_sq as f64 / n / (255.0 * 255.0) - mean * mean;
    (mean, var.sqrt())
}

fn assert_constants_match(kind: DatasetKind, train: &Dataset) {
    assert_eq!(train.len(), 60_000, "{kind:?}: the statistics are over the full training set");
    let (mean, sd) = pixel_statistics(train);
    let Preprocessing::Normalized { mean: m, std: s } = Preprocessing::normalized_for(kind) else {
        panic!("{kind:?}: normalized_for must give a normalisation");
    };
    let four = |v: f64| format!("{v:.4}");
    eprintln!("{kind:?}: measured mean {mean:.6} sd {sd:.6}, constants {m} / {s}");
    assert_eq!(four(m as f64), four(mean), "{kind:?} mean (measured {mean:.6})");
    assert_eq!(four(s as f64), four(sd), "{kind:?} std (measured {sd:.6})");
}

#[test]
fn mnist_constants_are_its_training_set_statistics() {
    assert_constants_match(DatasetKind::Mnist, &common::mnist().train);
}

#[test]
fn fashion_mnist_constants_are_its_training_set_statistics() {
    assert_constants_match(DatasetKind::FashionMnist, &common::fashion_mnist().train);
}
