//! One module per `duijie` subcommand.

pub mod demand;
pub mod eval;
pub mod matching;
pub mod needs;
pub mod schedule;
pub mod serve;
pub mod token;
