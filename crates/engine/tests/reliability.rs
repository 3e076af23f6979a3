//! Issue 11, the engine's part: bounded reads, bounded models, garbage refused with a clear
//! error, messages cut to a readable length, byte-reproducible model files.

use std::collections::HashMap;
use std::io::Write;

use candle_core::{DType, Device, Tensor};
use engine::crossbar::CrossbarConfig;
use engine::data::dataset::read_data_file;
use engine::data::idx::{encode_images, read_maybe_gzip_limited, IdxImages};
use engine::data::{DataFile, Dataset, DatasetKind, Preprocessing, Split};
use engine::landscape::{slice_1d, LandscapeConfig};
use engine::model::io::{from_bytes, to_bytes};
use engine::model::{Architecture, Model, ModelConfig};
use engine::Error;

mod common;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn small_mlp() -> Model {
    let config = ModelConfig {
        arch: Architecture::Mlp { hidden: vec![16], dropout: 0.0 },
        preprocessing: Preprocessing::normalized_for(DatasetKind::Mnist),
        dataset: DatasetKind::Mnist,
    };
    Model::init(config, 7).unwrap()
}

/// Counts the bytes a reader hands out.
struct Counting<R> {
    inner: R,
    read: std::rc::Rc<std::cell::Cell<usize>>,
}

impl<R: std::io::Read> std::io::Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n);
        Ok(n)
    }
}

#[test]
fn a_gzip_bomb_is_refused_after_reading_at_most_the_cap() {
    // 64 MB of zeros behind a valid header, about 64 KB compressed; the cap is 1 MB.
    let mut idx = encode_images(&IdxImages { count: 1, rows: 28, cols: 28, pixels: vec![0; 784] });
    idx.resize(64 << 20, 0);
    let gz = gzip(&idx);
    let consumed = std::rc::Rc::new(std::cell::Cell::new(0));
    let reader = Counting { inner: &gz[..], read: consumed.clone() };
    let err = read_maybe_gzip_limited(reader, "bomb.gz", 1 << 20, "a test's 1 MiB").unwrap_err();
    assert!(matches!(err, Error::TooLarge { limit, .. } if limit == 1 << 20), "{err:?}");
    assert!(err.to_string().contains("decompression bomb"), "{err}");
    // It stopped early: far from all of the compressed stream was consumed.
    assert!(consumed.get() < gz.len() / 4, "read {} of {} compressed bytes", consumed.get(), gz.len());
    // Raw (uncompressed) data is capped the same way.
    let err = read_maybe_gzip_limited(&idx[..], "raw", 1000, "1000 bytes").unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err:?}");
}

#[test]
fn a_dataset_file_larger_than_its_known_size_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut idx = encode_images(&IdxImages { count: 60_000, rows: 28, cols: 28, pixels: vec![] });
    idx.resize(DataFile::TrainImages.size() + 5_000_000, 0);
    std::fs::write(dir.path().join("train-images-idx3-ubyte.gz"), gzip(&idx)).unwrap();
    let err = read_data_file(dir.path(), DataFile::TrainImages).unwrap_err();
    assert!(matches!(err, Error::TooLarge { limit: 47_040_016, .. }), "{err:?}");
    assert!(err.to_string().contains("47040016 bytes of train-images-idx3-ubyte"), "{err}");
}

#[test]
fn the_known_sizes_are_the_real_files_sizes() {
    let dir = common::data_dir().join("mnist");
    for f in DataFile::ALL {
        let (_, bytes) = read_data_file(&dir, f).unwrap();
        assert_eq!(bytes.len(), f.size(), "{}", f.stem());
    }
}

