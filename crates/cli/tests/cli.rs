//! The `mpg` binary end to end on real MNIST: data fetch with verification, train, eval (clean
//! and noisy JSON), sweep, and clear errors on bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn data_dir() -> PathBuf {
    match std::env::var_os("MPG_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

fn mpg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mpg")).args(args).env_remove("MPG_DATA_DIR").output().expect("mpg runs")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "mpg failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn err(out: &Output) -> String {
    assert!(!out.status.success(), "mpg should have failed: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn data_fetch_copies_verified_files_and_refuses_a_corrupt_source() {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("data");
    let out = mpg(&["data", "fetch", "--offline", "--dataset", "mnist", "--from", s(&data_dir()), "--dir", s(&dest)]);
    let text = ok(&out);
    assert_eq!(text.lines().count(), 4, "{text}");
    for f in ["train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"] {
        assert!(dest.join("mnist").join(f).is_file());
    }
    // Second run: everything already present and verified.
    assert!(
        ok(&mpg(&["data", "fetch", "--offline", "--dataset", "mnist", "--dir", s(&dest)])).contains("already present")
    );

    // A source with one corrupted file: that file is refused by its checksum, nothing is written.
    let bad = tmp.path().join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    for f in ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"] {
        std::fs::copy(data_dir().join("mnist").join(f), bad.join(f)).unwrap();
    }
    let mut labels = flate2_decode(&std::fs::read(data_dir().join("mnist/t10k-labels-idx1-ubyte.gz")).unwrap());
    labels[100] = (labels[100] + 1) % 10;
    std::fs::write(bad.join("t10k-labels-idx1-ubyte"), &labels).unwrap();
    let dest2 = tmp.path().join("data2");
    let e = err(&mpg(&["data", "fetch", "--offline", "--dataset", "mnist", "--from", s(&bad), "--dir", s(&dest2)]));
    assert!(e.contains("SHA-256 mismatch") && e.contains("t10k-labels-idx1-ubyte"), "{e}");
    assert!(!dest2.join("mnist/t10k-labels-idx1-ubyte.gz").exists());
}

fn flate2_decode(gz: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(gz).read_to_end(&mut out).unwrap();
    out
}

#[test]
fn train_then_eval_clean_and_noisy_as_json_then_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("m.safetensors");
    let data = data_dir();
    ok(&mpg(&["train", "--data", s(&data), "--hidden", "64", "--epochs", "1", "--batch", "128", "--out", s(&model)]));
    let clean: serde_json::Value =
        serde_json::from_str(&ok(&mpg(&["eval", "--model", s(&model), "--data", s(&data), "--json"]))).unwrap();
    let acc = clean["accuracy"].as_f64().unwrap();
    assert!(acc > 90.0 && acc <= 100.0, "{clean}");
    // Exported as a PyTorch state dict, the model reads back (as an import) with its accuracy.
    let exported = tmp.path().join("m-pytorch.safetensors");
    assert!(ok(&mpg(&["export", "--model", s(&model), "--out", s(&exported)])).contains("load_state_dict"));
    let again: serde_json::Value =
        serde_json::from_str(&ok(&mpg(&["eval", "--model", s(&exported), "--data", s(&data), "--json"]))).unwrap();
    assert_eq!(again["accuracy"], clean["accuracy"], "{again}");
    let noisy: serde_json::Value = serde_json::from_str(&ok(&mpg(&[
        "eval",
        "--model",
        s(&model),
        "--data",
        s(&data),
        "--noise",
        "1.0",
        "--draws",
        "3",
        "--seed",
        "5",
        "--json",
    ])))
    .unwrap();
    assert_eq!(noisy["draws"].as_array().unwrap().len(), 3);
    let (mean, sd) = (noisy["mean"].as_f64().unwrap(), noisy["sd"].as_f64().unwrap());
    assert!(mean < acc - 3.0 && sd > 0.0, "{noisy}");
    // Same seed, same figures.
    let again: serde_json::Value = serde_json::from_str(&ok(&mpg(&[
        "eval",
        "--model",
        s(&model),
        "--data",
        s(&data),
        "--noise",
        "1.0",
        "--draws",
        "3",
        "--seed",
        "5",
        "--json",
    ])))
    .unwrap();
    assert_eq!(noisy["draws"], again["draws"]);
    let csv = ok(&mpg(&[
        "sweep",
        "--model",
        s(&model),
        "--data",
        s(&data),
        "--from",
        "0",
        "--to",
        "1.5",
        "--points",
        "4",
        "--draws",
        "2",
    ]));
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "std,mean,sd,draws");
    assert_eq!(rows.len(), 5);
    let first: f64 = rows[1].split(',').nth(1).unwrap().parse().unwrap();
    let last: f64 = rows[4].split(',').nth(1).unwrap().parse().unwrap();
    assert!((first - acc).abs() < 1e-6, "std 0 is the clean accuracy");
    assert!(last < first - 10.0, "accuracy falls with noise: {csv}");
}

