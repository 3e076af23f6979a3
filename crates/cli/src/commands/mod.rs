//! One file per subcommand.

pub mod bench;
pub mod crossbar;
pub mod data;
pub mod eval;
pub mod export;
pub mod landscape;
pub mod parallel;
pub mod pretrained;
pub mod reproduce;
pub mod reproduce_crossbar;
pub mod shards;
pub mod sweep;
pub mod train;
