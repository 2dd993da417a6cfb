//! Where a run's time goes, read from the harness's own trace lines. Pure.
//!
//! A campaign's cost is its runs' wall time, and a run is mostly waiting:
//! for the pipeline to join its group, for the steps, for the output to
//! settle. Which wait dominates decides what to shorten, so every run
//! records its phases (in summary.json) and `ldfi bench` prints their
//! means. The harness marks each phase's end with an event of its own, so
//! the breakdown needs no clock but the trace's.

use serde::{Deserialize, Serialize};

use super::{Event, TraceLine};

/// One run's wall time by phase, in milliseconds. `snapshots_ms` is part
/// of `steps_ms` and `quiet_ms` part of `drain_ms`; the other phases add
/// up to the run's wall time. The finer parts are zero for traces older
/// than their marks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phases {
    /// Before the run's first line: its directory, a clean slate for fixed
    /// topic names, the topics created.
    #[serde(default)]
    pub topics_ms: u64,
    /// From the run's first line to step 0: nodes started, the pipeline's
    /// group stable.
    pub startup_ms: u64,
    /// Steps 0..EOT: faults, batches, a snapshot after each step.
    pub steps_ms: u64,
    /// Of the steps, the time spent waiting for the observer's snapshots.
    #[serde(default)]
    pub snapshots_ms: u64,
    /// From the last step's end until the output caught up (or the drain
    /// gave up).
    pub drain_ms: u64,
    /// Of the drain, the wait after the pipeline had caught up, for its
    /// output to stay unchanged.
    #[serde(default)]
    pub quiet_ms: u64,
    /// Reading the output back (to the last record the checker read).
    pub read_ms: u64,
    /// The rest of the run's wall time: the nodes' logs kept, the nodes
    /// removed, internal topics deleted, the verdict computed and written.
    pub teardown_ms: u64,
}

impl Phases {
    /// The phases of a run from its harness lines and its wall time, or
    /// `None` when the trace lacks a mark (a run that never reached step 0
    /// or never finished).
    pub fn of(lines: &[TraceLine], wall_ms: u64) -> Option<Phases> {
        let harness = || lines.iter().filter(|l| l.source == "harness");
        let at = |wanted: fn(&Event) -> bool| harness().find(|l| wanted(&l.event));
        let started_line = at(|e| matches!(e, Event::RunStarted { .. }))?;
        let started = started_line.time_ms;
        let first_step = at(|e| matches!(e, Event::Step { .. }))?.time_ms;
        let drained_line = at(|e| matches!(e, Event::Drained { .. }))?;
        let drained = drained_line.time_ms;
        at(|e| matches!(e, Event::RunFinished { .. }))?;
        let read_end = harness()
            .filter(|l| matches!(l.event, Event::CheckerRead { .. }) && l.time_ms >= drained)
            .map(|l| l.time_ms)
            .max()
            .unwrap_or(drained);
        // The steps end with the last step's snapshot (or, without one, its
        // start): whatever the harness wrote last before the drain.
        let steps_end = harness().filter(|l| l.time_ms <= drained && !matches!(l.event, Event::Drained { .. })).map(|l| l.time_ms).max()?;
        let span = |from: u64, to: u64| to.saturating_sub(from);
        let topics_ms = match &started_line.event {
            Event::RunStarted { setup_ms, .. } => setup_ms.unwrap_or(0),
            _ => 0,
        };
        let snapshots_ms = harness()
            .filter_map(|l| match &l.event {
                Event::Snapshot { took_ms, .. } => *took_ms,
                _ => None,
            })
            .fold(0u64, u64::saturating_add);
        let quiet_ms = match &drained_line.event {
            Event::Drained { quiet_ms, .. } => quiet_ms.unwrap_or(0),
            _ => 0,
        };
        let (steps_ms, drain_ms) = (span(first_step, steps_end), span(steps_end, drained));
        Some(Phases {
            topics_ms: topics_ms.min(wall_ms),
            startup_ms: span(started, first_step),
            steps_ms,
            snapshots_ms: snapshots_ms.min(steps_ms),
            drain_ms,
            quiet_ms: quiet_ms.min(drain_ms),
            read_ms: span(drained, read_end),
            teardown_ms: wall_ms.saturating_sub(span(started, read_end)).saturating_sub(topics_ms),
        })
    }

