//! Loading the data: what the status line says, a web page answered for a missing file, and
//! the user's files named by their names.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use engine::data::DatasetKind;

use super::super::fixtures::images_labels;
use super::{load, started, take_effects};
use crate::app_core::reducer::reduce;
use crate::app_core::selectors::data_status;
use crate::app_core::{Action, Effect};
use crate::protocol::{DataError, DataSource};
use crate::worker_core::{check_answer, parse_files};

#[test]
fn the_status_line_says_ready_only_when_every_worker_holds_the_data() {
    let mut s = started();
    assert_eq!(data_status(&s).0, "loading");
    reduce(
        &mut s,
        Action::DataLoaded {
            kind: DatasetKind::Mnist,
            train: 0,
            test: 10_000,
            millis: 3.0,
            samples: Default::default(),
            test_labels: Default::default(),
        },
    );
    let (state, text) = data_status(&s);
    assert_eq!(state, "loading");
    assert!(!text.contains("ready:"), "{text}");
    assert!(text.contains("1 of 3 workers"), "{text}");
    load(&mut s, DatasetKind::Mnist);
    let (state, text) = data_status(&s);
    assert_eq!(state, "ready");
    assert!(text.starts_with("MNIST ready: 60,000 training / 10,000 test images"), "{text}");
}

#[test]
fn a_web_page_answered_for_a_data_file_means_it_is_missing() {
    let index = b"<!DOCTYPE html>\n<html><head><title>Memristor Playground</title>";
    for (ct, body) in [
        (Some("text/html; charset=utf-8"), &b"\x1f\x8b\x08"[..]),
        (None, &index[..]),
        (Some("application/octet-stream"), &b"  <html>"[..]),
    ] {
        match check_answer("mnist/train-images-idx3-ubyte.gz", ct, body) {
            Err(DataError::Missing { url, detail }) => {
                assert_eq!(url, "mnist/train-images-idx3-ubyte.gz");
                assert!(detail.contains("web page"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
    }
    let (images, _) = images_labels(3, 1);
    assert_eq!(check_answer("x", Some("application/gzip"), &images), Ok(()));
    assert_eq!(check_answer("x", None, b"\x1f\x8b\x08\x00"), Ok(()));
}

#[test]
fn errors_name_the_users_files_not_blob_urls() {
    let names = ["my-train.gz", "my-train-labels.gz", "t10k-images", "t10k-labels (copy)"].map(String::from);
    let urls = ["blob:http://x/1", "blob:http://x/2", "blob:http://x/3", "blob:http://x/4"].map(String::from);
    let mut s = started();
    reduce(&mut s, Action::UseFiles { urls: urls.clone(), names: names.clone() });
    let source = take_effects(&mut s)
        .into_iter()
        .rev()
        .find_map(|e| if let Effect::LoadData(src) = e { Some(src) } else { None })
        .expect("the files are loaded");
    assert_eq!((source.urls.clone(), source.names.clone(), source.verify), (urls, names, false));
    let source = DataSource { ..source };
    let (ti, tl) = images_labels(20, 1);
    let (vi, mut vl) = images_labels(10, 2);
    vl.truncate(12);
    let err = parse_files(&source, [ti, tl, vi, vl], 0.0).err().expect("a damaged file");
    let text = err.to_string();
    assert!(text.contains("t10k-") && !text.contains("blob:"), "{text}");
}
