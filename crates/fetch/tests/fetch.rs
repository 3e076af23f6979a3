//! The fetch crate on real MNIST files: a local copy is verified and stored, a corrupt one is
//! refused, and a failing mirror's message says why it failed. Every server here listens on
//! loopback (127.0.0.1) only.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use mpg_fetch::{check, fetch, DataFile, Dataset, Error, Options};

fn data_dir() -> PathBuf {
    match std::env::var_os("MPG_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

fn shared(file: DataFile) -> Vec<u8> {
    std::fs::read(data_dir().join("mnist").join(format!("{}.gz", file.stem()))).expect("MNIST under MPG_DATA_DIR")
}

fn gunzip(gz: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(gz).read_to_end(&mut out).unwrap();
    out
}

fn offline_from(dir: &Path) -> Options {
    Options { from: Some(dir.to_path_buf()), offline: true, ..Options::default() }
}

/// Options that reach only the given loopback mirrors: no public mirror, no package registry.
fn loopback(mirrors: &[String]) -> Options {
    Options {
        mirrors: Some(mirrors.to_vec()),
        registries: false,
        connect_timeout: Duration::from_secs(5),
        ..Options::default()
    }
}

#[test]
fn a_local_copy_is_verified_stored_as_gzip_and_kept_on_the_next_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("data/mnist");
    let got = fetch(Dataset::Mnist, &dest, &offline_from(&data_dir()), &mut |_| {}).unwrap();
    assert_eq!(got.len(), 4);
    for f in DataFile::ALL {
        let stored = std::fs::read(dest.join(format!("{}.gz", f.stem()))).unwrap();
        assert_eq!(gunzip(&stored), gunzip(&shared(f)), "{}", f.stem());
    }
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(&dest).unwrap().count(), 4);
    // Second run, without any source: everything is already there and valid.
    let again = fetch(Dataset::Mnist, &dest, &Options { offline: true, ..Options::default() }, &mut |_| {}).unwrap();
    assert!(again.iter().all(|f| f.source.starts_with("already present")), "{again:?}");
}

#[test]
fn a_corrupt_copy_is_refused_by_its_checksum_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    for f in DataFile::ALL {
        std::fs::write(bad.join(format!("{}.gz", f.stem())), shared(f)).unwrap();
    }
    // One label changed, stored raw (uncompressed): the right size, the wrong bytes.
    let mut labels = gunzip(&shared(DataFile::TestLabels));
    labels[100] = (labels[100] + 1) % 10;
    std::fs::remove_file(bad.join("t10k-labels-idx1-ubyte.gz")).unwrap();
    std::fs::write(bad.join("t10k-labels-idx1-ubyte"), &labels).unwrap();
    let dest = tmp.path().join("dest");
    let e = fetch(Dataset::Mnist, &dest, &offline_from(&bad), &mut |_| {}).unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, Error::Unavailable { file: DataFile::TestLabels, .. }), "{text}");
    assert!(text.contains("SHA-256 mismatch") && text.contains("t10k-labels-idx1-ubyte"), "{text}");
    assert!(text.contains("offline"), "{text}");
    assert!(!dest.join("t10k-labels-idx1-ubyte.gz").exists());
    // A truncated file is refused by its size before any checksum.
    let short = check(Dataset::Mnist, DataFile::TestLabels, &labels[..5000]).unwrap_err();
    assert!(short.contains("5000 bytes, not gzip") && short.contains("not the 10008 bytes"), "{short}");
    // So is a file of another dataset.
    let fashion = check(Dataset::FashionMnist, DataFile::TestLabels, &shared(DataFile::TestLabels)).unwrap_err();
    assert!(fashion.contains("SHA-256 mismatch"), "{fashion}");
}

/// A port on loopback where nothing listens (bound, then released).
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A one-thread HTTP server on loopback answering each request with `answer(path)`:
/// (status line, body). Serves until the test process ends.
fn serve(answer: impl Fn(&str) -> (&'static str, Vec<u8>) + Send + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/mnist/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = respond(stream, &answer);
        }
    });
    base
}

