//! Assigning logical steps to events written by pipelines, which only know
//! the wall clock: step k is everything from the harness's `step` boundary k
//! to the next one.

use crate::trace::{Event, TraceLine};

/// Step boundaries of a run, from its harness lines.
#[derive(Debug, Clone, Default)]
pub struct StepClock {
    /// `(time_ms, step)` of each boundary, in time order.
    boundaries: Vec<(u64, u32)>,
}

impl StepClock {
    /// Reads the boundaries from a run's trace lines.
    pub fn from_trace(lines: &[TraceLine]) -> StepClock {
        let mut boundaries: Vec<(u64, u32)> = lines
            .iter()
            .filter_map(|l| match l.event {
                Event::Step { step_index } => Some((l.time_ms, step_index)),
                _ => None,
            })
            .collect();
        boundaries.sort();
        StepClock { boundaries }
    }

    /// The step a wall time falls in (0 before the first boundary).
    pub fn step_at(&self, time_ms: u64) -> u32 {
        match self.boundaries.partition_point(|(t, _)| *t <= time_ms) {
            0 => 0,
            i => self.boundaries[i - 1].1,
        }
    }

    /// The step of a line: its own, or assigned from its time.
    pub fn step_of(&self, line: &TraceLine) -> u32 {
        line.step.unwrap_or_else(|| self.step_at(line.time_ms))
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
}
