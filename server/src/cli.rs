//! Command-line parsing and dispatch for `duijie`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::commands;

#[derive(Parser)]
#[command(
    name = "duijie",
    version,
    about = "Matches enterprises' technical needs to experts, achievements, patents and organisations."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Rank a catalog's resources for one need.
    Match(commands::matching::MatchArgs),
    /// Measure match quality and speed on a suite of needs with known relevant resources.
    Eval(commands::eval::EvalArgs),
    /// Schedule a fair's accepted meeting requests into slots and tables.
    Schedule(commands::schedule::ScheduleArgs),
    /// Print the bands of fit (strong, possible, weak) and their lowest fits.
    Bands(commands::matching::BandsArgs),
    /// Run the catalog service.
    Serve(commands::serve::ServeArgs),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(commands::token::TokenCommand),
    /// Demand analysis on files: open needs by industry, province or theme, and their coverage.
    Demand(commands::demand::DemandArgs),
    /// Stored needs (the demand side).
    #[command(subcommand)]
    Needs(commands::needs::NeedsCommand),
    /// Bring a store's schema to the newest version this duijie knows (serve does it at start).
    Migrate(commands::migrate::MigrateArgs),
    /// Write a whole instance (every table of the store: catalog, tokens, engagements, needs,
    /// subscriptions and their outbox, fairs) to a file, to move it to another store.
    Export(commands::instance::ExportArgs),
    /// Read a file of `duijie export` into a store (SQLite or PostgreSQL), all or nothing; an
    /// empty store unless --replace. Not the catalog's import (POST /api/v1/import).
    ImportInstance(commands::instance::ImportArgs),
}

/// Parses the arguments, runs the command, and turns errors into a message and a non-zero exit.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Match(args) => commands::matching::run(args),
        Command::Eval(args) => commands::eval::run(args),
        Command::Schedule(args) => commands::schedule::run(args),
        Command::Bands(args) => commands::matching::bands(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Token(command) => commands::token::run(command),
        Command::Demand(args) => commands::demand::run(args),
        Command::Needs(command) => commands::needs::run(command),
        Command::Migrate(args) => commands::migrate::run(args),
        Command::Export(args) => commands::instance::export(args),
        Command::ImportInstance(args) => commands::instance::import(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("duijie: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// A path argument shown in messages as given.
pub fn display_path(path: &std::path::Path) -> String {
    PathBuf::from(path).display().to_string()
}
