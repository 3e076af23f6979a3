//! `mpg data fetch`: get MNIST / Fashion-MNIST into a folder, verified. The work is the
//! `mpg-fetch` crate's, which `scripts/serve.sh` runs on its own so that a first run does not
//! build the engine just to fetch data.

use std::path::PathBuf;

use clap::ValueEnum;
use mpg_fetch::{Dataset, Options};

#[derive(clap::Subcommand, Debug)]
pub enum DataCommand {
    /// Fill a data folder (DIR/mnist, DIR/fashion-mnist) with checksum-verified IDX files.
    Fetch(FetchArgs),
}

#[derive(clap::Args, Debug)]
pub struct FetchArgs {
    /// The data folder to fill; each dataset goes in its own subfolder.
    #[arg(long, default_value = "data")]
    pub dir: PathBuf,
    /// A folder that already has the files (gzip or raw, directly or in mnist/ and fashion-mnist/): tried first.
    #[arg(long)]
    pub from: Option<PathBuf>,
    /// Use only local files (the data folder itself and --from), never the network.
    #[arg(long)]
    pub offline: bool,
    /// Which datasets (MNIST is what the app and the report's tables start on).
    #[arg(long, value_enum, default_value_t = Which::Mnist)]
    pub dataset: Which,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Which {
    Mnist,
    FashionMnist,
    All,
}

pub fn run(c: DataCommand) -> anyhow::Result<()> {
    let DataCommand::Fetch(a) = c;
    let datasets: &[Dataset] = match a.dataset {
        Which::Mnist => &[Dataset::Mnist],
        Which::FashionMnist => &[Dataset::FashionMnist],
        Which::All => &Dataset::ALL,
    };
    let opts = Options { from: a.from.clone(), offline: a.offline, ..Options::default() };
    for &dataset in datasets {
        let dest = a.dir.join(dataset.dir_name());
        let got = mpg_fetch::fetch(dataset, &dest, &opts, &mut |m| eprintln!("{m}"))?;
        for f in got {
            println!("{}/{}: {}", dataset.dir_name(), f.file.stem(), f.source);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use engine::data::{DataFile, DatasetKind};

    /// The fetch crate keeps its own copy of the file table (it must build without the
    /// engine); both must name, size and pin every file alike.
    #[test]
    fn the_fetch_crate_and_the_engine_pin_the_same_files() {
        let pairs = [
            (mpg_fetch::Dataset::Mnist, DatasetKind::Mnist),
            (mpg_fetch::Dataset::FashionMnist, DatasetKind::FashionMnist),
        ];
        let files = [
            (mpg_fetch::DataFile::TrainImages, DataFile::TrainImages),
            (mpg_fetch::DataFile::TrainLabels, DataFile::TrainLabels),
            (mpg_fetch::DataFile::TestImages, DataFile::TestImages),
            (mpg_fetch::DataFile::TestLabels, DataFile::TestLabels),
        ];
        assert_eq!(mpg_fetch::DataFile::ALL.len(), DataFile::ALL.len());
        for (d, k) in pairs {
            assert_eq!(d.dir_name(), k.dir_name());
            for (f, e) in files {
                assert_eq!(f.stem(), e.stem());
                assert_eq!(f.size(), e.size());
                assert_eq!(d.sha256(f), k.sha256(e), "{} {}", d.dir_name(), f.stem());
            }
        }
    }
}