    /// The mean of each phase over `runs`, or `None` for no run.
    pub fn mean<'a>(runs: impl IntoIterator<Item = &'a Phases>) -> Option<Phases> {
        let (mut sum, mut n) = (Phases::default(), 0u64);
        for p in runs {
            sum.topics_ms += p.topics_ms;
            sum.startup_ms += p.startup_ms;
            sum.steps_ms += p.steps_ms;
            sum.snapshots_ms += p.snapshots_ms;
            sum.drain_ms += p.drain_ms;
            sum.quiet_ms += p.quiet_ms;
            sum.read_ms += p.read_ms;
            sum.teardown_ms += p.teardown_ms;
            n += 1;
        }
        (n > 0).then(|| Phases {
            topics_ms: sum.topics_ms / n,
            startup_ms: sum.startup_ms / n,
            steps_ms: sum.steps_ms / n,
            snapshots_ms: sum.snapshots_ms / n,
            drain_ms: sum.drain_ms / n,
            quiet_ms: sum.quiet_ms / n,
            read_ms: sum.read_ms / n,
            teardown_ms: sum.teardown_ms / n,
        })
    }

    /// "topics 0.4 s, start-up 9.4 s, steps 23.1 s (snapshots 1.2 s),
    /// drain 4.0 s (quiet 2.0 s), read 1.2 s, teardown 3.3 s".
    pub fn words(&self) -> String {
        let s = |ms: u64| format!("{:.1} s", ms as f64 / 1000.0);
        format!(
            "topics {}, start-up {}, steps {} (snapshots {}), drain {} (quiet {}), read {}, teardown {}",
            s(self.topics_ms),
            s(self.startup_ms),
            s(self.steps_ms),
            s(self.snapshots_ms),
            s(self.drain_ms),
            s(self.quiet_ms),
            s(self.read_ms),
            s(self.teardown_ms)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(time_ms: u64, source: &str, json: &str) -> TraceLine {
        let text = format!(r#"{{"time_ms":{time_ms},"source":"{source}",{json}}}"#);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn run() -> Vec<TraceLine> {
        vec![
            line(1_000, "harness", r#""type":"run_started","scenario":"s","campaign":"c","run":"r0","seed":1,"plan":{},"input_topic":"i","output_topic":"o","group":"g","properties":[],"read_committed":false,"acks":"all","setup_ms":700"#),
            line(9_000, "harness", r#""type":"note","message":"pipeline ready""#),
            line(10_000, "harness", r#""step":0,"type":"step","step_index":0"#),
            line(10_500, "workload", r#""step":0,"type":"note","message":"a workload line is not the harness's""#),
            line(11_000, "harness", r#""step":1,"type":"step","step_index":1"#),
            line(10_900, "harness", r#""step":0,"type":"snapshot","snapshot":{},"took_ms":80"#),
            line(12_150, "harness", r#""step":1,"type":"snapshot","snapshot":{},"took_ms":1150"#),
            line(90_000, "pipeline-1", r#""type":"note","message":"nor is the pipeline's""#),
            line(16_050, "harness", r#""step":2,"type":"drained","caught_up":true,"waited_ms":4000,"detail":"caught up","quiet_ms":2500"#),
            line(17_000, "harness", r#""step":2,"type":"checker_read","topic":"o","partition":0,"offset":0,"key":null,"value":"v","ids":[]"#),
            line(17_410, "harness", r#""step":2,"type":"checker_read","topic":"o","partition":0,"offset":1,"key":null,"value":"v","ids":[]"#),
            line(18_050, "harness", r#""type":"run_finished","error":null"#),
        ]
    }

    #[test]
    fn each_phase_ends_at_its_own_harness_mark() {
        let phases = Phases::of(&run(), 20_000).unwrap();
        assert_eq!(
            phases,
            Phases {
                topics_ms: 700,
                startup_ms: 9_000,
                steps_ms: 2_150,
                snapshots_ms: 1_230,
                drain_ms: 3_900,
                quiet_ms: 2_500,
                read_ms: 1_360,
                teardown_ms: 2_890
            }
        );
        assert_eq!(
            phases.words(),
            "topics 0.7 s, start-up 9.0 s, steps 2.1 s (snapshots 1.2 s), drain 3.9 s (quiet 2.5 s), read 1.4 s, teardown 2.9 s"
        );
    }

    #[test]
    fn a_run_without_a_mark_has_no_breakdown_and_a_short_wall_time_no_negative_phase() {
        let unfinished: Vec<TraceLine> = run().into_iter().filter(|l| !matches!(l.event, Event::RunFinished { .. })).collect();
        assert_eq!(Phases::of(&unfinished, 20_000), None);
        let never_stepped: Vec<TraceLine> = run().into_iter().filter(|l| !matches!(l.event, Event::Step { .. })).collect();
        assert_eq!(Phases::of(&never_stepped, 20_000), None);
        assert_eq!(Phases::of(&run(), 5).unwrap().teardown_ms, 0);
    }

    /// A summary.json written before the finer marks still reads.
    #[test]
    fn older_breakdowns_read_with_their_finer_parts_zero() {
        let old: Phases = serde_json::from_str(r#"{"startup_ms":1,"steps_ms":2,"drain_ms":3,"read_ms":4,"teardown_ms":5}"#).unwrap();
        assert_eq!(old, Phases { startup_ms: 1, steps_ms: 2, drain_ms: 3, read_ms: 4, teardown_ms: 5, ..Phases::default() });
    }

    #[test]
    fn the_mean_is_taken_phase_by_phase() {
        let a = Phases { topics_ms: 2, startup_ms: 10, steps_ms: 20, snapshots_ms: 4, drain_ms: 30, quiet_ms: 6, read_ms: 40, teardown_ms: 50 };
        let b = Phases { topics_ms: 4, startup_ms: 30, steps_ms: 40, snapshots_ms: 8, drain_ms: 50, quiet_ms: 10, read_ms: 60, teardown_ms: 70 };
        let mean = Phases { topics_ms: 3, startup_ms: 20, steps_ms: 30, snapshots_ms: 6, drain_ms: 40, quiet_ms: 8, read_ms: 50, teardown_ms: 60 };
        assert_eq!(Phases::mean([&a, &b]), Some(mean));
        assert_eq!(Phases::mean([]), None);
    }
}
