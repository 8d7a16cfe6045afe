//! duijie-schedule's tests: an independent checker of every rule, exhaustive optima on small fairs,
//! re-planning, errors and the JSON decoder.

mod checker;
mod errors;
mod exhaustive;
mod fairs;
mod quality;
mod replan;
