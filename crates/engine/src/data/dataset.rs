//! The two supported datasets, their files, pinned checksums and statistics, and a loaded
//! train/test split.

use std::io::Read;

use serde::{Deserialize, Serialize};

use super::idx::{read_images, read_labels, IdxImages};
use crate::error::{Error, Result};

/// Which dataset. Both use the MNIST IDX layout: 28x28 greyscale, 10 classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetKind {
    Mnist,
    FashionMnist,
}

/// One of the four files of a dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataFile {
    TrainImages,
    TrainLabels,
    TestImages,
    TestLabels,
}

impl DataFile {
    pub const ALL: [DataFile; 4] =
        [DataFile::TrainImages, DataFile::TrainLabels, DataFile::TestImages, DataFile::TestLabels];

    /// The decompressed size in bytes, the same for MNIST and Fashion-MNIST: the IDX header
    /// (magic and one u32 per dimension) plus 60,000 or 10,000 items of 28x28 pixels or 1 label.
    pub fn size(self) -> usize {
        match self {
            DataFile::TrainImages => 16 + 60_000 * 28 * 28,
            DataFile::TrainLabels => 8 + 60_000,
            DataFile::TestImages => 16 + 10_000 * 28 * 28,
            DataFile::TestLabels => 8 + 10_000,
        }
    }

    /// The canonical file name, without `.gz`.
    pub fn stem(self) -> &'static str {
        match self {
            DataFile::TrainImages => "train-images-idx3-ubyte",
            DataFile::TrainLabels => "train-labels-idx1-ubyte",
            DataFile::TestImages => "t10k-images-idx3-ubyte",
            DataFile::TestLabels => "t10k-labels-idx1-ubyte",
        }
    }
}

impl DatasetKind {
    /// The folder name used under a data directory.
    pub fn dir_name(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "mnist",
            DatasetKind::FashionMnist => "fashion-mnist",
        }
    }

    /// Mean and standard deviation of the training pixels in [0, 1] (the usual constants).
    pub fn mean_std(self) -> (f32, f32) {
        match self {
            DatasetKind::Mnist => (0.1307, 0.3081),
            DatasetKind::FashionMnist => (0.2860, 0.3530),
        }
    }

    /// SHA-256 of the decompressed file, pinned: the check that holds whatever gzip header a copy has.
    pub fn sha256(self, file: DataFile) -> &'static str {
        use DataFile::*;
        match (self, file) {
            (DatasetKind::Mnist, TrainImages) => "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            (DatasetKind::Mnist, TrainLabels) => "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            (DatasetKind::Mnist, TestImages) => "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            (DatasetKind::Mnist, TestLabels) => "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
            (DatasetKind::FashionMnist, TrainImages) => {
                "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"
            }
            (DatasetKind::FashionMnist, TrainLabels) => {
                "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"
            }
            (DatasetKind::FashionMnist, TestImages) => {
                "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"
            }
            (DatasetKind::FashionMnist, TestLabels) => {
                "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"
            }
        }
    }

    /// Class names, for display.
    pub fn class_names(self) -> [&'static str; 10] {
        match self {
            DatasetKind::Mnist => ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
            DatasetKind::FashionMnist => {
                ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot"]
            }
        }
    }
}

impl std::str::FromStr for DatasetKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "mnist" => Ok(DatasetKind::Mnist),
            "fashion-mnist" | "fashion" => Ok(DatasetKind::FashionMnist),
            _ => Err(Error::invalid("dataset", s, "expected mnist or fashion-mnist")),
        }
    }
}

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Images with their labels, checked to agree.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub images: IdxImages,
    /// One class index 0..=9 per image.
    pub labels: Vec<u8>,
}

impl Dataset {
    /// Pairs images and labels, refusing a count mismatch.
    pub fn new(images: IdxImages, labels: Vec<u8>) -> Result<Self> {
        if images.count != labels.len() {
            return Err(Error::CountMismatch { images: images.count, labels: labels.len() });
        }
        Ok(Self { images, labels })
    }

