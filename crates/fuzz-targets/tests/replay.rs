//! The fuzz targets on stable, in `cargo test`: every seed of `fuzz/seeds/<target>/` (and every
//! crash input saved there), then a bounded, seeded random-mutation loop over them. The long
//! coverage-guided runs are `cargo +nightly fuzz run` (README, Fuzzing).
//!
//! `FUZZ_REPLAY_MUTATIONS` (default 10,000 per target) and `FUZZ_REPLAY_SEED` change the loop;
//! the same seed replays the same inputs. A failing input is written under the test's
//! temporary folder, ready for `cargo +nightly fuzz run <target> <file>`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use fuzz_targets::mutate::{mutate, target_seed, Rng};
use fuzz_targets::{Outcome, Target};

const DEFAULT_SEED: u64 = 0x6d70_672d_6675_7a7a;
const DEFAULT_MUTATIONS: usize = 10_000;

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn seeds_dir(target: Target) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds").join(target.name())
}

/// The corpus of a target, sorted by file name (the same order everywhere).
fn corpus(target: Target) -> Vec<(String, Vec<u8>)> {
    let dir = seeds_dir(target);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let path = e.expect("a directory entry").path();
            let name = path.file_name().expect("a file name").to_string_lossy().into_owned();
            (name, std::fs::read(&path).expect("a seed file"))
        })
        .collect();
    files.sort();
    files
}

/// What a replay saw.
#[derive(Debug, Default)]
struct Report {
    accepted: usize,
    refused: usize,
    /// (where the input came from, the panic's message, the input)
    panics: Vec<(String, String, Vec<u8>)>,
    /// A digest of every input run, in order: equal digests, equal runs.
    digest: u64,
}

impl Report {
    fn run(&mut self, origin: String, input: Vec<u8>, f: &impl Fn(&[u8]) -> Outcome) -> Option<Outcome> {
        self.digest = input.iter().fold(self.digest.rotate_left(5) ^ input.len() as u64, |h, &b| {
            (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
        });
        match catch_unwind(AssertUnwindSafe(|| f(&input))) {
            Ok(outcome) => {
                match &outcome {
                    Ok(()) => self.accepted += 1,
                    Err(_) => self.refused += 1,
                }
                Some(outcome)
            }
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                self.panics.push((origin, message, input));
                None
            }
        }
    }
}

/// Runs `f` on every corpus file, then on `mutations` mutants of them; seeds not named
/// `bad-*` must be accepted (they are real, valid files: a refusal means the target no longer
/// reaches past its parser).
fn replay(corpus: &[(String, Vec<u8>)], mutations: usize, seed: u64, f: impl Fn(&[u8]) -> Outcome) -> Report {
    assert!(!corpus.is_empty(), "no seeds");
    let mut report = Report::default();
    for (name, bytes) in corpus {
        let outcome = report.run(format!("seed {name}"), bytes.clone(), &f);
        if let Some(Err(e)) = outcome {
            if !name.starts_with("bad-") {
                report.panics.push((format!("seed {name}"), format!("a valid seed was refused: {e}"), bytes.clone()));
            }
        }
    }
    let mut rng = Rng::new(seed);
    for i in 0..mutations {
        let (name, input) = &corpus[rng.below(corpus.len())];
        let (_, other) = &corpus[rng.below(corpus.len())];
        let mutant = mutate(input, other, &mut rng);
        report.run(format!("mutation {i} of {name} (seed {seed:#x})"), mutant, &f);
    }
    report
}

#[test]
fn every_target_survives_its_corpus_and_mutations() {
    let seed = env_or("FUZZ_REPLAY_SEED", DEFAULT_SEED);
    let mutations = env_or("FUZZ_REPLAY_MUTATIONS", DEFAULT_MUTATIONS);
    let failures_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-replay-failures");
    let mut failed = Vec::new();
    for target in Target::ALL {
        let corpus = corpus(target);
        let start = std::time::Instant::now();
        let report = replay(&corpus, mutations, target_seed(seed, target.name()), |d| target.run(d));
        println!(
            "{}: {} seeds + {mutations} mutations, {} accepted, {} refused, {} panics, {:.1} s",
            target.name(),
            corpus.len(),
            report.accepted,
            report.refused,
            report.panics.len(),
            start.elapsed().as_secs_f64()
        );
        // Mutants that all fail, or all pass, would test nothing deep or nothing at all.
        assert!(report.refused > 0 || target == Target::UrlFragment, "{}: no mutant was refused", target.name());
        assert!(report.accepted > corpus.len() / 2, "{}: almost nothing accepted", target.name());
        for (k, (origin, message, input)) in report.panics.iter().enumerate() {
            std::fs::create_dir_all(&failures_dir).expect("failures folder");
            let file = failures_dir.join(format!("{}-{k}", target.name()));
            std::fs::write(&file, input).expect("failure input");
            failed.push(format!("{}: {origin}: {message} (input: {})", target.name(), file.display()));
        }
    }
    assert!(failed.is_empty(), "{} failing inputs:\n{}", failed.len(), failed.join("\n"));
}

/// The harness itself: a panic in a target is caught and reported with its input, and a
/// refused valid seed is reported too.
#[test]
fn the_replay_reports_panics_and_refused_seeds() {
    let corpus = vec![("good".to_string(), b"hello world".to_vec()), ("bad-x".to_string(), b"nope".to_vec())];
    let picky = |d: &[u8]| -> Outcome {
        assert!(!d.contains(&0xff), "0xff found");
        if d.starts_with(b"hello") {
            Ok(())
        } else {
            Err("not hello".into())
        }
    };
    let report = replay(&corpus, 2000, 1, picky);
    assert!(report.accepted > 0 && report.refused > 0);
    assert!(report.panics.iter().any(|(_, m, input)| m == "0xff found" && input.contains(&0xff)), "{report:?}");
    // "bad-" seeds may be refused; any other refused seed is a failure.
    let corpus = vec![("good".to_string(), b"goodbye".to_vec())];
    let report = replay(&corpus, 0, 1, picky);
    assert_eq!(report.panics.len(), 1);
    assert!(report.panics[0].1.contains("a valid seed was refused"));
}

/// Same seed, same inputs; another seed, other inputs.
#[test]
fn the_mutation_loop_is_seeded() {
    let corpus = corpus(Target::Idx);
    let run = |seed| replay(&corpus, 300, seed, |d| Target::Idx.run(d));
    let (a, b, c) = (run(5), run(5), run(6));
    assert_eq!((a.digest, a.accepted, a.refused), (b.digest, b.accepted, b.refused));
    assert_ne!(a.digest, c.digest);
}
