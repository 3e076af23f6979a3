//! For the wasm build only: embeds real MNIST in the benchmark. The training subset (the first
//! `max(MPG_BENCH_MLP_STEPS, MPG_BENCH_CNN_STEPS) * 64` images, 300 and 60 steps by default) is
//! cut from the training files and re-compressed, and the test files are copied as they are, into
//! OUT_DIR, where `tests/browser.rs` includes them. The data folder is `$MPG_BENCH_MNIST` (the
//! folder holding the four `.gz` files), else `$MPG_DATA_DIR/mnist`, else `../shared/data/mnist`
//! beside the workspace.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

fn steps(var: &str, default: usize) -> usize {
    println!("cargo:rerun-if-env-changed={var}");
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn gunzip(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .read_to_end(&mut out)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    out
}

fn gzip(bytes: &[u8], path: &Path) {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    std::fs::write(path, enc.finish().unwrap()).unwrap();
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() != Ok("wasm32") {
        return;
    }
    for var in ["MPG_BENCH_MNIST", "MPG_DATA_DIR"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let candidates: Vec<PathBuf> = [
        std::env::var("MPG_BENCH_MNIST").ok().map(PathBuf::from),
        std::env::var("MPG_DATA_DIR").ok().map(|d| PathBuf::from(d).join("mnist")),
        Some(manifest.join("../../../shared/data/mnist")),
    ]
    .into_iter()
    .flatten()
    .collect();
    let dir = candidates.iter().find(|d| d.join("train-images-idx3-ubyte.gz").exists()).unwrap_or_else(|| {
        panic!("MNIST not found in {candidates:?}: set MPG_BENCH_MNIST to the folder of the .gz files")
    });
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let n = steps("MPG_BENCH_MLP_STEPS", 300).max(steps("MPG_BENCH_CNN_STEPS", 60)) * 64;
    let images = gunzip(&dir.join("train-images-idx3-ubyte.gz"));
    let labels = gunzip(&dir.join("train-labels-idx1-ubyte.gz"));
    let count = u32::from_be_bytes(images[4..8].try_into().unwrap()) as usize;
    let n = n.min(count);
    let mut sub_images = images[..16 + n * 784].to_vec();
    sub_images[4..8].copy_from_slice(&(n as u32).to_be_bytes());
    let mut sub_labels = labels[..8 + n].to_vec();
    sub_labels[4..8].copy_from_slice(&(n as u32).to_be_bytes());
    gzip(&sub_images, &out.join("train-images.gz"));
    gzip(&sub_labels, &out.join("train-labels.gz"));
    for (from, to) in [("t10k-images-idx3-ubyte.gz", "test-images.gz"), ("t10k-labels-idx1-ubyte.gz", "test-labels.gz")]
    {
        println!("cargo:rerun-if-changed={}", dir.join(from).display());
        std::fs::copy(dir.join(from), out.join(to)).unwrap();
    }
    println!("cargo:rustc-env=MPG_BENCH_DATA_FROM={}", dir.display());
}
