//! `mpg`: Memristor Playground from the terminal. The same engine as the browser app, run
//! natively: train, evaluate under noise, sweep, reproduce the report's tables, fetch data,
//! benchmark.

mod bars;
mod commands;
mod datadir;
mod options;
mod output;
mod plots;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

#[derive(Parser)]
#[command(name = "mpg", version, about = "Memristor Playground: neural networks on noisy and faulty analog hardware")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a model on MNIST or Fashion-MNIST and save it as .safetensors.
    Train(commands::train::Args),
    /// Test accuracy of a saved (or PyTorch-exported) model, clean or under log-normal weight noise.
    Eval(commands::eval::Args),
    /// Write a model as a PyTorch state dict (safetensors) that `load_state_dict` takes.
    Export(commands::export::Args),
    /// Accuracy versus noise std: the robustness curve, as CSV or JSON.
    Sweep(commands::sweep::Args),
    /// A trained model on simulated memristor crossbars: faults, non-idealities, scaling modes.
    #[command(subcommand)]
    Crossbar(commands::crossbar::CrossbarCommand),
    /// Reproduce the report's tables, our numbers beside the report's.
    #[command(subcommand)]
    Reproduce(commands::reproduce::Which),
    /// Get the datasets.
    #[command(subcommand)]
    Data(commands::data::DataCommand),
    /// Loss landscapes around models: 1-D slices, 2-D grids, and loss vs noise std.
    Landscape(commands::landscape::Args),
    /// Measure training and evaluation throughput.
    Bench(commands::bench::Args),
    /// Train the models the site ships (www/pretrained) from the report's recipes, with a manifest.
    Pretrained(commands::pretrained::Args),
}

/// The command line, with every option that takes a value accepting a leading `-`: a negative
/// number then reaches its parser and range check (`--noise -1` gets "std must be ..."), not
/// clap's "unexpected argument '-1'".
fn command() -> clap::Command {
    fn negatives(cmd: clap::Command) -> clap::Command {
        cmd.mut_args(|a| if a.get_action().takes_values() { a.allow_negative_numbers(true) } else { a })
            .mut_subcommands(negatives)
    }
    negatives(Cli::command())
}

// A training step frees and reallocates gradient buffers of megabytes (candle's backward builds
// each gradient as zeros + sum). glibc's malloc serves those with fresh mmaps and returns them,
// so every step page-faulted them in again (perf: the kernel's fault path inside the step).
// mimalloc keeps freed pages for reuse. Its effect on training: BENCHMARKS.md, native section.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // candle splits large element-wise ops over a pool of CANDLE_NUM_THREADS threads (default:
    // all cores). The engine's kernels choose their own parallelism (products big enough to pay),
    // and what candle still does element-wise in a training step is small: split, it made
    // training slower on 2 threads than on 1. One thread for it, unless the user says otherwise.
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        // SAFETY: first thing in main, before any thread exists (nothing else reads or writes
        // the environment concurrently).
        unsafe { std::env::set_var("CANDLE_NUM_THREADS", "1") };
    }
    let cli = Cli::from_arg_matches(&command().get_matches()).unwrap_or_else(|e| e.exit());
    let result = match cli.command {
        Command::Train(a) => commands::train::run(a),
        Command::Eval(a) => commands::eval::run(a),
        Command::Export(a) => commands::export::run(a),
        Command::Sweep(a) => commands::sweep::run(a),
        Command::Crossbar(c) => commands::crossbar::run(c),
        Command::Reproduce(w) => commands::reproduce::run(w),
        Command::Data(d) => commands::data::run(d),
        Command::Bench(a) => commands::bench::run(a),
        Command::Landscape(a) => commands::landscape::run(a),
        Command::Pretrained(a) => commands::pretrained::run(a),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_with_a_value_accepts_negative_numbers() {
        fn walk(cmd: &clap::Command, path: &str, checked: &mut usize) {
            for a in cmd.get_arguments().filter(|a| a.get_action().takes_values() && a.get_long().is_some()) {
                assert!(a.is_allow_negative_numbers_set(), "{path} --{}", a.get_long().unwrap());
                *checked += 1;
            }
            for s in cmd.get_subcommands() {
                walk(s, &format!("{path} {}", s.get_name()), checked);
            }
        }
        let mut checked = 0;
        walk(&command(), "mpg", &mut checked);
        assert!(checked > 40, "{checked}");
        // And the value reaches the parser: a negative noise std parses as a number.
        let m = command().try_get_matches_from(["mpg", "eval", "--model", "m", "--noise", "-1"]).unwrap();
        let cli = Cli::from_arg_matches(&m).unwrap();
        match cli.command {
            Command::Eval(a) => assert_eq!(a.noise, Some(-1.0)),
            _ => unreachable!(),
        }
    }
}
