//! `mpg`: Memristor Playground from the terminal. The same engine as the browser app, run
//! natively: train, evaluate under noise, sweep, reproduce the report's tables, fetch data,
//! benchmark.

mod bars;
mod commands;
mod datadir;
mod fetch;
mod options;
mod plots;

use clap::{Parser, Subcommand};

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
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(a) => commands::train::run(a),
        Command::Eval(a) => commands::eval::run(a),
        Command::Sweep(a) => commands::sweep::run(a),
        Command::Crossbar(c) => commands::crossbar::run(c),
        Command::Reproduce(w) => commands::reproduce::run(w),
        Command::Data(d) => commands::data::run(d),
        Command::Bench(a) => commands::bench::run(a),
        Command::Landscape(a) => commands::landscape::run(a),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
