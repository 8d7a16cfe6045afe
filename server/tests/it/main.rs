//! Integration tests of `duijie serve`: a real server process over HTTP on a free port, one data folder
//! per test under the system temp folder.

mod auth;
mod catalog;
mod import;
mod reliability;
mod resources;
mod support;
mod xlsx;
