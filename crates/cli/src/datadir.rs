//! Finding and loading a dataset from the `--data` folder.

use std::path::{Path, PathBuf};

use engine::data::{DataFile, DatasetKind, Split};

/// Accepts either the folder that holds the IDX files or its parent (`data/` holding `mnist/`).
/// A folder holding some of the files is the data folder, so that the file actually missing
/// is the one named in the error, not the first file of the parent layout.
pub fn resolve(dir: &Path, kind: DatasetKind) -> PathBuf {
    let has = |d: &Path| {
        DataFile::ALL.iter().any(|f| d.join(format!("{}.gz", f.stem())).exists() || d.join(f.stem()).exists())
    };
    if has(dir) {
        dir.to_path_buf()
    } else {
        dir.join(kind.dir_name())
    }
}

/// Loads and checksum-verifies a dataset.
pub fn load(dir: &Path, kind: DatasetKind) -> anyhow::Result<Split> {
    let dir = resolve(dir, kind);
    Ok(Split::load_dir(&dir, kind, true)?)
}
