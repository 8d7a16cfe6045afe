//! duijie-server: the catalog service (actix-web, persistence, import, auth) and the `duijie` command line.

pub mod answer;
pub mod catalog_file;
pub mod cli;
pub mod commands;
