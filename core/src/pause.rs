//! Pauses in long work. Indexing a large catalog takes seconds, and a browser page that indexes on
//! its own thread must let the broker type and the page paint meanwhile. So the build is written as
//! async code that awaits `pause()` every few resources. The caller decides what a pause does: a
//! page yields to its event loop once its time slice is used up; native callers pass `no_pause`
//! and run the build with `run_ready`. Core stays free of any runtime, timer or I/O, and the build
//! computes exactly the same index either way: the pauses only split it.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Resources indexed between two pauses (about half a millisecond of work in a browser).
pub const RESOURCES_PER_PAUSE: usize = 16;

/// A pause that never waits.
pub fn no_pause() -> std::future::Ready<()> {
    std::future::ready(())
}

/// Runs work whose pauses never wait (`no_pause`) to its end. Work that does wait would spin here:
/// give it to an executor instead (in a browser, `wasm_bindgen_futures::spawn_local`).
pub fn run_ready<T>(work: impl Future<Output = T>) -> T {
    let mut work = pin!(work);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(value) = work.as_mut().poll(&mut context) {
            return value;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_work_runs_to_its_end() {
        let mut pauses = 0;
        let value = run_ready(async {
            for _ in 0..3 {
                pauses += 1;
                no_pause().await;
            }
            7
        });
        assert_eq!((value, pauses), (7, 3));
    }

    #[test]
    fn a_paused_build_matches_exactly_as_an_unpaused_one() {
        use crate::{Kind, MatchOptions, Matcher, Need, Resource};
        let resources: Vec<Resource> = (0..300)
            .map(|i| {
                let mut resource = Resource::new(format!("r{i:03}"), Kind::Achievement);
                resource.title = format!("锂电池热失控预警{}号系统", i % 17);
                resource.summary =
                    format!("储能电站{}的安全监测与PM2.5控制，方案{}", i % 5, i % 11);
                resource.keywords = vec![format!("储能{}", i % 3), "锂离子电池".to_string()];
                resource
            })
            .collect();
        let plain = Matcher::new("v", resources.clone(), Default::default());
        let mut pauses = 0;
        let paused = run_ready(Matcher::build_pausing(
            "v".to_string(),
            resources,
            Default::default(),
            &mut || {
                pauses += 1;
                no_pause()
            },
        ));
        assert!(pauses > 300 / RESOURCES_PER_PAUSE, "paused {pauses} times");
        let options = MatchOptions {
            top: 50,
            ..MatchOptions::default()
        };
        for text in ["锂电池热失控", "储能电站安全", "PM2.5", "锂离子电池 储能1"]
        {
            let need = Need::from_text(text);
            assert_eq!(
                paused.match_need(&need, &options),
                plain.match_need(&need, &options)
            );
        }
    }
}
