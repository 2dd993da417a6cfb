//! Shared by the pipelines ldfi ships as pipelines under test: settings from
//! the harness, the `ldfi-id` thread of lineage, the trace, the Kafka
//! clients, and the two processing loops (at-least-once and transactional).
//!
//! Each pipeline binary is a small `main` choosing a loop and a transform;
//! the loops hold the delivery semantics, and the bug switches live exactly
//! where each classic bug lives in real code.

pub mod at_least_once;
pub mod kafka;
pub mod record;
pub mod settings;
pub mod shutdown;
pub mod trace;
pub mod transactional;
pub mod watchdog;

use std::process::ExitCode;
use std::sync::Arc;

use settings::{Settings, EXIT_BAD_INPUT};
use shutdown::Shutdown;
use trace::Tracer;

/// A running pipeline instance: its settings, its trace, its stop flag.
pub struct Instance {
    pub settings: Settings,
    pub tracer: Arc<Tracer>,
    pub shutdown: Shutdown,
}

impl Instance {
    /// Reads the environment and opens the trace; on bad input, says why on
    /// stderr and returns exit code 2.
    pub fn start(pipeline: &str) -> Result<Instance, ExitCode> {
        let bad = |message: String| {
            eprintln!("{pipeline}: {message}");
            ExitCode::from(EXIT_BAD_INPUT)
        };
        let settings = Settings::from_env().map_err(bad)?;
        let tracer = Tracer::open(settings.trace.as_deref(), &settings.instance).map_err(bad)?;
        let bugs: Vec<_> = settings.bugs.iter().map(|b| b.name()).collect();
        tracer.note(format!(
            "{pipeline} {} started: {} -> {}, group {}, bugs [{}]",
            settings.instance,
            settings.input,
            settings.output,
            settings.group,
            bugs.join(",")
        ));
        Ok(Instance { settings, tracer: Arc::new(tracer), shutdown: Shutdown::listen() })
    }
}
