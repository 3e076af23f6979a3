//! `mpg export`: a model as a PyTorch state dict (safetensors with PyTorch's key names and
//! layouts), for `model.load_state_dict(safetensors.torch.load_file(path))`.

use std::path::PathBuf;

use engine::data::DatasetKind;
use engine::model::pytorch::to_pytorch_bytes;

use crate::options::{load_model, ModelArgs};
use crate::output::{check_target, write_atomic};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Where to write the state dict (.safetensors).
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    check_target(&a.out)?;
    let loaded = load_model(&a.model.model, a.model.import_preprocessing.resolve(DatasetKind::Mnist))?;
    let model = loaded.model;
    write_atomic(&a.out, to_pytorch_bytes(&model)?)?;
    let names = model.names().join(", ");
    println!(
        "wrote {}: {} as a PyTorch state dict ({names}); inputs prepared as {:?}; load it with \
         model.load_state_dict(safetensors.torch.load_file(\"{}\")) (see docs/pytorch.md)",
        a.out.display(),
        model.config.arch.label(),
        model.config.preprocessing,
        a.out.display()
    );
    Ok(())
}