#[test]
fn bad_input_gets_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let data = data_dir();
    // Not a model file.
    let junk = tmp.path().join("junk.safetensors");
    std::fs::write(&junk, b"hello").unwrap();
    let e = err(&mpg(&["eval", "--model", s(&junk), "--data", s(&data)]));
    assert!(e.contains("not a safetensors file"), "{e}");
    // Missing data folder.
    let model = tmp.path().join("m.safetensors");
    let e = err(&mpg(&["train", "--data", s(tmp.path()), "--epochs", "1", "--out", s(&model)]));
    assert!(e.contains("not found") && e.contains("mpg data fetch"), "{e}");
    assert!(!model.exists(), "nothing written on failure");
    // Absurd settings.
    let e = err(&mpg(&["train", "--data", s(&data), "--batch", "0", "--out", s(&model)]));
    assert!(e.contains("batch size"), "{e}");
    let e = err(&mpg(&["train", "--data", s(&data), "--lr", "NaN", "--out", s(&model)]));
    assert!(e.contains("learning rate"), "{e}");
    // Truncated data file.
    let cut = tmp.path().join("cut/mnist");
    std::fs::create_dir_all(&cut).unwrap();
    for f in ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte.gz"] {
        std::fs::copy(data.join("mnist").join(f), cut.join(f)).unwrap();
    }
    let img = std::fs::read(data.join("mnist/t10k-images-idx3-ubyte.gz")).unwrap();
    std::fs::write(cut.join("t10k-images-idx3-ubyte.gz"), &img[..img.len() / 3]).unwrap();
    let e = err(&mpg(&["train", "--data", s(&cut), "--epochs", "1", "--out", s(&model)]));
    assert!(e.contains("corrupt or truncated"), "{e}");
}

#[test]
fn a_model_from_mpg_train_with_a_recipes_settings_is_that_recipes_model_for_reproduce() {
    use engine::experiments::notes::read_model_file;
    use engine::experiments::{recipe, Budget, RecipeKey};
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("downloaded-name.safetensors");
    let data = data_dir();
    // The report's MLP at batch 64, seed 1234, for one epoch: mlp-b64 under a 1-epoch budget.
    let args = ["train", "--data", s(&data), "--hidden", "256,128", "--epochs", "1", "--batch", "64", "--seed", "1234"];
    ok(&mpg(&[&args[..], &["--out", s(&model)]].concat()));
    let (m, notes) = read_model_file(&std::fs::read(&model).unwrap(), engine::data::Preprocessing::Raw).unwrap();
    let notes = notes.expect("mpg train writes the one notes schema");
    assert_eq!(notes.schema, engine::experiments::notes::NOTES_SCHEMA);
    assert_eq!((notes.epochs_done, notes.train.seed), (1, 1234));
    assert!(notes.test_accuracy.unwrap() > 90.0);
    let b64 = recipe(RecipeKey::MlpB64, 1234);
    assert!(notes.matches(&m.config, &Budget { epochs: Some(1) }.apply(&b64)));
    assert!(!notes.matches(&m.config, &b64), "one epoch is not the report's five");
    assert!(!notes.matches(&m.config, &Budget { epochs: Some(1) }.apply(&recipe(RecipeKey::MlpB128, 1234))));
}

