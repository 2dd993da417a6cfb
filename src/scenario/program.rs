//! The pipeline's program as a user brings it: a shipped pipeline, a
//! command, an image with its own entrypoint, or a JVM jar; with mounts,
//! rendered files and the placeholders that let an app keep its own
//! configuration names. Paths in the file are relative to the scenario's
//! folder, resolved here once, so a run never depends on the working
//! directory it was started from.
//!
//! A placeholder is a lower-case word in braces (`{bootstrap}`). One that
//! ldfi does not know is refused, not passed on as it is: `{bootstap}`
//! would reach the app as a literal and fail there, far from the typo.
//! Braces around anything else (`${HOME}`, JSON, `%d{ISO8601}`) are text.

use std::path::{Path, PathBuf};

use toml::Spanned;

use super::file::{read_text, ReadError};
use super::raw::RawPipeline;
use super::problems::Checker;
use super::{image, placeholders, FileTemplate, Mount, PipelineKind, Program};
use crate::trace::{KeyFormat, ValueFormat};

/// Longest template a scenario may render into an instance's files.
const MAX_TEMPLATE_BYTES: u64 = 1 << 20;

/// What the program fields of `[pipeline]` say, validated.
pub(super) struct ProgramFields {
    pub program: Option<Program>,
    pub image: Option<String>,
    pub mounts: Vec<Mount>,
    pub files: Vec<FileTemplate>,
    pub otel_agent: bool,
    pub value_format: ValueFormat,
    pub key_format: KeyFormat,
    pub startup_secs: u64,
}

/// Where a pipeline's table is in the file: `[pipeline]`, or the N-th
/// `[[stages]]` of a chain; problems are named after it.
pub(super) struct Table {
    name: String,
    path: Vec<String>,
}

impl Table {
    pub fn pipeline() -> Table {
        Table { name: "pipeline".into(), path: vec!["pipeline".into()] }
    }

    pub fn stage(index: usize) -> Table {
        Table { name: format!("stages[{index}]"), path: vec!["stages".into(), index.to_string()] }
    }

    /// The field's name in problems: `pipeline.jar`, `stages[0].jar`.
    pub fn field(&self, field: &str) -> String {
        format!("{}.{field}", self.name)
    }

