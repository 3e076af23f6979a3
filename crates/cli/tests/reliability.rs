//! Issue 11, the CLI's part: outputs written atomically and checked before any work, runaway
//! training never saved, garbage refused with a clear message, messages that name the problem.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use engine::data::{DatasetKind, Preprocessing};
use engine::model::io::to_bytes;
use engine::model::{Architecture, Model, ModelConfig};

fn data_dir() -> PathBuf {
    match std::env::var_os("MPG_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

fn mpg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mpg")).args(args).env_remove("MPG_DATA_DIR").output().expect("mpg runs")
}

/// `mpg` under a file-size limit of `kb` KiB: the kernel kills it (SIGXFSZ) at the first write
/// past the limit, in the middle of writing its output.
fn mpg_limited(kb: u32, args: &[&str]) -> Output {
    Command::new("bash")
        .arg("-c")
        .arg(format!("ulimit -f {kb}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_mpg"))
        .args(args)
        .env_remove("MPG_DATA_DIR")
        .output()
        .expect("bash runs")
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "mpg failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn err(out: &Output) -> String {
    assert!(!out.status.success(), "mpg should have failed: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// An untrained model file (only its configuration matters to these tests).
fn model_file(dir: &Path, name: &str, dataset: DatasetKind, scale: Option<f32>) -> PathBuf {
    let config = ModelConfig {
        arch: Architecture::Mlp { hidden: vec![16], dropout: 0.0 },
        preprocessing: Preprocessing::normalized_for(dataset),
        dataset,
    };
    let mut model = Model::init(config, 3).unwrap();
    if let Some(k) = scale {
        let big: Vec<_> = model.weights().iter().map(|w| (w.ones_like().unwrap() * k as f64).unwrap()).collect();
        model = Model::from_tensors(model.config.clone(), big).unwrap();
    }
    let path = dir.join(name);
    std::fs::write(&path, to_bytes(&model, None).unwrap()).unwrap();
    path
}

const TINY: [&str; 6] = ["--hidden", "16", "--epochs", "1", "--batch", "256"];

#[test]
fn an_unwritable_out_fails_before_training() {
    let data = data_dir();
    let start = Instant::now();
    let e = err(&mpg(&["train", "--data", s(&data), "--out", "/nonexistent/x.safetensors"]));
    let secs = start.elapsed().as_secs_f64();
    assert!(e.contains("/nonexistent") && e.contains("does not exist"), "{e}");
    assert!(secs < 2.0, "refused after {secs:.2} s");
    let tmp = tempfile::tempdir().unwrap();
    let e = err(&mpg(&["train", "--data", s(&data), "--out", s(tmp.path())]));
    assert!(e.contains("is a directory"), "{e}");
    // Landscape creates its output folder, but not under a file.
    let file = tmp.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let e = err(&mpg(&["landscape", "--model", "m", "--data", s(&data), "--out", s(&file.join("land"))]));
    assert!(e.contains("it is a file, not a folder"), "{e}");
}

#[test]
fn a_writer_killed_mid_write_leaves_the_previous_model_and_results_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let data = data_dir();
    // The model writer: a 16-unit MLP is a 51 KB file; killed at 20 KB.
    let out = tmp.path().join("m.safetensors");
    std::fs::write(&out, b"the previous model").unwrap();
    let r = mpg_limited(20, &[&["train", "--data", s(&data), "--out", s(&out)], &TINY[..]].concat());
    assert!(!r.status.success(), "the write should have been killed: {}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(std::fs::read(&out).unwrap(), b"the previous model");

    // A results writer: the crossbar state dump (several hundred KB of JSON), killed at 20 KB.
    let model = model_file(tmp.path(), "small.safetensors", DatasetKind::Mnist, None);
    let dump = tmp.path().join("state.json");
    std::fs::write(&dump, b"{\"previous\": true}").unwrap();
    let args = ["crossbar", "eval", "--model", s(&model), "--data", s(&data), "--dump-state", s(&dump)];
    let r = mpg_limited(20, &args);
    assert!(!r.status.success(), "the write should have been killed: {}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(std::fs::read(&dump).unwrap(), b"{\"previous\": true}");
}

#[test]
fn runaway_training_is_an_error_and_never_replaces_the_previous_model() {
    let tmp = tempfile::tempdir().unwrap();
    let data = data_dir();
    let out = tmp.path().join("m.safetensors");
    std::fs::write(&out, b"the previous model").unwrap();
    // The two runs, on the report's MLP at batch 64: stopped at their second step.
    for extra in [&["--lr", "10"][..], &["--method", "noise", "--train-noise", "5", "--lr", "10"][..]] {
        let args = [&["train", "--data", s(&data), "--epochs", "1", "--out", s(&out)], extra].concat();
        let e = err(&mpg(&args));
        assert!(e.contains("training diverged"), "{extra:?}: {e}");
        assert_eq!(std::fs::read(&out).unwrap(), b"the previous model", "{extra:?}");
    }
    // A small MLP at learning rate 10 collapses to one class with a finite loss: no divergence
    // to see, but it learned nothing, and says so.
    let e = err(&mpg(&[
        "train",
        "--data",
        s(&data),
        "--hidden",
        "16",
        "--epochs",
        "1",
        "--batch",
        "256",
        "--lr",
        "10",
        "--out",
        s(&out),
    ]));
    assert!(e.contains("no better than guessing") && e.contains("nothing was saved"), "{e}");
    assert_eq!(std::fs::read(&out).unwrap(), b"the previous model");
}

#[test]
fn the_same_seed_gives_a_byte_identical_model_file() {
    let tmp = tempfile::tempdir().unwrap();
    let data = data_dir();
    let (a, b) = (tmp.path().join("a.safetensors"), tmp.path().join("b.safetensors"));
    for p in [&a, &b] {
        ok(&mpg(&[&["train", "--data", s(&data), "--seed", "9", "--out", s(p)], &TINY[..]].concat()));
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn an_oversized_model_is_refused_at_configuration_time() {
    let data = data_dir();
    let hidden = ["8192"; 10].join(",");
    let start = Instant::now();
    let e = err(&mpg(&["train", "--data", s(&data), "--hidden", &hidden, "--out", "/tmp/never.safetensors"]));
    assert!(e.contains("at most 20000000 parameters"), "{e}");
    assert!(start.elapsed().as_secs_f64() < 10.0);
}

#[test]
fn garbage_is_refused_with_a_clear_message() {
    let tmp = tempfile::tempdir().unwrap();
    let data = data_dir();
    let mnist = model_file(tmp.path(), "mnist.safetensors", DatasetKind::Mnist, None);
    let land = tmp.path().join("land");
    // --subset 0.
    let e = err(&mpg(&["landscape", "--model", s(&mnist), "--data", s(&data), "--subset", "0", "--out", s(&land)]));
    assert!(e.contains("--subset 0") && e.contains("at least one test image"), "{e}");
    // Two names for one model.
    let e = err(&mpg(&[
        "landscape",
        "--model",
        s(&mnist),
        "--name",
        "a",
        "--name",
        "b",
        "--data",
        s(&data),
        "--out",
        s(&land),
    ]));
    assert!(e.contains("2 --name given for 1 --model"), "{e}");
    // A Fashion-MNIST model on MNIST.
    let fashion = model_file(tmp.path(), "fashion.safetensors", DatasetKind::FashionMnist, None);
    let e = err(&mpg(&["eval", "--model", s(&fashion), "--data", s(&data)]));
    assert!(e.contains("trained on fashion-mnist but --dataset is mnist"), "{e}");
    ok(&mpg(&["eval", "--model", s(&fashion), "--data", s(&data), "--allow-dataset-mismatch"]));
    // Weights of 1e37: finite, but the forward pass overflows.
    let huge = model_file(tmp.path(), "huge.safetensors", DatasetKind::Mnist, Some(1e37));
    let e = err(&mpg(&["eval", "--model", s(&huge), "--data", s(&data)]));
    assert!(e.contains("overflows f32") && e.contains("1e37"), "{e}");
    // Conductances that overflow f32.
    let e = err(&mpg(&["crossbar", "eval", "--model", s(&mnist), "--data", s(&data), "--r-on", "1e-45"]));
    assert!(e.contains("resistances must be between"), "{e}");
    // Negative numbers reach the range check.
    let e = err(&mpg(&["eval", "--model", s(&mnist), "--data", s(&data), "--noise", "-1"]));
    assert!(e.contains("noise std = -1") && !e.contains("unexpected argument"), "{e}");
    let e = err(&mpg(&["train", "--data", s(&data), "--lr", "-0.1", "--out", s(&tmp.path().join("x"))]));
    assert!(e.contains("learning rate"), "{e}");
}

#[test]
fn data_errors_name_the_missing_file_and_print_io_errors_once() {
    let tmp = tempfile::tempdir().unwrap();
    let data = data_dir();
    let model = model_file(tmp.path(), "m.safetensors", DatasetKind::Mnist, None);
    let partial = tmp.path().join("partial");
    std::fs::create_dir_all(&partial).unwrap();
    for f in ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"] {
        std::fs::copy(data.join("mnist").join(f), partial.join(f)).unwrap();
    }
    let e = err(&mpg(&["eval", "--model", s(&model), "--data", s(&partial)]));
    assert!(e.contains("t10k-labels-idx1-ubyte not found"), "{e}");
    // A directory where a data file should be: the OS error once.
    std::fs::create_dir(partial.join("t10k-labels-idx1-ubyte.gz")).unwrap();
    let e = err(&mpg(&["eval", "--model", s(&model), "--data", s(&partial)]));
    assert_eq!(e.matches("Is a directory").count(), 1, "{e}");
}
