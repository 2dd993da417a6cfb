//! Assigning logical steps to events written by pipelines, which only know
//! the wall clock: step k is everything from the harness's `step` boundary k
//! to the next one.
//!
//! The harness's boundaries are the run's steps: no step is later than the
//! one after its last boundary (EOT, where the harness drains and reads the
//! outputs). A step a line names for itself (any writer may put one in) is
//! clamped to it, so that a number in a file never sets how many
//! steps lineage builds facts for: only boundaries the harness recorded
//! do.

use crate::trace::{Event, TraceLine};

/// Step boundaries of a run, from its harness lines.
#[derive(Debug, Clone, Default)]
pub struct StepClock {
    /// `(time_ms, step)` of each boundary, in time order.
    boundaries: Vec<(u64, u32)>,
    /// The last step: the largest boundary (0 without any).
    last: u32,
}

impl StepClock {
    /// Reads the boundaries from a run's trace lines.
    pub fn from_trace(lines: &[TraceLine]) -> StepClock {
        let mut boundaries: Vec<(u64, u32)> = lines
            .iter()
            .filter(|l| l.source == "harness")
            .filter_map(|l| match l.event {
                Event::Step { step_index } => Some((l.time_ms, step_index)),
                _ => None,
            })
            .collect();
        boundaries.sort();
        let last = boundaries.iter().map(|(_, s)| *s).max().unwrap_or(0);
        StepClock { boundaries, last }
    }

    /// The run's last step.
    pub fn last(&self) -> u32 {
        self.last
    }

    /// `step`, or the run's end (the step after the last) if it is later.
    pub fn clamp(&self, step: u32) -> u32 {
        step.min(self.last.saturating_add(1))
    }

    /// The step a wall time falls in (0 before the first boundary).
    pub fn step_at(&self, time_ms: u64) -> u32 {
        match self.boundaries.partition_point(|(t, _)| *t <= time_ms) {
            0 => 0,
            i => self.boundaries[i - 1].1,
        }
    }

    /// The step of a line: its own (never past the last), or assigned from
    /// its time.
    pub fn step_of(&self, line: &TraceLine) -> u32 {
        line.step.map_or_else(|| self.step_at(line.time_ms), |s| self.clamp(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_fall_into_the_step_whose_boundary_precedes_them() {
        let line = |t, s| TraceLine { time_ms: t, source: "harness".into(), step: Some(s), event: Event::Step { step_index: s } };
        let clock = StepClock::from_trace(&[line(100, 0), line(200, 1), line(300, 2)]);
        assert_eq!(clock.step_at(50), 0);
        assert_eq!(clock.step_at(100), 0);
        assert_eq!(clock.step_at(250), 1);
        assert_eq!(clock.step_at(999), 2);
    }

    /// The exploit: a pipeline line at step 4,000,000,000 made lineage
    /// build facts for every step up to it.
    #[test]
    fn a_line_names_no_step_past_the_harness_last_boundary() {
        let line = |t, s, source: &str| TraceLine { time_ms: t, source: source.into(), step: Some(s), event: Event::Step { step_index: s } };
        let clock = StepClock::from_trace(&[line(100, 0, "harness"), line(200, 1, "harness"), line(300, 9_999, "pipeline-1")]);
        assert_eq!(clock.last(), 1);
        assert_eq!(clock.step_at(999), 1);
        let far = TraceLine { step: Some(4_000_000_000), ..line(250, 0, "pipeline-1") };
        assert_eq!(clock.step_of(&far), 2);
    }
}
