//! Recorded runs: the campaign's [`Runs`] served from run directories
//! written beforehand (JSON-lines traces and the verdict `ldfi check`
//! gives them), so that the loop's every ending is tested without a
//! cluster. A recording is a record `in-0` and what became of it: which
//! instance processed it at which step (told by its own events), which
//! others handled it as far as their spans show (OpenTelemetry), whether the
//! workload's write was acknowledged, and whether the checker read it back.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Runs;
use crate::checker::RunVerdict;
use crate::model::FaultPlan;
use crate::run::{self, RunError, RunOutcome};

/// What one recorded run did with the record `in-0`.
#[derive(Debug, Clone)]
pub struct Recording {
    /// The instance that processed it, with its own events, and the step.
    pub processed: Option<(u32, u32)>,
    /// Instances that exported an OpenTelemetry receive span of it (and
    /// wrote no events).
    pub polled: Vec<u32>,
    /// The workload's write was acknowledged.
    pub acked: bool,
    /// The checker read the output back.
    pub read_back: bool,
    /// A second acknowledged record `in-1` that never reached the output.
    pub lost: bool,
    /// The run failed itself (its verdict is unknown).
    pub error: Option<String>,
}

impl Recording {
    /// `in-0` acknowledged, processed by `pipeline-{instance}` at `step`
    /// with its own events, read back.
    pub fn processed(instance: u32, step: u32) -> Recording {
        Recording { processed: Some((instance, step)), polled: Vec::new(), acked: true, read_back: true, lost: false, error: None }
    }
}

