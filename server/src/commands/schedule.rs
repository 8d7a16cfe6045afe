//! `duijie schedule`: place a fair's accepted meeting requests into slots and tables.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use duijie_schedule::json::{instance_from_json, schedule_from_json};
use duijie_schedule::{Instance, Options, Schedule, DEFAULT_EFFORT};
use serde_json::Value;

use crate::catalog_file::read_text;

#[derive(clap::Args)]
pub struct ScheduleArgs {
    /// The fair as JSON: {"slots", "tables", "participants": [{"id", "available", "max_meetings"}],
    /// "requests": [{"id", "a", "b", "weight", "lock": {"slot", "table"}}]}.
    #[arg(long)]
    pub fair: PathBuf,
    /// Print {"meetings": [{"request", "slot", "table"}], "unscheduled", "objective"}.
    #[arg(long)]
    pub json: bool,
    /// Re-plan: start from this earlier schedule (as --json prints it). Publish meetings by locking
    /// them in the fair file; the others may move, and keep their tables when they stay in their slot.
    #[arg(long)]
    pub previous: Option<PathBuf>,
    /// Also bound the optimum from above (the linear relaxation); adds "upper_bound" to --json.
    #[arg(long)]
    pub bound: bool,
    /// Local-search moves per request (re-planning spends a tenth).
    #[arg(long, default_value_t = DEFAULT_EFFORT)]
    pub effort: u32,
    /// Seed of the search's random choices.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// The JSON answer: the schedule's fields in their documented order, then the bound if asked for.
#[derive(serde::Serialize)]
struct Answer<'a> {
    #[serde(flatten)]
    schedule: &'a Schedule,
    #[serde(skip_serializing_if = "Option::is_none")]
    upper_bound: Option<f64>,
}

pub fn run(args: ScheduleArgs) -> Result<()> {
    let instance = read_json(&args.fair, instance_from_json)?;
    let options = Options {
        effort: args.effort,
        seed: args.seed,
    };
    let located =
        |error: duijie_schedule::ScheduleError| anyhow!("{}: {error}", args.fair.display());
    let (schedule, bound) = match &args.previous {
        Some(path) => {
            let previous = read_json(path, schedule_from_json)?;
            let schedule =
                duijie_schedule::replan(&instance, &previous, &[], &options).map_err(located)?;
            let bound = if args.bound {
                Some(duijie_schedule::upper_bound(&instance).map_err(located)?)
            } else {
                None
            };
            (schedule, bound)
        }
        None if args.bound => {
            let (schedule, bound) =
                duijie_schedule::solve_with_bound(&instance, &options).map_err(located)?;
            (schedule, Some(bound))
        }
        None => (
            duijie_schedule::solve(&instance, &options).map_err(located)?,
            None,
        ),
    };
    if args.json {
        let answer = Answer {
            schedule: &schedule,
            upper_bound: bound,
        };
        println!("{}", serde_json::to_string_pretty(&answer)?);
        return Ok(());
    }
    print_table(&args.fair, &instance, &schedule, bound);
    Ok(())
}

/// Reads a JSON file and decodes it, errors prefixed with the file's name.
fn read_json<T>(
    path: &Path,
    decode: impl Fn(&Value) -> Result<T, duijie_schedule::ScheduleError>,
) -> Result<T> {
    let value: Value = serde_json::from_str(&read_text(path)?)
        .map_err(|error| anyhow!("{}: not JSON: {error}", path.display()))?;
    decode(&value).map_err(|error| anyhow!("{}: {error}", path.display()))
}

/// One line per meeting, slot by slot, after a summary.
fn print_table(path: &Path, instance: &Instance, schedule: &Schedule, bound: Option<f64>) {
    let requests: HashMap<&str, &duijie_schedule::Request> = instance
        .requests
        .iter()
        .map(|request| (request.id.as_str(), request))
        .collect();
    println!(
        "{} · {} slots × {} tables · {} participants · {} requests",
        path.display(),
        instance.slots,
        instance.tables,
        instance.participants.len(),
        instance.requests.len()
    );
    print!(
        "{} meetings, {} unscheduled, objective {:.4}",
        schedule.meetings.len(),
        schedule.unscheduled.len(),
        schedule.objective
    );
    match bound {
        Some(bound) if bound > 0.0 => println!(
            " (upper bound {bound:.4}: at least {:.2}% of the optimum)",
            100.0 * schedule.objective / bound
        ),
        _ => println!(),
    }
    println!(
        "{:>5} {:>5}  {:<16} {:<16} {:<16} {:>8}",
        "slot", "table", "request", "a", "b", "weight"
    );
    for meeting in &schedule.meetings {
        let request = requests[meeting.request.as_str()];
        let locked = if request.lock.is_some() {
            "  locked"
        } else {
            ""
        };
        println!(
            "{:>5} {:>5}  {:<16} {:<16} {:<16} {:>8.4}{locked}",
            meeting.slot, meeting.table, request.id, request.a, request.b, request.weight
        );
    }
    if !schedule.unscheduled.is_empty() {
        println!("unscheduled: {}", schedule.unscheduled.join(" "));
    }
}