    /// The table's own name, for problems of no one field.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key path of `rest` under the table, for [`Checker::at_key`].
    pub fn key<'a>(&'a self, rest: &[&'a str]) -> Vec<&'a str> {
        self.path.iter().map(String::as_str).chain(rest.iter().copied()).collect()
    }
}

pub(super) fn program(c: &mut Checker, p: &RawPipeline, t: &Table, dir: &Path) -> ProgramFields {
    let image = p.image.as_ref().map(|i| i.get_ref().clone());
    if let Some(i) = &p.image {
        if let Err(why) = image::reference(i.get_ref()) {
            c.at(i, &t.field("image"), format!("{:?}: {why}", i.get_ref()), "name an image as Docker does, e.g. \"my-app:1.0\"");
        }
    }
    let known = placeholders(p.more_outputs.as_ref().map_or(0, |m| m.get_ref().len()));
    for (list, field) in [(&p.command, &t.field("command")), (&p.args, &t.field("args"))] {
        if let Some(list) = list {
            placeholders_in(c, list, field, &known);
        }
    }
    for (k, v) in &p.env {
        for name in unknown_placeholders(v, &known) {
            c.at_key(&t.key(&["env", k]), &t.field(&format!("env.{}", super::locate::key(k))), unknown(&name), fix(&known));
        }
    }
    let chosen = [p.kind.is_some(), p.command.is_some(), p.jar.is_some()].iter().filter(|b| **b).count();
    let program = if chosen > 1 {
        c.nowhere(t.name(), "more than one of kind, command and jar is set", "keep one of them");
        None
    } else if let Some(kind) = &p.kind {
        let shipped = match kind.get_ref().as_str() {
            "copy" => Some(PipelineKind::Copy),
            "wordcount" => Some(PipelineKind::Wordcount),
            "exactly-once" => Some(PipelineKind::ExactlyOnce),
            other => {
                c.at(kind, &t.field("kind"), format!("unknown pipeline {other:?}"),
                    "use copy, wordcount or exactly-once, or give a command, an image or a jar instead");
                None
            }
        };
        if let (Some(_), Some(i)) = (shipped, &p.image) {
            c.at(i, &t.field("image"), "a shipped pipeline runs in the client image", "drop image, or run your own program with command");
        }
        shipped.map(Program::Shipped)
    } else if let Some(command) = &p.command {
        if command.get_ref().is_empty() {
            c.at(command, &t.field("command"), "is empty", "give the program and its arguments");
            None
        } else {
            Some(Program::Command(command.get_ref().clone()))
        }
    } else if let Some(jar) = &p.jar {
        let path = resolve(dir, jar.get_ref());
        if !path.is_file() {
            c.at(jar, &t.field("jar"), format!("{} is not a file", path.display()),
                "give the path of the app's jar, relative to the scenario file (build it first)");
        }
        let main_class = match &p.main_class {
            Some(m) if is_class_name(m.get_ref()) => Some(m.get_ref().clone()),
            Some(m) => {
                c.at(m, &t.field("main_class"), format!("{:?} is not a Java class name", m.get_ref()), "e.g. \"com.example.WordCount\"");
                None
            }
            None => {
                c.at(jar, &t.field("main_class"), "a jar needs its main class", "set main_class = \"com.example.App\"");
                None
            }
        };
        let args = p.args.as_ref().map(|a| a.get_ref().clone()).unwrap_or_default();
        main_class.map(|main_class| Program::Jar { jar: path, main_class, args })
    } else if p.image.is_some() {
        Some(Program::Entrypoint)
    } else {
        c.nowhere(t.name(), "no program: none of kind, command, image or jar is set",
            "set kind = \"copy\", command = [...], image = \"my-app:1\" or jar = \"app.jar\" with main_class");
        None
    };
    if p.jar.is_none() {
        if let Some(m) = &p.main_class {
            c.at(m, &t.field("main_class"), "main_class without jar", "set jar, or drop main_class");
        }
        if let Some(a) = &p.args {
            c.at(a, &t.field("args"), "args are the arguments of a jar's main class", "put them in command, or set jar");
        }
    }

    let mut mounts = Vec::new();
    for (i, m) in p.mounts.iter().enumerate() {
        let host = resolve(dir, m.host.get_ref());
        if !host.exists() {
            c.at(&m.host, &t.field(&format!("mounts[{i}].host")), format!("{} does not exist", host.display()),
                "give a file or folder, relative to the scenario file");
        }
        if let Err(why) = container_path(m.path.get_ref()) {
            c.at(&m.path, &t.field(&format!("mounts[{i}].path")), why, "give an absolute path inside the container, e.g. /app");
        }
        mounts.push(Mount { host, path: m.path.get_ref().clone() });
    }
    let mut files = Vec::new();
    for (i, f) in p.files.iter().enumerate() {
        let field = t.field(&format!("files[{i}]"));
        if let Err(why) = container_path(f.path.get_ref()) {
            c.at(&f.path, &format!("{field}.path"), why, "give an absolute path inside the container, e.g. /etc/app/streams.properties");
        }
        let host = resolve(dir, f.template.get_ref());
        match read_template(&host) {
            Ok(template) => {
                for (line, text) in template.lines().enumerate() {
                    for name in unknown_placeholders(text, &known) {
                        c.at(&f.template, &format!("{field}.template"),
                            format!("{}, line {}: {}", host.display(), line + 1, unknown(&name)), fix(&known));
                    }
                }
                files.push(FileTemplate { path: f.path.get_ref().clone(), template })
            }
            Err(why) => c.at(&f.template, &format!("{field}.template"), format!("{}: {why}", host.display()),
                "give a UTF-8 text file under 1 MiB, relative to the scenario file"),
        }
    }
    if files.iter().enumerate().any(|(i, f)| files[..i].iter().any(|g| g.path == f.path)) {
        c.nowhere(&t.field("files"), "two files have the same path", "give each file its own path");
    }

    let otel_agent = p.otel_agent.unwrap_or(matches!(program, Some(Program::Jar { .. })));
    let value_format = format(c, t, "value", p.value_format.as_ref(), ValueFormat::named,
        "use text (decimal digits), long (8-byte big-endian, Kafka's Serdes.Long()), int (4-byte big-endian, Serdes.Integer()), double (8-byte big-endian, Serdes.Double()) or json (a JSON number)");
    let key_format = format(c, t, "key", p.key_format.as_ref(), KeyFormat::named,
        "use text (the key as written, Serdes.String()), windowed (Kafka Streams' WindowedSerdes.timeWindowedSerdeFrom(String.class, size): the key, then the window start as 8 bytes) or session (WindowedSerdes.sessionWindowedSerdeFrom(String.class): the key, then the session's end and start as 8 bytes each)");
    let startup_secs = match &p.startup_secs {
        None => 120,
        Some(s) if (1..=900).contains(s.get_ref()) => *s.get_ref(),
        Some(s) => {
            c.at(s, &t.field("startup_secs"), format!("{} seconds", s.get_ref()), "use 1 to 900 seconds");
            120
        }
    };
    ProgramFields { program, image, mounts, files, otel_agent, value_format, key_format, startup_secs }
}

/// `path` from the scenario file, against the scenario's folder.
fn resolve(dir: &Path, path: &str) -> PathBuf {
    let p = Path::new(path);
    let joined = if p.is_absolute() { p.to_path_buf() } else { dir.join(p) };
    std::fs::canonicalize(&joined).unwrap_or(joined)
}

/// A path inside the container: absolute, no `..`, no `:` (a bind spec's
/// separator), not one of the harness's own mount points.
fn container_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err(format!("{path:?} is not absolute"));
    }
    if path.split('/').any(|part| part == "..") || path.contains(':') || path.chars().any(char::is_control) {
        return Err(format!("{path:?} has '..', ':' or a control character"));
    }
    let reserved = ["/trace", "/opt/ldfi"];
    if reserved.iter().any(|r| path == *r || path.starts_with(&format!("{r}/"))) || path == "/" {
        return Err(format!("{path:?} is where ldfi mounts its own files"));
    }
    Ok(())
}