fn respond(stream: TcpStream, answer: &impl Fn(&str) -> (&'static str, Vec<u8>)) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" {
            break;
        }
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
    let (status, body) = answer(&path);
    let mut stream = stream;
    write!(stream, "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())?;
    stream.write_all(&body)?;
    stream.flush()
}

#[test]
fn each_failing_mirror_is_named_with_its_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let refused = format!("http://127.0.0.1:{}/mnist/", closed_port());
    let missing = serve(|_| ("404 Not Found", b"no such file".to_vec()));
    let html = serve(|_| ("200 OK", b"<html>a captive portal</html>".to_vec()));
    let mut log = Vec::new();
    let e = fetch(
        Dataset::Mnist,
        &tmp.path().join("mnist"),
        &loopback(&[refused.clone(), missing.clone(), html.clone()]),
        &mut |m| log.push(m.to_string()),
    )
    .unwrap_err();
    let text = e.to_string();
    // The first file fails, each source on its own line with why.
    assert!(text.starts_with("could not obtain train-images-idx3-ubyte of mnist"), "{text}");
    let lines: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].contains(&refused) && lines[0].contains("refused"), "{text}");
    assert!(lines[1].contains(&missing) && lines[1].contains("HTTP 404 (Not Found"), "{text}");
    assert!(
        lines[2].contains(&html)
            && lines[2].contains("a captive portal")
            && lines[2].contains("not the 47040016 bytes"),
        "{text}"
    );
    // What the user saw while it ran says the same.
    assert!(log.iter().any(|l| l.contains("failed: connection to 127.0.0.1")), "{log:?}");
}

#[test]
fn a_mirror_that_fails_once_is_not_asked_again_but_still_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("mnist");
    // The first two files are there already; the third's mirror is down.
    for f in [DataFile::TrainImages, DataFile::TrainLabels] {
        std::fs::create_dir_all(&dest).unwrap();
        std::fs::write(dest.join(format!("{}.gz", f.stem())), shared(f)).unwrap();
    }
    let down = serve(|_| ("503 Service Unavailable", Vec::new()));
    let e = fetch(Dataset::Mnist, &dest, &loopback(std::slice::from_ref(&down)), &mut |_| {}).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("t10k-images-idx3-ubyte") && text.contains("HTTP 503"), "{text}");
}

#[test]
fn a_working_mirror_fills_the_folder_and_a_wrong_file_from_it_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let good = serve(|path| {
        let name = path.rsplit('/').next().unwrap_or("");
        match DataFile::ALL.into_iter().find(|f| format!("{}.gz", f.stem()) == name) {
            Some(f) => ("200 OK", shared(f)),
            None => ("404 Not Found", Vec::new()),
        }
    });
    let dest = tmp.path().join("mnist");
    let got = fetch(Dataset::Mnist, &dest, &loopback(std::slice::from_ref(&good)), &mut |_| {}).unwrap();
    assert!(got.iter().all(|f| f.source.starts_with(&good)), "{got:?}");
    for f in DataFile::ALL {
        assert_eq!(gunzip(&std::fs::read(dest.join(format!("{}.gz", f.stem()))).unwrap()), gunzip(&shared(f)));
    }
    // A mirror serving each file under another's name: every file refused.
    let swapped = serve(|_| ("200 OK", shared(DataFile::TestLabels)));
    let e = fetch(Dataset::Mnist, &tmp.path().join("other"), &loopback(&[swapped]), &mut |_| {}).unwrap_err();
    assert!(e.to_string().contains("not the 47040016 bytes"), "{e}");
}

#[test]
fn the_binary_fetches_only_mnist_by_default_and_explains_bad_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let bin = env!("CARGO_BIN_EXE_mpg-fetch");
    let out = Command::new(bin).args(["--offline", "--from"]).arg(data_dir()).arg("--dir").arg(&dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 4);
    assert!(dir.join("mnist/train-images-idx3-ubyte.gz").is_file());
    assert!(!dir.join("fashion-mnist").exists(), "Fashion-MNIST only on request");

    let bad = Command::new(bin).arg("--dataset").arg("cifar").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("expected mnist or fashion-mnist"));
    let port = closed_port();
    let down = Command::new(bin)
        .args(["--no-registry", "--mirror", &format!("http://127.0.0.1:{port}/"), "--dir"])
        .arg(tmp.path().join("none"))
        .output()
        .unwrap();
    assert_eq!(down.status.code(), Some(1));
    let e = String::from_utf8_lossy(&down.stderr);
    assert!(e.contains(&format!("connection to 127.0.0.1:{port} refused")), "{e}");
}
