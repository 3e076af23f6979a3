//! The fuzz targets' bodies, in one place: the cargo-fuzz binaries under `fuzz/` (nightly,
//! libFuzzer) and the stable replay test (`tests/replay.rs`, part of `cargo test`) call the
//! same functions.
//!
//! Each target feeds arbitrary bytes to a parser the app exposes to untrusted input (a
//! dropped dataset file, an uploaded model, a worker message, the URL) and checks what it
//! returns. A panic is a bug: a parser must answer any input with a value that keeps its
//! promises or a non-empty error message ([`Outcome`]).

pub mod mutate;

use candle_core::{DType, Device, Tensor};
use engine::data::idx::{encode_images, encode_labels};
use engine::data::{read_images, read_labels, DatasetKind, Preprocessing};
use engine::model::io::{from_bytes, to_bytes, LoadedModel};
use memristor_playground::app_core::explore::{ADC_BITS, TILES};
use memristor_playground::app_core::url::{
    fragment, pairs, parse_fragment, percent_decode, query_param, MAX_DRAWS, MAX_FAULT_RATE, MAX_RESISTANCE, MAX_STD,
};
use memristor_playground::protocol::{decode, encode, DecodeError, FromWorker, ToWorker, PROTOCOL_VERSION};

/// `Ok` when the input was accepted (and the result checked), `Err(message)` when it was
/// refused: the message the user would see.
pub type Outcome = Result<(), String>;

/// The name the IDX target gives its input: every IDX error must mention it.
pub const IDX_NAME: &str = "fuzz-input.idx";

/// The fuzz targets. `name` is the cargo-fuzz binary's name and the folder of its seed corpus
/// (`fuzz/seeds/<name>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Idx,
    ModelFile,
    PytorchStateDict,
    WorkerMessage,
    UrlFragment,
}

impl Target {
    pub const ALL: [Target; 5] =
        [Target::Idx, Target::ModelFile, Target::PytorchStateDict, Target::WorkerMessage, Target::UrlFragment];

    pub fn name(self) -> &'static str {
        match self {
            Target::Idx => "idx",
            Target::ModelFile => "model_file",
            Target::PytorchStateDict => "pytorch_state_dict",
            Target::WorkerMessage => "worker_message",
            Target::UrlFragment => "url_fragment",
        }
    }

    pub fn run(self, data: &[u8]) -> Outcome {
        match self {
            Target::Idx => idx(data),
            Target::ModelFile => model_file(data),
            Target::PytorchStateDict => pytorch_state_dict(data),
            Target::WorkerMessage => worker_message(data),
            Target::UrlFragment => url_fragment(data),
        }
    }
}

/// A refusal: its message must say something.
fn refused(message: String) -> Outcome {
    assert!(!message.trim().is_empty(), "an input was refused with an empty message");
    Err(message)
}

/// IDX images and labels (gzip or raw), as a dropped dataset file is read. The magic decides
/// which reader may accept the bytes: never both. An accepted file re-encodes to itself.
pub fn idx(data: &[u8]) -> Outcome {
    let images = read_images(data, IDX_NAME);
    let labels = read_labels(data, IDX_NAME);
    assert!(!(images.is_ok() && labels.is_ok()), "the same bytes read as images and as labels");
    let mut first_error = None;
    match images {
        Ok(im) => {
            assert!(im.count > 0 && im.rows > 0 && im.cols > 0, "images with a zero dimension: {im:?}");
            assert_eq!(im.pixels.len(), im.count * im.rows * im.cols, "pixel count does not match the header");
            let again = read_images(encode_images(&im).as_slice(), IDX_NAME).expect("re-encoded images read back");
            assert!(again == im, "images changed through encode and read");
        }
        Err(e) => first_error = Some(e.to_string()),
    }
    match labels {
        Ok(labels) => {
            assert!(!labels.is_empty(), "an empty label file was accepted");
            assert!(labels.iter().all(|&l| l <= 9), "a label above 9 was accepted");
            let again = read_labels(encode_labels(&labels).as_slice(), IDX_NAME).expect("re-encoded labels read back");
            assert_eq!(again, labels, "labels changed through encode and read");
            return Ok(());
        }
        Err(e) => {
            let e = e.to_string();
            assert!(e.contains(IDX_NAME), "a label error does not name the file: {e}");
        }
    }
    match first_error {
        None => Ok(()),
        Some(e) => {
            assert!(e.contains(IDX_NAME), "an image error does not name the file: {e}");
            refused(e)
        }
    }
}

/// A model file as the worker's `PutModel` reads it (ours: configuration in the header).
pub fn model_file(data: &[u8]) -> Outcome {
    load_model(data, Preprocessing::Raw)
}

/// A model file as the worker's `Import` reads an upload: ours, or a bare PyTorch state dict
/// (MLP, LeNet or the example CNN) that gets MNIST's normalisation. Same entry point as [`model_file`], other corpus.
pub fn pytorch_state_dict(data: &[u8]) -> Outcome {
    let fallback = Preprocessing::normalized_for(DatasetKind::Mnist);
    load_model(data, fallback)
}