fn read_template(path: &Path) -> Result<String, ReadError> {
    read_text(path, MAX_TEMPLATE_BYTES)
}

/// The placeholders of `text` that ldfi does not fill (not among
/// `known`): `{word}` of lower-case letters, digits and `_`, not after a
/// `$`.
pub fn unknown_placeholders(text: &str, known: &[String]) -> Vec<String> {
    let mut unknown = Vec::new();
    let bytes = text.as_bytes();
    for (open, _) in text.match_indices('{') {
        if open > 0 && bytes[open - 1] == b'$' {
            continue;
        }
        let rest = &text[open + 1..];
        let Some(close) = rest.find('}') else { continue };
        let name = &rest[..close];
        let word = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if word && !known.iter().any(|k| k == name) {
            unknown.push(name.to_string());
        }
    }
    unknown
}

fn placeholders_in(c: &mut Checker, list: &Spanned<Vec<String>>, field: &str, known: &[String]) {
    for (i, item) in list.get_ref().iter().enumerate() {
        for name in unknown_placeholders(item, known) {
            c.at(list, &format!("{field}[{i}]"), unknown(&name), fix(known));
        }
    }
}

fn unknown(name: &str) -> String {
    format!("unknown placeholder {{{name}}}")
}

fn fix(known: &[String]) -> String {
    let names: Vec<String> = known.iter().map(|p| format!("{{{p}}}")).collect();
    format!("use one of {}, or write the value itself", names.join(", "))
}

fn is_class_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
                && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
        })
}

/// Fills `{bootstrap}`, `{input}`, ... in `text` from `values`; other
/// braces are left as they are (a shell's `${HOME}`, JSON).
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = text.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The `<what>_format` a pipeline table names, its default when absent;
/// an unknown name is a problem naming the field and the known ones.
fn format<F: Default>(c: &mut Checker, t: &Table, what: &str, name: Option<&Spanned<String>>, named: fn(&str) -> Option<F>, fix: &str) -> F {
    let Some(name) = name else { return F::default() };
    named(name.get_ref()).unwrap_or_else(|| {
        c.at(name, &t.field(&format!("{what}_format")), format!("unknown {what} format {:?}", name.get_ref()), fix);
        F::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_other_braces_kept() {
        let values = [("bootstrap", "10.0.0.11:9092"), ("input", "words.c-r1")];
        assert_eq!(fill("--bootstrap={bootstrap} {input} ${HOME} {\"a\":1}", &values),
            "--bootstrap=10.0.0.11:9092 words.c-r1 ${HOME} {\"a\":1}");
    }

    #[test]
    fn only_known_placeholders_are_accepted() {
        let known = placeholders(1);
        assert!(unknown_placeholders("--bootstrap={bootstrap} {input} ${HOME} {\"a\":1} %d{ISO8601} {1} {output2}", &known).is_empty());
        assert_eq!(unknown_placeholders("{bootstap}:{otlp} {x_1} {output3}", &known), ["bootstap", "x_1", "output3"]);
        assert!(fix(&known).contains("{bootstrap}") && fix(&known).contains("{otlp}") && fix(&known).contains("{output2}"));
    }

    #[test]
    fn container_paths_stay_out_of_the_harness_mounts() {
        assert!(container_path("/app").is_ok());
        assert!(container_path("app").is_err());
        assert!(container_path("/trace/x").is_err());
        assert!(container_path("/opt/ldfi").is_err());
        assert!(container_path("/a/../etc").is_err());
        assert!(container_path("/a:/b").is_err());
        assert!(is_class_name("org.example.WordCount"));
        assert!(!is_class_name("org..x"));
    }
}