#[test]
fn a_multi_member_gzip_of_real_mnist_loads() {
    let src = common::data_dir().join("mnist");
    let dir = tempfile::tempdir().unwrap();
    for f in DataFile::ALL {
        let (_, bytes) = read_data_file(&src, f).unwrap();
        // Three members, as `cat a.gz b.gz c.gz` or pigz/bgzip would produce.
        let (a, rest) = bytes.split_at(bytes.len() / 3);
        let (b, c) = rest.split_at(rest.len() / 2);
        let multi: Vec<u8> = [gzip(a), gzip(b), gzip(c)].concat();
        std::fs::write(dir.path().join(format!("{}.gz", f.stem())), multi).unwrap();
    }
    let split = Split::load_dir(dir.path(), DatasetKind::Mnist, true).unwrap();
    assert_eq!((split.train.len(), split.test.len()), (60_000, 10_000));
}

#[test]
fn an_io_error_is_printed_once_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("train-images-idx3-ubyte.gz")).unwrap();
    let err = read_data_file(dir.path(), DataFile::TrainImages).unwrap_err();
    let msg = err.to_string();
    assert_eq!(msg.matches("os error").count(), 1, "{msg}");
    assert!(msg.contains("train-images-idx3-ubyte.gz"), "{msg}");
    // Chains (anyhow's `{:#}`) print the source too: there must be none to print twice.
    assert!(std::error::Error::source(&err).is_none());
}

#[test]
fn the_ten_by_8192_mlp_is_refused_at_configuration_time() {
    let arch = Architecture::Mlp { hidden: vec![8192; 10], dropout: 0.0 };
    let err = arch.validate().unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("at most 20000000 parameters") && msg.contains("610"), "{msg}");
    assert_eq!(arch.num_params(), 784 * 8192 + 8192 + 9 * (8192 * 8192 + 8192) + 8192 * 10 + 10);
    // The report's networks are far inside the bounds.
    for arch in [Architecture::report_mlp(), Architecture::LeNet, Architecture::ExampleCnn] {
        arch.validate().unwrap();
        arch.check_batch(64).unwrap();
    }
    assert_eq!(Architecture::ExampleCnn.num_params(), 1_199_882);
    // Activation memory: the example CNN at a batch of the whole training set is refused.
    let err = Architecture::ExampleCnn.check_batch(60_000).unwrap_err().to_string();
    assert!(err.contains("MB of activations per batch"), "{err}");
    // Depth is bounded too, and the message stays short.
    let deep = Architecture::Mlp { hidden: vec![1; 2000], dropout: 0.0 };
    let msg = deep.validate().unwrap_err().to_string();
    assert!(msg.contains("at most 64 hidden layers") && msg.len() < 200, "{msg}");
    assert!(deep.label().len() < 80, "{}", deep.label());
    assert!(deep.label().contains("(2002 in all)"), "{}", deep.label());
}

