//! Every file the CLI writes goes through here, so none of them can be left half-written.
//!
//! [`write_atomic`] writes to a temporary file in the target's own folder, flushes it to disk
//! (fsync), then renames it over the target: a kill, a full disk or a file-size limit at any
//! moment leaves either the previous file or the new one, never a truncated mix. (A killed
//! writer can leave its hidden `.NAME.*.tmp` file behind; the target itself is intact.)
//!
//! [`check_target`] is called before any work starts, so a run is not thrown away at the end
//! because its output cannot be written.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

/// The folder a file path lives in (`.` for a bare file name).
fn folder(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Checks, without writing anything, that `path` can be written by [`write_atomic`]: it is not
/// a directory nor a read-only file, and its folder exists and accepts new files.
pub fn check_target(path: &Path) -> anyhow::Result<()> {
    let shown = path.display();
    if path.as_os_str().is_empty() {
        bail!("the output path is empty");
    }
    if path.is_dir() {
        bail!("cannot write {shown}: it is a directory; give a file name");
    }
    let dir = folder(path);
    if !dir.is_dir() {
        bail!("cannot write {shown}: the folder {} does not exist", dir.display());
    }
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().readonly() {
            bail!("cannot write {shown}: the file is read-only");
        }
    }
    // The one reliable test of "can I create a file here" is to create one (it is removed on drop).
    tempfile::Builder::new()
        .prefix(".mpg-check-")
        .tempfile_in(&dir)
        .map_err(|e| anyhow::anyhow!("cannot write {shown}: the folder {} is not writable ({e})", dir.display()))?;
    Ok(())
}

/// [`check_target`] for a folder the command will fill (created if missing, as the commands do).
pub fn check_folder(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() && !dir.is_dir() {
        bail!("cannot write into {}: it is a file, not a folder", dir.display());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    check_target(&dir.join("probe"))
}

/// Writes `bytes` to `path` atomically (temporary file in the same folder, fsync, rename).
pub fn write_atomic(path: &Path, bytes: impl AsRef<[u8]>) -> anyhow::Result<()> {
    write_atomic_with(path, |f| f.write_all(bytes.as_ref()))
}

/// Like [`write_atomic`], with the content written by `fill` (tests inject failures here).
pub fn write_atomic_with(path: &Path, fill: impl FnOnce(&mut File) -> io::Result<()>) -> anyhow::Result<()> {
    let shown = path.display();
    if path.is_dir() {
        bail!("cannot write {shown}: it is a directory; give a file name");
    }
    let dir = folder(path);
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot write {shown}: creating a temporary file in {}", dir.display()))?;
    fill(tmp.as_file_mut()).with_context(|| format!("writing {shown}"))?;
    tmp.as_file().sync_all().with_context(|| format!("writing {shown}: flushing to disk"))?;
    // The temporary file is created 0600; give the result the permissions a plain write would.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map(|m| m.permissions().mode() & 0o7777).unwrap_or(0o644);
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("writing {shown}: setting permissions"))?;
    }
    tmp.persist(path).map_err(|e| anyhow::anyhow!("writing {shown}: renaming into place: {}", e.error))?;
    // Make the rename itself durable.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_write_leaves_the_previous_file_intact_and_no_temporary_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        write_atomic(&path, b"the good old model").unwrap();
        // Half the new content goes out, then the disk is "full".
        let err = write_atomic_with(&path, |f| {
            f.write_all(b"half of a new")?;
            Err(io::Error::new(io::ErrorKind::StorageFull, "No space left on device"))
        })
        .unwrap_err();
        assert!(format!("{err:#}").contains("No space left on device"), "{err:#}");
        assert_eq!(std::fs::read(&path).unwrap(), b"the good old model");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1, "the temporary file is removed: {names:?}");
        // A successful write replaces it.
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }

    #[test]
    fn targets_are_checked_before_any_work() {
        let dir = tempfile::tempdir().unwrap();
        let e = check_target(&dir.path().join("missing/x.safetensors")).unwrap_err().to_string();
        assert!(e.contains("does not exist"), "{e}");
        let e = check_target(dir.path()).unwrap_err().to_string();
        assert!(e.contains("is a directory"), "{e}");
        check_target(&dir.path().join("fine.safetensors")).unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        assert!(check_folder(&file).unwrap_err().to_string().contains("not a folder"));
        check_folder(&dir.path().join("new/sub")).unwrap();
        assert!(dir.path().join("new/sub").is_dir());
    }
}
