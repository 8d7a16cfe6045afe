//! The widget's views: the app shell wires state and browser effects; the rest only render.

pub mod app;
pub mod fair;
pub mod filters;
pub mod results;
pub mod shortlist;
pub mod status;