/// A model that loads must run, save, and load back the same.
fn load_model(data: &[u8], fallback: Preprocessing) -> Outcome {
    let loaded = match from_bytes(data, fallback) {
        Ok(m) => m,
        Err(e) => return refused(e.to_string()),
    };
    check_runs(&loaded);
    if loaded.imported {
        // A file exported by `mpg export` says its preprocessing; any other gets the fallback.
        let says = engine::model::pytorch::PREPROCESSING_KEY.as_bytes();
        if !data.windows(says.len()).any(|w| w == says) {
            assert_eq!(loaded.model.config.preprocessing, fallback, "an imported state dict ignored the fallback");
        }
        // State dicts import as MLPs, LeNet or the example CNN, nothing else.
        let arch = &loaded.model.config.arch;
        assert!(
            !arch.is_convolutional()
                || matches!(arch, engine::model::Architecture::LeNet | engine::model::Architecture::ExampleCnn),
            "a state dict was imported as {arch:?}"
        );
    }
    let saved = to_bytes(&loaded.model, Some(&loaded.notes)).expect("a loaded model saves");
    let back = from_bytes(&saved, Preprocessing::Raw).expect("a saved model loads back");
    assert!(!back.imported, "a saved model reads back as a bare state dict");
    assert_eq!(back.model.config, loaded.model.config, "the configuration changed through save and load");
    for (a, b) in loaded.model.weights().iter().zip(back.model.weights().iter()) {
        assert_eq!(values(a), values(b), "weights changed through save and load");
    }
    Ok(())
}

fn values(t: &Tensor) -> Vec<u32> {
    let v = t.flatten_all().and_then(|t| t.to_vec1::<f32>()).expect("weights are f32");
    v.into_iter().map(f32::to_bits).collect()
}

/// Two blank images through the loaded model give two rows of ten finite logits.
fn check_runs(loaded: &LoadedModel) {
    let mut shape = vec![2];
    shape.extend(loaded.model.config.arch.example_shape());
    let x = Tensor::zeros(shape, DType::F32, &Device::Cpu).expect("zeros");
    let y = loaded.model.forward(&x).expect("a model that loads runs");
    assert_eq!(y.dims(), [2, 10], "logits of the wrong shape");
}

/// A message posted between the page and a worker, read as either side reads it. A version
/// error only for a wrong version; an accepted message encodes again.
pub fn worker_message(data: &[u8]) -> Outcome {
    let to = decode::<ToWorker>(data);
    let from = decode::<FromWorker>(data);
    for result in [to.as_ref().err(), from.as_ref().err()].into_iter().flatten() {
        if let DecodeError::Version { expected, found } = result {
            assert_eq!(*expected, PROTOCOL_VERSION);
            assert_ne!(*found, PROTOCOL_VERSION, "a version error for the right version");
            assert_eq!(data.get(..4), Some(found.to_le_bytes().as_slice()), "a version not from the bytes");
        }
    }
    if let Ok(m) = &to {
        assert_eq!(encode(m)[..4], PROTOCOL_VERSION.to_le_bytes());
    }
    if let Ok(m) = &from {
        assert_eq!(encode(m)[..4], PROTOCOL_VERSION.to_le_bytes());
    }
    match (to, from) {
        (Err(a), Err(_)) => refused(a.to_string()),
        _ => Ok(()),
    }
}

/// The URL's fragment and query (any bytes, read as text the way a browser hands them over):
/// the view is always one the controls can show, and writing it back reads back the same.
pub fn url_fragment(data: &[u8]) -> Outcome {
    let s = String::from_utf8_lossy(data);
    let _ = percent_decode(&s);
    let _ = pairs(&s);
    let _ = query_param(&s, "data");
    let p = parse_fragment(&s);
    assert!(p.std.is_finite() && (0.0..=MAX_STD).contains(&p.std), "std {}", p.std);
    assert!((1..=MAX_DRAWS).contains(&p.draws), "draws {}", p.draws);
    let c = &p.crossbar.config;
    for rate in [c.faults.lrs, c.faults.hrs] {
        assert!(rate.is_finite() && (0.0..=MAX_FAULT_RATE).contains(&rate), "fault rate {rate}");
    }
    for r in [c.r_on, c.r_off] {
        assert!(r.is_finite() && r > 0.0 && r <= MAX_RESISTANCE, "resistance {r}");
    }
    assert!(c.r_on < c.r_off, "R_on {} not below R_off {}", c.r_on, c.r_off);
    assert!(c.adc_bits.is_none_or(|b| ADC_BITS.contains(&b)), "ADC bits {:?}", c.adc_bits);
    assert!(TILES.contains(&c.tile), "tile {}", c.tile);
    let written = fragment(&p);
    assert_eq!(parse_fragment(&written), p, "the view changed through {written}");
    Ok(())
}
