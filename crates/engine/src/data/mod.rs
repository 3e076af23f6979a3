//! MNIST-format data: the IDX reader, the datasets and their checksums, preprocessing.

pub mod dataset;
pub mod digit;
pub mod idx;
pub mod preprocess;

pub use dataset::{sha256_hex, verify_checksum, DataFile, Dataset, DatasetKind, Split};
pub use idx::{read_images, read_labels, IdxImages};
pub use preprocess::{Batcher, Preprocessing};
