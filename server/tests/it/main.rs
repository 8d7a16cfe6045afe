//! Integration tests of the service and the `duijie` command line: the app in this process through
//! actix's test service (`support::Server`), a real `duijie serve` where only a process shows the
//! behaviour (`support::Process`), and the command line as a process; one data folder per test under
//! the system temp folder.

mod auth;
mod catalog;
mod cli;
mod contract;
mod demand;
mod edges;
mod engagements;
mod fair_day;
mod fairs;
mod golden;
mod holes;
mod import;
mod import_rules;
mod needs;
mod push;
mod reliability;
mod resources;
mod rules;
mod schedule;
mod static_files;
mod store;
mod store_tls;
mod support;
mod xlsx;
