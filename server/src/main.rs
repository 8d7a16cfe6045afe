//! The `duijie` command line.

fn main() {}