#[test]
fn a_2000_layer_header_gets_a_short_error() {
    let model = small_mlp();
    let mut bytes = to_bytes(&model, None).unwrap();
    // Same file, its header saying 2000 hidden layers.
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = String::from_utf8(bytes[8..8 + header_len].to_vec()).unwrap();
    let hidden = format!("[{}]", vec!["16"; 2000].join(","));
    let header = header.replace(r#"\"hidden\":[16]"#, &format!(r#"\"hidden\":{hidden}"#));
    assert!(header.len() > 4000);
    let mut h = header.into_bytes();
    h.resize(h.len().next_multiple_of(8), b' ');
    let data = bytes.split_off(8 + header_len);
    let file = [(h.len() as u64).to_le_bytes().to_vec(), h, data].concat();
    let msg = from_bytes(&file, Preprocessing::Raw).unwrap_err().to_string();
    assert!(msg.len() < 200, "{} bytes: {msg}", msg.len());
    assert!(msg.contains("2000 layers"), "{msg}");
}

#[test]
fn a_model_whose_preprocessing_cannot_work_is_refused_on_load() {
    for std in [0.0f32, -0.3, 1e-9] {
        let mut model = small_mlp();
        model.config.preprocessing = Preprocessing::Normalized { mean: 0.1307, std };
        let bytes = to_bytes(&model, None).unwrap();
        let msg = from_bytes(&bytes, Preprocessing::Raw).unwrap_err().to_string();
        assert!(msg.contains("preprocessing std"), "std {std}: {msg}");
    }
    // NaN has no JSON form (it is written as null): refused as a header that is not understood.
    let mut model = small_mlp();
    model.config.preprocessing = Preprocessing::Normalized { mean: 0.1307, std: f32::NAN };
    let msg = from_bytes(&to_bytes(&model, None).unwrap(), Preprocessing::Raw).unwrap_err().to_string();
    assert!(msg.contains("not understood"), "{msg}");
    // And in code, where NaN can be passed.
    assert!(Preprocessing::Normalized { mean: 0.1, std: f32::NAN }.validate().is_err());
    let mut model = small_mlp();
    model.config.preprocessing = Preprocessing::Normalized { mean: 1e9, std: 0.3 };
    let msg = from_bytes(&to_bytes(&model, None).unwrap(), Preprocessing::Raw).unwrap_err().to_string();
    assert!(msg.contains("preprocessing mean"), "{msg}");
}

/// A copy of `bytes` (one of our model files) with every tensor converted to `dtype`.
fn with_dtype(bytes: &[u8], dtype: safetensors::Dtype) -> Vec<u8> {
    let (_, meta) = safetensors::SafeTensors::read_metadata(bytes).unwrap();
    let tensors = candle_core::safetensors::load_buffer(bytes, &Device::Cpu).unwrap();
    let (cdtype, size) = match dtype {
        safetensors::Dtype::I64 => (DType::I64, 8),
        safetensors::Dtype::U8 => (DType::U8, 1),
        _ => (DType::U8, 1),
    };
    let mut owned: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for (name, t) in &tensors {
        let raw: Vec<u8> = match cdtype {
            DType::I64 => t
                .to_dtype(DType::I64)
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1::<i64>()
                .unwrap()
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
            _ => t
                .to_dtype(DType::U8)
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1::<u8>()
                .unwrap()
                .iter()
                .map(|&v| if dtype == safetensors::Dtype::BOOL { v.min(1) } else { v })
                .collect(),
        };
        assert_eq!(raw.len(), t.elem_count() * size);
        owned.push((name.clone(), t.dims().to_vec(), raw));
    }
    let views: Vec<(String, safetensors::tensor::TensorView)> = owned
        .iter()
        .map(|(n, s, d)| (n.clone(), safetensors::tensor::TensorView::new(dtype, s.clone(), d).unwrap()))
        .collect();
    safetensors::serialize(views, meta.metadata().clone()).unwrap()
}

#[test]
fn integer_and_bool_tensors_are_refused_as_weights() {
    let bytes = to_bytes(&small_mlp(), None).unwrap();
    for dtype in [safetensors::Dtype::I64, safetensors::Dtype::U8, safetensors::Dtype::BOOL] {
        let msg = from_bytes(&with_dtype(&bytes, dtype), Preprocessing::Raw).unwrap_err().to_string();
        assert!(msg.contains("weights must be floating point") && msg.contains(&format!("{dtype:?}")), "{msg}");
    }
    // The same check inside the engine, for tensors built in code.
    let ints: Vec<Tensor> = small_mlp().weights().iter().map(|w| w.to_dtype(DType::I64).unwrap()).collect();
    let msg = Model::from_tensors(small_mlp().config, ints).unwrap_err().to_string();
    assert!(msg.contains("fc1.weight holds I64"), "{msg}");
}

#[test]
fn an_extra_layer_in_a_pytorch_state_dict_is_refused_with_the_keys_found() {
    let model = small_mlp();
    let mut tensors: HashMap<String, Tensor> =
        model.names().iter().cloned().zip(model.weights()).collect::<HashMap<_, _>>();
    // Imported as is, it is a 784-16-10 MLP.
    let plain = safetensors_of(&tensors);
    let loaded = from_bytes(&plain, Preprocessing::Raw).unwrap();
    assert!(loaded.imported);
    tensors.insert("fc3.weight".into(), Tensor::zeros((10, 10), DType::F32, &Device::Cpu).unwrap());
    let msg = from_bytes(&safetensors_of(&tensors), Preprocessing::Raw).unwrap_err().to_string();
    assert!(msg.contains("unexpected layer fc3"), "{msg}");
    assert!(
        msg.contains(
            "keys found: fc1.weight [16, 784], fc1.bias [16], fc2.weight [10, 16], fc2.bias [10], fc3.weight [10, 10]"
        ),
        "{msg}"
    );
    // A stray key that is no layer's weight or bias is refused too.
    tensors.remove("fc3.weight");
    tensors.insert("num_batches_tracked".into(), Tensor::zeros(1, DType::F32, &Device::Cpu).unwrap());
    let msg = from_bytes(&safetensors_of(&tensors), Preprocessing::Raw).unwrap_err().to_string();
    assert!(msg.contains("unexpected tensors num_batches_tracked"), "{msg}");
}

fn safetensors_of(tensors: &HashMap<String, Tensor>) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sd.safetensors");
    candle_core::safetensors::save(tensors, &path).unwrap();
    std::fs::read(path).unwrap()
}

