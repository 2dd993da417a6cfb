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
    /// A chain's later stages' groups (scenario names): their internal
    /// topics follow them as the first stage's follow `group`.
    pub later: Vec<String>,
}

impl RunNames {
    /// Names suffixed with `<campaign>-<run>`.
    pub fn suffixed(campaign: &str, run: &str, group: &str) -> RunNames {
        RunNames { suffix: Some(format!("{campaign}-{run}")), group: group.to_string(), later: Vec::new() }
    }

    /// Names used as the scenario writes them.
    pub fn unsuffixed(group: &str) -> RunNames {
        RunNames { suffix: None, group: group.to_string(), later: Vec::new() }
    }

    /// The names of a recorded run, from its `run_started` line: suffixed
    /// when the run's group carries `.<campaign>-<run>`.
    pub fn of_run(campaign: &str, run: &str, run_group: &str) -> RunNames {
        let suffix = format!("{campaign}-{run}");
        match run_group.strip_suffix(&format!(".{suffix}")) {
            Some(group) => RunNames { suffix: Some(suffix), group: group.to_string(), later: Vec::new() },
            None => RunNames { suffix: None, group: run_group.to_string(), later: Vec::new() },
        }
    }

    /// The same names for a chain whose later stages have `groups`
    /// (scenario names).
    pub fn with_stages(mut self, groups: impl IntoIterator<Item = String>) -> RunNames {
        self.later = groups.into_iter().collect();
        self
    }

    /// The later stages' scenario groups from their run names (as a run's
    /// `run_started` line lists them).
    pub fn scenario_group(&self, run_group: &str) -> String {
        match &self.suffix {
            Some(suffix) => run_group.strip_suffix(&format!(".{suffix}")).unwrap_or(run_group).to_string(),
            None => run_group.to_string(),
        }
    }

    /// Every stage's scenario group, the first stage's first.
    fn groups(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.group).chain(&self.later)
    }

    /// The run's name of scenario topic `name` (an internal topic follows
    /// the group's name).
    pub fn topic(&self, name: &str) -> String {
        let Some(suffix) = &self.suffix else { return name.to_string() };
        for group in self.groups().filter(|g| !g.is_empty()) {
            if let Some(rest) = name.strip_prefix(&format!("{group}-")) {
                return format!("{}-{rest}", self.group(group));
            }
        }
        format!("{name}.{suffix}")
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
        for group in self.groups() {
            if let Some(rest) = run_topic.strip_prefix(&format!("{}-", self.group(group))) {
                return format!("{group}-{rest}");
            }
        }
        run_topic.strip_suffix(&format!(".{suffix}")).unwrap_or(run_topic).to_string()
    }

    /// Whether a run's topic is one of a stage's internal topics.
    pub fn is_internal(&self, run_topic: &str) -> bool {
        self.groups().any(|g| run_topic.starts_with(&format!("{}-", self.group(g))))
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

    #[test]
    fn a_chains_later_groups_name_their_own_internal_topics() {
        let names = RunNames::suffixed("c", "r3", "first").with_stages(["second".to_string()]);
        assert_eq!(names.topic("second-sums-repartition"), "second.c-r3-sums-repartition");
        assert_eq!(names.scenario_topic("second.c-r3-sums-repartition"), "second-sums-repartition");
        assert!(names.is_internal("second.c-r3-sums-repartition"));
        assert!(names.is_internal("first.c-r3-x"));
        assert!(!names.is_internal("mid.c-r3"));
        assert_eq!(names.scenario_group("second.c-r3"), "second");
    }
}
