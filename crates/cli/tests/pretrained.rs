//! The models the site ships (`www/pretrained`, written by `scripts/pretrained.sh`): the
//! report's MLP is retrained here from its recipe and must come out byte for byte the committed
//! file; the others are checked against the manifest (checksum, size, recipe, accuracy).

use std::path::{Path, PathBuf};
use std::process::Command;

use engine::data::sha256_hex;
use engine::experiments::notes::read_model_file;
use engine::experiments::recipes::recipe;
use engine::experiments::{Recipe, RecipeKey};

fn data_dir() -> PathBuf {
    match std::env::var_os("MPG_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

fn shipped() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../www/pretrained")
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

fn entry<'a>(m: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    m["models"].as_array().unwrap().iter().find(|e| e["name"] == name).unwrap_or_else(|| panic!("{name} listed"))
}

#[test]
fn the_committed_report_mlp_equals_a_retraining_from_its_recipe() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mpg"))
        .args(["pretrained", "--only", "mlp-b64", "--data"])
        .arg(data_dir())
        .arg("--out")
        .arg(tmp.path())
        .env_remove("MPG_DATA_DIR")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let fresh = std::fs::read(tmp.path().join("mlp-b64.safetensors")).unwrap();
    let committed = std::fs::read(shipped().join("mlp-b64.safetensors")).unwrap();
    assert!(
        fresh == committed,
        "retrained {} differs from the committed {}",
        sha256_hex(&fresh),
        sha256_hex(&committed)
    );
    // Its manifest entry (checksum, accuracy, recipe) is the committed one too.
    assert_eq!(entry(&manifest(tmp.path()), "mlp-b64"), entry(&manifest(&shipped()), "mlp-b64"));
}

#[test]
fn every_committed_model_matches_its_manifest_and_recipe() {
    let m = manifest(&shipped());
    let names: Vec<&str> = m["models"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["mlp-b64", "mlp-noise1.0", "mlp-faultaware", "cnn-b64"]);
    for e in m["models"].as_array().unwrap() {
        let name = e["name"].as_str().unwrap();
        let bytes = std::fs::read(shipped().join(e["file"].as_str().unwrap())).unwrap();
        assert_eq!(sha256_hex(&bytes), e["sha256"].as_str().unwrap(), "{name}: file and manifest differ");
        assert_eq!(bytes.len() as u64, e["bytes"].as_u64().unwrap(), "{name}");
        // The manifest's recipe is the engine's recipe of that key at the report's seed.
        let key: RecipeKey = serde_json::from_value(e["name"].clone()).unwrap();
        let r = recipe(key, 1234);
        let listed: Recipe = serde_json::from_value(e["recipe"].clone()).unwrap();
        assert_eq!(listed, r, "{name}");
        // The file's notes, as the app reads them: that recipe, trained to the end, at the
        // manifest's accuracy.
        let (model, notes) = read_model_file(&bytes, r.model.preprocessing).unwrap();
        let notes = notes.unwrap_or_else(|| panic!("{name} has notes"));
        assert_eq!(notes.recipe, Some(key));
        assert!(notes.matches(&model.config, &r), "{name}: its notes are not its recipe's");
        assert_eq!(notes.epochs_done, r.train.epochs);
        assert_eq!(notes.test_accuracy, e["clean_accuracy"].as_f64(), "{name}");
        assert!(notes.test_accuracy.unwrap() > 80.0, "{name}: {:?}", notes.test_accuracy);
    }
}
