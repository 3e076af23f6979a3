//! Shared test helpers: where the real MNIST lives.
#![allow(dead_code)]

use std::path::PathBuf;

use engine::data::{DatasetKind, Split};

/// The data folder: `$MPG_DATA_DIR`, or `../shared/data` beside the project root (as CI has it).
pub fn data_dir() -> PathBuf {
    match std::env::var_os("MPG_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

/// Real MNIST, checksum-verified. Panics with instructions when it is missing.
pub fn mnist() -> Split {
    let dir = data_dir().join("mnist");
    Split::load_dir(&dir, DatasetKind::Mnist, true)
        .unwrap_or_else(|e| panic!("MNIST is needed for this test ({e}); set MPG_DATA_DIR to a folder holding mnist/"))
}

/// Real Fashion-MNIST, checksum-verified. Panics with instructions when it is missing.
pub fn fashion_mnist() -> Split {
    let dir = data_dir().join("fashion-mnist");
    Split::load_dir(&dir, DatasetKind::FashionMnist, true).unwrap_or_else(|e| {
        panic!("Fashion-MNIST is needed for this test ({e}); set MPG_DATA_DIR to a folder holding fashion-mnist/")
    })
}
