//! How the page heals: which worker crashed, when a silent worker counts as dead, how many
//! times a worker is started again, what the user is told, and the size caps of uploads. The
//! page measures (events, clocks, file sizes); the decisions are here, as plain functions, so
//! the tests run them natively.

use super::state::Trainer;

/// A worker of the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WorkerId {
    /// Evaluator `i` of the pool.
    Evaluator(usize),
    Trainer(Trainer),
}

impl std::fmt::Display for WorkerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WorkerId::Evaluator(i) => write!(f, "evaluator {}", i + 1),
            WorkerId::Trainer(Trainer::Main) => write!(f, "the trainer"),
            WorkerId::Trainer(Trainer::Second) => write!(f, "the second trainer"),
        }
    }
}

/// An evaluation job with no answer after this long is taken for a hung worker. The slowest
/// job (a full-test-set crossbar evaluation that first fetches and calibrates on the training
/// images) takes well under a minute on a slow machine.
pub const EVAL_DEADLINE_MS: f64 = 180_000.0;

/// A trainer that trains and has said nothing for this long is taken for hung. It reports
/// progress every 250 ms, and an epoch's test evaluation takes seconds.
pub const TRAINER_SILENCE_MS: f64 = 120_000.0;

/// How often the page checks the deadlines.
pub const CHECK_EVERY_MS: u32 = 5_000;

/// A worker is started again at most this many times in a session: a worker that crashes
/// over and over (a broken build, a browser out of memory) is left stopped, with a message.
pub const MAX_RESTARTS: u32 = 5;

/// Whether something heard of at `since_ms` is overdue at `now_ms` for `limit_ms`.
pub fn overdue(since_ms: f64, now_ms: f64, limit_ms: f64) -> bool {
    now_ms - since_ms > limit_ms
}

/// Whether a crashed worker is started again: it must have started once (a worker whose
/// script cannot load would crash forever), and not have crashed too often.
pub fn restart(started: bool, restarts_so_far: u32) -> bool {
    started && restarts_so_far < MAX_RESTARTS
}

/// The largest model file the page reads: the largest network here (the example CNN, 1.2 M
/// weights) is about 5 MB, so 64 MB leaves room for any model this app can evaluate.
pub const MAX_MODEL_FILE: u64 = 64 << 20;

/// The largest data file the page reads: MNIST's and Fashion-MNIST's training images are 47 MB
/// uncompressed (26 MB and 9.9 MB gzipped); 128 MB allows any IDX file of that size, gzipped
/// or not, with margin.
pub const MAX_DATA_FILE: u64 = 128 << 20;

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / (1u64 << 20) as f64)
}

/// Refuses a model file over [`MAX_MODEL_FILE`], saying so (before it is read into memory).
pub fn check_model_file(name: &str, size: u64) -> Result<(), String> {
    if size > MAX_MODEL_FILE {
        return Err(format!(
            "{name} is {}: model files over {} are not read (the largest model this app trains is about 5 MB)",
            megabytes(size),
            megabytes(MAX_MODEL_FILE)
        ));
    }
    if size == 0 {
        return Err(format!("{name} is empty"));
    }
    Ok(())
}

/// Refuses a data file over [`MAX_DATA_FILE`], saying so.
pub fn check_data_file(name: &str, size: u64) -> Result<(), String> {
    if size > MAX_DATA_FILE {
        return Err(format!(
            "{name} is {}: data files over {} are not read (MNIST's largest file is 47 MB uncompressed)",
            megabytes(size),
            megabytes(MAX_DATA_FILE)
        ));
    }
    Ok(())
}