#[test]
fn an_extra_tensor_in_one_of_our_files_is_refused() {
    let model = small_mlp();
    let bytes = to_bytes(&model, None).unwrap();
    let (_, meta) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let mut tensors: HashMap<String, Tensor> = candle_core::safetensors::load_buffer(&bytes, &Device::Cpu).unwrap();
    tensors.insert("fc3.weight".into(), Tensor::zeros((10, 10), DType::F32, &Device::Cpu).unwrap());
    let data: Vec<(String, Tensor)> = tensors.into_iter().collect();
    let file = safetensors::serialize(data.iter().map(|(n, t)| (n.as_str(), t)), meta.metadata().clone()).unwrap();
    let msg = from_bytes(&file, Preprocessing::Raw).unwrap_err().to_string();
    assert!(msg.contains("unexpected tensors fc3.weight"), "{msg}");
}

#[test]
fn conductances_that_overflow_f32_are_refused() {
    for r_on in [1e-45, 1e-7] {
        let cfg = CrossbarConfig { r_on, ..CrossbarConfig::default() };
        let msg = cfg.validate().unwrap_err().to_string();
        assert!(msg.contains("resistances must be between"), "{msg}");
    }
    let cfg = CrossbarConfig { r_off: 1e20, ..CrossbarConfig::default() };
    assert!(cfg.validate().is_err());
    CrossbarConfig::default().validate().unwrap();
}

#[test]
fn a_landscape_over_no_images_is_refused() {
    let model = small_mlp();
    let empty = Dataset::new(IdxImages { count: 0, rows: 28, cols: 28, pixels: vec![] }, vec![]).unwrap();
    let err = slice_1d(&model, &empty, &LandscapeConfig { points: 3, ..LandscapeConfig::default() }, |_, _| true)
        .unwrap_err();
    assert!(err.to_string().contains("at least one test image"), "{err}");
}

#[test]
fn the_same_model_serialises_to_the_same_bytes_every_time() {
    let model = small_mlp();
    let notes = serde_json::json!({ "b": 1, "a": [1, 2], "c": { "z": 0, "y": 1 } });
    let first = to_bytes(&model, Some(&notes)).unwrap();
    for _ in 0..20 {
        assert_eq!(to_bytes(&model, Some(&notes)).unwrap(), first);
    }
    let back = from_bytes(&first, Preprocessing::Raw).unwrap();
    assert_eq!(back.notes, notes);
    assert_eq!(back.model.weights()[0].to_vec2::<f32>().unwrap(), model.weights()[0].to_vec2::<f32>().unwrap());
}