#[test]
fn reproduce_defaults_to_the_engines_seeds() {
    use engine::experiments::defaults::{CROSSBAR_SEED, DRAWS, NOISE_SEED, TRAIN_SEED};
    let noise = ok(&mpg(&["reproduce", "noise", "--help"]));
    let crossbar = ok(&mpg(&["reproduce", "crossbar", "--help"]));
    let default_of = |help: &str, flag: &str| -> String {
        let at = help.find(flag).unwrap_or_else(|| panic!("{flag} in {help}"));
        let rest = &help[at..];
        let d = rest.find("[default: ").unwrap() + "[default: ".len();
        rest[d..d + rest[d..].find(']').unwrap()].to_string()
    };
    assert_eq!(default_of(&noise, "--seed <SEED>"), TRAIN_SEED.to_string());
    assert_eq!(default_of(&noise, "--noise-seed"), NOISE_SEED.to_string());
    assert_eq!(default_of(&noise, "--draws"), DRAWS.to_string());
    assert_eq!(default_of(&crossbar, "--crossbar-seed"), CROSSBAR_SEED.to_string());
    assert_eq!(default_of(&crossbar, "--noise-seed"), NOISE_SEED.to_string());
    assert_eq!(TRAIN_SEED, 1234, "the report's seed");
}

#[test]
fn two_shards_of_reproduce_noise_merged_equal_the_whole_run() {
    let tmp = tempfile::tempdir().unwrap();
    let (models, data) = (tmp.path().join("models"), data_dir());
    let quick = [
        "--skip-cnn",
        "--epochs",
        "1",
        "--draws",
        "2",
        "--expectation-draws",
        "3",
        "--seeds",
        "2",
        "--data",
        s(&data),
        "--models",
        s(&models),
    ];
    let run = |out: &str, extra: &[&str]| {
        let out = tmp.path().join(out);
        ok(&mpg(&[&["reproduce", "noise", "--out", s(&out)][..], &quick, extra].concat()));
        out.join("reproduce-noise.json")
    };
    // The whole run trains the models; the shards reuse them and measure their own models.
    let whole = run("whole", &[]);
    let one = run("one", &["--shard", "1/2"]);
    let two = run("two", &["--shard", "2/2"]);
    let merged = tmp.path().join("merged");
    ok(&mpg(&["reproduce", "noise", "--out", s(&merged), "--merge", s(&one), "--merge", s(&two)]));
    let read = |p: &Path| -> serde_json::Value { serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap() };
    let (whole, merged_json, shard_one) = (read(&whole), read(&merged.join("reproduce-noise.json")), read(&one));
    // Every model of 9 MLP recipes, 2 seeds each, in (recipe, seed) order; a shard holds half.
    let runs = |j: &serde_json::Value| j["runs"].as_array().unwrap().clone();
    assert_eq!(runs(&whole).len(), 18);
    assert_eq!(runs(&shard_one).len(), 9, "the (row, seed) models are dealt out");
    let seeds: Vec<u64> = runs(&whole).iter().map(|r| r["seed"].as_u64().unwrap()).collect();
    assert_eq!(&seeds[..4], [1234, 1235, 1234, 1235]);
    for (w, m) in runs(&whole).iter().zip(&runs(&merged_json)) {
        assert_eq!((&w["key"], &w["seed"]), (&m["key"], &m["seed"]));
        // Every figure, every draw, bit for bit (where the model came from differs).
        for figure in ["clean", "std1_0", "std1_5", "mean_abs_bias"] {
            assert_eq!(w["measured"][figure], m["measured"][figure], "{figure} of {} {}", w["key"], w["seed"]);
        }
        assert_eq!(w["measured"]["std1_0"]["draws"].as_array().unwrap().len(), 3, "expectation draws");
    }
    let rows = |j: &serde_json::Value| j["seed_table"]["rows"].as_array().unwrap().clone();
    assert_eq!(rows(&whole).len(), 10, "4 batch rows and 6 hardening rows");
    for (w, m) in rows(&whole).iter().zip(&rows(&merged_json)) {
        assert_eq!((&w["section"], &w["key"], &w["seeds"]), (&m["section"], &m["key"], &m["seeds"]));
        assert!(!w["figures"].as_array().unwrap().is_empty(), "{w}");
        assert_eq!(w["figures"], m["figures"], "means, sds, expectations and verdicts of {}", w["key"]);
    }
    assert_eq!(whole["table"]["rows"][0]["ours"]["std1_0"], merged_json["table"]["rows"][0]["ours"]["std1_0"]);
    let md = std::fs::read_to_string(merged.join("reproduce-noise.md")).unwrap();
    assert!(md.contains("Merged from the shards"), "{md}");
    assert!(md.contains("Draws are independent per model"), "{md}");
    assert!(md.contains("## Which of the report's figures hold"), "{md}");
    // A shard of another run, or a shard twice, is refused.
    let e = err(&mpg(&["reproduce", "noise", "--out", s(&merged), "--merge", s(&one), "--merge", s(&one)]));
    assert!(e.contains("none of the files") && e.contains("seed"), "{e}");
    let other = run("other", &["--shard", "2/2", "--noise-seed", "9"]);
    let e = err(&mpg(&["reproduce", "noise", "--out", s(&merged), "--merge", s(&one), "--merge", s(&other)]));
    assert!(e.contains("noise_seed") && e.contains("not shards of one run"), "{e}");
}