    /// Parses an image and a label file (gzip or raw).
    pub fn from_readers(images: impl Read, labels: impl Read, images_name: &str, labels_name: &str) -> Result<Self> {
        Self::new(read_images(images, images_name)?, read_labels(labels, labels_name)?)
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Pixels per image.
    pub fn features(&self) -> usize {
        self.images.rows * self.images.cols
    }

    /// The pixel bytes of image `i`.
    pub fn image(&self, i: usize) -> &[u8] {
        let f = self.features();
        &self.images.pixels[i * f..(i + 1) * f]
    }

    /// The items at `indices`, as a new dataset (for subsets).
    pub fn select(&self, indices: &[usize]) -> Dataset {
        let mut pixels = Vec::with_capacity(indices.len() * self.features());
        for &i in indices {
            pixels.extend_from_slice(self.image(i));
        }
        Dataset {
            images: IdxImages { count: indices.len(), rows: self.images.rows, cols: self.images.cols, pixels },
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
        }
    }

    /// The first `n` items (or all of them).
    pub fn take(&self, n: usize) -> Dataset {
        let idx: Vec<usize> = (0..n.min(self.len())).collect();
        self.select(&idx)
    }
}

/// A train and a test set of one dataset.
#[derive(Clone, Debug)]
pub struct Split {
    pub kind: DatasetKind,
    pub train: Dataset,
    pub test: Dataset,
}

impl Split {
    /// Loads `dir/<file>` or `dir/<file>.gz` for all four files. With `verify`, each decompressed
    /// file must match its pinned SHA-256. Native only (reads files); the browser uses
    /// [`Dataset::from_readers`] on fetched bytes.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load_dir(dir: &std::path::Path, kind: DatasetKind, verify: bool) -> Result<Self> {
        let mut bytes = Vec::new();
        for file in DataFile::ALL {
            let (name, data) = read_data_file(dir, file)?;
            if verify {
                verify_checksum(kind, file, &data, &name)?;
            }
            bytes.push((name, data));
        }
        let ds = |i: usize, l: usize| Dataset::from_readers(&bytes[i].1[..], &bytes[l].1[..], &bytes[i].0, &bytes[l].0);
        Ok(Split { kind, train: ds(0, 1)?, test: ds(2, 3)? })
    }
}

/// Refuses decompressed bytes whose SHA-256 differs from the pinned one.
pub fn verify_checksum(kind: DatasetKind, file: DataFile, decompressed: &[u8], name: &str) -> Result<()> {
    let found = sha256_hex(decompressed);
    let expected = kind.sha256(file);
    if found != expected {
        return Err(Error::ChecksumMismatch { file: name.into(), expected: expected.into(), found });
    }
    Ok(())
}

/// Reads and decompresses `dir/<stem>.gz` or `dir/<stem>`; returns the path used and the bytes.
#[cfg(not(target_arch = "wasm32"))]
pub fn read_data_file(dir: &std::path::Path, file: DataFile) -> Result<(String, Vec<u8>)> {
    for name in [format!("{}.gz", file.stem()), file.stem().to_string()] {
        let path = dir.join(&name);
        if path.exists() {
            let shown = path.display().to_string();
            let f =
                std::fs::File::open(&path).map_err(|e| Error::Io { context: format!("opening {shown}"), error: e })?;
            let expected = format!("the {} bytes of {}", file.size(), file.stem());
            let bytes = super::idx::read_maybe_gzip_limited(f, &shown, file.size(), &expected)?;
            return Ok((shown, bytes));
        }
    }
    Err(Error::DataUnavailable(format!(
        "{} not found in {} (neither {}.gz nor {}); run `mpg data fetch --dir {}` or pass the folder that holds the files",
        file.stem(),
        dir.display(),
        file.stem(),
        file.stem(),
        dir.parent().map(|p| p.display().to_string()).unwrap_or_else(|| ".".into())
    )))
}
