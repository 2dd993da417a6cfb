//! The names a run gives the scenario's topics and group.
//!
//! Runs on a reused cluster never see each other's records or offsets when
//! their topics and group carry the run's suffix (`words.c-r3`). A
//! pipeline's internal topics are named after its group (Kafka Streams:
//! `<application.id>-<store>-changelog`), so they follow the group's name.
//! An app with hard-coded names runs without the suffix; the harness then
//! deletes its topics and group between runs instead.
//!
//! Lineage names facts by the scenario's names, so that facts from several
//! runs coincide: [`RunNames::scenario_topic`] undoes the run's naming.

/// How one run names the scenario's topics and group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunNames {
    /// `<campaign>-<run>`, or `None` when names are used as written.
    pub suffix: Option<String>,
    /// The scenario's group (application.id): internal topics start with
    /// it and a dash.
    pub group: String,
}

impl RunNames {
    /// Names suffixed with `<campaign>-<run>`.
    pub fn suffixed(campaign: &str, run: &str, group: &str) -> RunNames {
        RunNames { suffix: Some(format!("{campaign}-{run}")), group: group.to_string() }
    }

    /// Names used as the scenario writes them.
    pub fn unsuffixed(group: &str) -> RunNames {
        RunNames { suffix: None, group: group.to_string() }
    }

    /// The names of a recorded run, from its `run_started` line: suffixed
    /// when the run's group carries `.<campaign>-<run>`.
    pub fn of_run(campaign: &str, run: &str, run_group: &str) -> RunNames {
        let suffix = format!("{campaign}-{run}");
        match run_group.strip_suffix(&format!(".{suffix}")) {
            Some(group) => RunNames { suffix: Some(suffix), group: group.to_string() },
            None => RunNames { suffix: None, group: run_group.to_string() },
        }
    }

    /// The run's name of scenario topic `name` (an internal topic follows
    /// the group's name).
    pub fn topic(&self, name: &str) -> String {
        let Some(suffix) = &self.suffix else { return name.to_string() };
        match name.strip_prefix(&format!("{}-", self.group)) {
            Some(rest) if !self.group.is_empty() => format!("{}-{rest}", self.group(&self.group)),
            _ => format!("{name}.{suffix}"),
        }
    }

    /// The run's name of group `group`.
    pub fn group(&self, group: &str) -> String {
        match &self.suffix {
            Some(suffix) => format!("{group}.{suffix}"),
            None => group.to_string(),
        }
    }

    /// The scenario's name of a run's topic: the inverse of [`Self::topic`].
    pub fn scenario_topic(&self, run_topic: &str) -> String {
        let Some(suffix) = &self.suffix else { return run_topic.to_string() };
        if let Some(rest) = run_topic.strip_prefix(&format!("{}-", self.group(&self.group))) {
            return format!("{}-{rest}", self.group);
        }
        run_topic.strip_suffix(&format!(".{suffix}")).unwrap_or(run_topic).to_string()
    }

    /// Whether a run's topic is one of the group's internal topics.
    pub fn is_internal(&self, run_topic: &str) -> bool {
        run_topic.starts_with(&format!("{}-", self.group(&self.group)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_topics_follow_the_group() {
        let names = RunNames::suffixed("c", "r3", "wc");
        assert_eq!(names.topic("words"), "words.c-r3");
        assert_eq!(names.group("wc"), "wc.c-r3");
        assert_eq!(names.topic("wc-counts-store-changelog"), "wc.c-r3-counts-store-changelog");
        for t in ["words", "wc-counts-store-changelog", "wcx"] {
            assert_eq!(names.scenario_topic(&names.topic(t)), t);
        }
        assert!(names.is_internal("wc.c-r3-counts-store-repartition"));
        assert!(!names.is_internal("words.c-r3"));
        assert_eq!(RunNames::of_run("c", "r3", "wc.c-r3"), names);
        let plain = RunNames::of_run("c", "r3", "wc");
        assert_eq!(plain, RunNames::unsuffixed("wc"));
        assert_eq!(plain.topic("words"), "words");
        assert!(plain.is_internal("wc-counts-store-changelog"));
    }
}