/// Writes a recording as the run directory `dir` of run `run`, with the
/// verdict `ldfi check` gives it.
pub fn record(dir: &Path, run: &str, recording: &Recording) {
    std::fs::create_dir_all(dir).unwrap();
    let suffix = format!("c-{run}");
    let (input, output) = (format!("input.{suffix}"), format!("output.{suffix}"));
    let t = |step: u32, ms: u64| 1_000 + u64::from(step) * 1_000 + ms;
    let mut harness = vec![format!(
        r#"{{"time_ms":{},"source":"harness","step":0,"type":"run_started","scenario":"s","campaign":"c","run":"{run}","seed":1,"plan":{{}},"input_topic":"{input}","output_topic":"{output}","group":"g.{suffix}","properties":["no-lost-acked"],"read_committed":false,"acks":"all"}}"#,
        t(0, 0)
    )];
    for step in 0..4 {
        harness.push(format!(r#"{{"time_ms":{},"source":"harness","step":{step},"type":"step","step_index":{step}}}"#, t(step, 1)));
    }
    harness.push(format!(r#"{{"time_ms":{},"source":"harness","step":4,"type":"drained","caught_up":true,"waited_ms":10,"detail":"caught up"}}"#, t(3, 900)));
    if recording.read_back {
        harness.push(format!(
            r#"{{"time_ms":{},"source":"harness","step":4,"type":"checker_read","topic":"{output}","partition":0,"offset":0,"key":"k","value":"v","ids":["in-0"]}}"#,
            t(4, 0)
        ));
    }
    let error = recording.error.as_ref().map_or("null".to_string(), |e| format!("{e:?}"));
    harness.push(format!(r#"{{"time_ms":{},"source":"harness","type":"run_finished","error":{error}}}"#, t(4, 1)));
    std::fs::write(dir.join("harness.jsonl"), harness.join("\n") + "\n").unwrap();

    let produced = |id: &str, offset: u32, acked: bool| {
        let error = if acked { "null" } else { r#""Message timed out""# };
        format!(
            r#"{{"time_ms":{},"source":"workload","step":0,"type":"produced","id":"{id}","key":"k","value":"v","topic":"{input}","partition":0,"offset":{offset},"error":{error}}}"#,
            t(0, 2 + u64::from(offset))
        )
    };
    let mut workload = vec![produced("in-0", 0, recording.acked)];
    if recording.lost {
        workload.push(produced("in-1", 1, true));
    }
    let node = |name: &str| {
        let own = crate::trace::node_dir(dir, name);
        std::fs::create_dir_all(&own).unwrap();
        own.join(format!("{name}.jsonl"))
    };
    std::fs::write(node("workload"), workload.join("\n") + "\n").unwrap();

    if let Some((instance, step)) = recording.processed {
        let source = format!("pipeline-{instance}");
        let events = [
            format!(r#"{{"time_ms":{},"source":"{source}","type":"consumed","topic":"{input}","partition":0,"offset":0,"ids":["in-0"]}}"#, t(step, 10)),
            format!(r#"{{"time_ms":{},"source":"{source}","type":"output","topic":"{output}","partition":0,"offset":0,"ids":["in-0"]}}"#, t(step, 20)),
            format!(r#"{{"time_ms":{},"source":"{source}","type":"committed","topic":"{input}","partition":0,"offset":1}}"#, t(step, 30)),
        ];
        std::fs::write(node(&source), events.join("\n") + "\n").unwrap();
    }
    let spans: Vec<String> = recording
        .polled
        .iter()
        .map(|instance| {
            format!(
                r#"{{"time_ms":{},"source":"otlp","type":"span","service":"pipeline-{instance}","trace_id":"{}","span_id":"{:016x}","name":"{input} process","operation":"process","topic":"{input}","partition":0,"offset":0,"start_ms":{},"end_ms":{}}}"#,
                t(1, 5),
                "0".repeat(31) + "1",
                instance,
                t(1, 5),
                t(1, 6)
            )
        })
        .collect();
    if !spans.is_empty() {
        std::fs::write(dir.join("otlp.jsonl"), spans.join("\n") + "\n").unwrap();
    }
    let (_, verdict) = run::check_dir(dir).unwrap();
    std::fs::write(dir.join("verdict.json"), serde_json::to_string_pretty(&verdict).unwrap()).unwrap();
}

/// Runs served from recordings: `pick` says which recorded directory a
/// plan gets; serving copies it to `traces/<campaign>/<run>`, as a live
/// run would have written it.
pub struct Recorded {
    pub traces: PathBuf,
    pub pick: Box<dyn Fn(&FaultPlan) -> PathBuf + Send + Sync>,
    /// How many runs it serves side by side, as that many clusters would.
    pub width: usize,
    /// How long serving a plan takes, as a live run would (`None`: at once):
    /// lets a test finish a later run before an earlier one.
    pub delay: Option<Delay>,
}

/// How long a recorded run takes to serve, by its plan.
pub type Delay = Box<dyn Fn(&FaultPlan) -> Duration + Send + Sync>;

impl Runs for Recorded {
    async fn run(&self, _place: usize, plan: &FaultPlan, run: &str) -> Result<RunOutcome, RunError> {
        if let Some(delay) = &self.delay {
            tokio::time::sleep(delay(plan)).await;
        }
        let from = (self.pick)(plan);
        let dir = self.traces.join(run);
        copy_tree(&from, &dir)?;
        let text = std::fs::read_to_string(dir.join("verdict.json")).map_err(|source| RunError::Io { path: dir.clone(), source })?;
        let verdict: RunVerdict =
            serde_json::from_str(&text).map_err(|e| RunError::History { dir: dir.clone(), message: e.to_string() })?;
        Ok(RunOutcome { dir, verdict, wall: Duration::ZERO })
    }

    fn width(&self) -> usize {
        self.width
    }
}

/// Copies a recorded run directory (its files, and its nodes' directories)
/// to `to`.
fn copy_tree(from: &Path, to: &Path) -> Result<(), RunError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RunError::Io { path, source }
    };
    std::fs::create_dir_all(to).map_err(io(to))?;
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        let target = to.join(entry.file_name());
        if entry.file_type().map_err(io(from))?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(io(&target))?;
        }
    }
    Ok(())
}
