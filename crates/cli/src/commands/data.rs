//! `mpg data fetch`: get MNIST / Fashion-MNIST into a folder, verified.

use std::path::PathBuf;

use clap::ValueEnum;
use engine::data::DatasetKind;

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
    /// Which datasets.
    #[arg(long, value_enum, default_value_t = Which::All)]
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
    let kinds: &[DatasetKind] = match a.dataset {
        Which::Mnist => &[DatasetKind::Mnist],
        Which::FashionMnist => &[DatasetKind::FashionMnist],
        Which::All => &[DatasetKind::Mnist, DatasetKind::FashionMnist],
    };
    for &kind in kinds {
        let dest = a.dir.join(kind.dir_name());
        let got = crate::fetch::fetch(kind, &dest, a.from.as_deref(), a.offline, &mut |m| eprintln!("{m}"))?;
        for f in got {
            println!("{}/{}: {}", kind.dir_name(), f.file.stem(), f.source);
        }
    }
    Ok(())
}
