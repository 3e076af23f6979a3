//! The IDX reader on crafted bad files: each failure is its own error with a clear message.

use std::io::Write;

use engine::data::idx::{encode_images, encode_labels, read_images, read_labels, IdxImages};
use engine::data::Dataset;
use engine::Error;

fn images(count: usize) -> IdxImages {
    IdxImages { count, rows: 28, cols: 28, pixels: (0..count * 784).map(|i| (i % 256) as u8).collect() }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn raw_and_gzip_round_trip() {
    let img = images(3);
    let raw = encode_images(&img);
    assert_eq!(read_images(&raw[..], "raw").unwrap(), img);
    assert_eq!(read_images(&gzip(&raw)[..], "gz").unwrap(), img);
    let labels = vec![0u8, 9, 4];
    assert_eq!(read_labels(&gzip(&encode_labels(&labels))[..], "l").unwrap(), labels);
}

#[test]
fn truncated_images_are_refused_with_sizes() {
    let raw = encode_images(&images(3));
    let err = read_images(&raw[..raw.len() - 100], "cut.idx").unwrap_err();
    match &err {
        Error::Truncated { expected, found, .. } => assert_eq!((*expected, *found), (3 * 784, 3 * 784 - 100)),
        e => panic!("expected Truncated, got {e:?}"),
    }
    assert!(err.to_string().contains("cut.idx") && err.to_string().contains("truncated"), "{err}");
    // A header cut short is truncation too.
    assert!(matches!(read_images(&raw[..10], "h").unwrap_err(), Error::Truncated { .. }));
}

#[test]
fn truncated_gzip_stream_is_refused() {
    let gz = gzip(&encode_images(&images(50)));
    let err = read_images(&gz[..gz.len() / 2], "half.gz").unwrap_err();
    assert!(matches!(err, Error::CorruptGzip { .. }), "{err:?}");
}

#[test]
fn wrong_magic_is_refused() {
    // A label file given where images are expected.
    let err = read_images(&encode_labels(&[1, 2, 3])[..], "labels-as-images").unwrap_err();
    match err {
        Error::WrongMagic { found, expected, .. } => assert_eq!((found, expected), (0x801, 0x803)),
        e => panic!("expected WrongMagic, got {e:?}"),
    }
    let err = read_labels(&encode_images(&images(1))[..], "images-as-labels").unwrap_err();
    assert!(matches!(err, Error::WrongMagic { found: 0x803, expected: 0x801, .. }));
}

#[test]
fn not_gzip_nor_idx_is_refused() {
    let err = read_images(&b"PK\x03\x04 this is a zip file, not MNIST"[..], "data.zip").unwrap_err();
    assert!(matches!(err, Error::NotIdx { .. }), "{err:?}");
    assert!(err.to_string().contains("neither the gzip signature nor an IDX magic"), "{err}");
    assert!(matches!(read_labels(&b""[..], "empty").unwrap_err(), Error::NotIdx { .. }));
}

#[test]
fn labels_out_of_range_are_refused_with_position() {
    let err = read_labels(&encode_labels(&[3, 7, 10, 2])[..], "bad-labels").unwrap_err();
    match err {
        Error::LabelOutOfRange { index, label, .. } => assert_eq!((index, label), (2, 10)),
        e => panic!("expected LabelOutOfRange, got {e:?}"),
    }
}

#[test]
fn count_mismatch_between_images_and_labels_is_refused() {
    let err = Dataset::from_readers(&encode_images(&images(3))[..], &encode_labels(&[1, 2])[..], "i", "l").unwrap_err();
    match &err {
        Error::CountMismatch { images, labels } => assert_eq!((*images, *labels), (3, 2)),
        e => panic!("expected CountMismatch, got {e:?}"),
    }
    assert!(err.to_string().contains("3 images but 2 labels"));
}

#[test]
fn trailing_bytes_and_zero_dimensions_are_refused() {
    let mut raw = encode_labels(&[1, 2]);
    raw.push(5);
    assert!(matches!(read_labels(&raw[..], "t").unwrap_err(), Error::TrailingBytes { extra: 1, .. }));
    let empty = IdxImages { count: 0, rows: 28, cols: 28, pixels: vec![] };
    assert!(matches!(read_images(&encode_images(&empty)[..], "z").unwrap_err(), Error::BadDimensions { .. }));
}

#[test]
fn real_mnist_loads_and_a_corrupted_copy_fails_its_checksum() {
    let dir = common::data_dir().join("mnist");
    let split = common::mnist();
    assert_eq!((split.train.len(), split.test.len()), (60_000, 10_000));
    assert_eq!(split.test.labels[..5], [7, 2, 1, 0, 4], "the first MNIST test labels");
    // Flip one pixel of the test images: still valid IDX, but not the official bytes.
    let (_, mut bytes) = engine::data::dataset::read_data_file(&dir, engine::data::DataFile::TestImages).unwrap();
    bytes[1000] ^= 0xff;
    let err = engine::data::verify_checksum(
        engine::data::DatasetKind::Mnist,
        engine::data::DataFile::TestImages,
        &bytes,
        "x",
    )
    .unwrap_err();
    assert!(matches!(err, Error::ChecksumMismatch { .. }), "{err:?}");
}

mod common;
