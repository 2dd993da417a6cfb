//! junit.xml (quick-junit): one test suite per campaign, one test case per
//! property of the scenario. A property a counterexample broke fails with
//! the fault plan in words, the evidence and the replay command; any other
//! passes, saying in system-out whether that is a certificate or only a
//! spent budget. Pure; control characters from record data are escaped.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::content::{self, CAP};
use super::evidence::Evidence;
use super::words;
use crate::summary::CampaignSummary;

/// The JUnit XML document.
pub fn render(summary: &CampaignSummary, evidence: &Evidence, report_dir: &str) -> Result<String, quick_junit::SerializeError> {
    let mut report = Report::new("ldfi");
    let mut suite = TestSuite::new(summary.campaign.as_str());
    suite.set_time(std::time::Duration::from_millis(summary.wall_ms));
    let verdict = content::verdict_sentence(summary);
    let replay = content::replay_commands(summary, report_dir);
    let mut properties = evidence.properties.clone();
    for c in &summary.counterexamples {
        for r in &c.results {
            if !properties.iter().any(|p| p == r.property.name()) {
                properties.push(r.property.name().to_string());
            }
        }
    }
    for property in &properties {
        let broken = summary
            .counterexamples
            .iter()
            .find_map(|c| c.results.iter().find(|r| r.property.name() == property).map(|r| (c, r)));
        let mut case = match broken {
            Some((c, r)) => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_type("violation");
                let plan = c.minimal.as_ref().map_or(&c.plan, |m| &m.plan);
                status.set_message(format!(
                    "{}: {} when ldfi did this: {}{}",
                    property,
                    r.summary,
                    words::plan(&c.plan),
                    c.minimal.as_ref().map(|m| format!("; minimal fault set: {}", words::plan(&m.plan))).unwrap_or_default()
                ));
                let mut body = format!("{}\n\nfault plan: {} (seed {})\nrun: {}\n", r.summary, plan, plan.seed, c.run);
                if let Some(minimal) = content::minimal_sentence(c) {
                    body.push_str(&format!("minimized: {minimal}; first found as: {}\n", c.plan));
                }
                let ids = |all: Vec<String>, what: &str| -> String {
                    if all.is_empty() {
                        return String::new();
                    }
                    let more = all.len().saturating_sub(CAP);
                    let shown: Vec<String> = all.into_iter().take(CAP).collect();
                    format!("{what}: {}{}\n", shown.join(", "), if more > 0 { format!(" and {more} more") } else { String::new() })
                };
                body.push_str(&ids(r.lost.iter().map(|l| format!("{} (partition {}, offset {})", l.id, l.partition.unwrap_or(-1), l.offset.unwrap_or(-1))).collect(), "lost"));
                body.push_str(&ids(r.duplicated.iter().map(|d| format!("{} x{}", d.id, d.outputs.len())).collect(), "duplicated"));
                body.push_str(&ids(r.reordered.iter().map(|o| format!("{} before {}", o.later, o.earlier)).collect(), "reordered"));
                body.push_str(&ids(content::mismatch_lines(r), "counts"));
                body.push_str(&format!("traces: {}\nreplay:\n", c.traces.display()));
                for command in &replay {
                    body.push_str(&format!("  {command}\n"));
                }
                status.set_description(body);
                TestCase::new(property.as_str(), status)
            }
            None => {
                let mut case = TestCase::new(property.as_str(), TestCaseStatus::success());
                case.set_system_out(format!("{property} held in every run. {verdict}"));
                case
            }
        };
        case.set_classname(format!("ldfi.{}", summary.scenario));
        suite.add_test_case(case);
    }
    suite.set_system_out(verdict);
    report.add_test_suite(suite);
    // Control characters from record data are not valid XML.
    report.to_string().map(|xml| super::escape::lines(&xml))
}