#[test]
fn reproduce_refuses_seed_and_draw_counts_it_cannot_honour() {
    for which in ["noise", "crossbar"] {
        for (flags, says) in [
            (&["--seeds", "0"][..], "--seeds 0: must be between 1 and 100"),
            (&["--seeds", "1000"], "--seeds 1000: must be between 1 and 100"),
            (&["--cnn-seeds", "0"], "--cnn-seeds 0: must be between 1 and 100"),
            (&["--draws", "5", "--expectation-draws", "4"], "--expectation-draws 4: must be between --draws (5)"),
        ] {
            let e = err(&mpg(&[&["reproduce", which, "--out", "/nonexistent/out"][..], flags].concat()));
            assert!(e.contains(says), "{which} {flags:?}: {e}");
        }
    }
}

/// A results JSON without what differs between identical runs: the command line and the wall time.
fn without_command_and_wall(path: &Path) -> serde_json::Value {
    let mut json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let object = json.as_object_mut().unwrap();
    assert!(object.remove("command").is_some() && object.remove("wall_seconds").is_some(), "{path:?}");
    json
}

/// A results JSON without the fields that say where each model came from (reused or trained,
/// its training time).
fn without_provenance(json: serde_json::Value) -> serde_json::Value {
    match json {
        serde_json::Value::Object(fields) => fields
            .into_iter()
            .filter(|(k, _)| !["source", "train_seconds", "reused", "trained"].contains(&k.as_str()))
            .map(|(k, v)| (k, without_provenance(v)))
            .collect(),
        serde_json::Value::Array(items) => items.into_iter().map(without_provenance).collect(),
        other => other,
    }
}

