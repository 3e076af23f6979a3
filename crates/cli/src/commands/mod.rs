//! One file per subcommand.

pub mod bench;
pub mod data;
pub mod eval;
pub mod reproduce;
pub mod sweep;
pub mod train;
