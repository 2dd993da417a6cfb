//! The terminal reporter of campaigns and replays: a listener of the
//! campaign's events ([`CampaignEvent`]).
//!
//! People get a progress bar (runs done of the budget, the current run's
//! plan and elapsed time) and a spinner during long waits, both drawn on
//! stderr and only when stderr is a terminal, plus one status line per run
//! (plan, verdict, time) that stays in the scrollback. Scripts get
//! `--quiet` (only the final verdict line, on stdout) or `--json` (only the
//! final JSON, on stdout). Stdout never carries anything but the result, and
//! a closed stdout (`| head`) is not an error. Every command prints through
//! [`say`] and [`note`] (the `say!` and `note!` macros).

use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use ldfi::campaign::{CampaignEvent, Listener};
pub use ldfi::engine::interrupted;

/// What goes to the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Status lines on stderr (and a bar on a terminal), result on stdout.
    Normal,
    /// Only the final verdict line, on stdout.
    Quiet,
    /// Only the final JSON, on stdout; status lines still on stderr.
    Json,
}

impl Mode {
    pub fn from_flags(quiet: bool, json: bool) -> Mode {
        if json {
            Mode::Json
        } else if quiet {
            Mode::Quiet
        } else {
            Mode::Normal
        }
    }
}

/// Writes one line to stdout; a closed pipe is not an error (the reader
/// has what it wanted), and control characters from record data are shown
/// escaped ([`ldfi::report::escape::lines`]), never sent to the terminal.
pub fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", ldfi::report::escape::lines(line));
    let _ = out.flush();
}

/// Writes one line to stderr, as [`say`] does to stdout: a campaign whose
/// stderr was closed (`2>&1 | head`) goes on, and cleans up at its end.
pub fn note(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", ldfi::report::escape::lines(line));
}

/// The reporter.
pub struct Terminal {
    mode: Mode,
    bar: Option<ProgressBar>,
}

impl Terminal {
    /// A reporter; `runs` is the run budget shown by the bar (0: no bar).
    pub fn new(mode: Mode, runs: u64, done: u64) -> Terminal {
        let draw = mode != Mode::Quiet && std::io::stderr().is_terminal() && runs > 0;
        let bar = draw.then(|| {
            let bar = ProgressBar::new(runs);
            bar.set_style(
                ProgressStyle::with_template("{spinner} runs {pos}/{len} [{bar:20}] {elapsed:>4} {wide_msg}")
                    .expect("template")
                    .progress_chars("=> "),
            );
            bar.set_position(done);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Terminal { mode, bar }
    }

    /// A status line on stderr that stays in the scrollback.
    pub fn line(&self, text: &str) {
        if self.mode == Mode::Quiet {
            return;
        }
        match &self.bar {
            Some(bar) => bar.println(format!("ldfi: {}", ldfi::report::escape::lines(text))),
            None => note(&format!("ldfi: {text}")),
        }
    }

    /// A spinner for a long wait (e.g. a cluster start), with a line in the
    /// scrollback when it ends; returns the guard that ends it.
    pub fn wait(&self, what: &str) -> Waiting {
        self.line(&format!("{what} ..."));
        let spinner = (self.mode != Mode::Quiet && std::io::stderr().is_terminal()).then(|| {
            let spinner = ProgressBar::new_spinner();
            spinner.set_style(ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("template"));
            spinner.set_message(what.to_string());
            spinner.enable_steady_tick(Duration::from_millis(120));
            spinner
        });
        Waiting { spinner }
    }

    /// Reports one campaign event.
    pub fn on(&self, event: &CampaignEvent<'_>) {
        match *event {
            CampaignEvent::Started { .. } | CampaignEvent::Ended { .. } => {}
            CampaignEvent::RunStarted { run, plan } => match &self.bar {
                Some(bar) => {
                    bar.reset_elapsed();
                    bar.set_message(format!("{run}: {plan}"));
                }
                None => self.line(&format!("{run}: {plan} ...")),
            },
            CampaignEvent::RunFinished { record, .. } => {
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                }
                let broke = if record.failed.is_empty() { String::new() } else { format!(" (broke {})", record.failed.join(", ")) };
                self.line(&format!("{}: {} -> {} in {:.1} s{broke}", record.run, record.plan, record.verdict, record.wall_ms as f64 / 1000.0));
            }
            CampaignEvent::Solving { outcomes, derivations } => {
                if let Some(bar) = &self.bar {
                    bar.set_message(format!("solving over {outcomes} good outcomes, {derivations} derivations"));
                }
            }
            CampaignEvent::Minimizing { attempt } => self.line(&format!(
                "{} {}: {} -> {} in {:.1} s ({})",
                if attempt.confirmation { "confirm" } else { "minimize" },
                attempt.run,
                attempt.plan,
                attempt.verdict,
                attempt.wall_ms as f64 / 1000.0,
                match (attempt.confirmation, attempt.reproduced) {
                    (true, true) => "reproduced",
                    (true, false) => "not reproduced",
                    (false, true) => "still breaks it",
                    (false, false) => "does not break it",
                }
            )),
            CampaignEvent::Minimized { run, minimal, .. } => {
                self.line(&format!("counterexample {run} minimized to: {} (reproduced {} of {} times)", minimal.plan, minimal.reproduced, minimal.of));
                if let Some(note) = &minimal.note {
                    self.line(&format!("minimization stopped early: {note}"));
                }
            }
            CampaignEvent::Replayed { run } => {
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                }
                let broke = if run.failed.is_empty() { String::new() } else { format!(" (broke {})", run.failed.join(", ")) };
                self.line(&format!(
                    "{}: {} in {:.1} s{broke}: {}",
                    run.run,
                    run.verdict,
                    run.wall_ms as f64 / 1000.0,
                    if run.reproduced { "reproduced" } else { "not reproduced" }
                ));
            }
        }
    }

    /// Removes the bar before the final result is printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The terminal shows; it keeps nothing that could fail to be written.
impl Listener for &Terminal {
    fn on(&mut self, event: &CampaignEvent<'_>) -> std::io::Result<()> {
        Terminal::on(self, event);
        Ok(())
    }
}

/// Ends a spinner when dropped.
pub struct Waiting {
    spinner: Option<ProgressBar>,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if let Some(spinner) = &self.spinner {
            spinner.finish_and_clear();
        }
    }
}