#[test]
fn reproduce_crossbar_measures_the_same_figures_on_one_thread_and_on_two() {
    let tmp = tempfile::tempdir().unwrap();
    let (models, data) = (tmp.path().join("models"), data_dir());
    let quick = [
        "--skip-cnn",
        "--epochs",
        "1",
        "--draws",
        "2",
        "--expectation-draws",
        "2",
        "--data",
        s(&data),
        "--models",
        s(&models),
    ];
    let run = |out: &str, jobs: &str| {
        let out = tmp.path().join(out);
        ok(&mpg(&[&["reproduce", "crossbar", "--out", s(&out), "--jobs", jobs][..], &quick].concat()));
        out.join("reproduce-crossbar.json")
    };
    // The first run trains the models; the next two reuse them, so only the schedule differs.
    run("train", "2");
    let (one, two) = (without_command_and_wall(&run("one", "1")), without_command_and_wall(&run("two", "2")));
    let runs = one["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 10, "6 MLP deployment rows and 4 more fault-aware rows, one seed");
    let draws = &runs[0]["measured"]["crossbar_faults"]["draws"];
    assert_eq!(draws.as_array().map(Vec::len), Some(2), "{}", runs[0]);
    assert!(runs.iter().all(|r| r["measured"]["source"]["reused"].is_object()), "{runs:?}");
    // Every figure, draw, verdict, the batch sweep: bit for bit.
    assert_eq!(one, two);
}

#[test]
fn two_shards_of_reproduce_crossbar_merged_equal_the_whole_run() {
    let tmp = tempfile::tempdir().unwrap();
    let (models, data) = (tmp.path().join("models"), data_dir());
    let quick = [
        "--skip-cnn",
        "--epochs",
        "1",
        "--draws",
        "2",
        "--expectation-draws",
        "2",
        "--data",
        s(&data),
        "--models",
        s(&models),
    ];
    let run = |out: &str, extra: &[&str]| {
        let out = tmp.path().join(out);
        ok(&mpg(&[&["reproduce", "crossbar", "--out", s(&out)][..], &quick, extra].concat()));
        out
    };
    // The shards train the models between them; the whole run reuses them all.
    let (one, two) = (run("one", &["--shard", "1/2"]), run("two", &["--shard", "2/2"]));
    let whole = run("whole", &[]);
    let merged = tmp.path().join("merged");
    let json = |dir: &Path| dir.join("reproduce-crossbar.json");
    let merge = |files: &[&Path]| {
        let list: Vec<&str> = files.iter().flat_map(|f| ["--merge", s(f)]).collect();
        mpg(&[&["reproduce", "crossbar", "--out", s(&merged)][..], &list].concat())
    };
    ok(&merge(&[&json(&one), &json(&two)]));
    // Where the models came from differs (the shards trained them, the whole run reused them).
    let (whole_json, merged_json) = (
        without_provenance(without_command_and_wall(&json(&whole))),
        without_provenance(without_command_and_wall(&json(&merged))),
    );
    let runs = |j: &serde_json::Value| j["runs"].as_array().unwrap().len();
    assert_eq!(runs(&whole_json), 10);
    let (one_json, two_json) = (without_command_and_wall(&json(&one)), without_command_and_wall(&json(&two)));
    assert_eq!((runs(&one_json), runs(&two_json)), (5, 5), "the (row, seed) models are dealt out");
    // mlp-b64 seed 1234 is the second model in table order: shard 2 has the batch sweep.
    assert!(one_json["batch_sweep"].is_null() && one_json["biases_zeroed_after_training"].is_null());
    assert_eq!(two_json["batch_sweep"].as_array().map(Vec::len), Some(7), "{two_json}");
    assert!(two_json["batch_sweep_digital"].as_f64().unwrap() > 90.0, "{two_json}");
    // Every figure, draw, verdict and the batch sweep, bit for bit.
    assert_eq!(whole_json, merged_json);
    // The Markdown too, from the figures on (above them: command, wall time, provenance), less
    // each table row's last cell (reused or trained).
    let md = |dir: &Path| {
        let md = std::fs::read_to_string(dir.join("reproduce-crossbar.md")).unwrap();
        let figures = &md[md.find("\nCrossbar: ").unwrap()..];
        let cells = |l: &str| {
            if l.starts_with("| ") {
                l[..l.trim_end_matches(" |").rfind('|').unwrap()].to_string()
            } else {
                l.to_string()
            }
        };
        figures.lines().map(cells).collect::<Vec<_>>()
    };
    assert_eq!(md(&whole), md(&merged));
    assert!(std::fs::read_to_string(merged.join("reproduce-crossbar.md")).unwrap().contains("Merged from the shards"));
    assert_eq!(
        std::fs::read(whole.join("crossbar-scaling.svg")).unwrap(),
        std::fs::read(merged.join("crossbar-scaling.svg")).unwrap()
    );
    assert!(!one.join("crossbar-scaling.svg").exists(), "the shard without the sweep draws no figure");
    // A shard left out, or the sweep lost, is refused.
    let e = err(&merge(&[&json(&one)]));
    assert!(e.contains("none of the files") && e.contains("mlp-b64 seed 1234"), "{e}");
    let mut without_sweep: serde_json::Value = serde_json::from_slice(&std::fs::read(json(&two)).unwrap()).unwrap();
    without_sweep["batch_sweep"] = serde_json::Value::Null;
    let stripped = tmp.path().join("two-without-sweep.json");
    std::fs::write(&stripped, without_sweep.to_string()).unwrap();
    let e = err(&merge(&[&json(&one), &stripped]));
    assert!(e.contains("batch sweep") && e.contains("measures mlp-b64 seed 1234"), "{e}");
    let e = err(&merge(&[&json(&one), &json(&whole)]));
    assert!(e.contains("is measured in both"), "{e}");
}

#[test]
fn three_parts_of_a_sweep_merged_equal_the_whole_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let (model, data) = (tmp.path().join("m.safetensors"), data_dir());
    ok(&mpg(&["train", "--data", s(&data), "--hidden", "64", "--epochs", "1", "--batch", "128", "--out", s(&model)]));
    let grid = [
        "sweep",
        "--model",
        s(&model),
        "--data",
        s(&data),
        "--from",
        "0",
        "--to",
        "1.5",
        "--points",
        "5",
        "--draws",
        "2",
    ];
    let part = |k: usize| {
        let out = tmp.path().join(format!("part{k}.json"));
        ok(&mpg(&[&grid[..], &["--shard", &format!("{k}/3"), "--out", s(&out)]].concat()));
        out
    };
    let parts: Vec<PathBuf> = (1..=3).map(part).collect();
    let merge = |files: &[&PathBuf], format: &str| {
        let list: Vec<&str> = files.iter().flat_map(|f| ["--merge", s(f)]).collect();
        mpg(&[&["sweep", "--format", format][..], &list].concat())
    };
    let all: Vec<&PathBuf> = parts.iter().collect();
    for format in ["csv", "json"] {
        let whole = ok(&mpg(&[&grid[..], &["--format", format]].concat()));
        assert_eq!(ok(&merge(&all, format)), whole, "{format}: every point, every draw");
    }
    // Points 0 and 3 are part 1's, 1 and 4 part 2's, 2 part 3's.
    let first: serde_json::Value = serde_json::from_slice(&std::fs::read(&parts[0]).unwrap()).unwrap();
    let indices: Vec<u64> = first["points"].as_array().unwrap().iter().map(|p| p[0].as_u64().unwrap()).collect();
    assert_eq!(indices, [0, 3]);
    let e = err(&merge(&[&parts[0], &parts[1]], "csv"));
    assert!(e.contains("grid points 2 (of 0..5) are in none of the files"), "{e}");
    let other = tmp.path().join("other.json");
    ok(&mpg(&[&grid[..], &["--seed", "9", "--shard", "3/3", "--out", s(&other)]].concat()));
    let e = err(&merge(&[&parts[0], &parts[1], &other], "csv"));
    assert!(e.contains("seed: 9") && e.contains("not parts of one sweep"), "{e}");
}
