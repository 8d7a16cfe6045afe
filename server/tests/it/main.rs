//! Integration tests of `duijie serve` and the `duijie` command line: real processes, over HTTP on a
//! free port or through their output, one data folder per test under the system temp folder.

mod auth;
mod catalog;
mod cli;
mod contract;
mod edges;
mod engagements;
mod golden;
mod holes;
mod import;
mod import_rules;
mod needs;
mod reliability;
mod resources;
mod rules;
mod schedule;
mod static_files;
mod support;
mod xlsx;
