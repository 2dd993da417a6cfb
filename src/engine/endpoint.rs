//! Which Docker engine: the default one, or one named by its endpoint.
//!
//! A campaign may spread its clusters over several engines, each a
//! machine's (or, for tests, a second engine beside the first on one
//! machine). An endpoint is written as `docker -H` takes it, and travels
//! as that text: in `--engines`, `LDFI_ENGINES`, a cluster's spec (its
//! network's label) and a campaign's journal. `default` is what `docker`
//! itself talks to (`DOCKER_HOST`, else the local socket); a spec or
//! journal written before engines had names means it.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde_with::{DeserializeFromStr, SerializeDisplay};
use thiserror::Error;

/// Port of an engine's plain-HTTP API when `tcp://host` names none.
pub const DEFAULT_TCP_PORT: u16 = 2375;

/// A Docker engine, by how it is reached.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, SerializeDisplay, DeserializeFromStr)]
pub enum Endpoint {
    /// `DOCKER_HOST`, else `/var/run/docker.sock`.
    #[default]
    Default,
    /// A Unix socket on this machine: `unix:///path/docker.sock`.
    Unix(PathBuf),
    /// An engine's plain-HTTP API: `tcp://host:port` (or `http://`).
    Tcp { host: String, port: u16 },
}

/// An endpoint that cannot be read, with what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("engine endpoint {given:?}: {why}\n  fix: {fix}")]
pub struct EndpointError {
    pub given: String,
    pub why: String,
    pub fix: String,
}

const FORMS: &str = "write `default`, `unix:///path/to/docker.sock` or `tcp://host:port`";

impl Endpoint {
    /// Whether this is the default engine.
    pub fn is_default(&self) -> bool {
        *self == Endpoint::Default
    }
}

impl FromStr for Endpoint {
    type Err = EndpointError;

    fn from_str(given: &str) -> Result<Endpoint, EndpointError> {
        let fail = |why: &str| EndpointError { given: given.to_string(), why: why.to_string(), fix: FORMS.to_string() };
        if given == "default" {
            return Ok(Endpoint::Default);
        }
        if given.chars().any(|c| c.is_control() || c.is_whitespace() || c == ',') {
            return Err(fail("it holds spaces, commas or control characters"));
        }
        if let Some(path) = given.strip_prefix("unix://") {
            if !path.starts_with('/') || path.len() < 2 {
                return Err(fail("a Unix socket needs an absolute path (three slashes: unix:///path)"));
            }
            return Ok(Endpoint::Unix(PathBuf::from(path)));
        }
        let Some(address) = given.strip_prefix("tcp://").or_else(|| given.strip_prefix("http://")) else {
            let why = match given.split_once("://") {
                Some((scheme, _)) => format!("ldfi does not speak {scheme}:// to an engine"),
                None => "it names no scheme".to_string(),
            };
            return Err(fail(&why));
        };
        let address = address.strip_suffix('/').unwrap_or(address);
        let (host, port) = match address.rsplit_once(':') {
            Some((host, port)) => {
                let port = port.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| fail("its port is not a number from 1 to 65535"))?;
                (host, port)
            }
            None => (address, DEFAULT_TCP_PORT),
        };
        if host.is_empty() || host.contains('/') {
            return Err(fail("it names no host"));
        }
        Ok(Endpoint::Tcp { host: host.to_string(), port })
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Default => f.write_str("default"),
            Endpoint::Unix(path) => write!(f, "unix://{}", path.display()),
            Endpoint::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
        }
    }
}



/// Reads a comma-separated list (`--engines`, `LDFI_ENGINES`); empty
/// items are refused, not skipped: `a,,b` is a typo.
pub fn parse_list(text: &str) -> Result<Vec<Endpoint>, EndpointError> {
    text.split(',').map(str::trim).map(str::parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_read_as_docker_writes_them_and_print_back_the_same() {
        for text in ["default", "unix:///var/lib/ldfi-engine2/docker.sock", "tcp://10.0.0.5:2375", "tcp://engine-b:2376"] {
            let endpoint: Endpoint = text.parse().unwrap();
            assert_eq!(endpoint.to_string(), text);
        }
        assert_eq!("http://h:1/".parse::<Endpoint>().unwrap(), Endpoint::Tcp { host: "h".into(), port: 1 });
        assert_eq!("tcp://h".parse::<Endpoint>().unwrap().to_string(), "tcp://h:2375");
        assert!(Endpoint::default().is_default());
    }

    #[test]
    fn a_bad_endpoint_says_what_is_wrong_and_the_forms_that_work() {
        let why = |text: &str| text.parse::<Endpoint>().unwrap_err().why;
        assert_eq!(why("unix://docker.sock"), "a Unix socket needs an absolute path (three slashes: unix:///path)");
        assert_eq!(why("ssh://me@host"), "ldfi does not speak ssh:// to an engine");
        assert_eq!(why("/var/run/docker.sock"), "it names no scheme");
        assert_eq!(why("tcp://h:0"), "its port is not a number from 1 to 65535");
        assert_eq!(why("tcp://:2375"), "it names no host");
        assert_eq!(why("unix:///a b"), "it holds spaces, commas or control characters");
        let message = "npipe://x".parse::<Endpoint>().unwrap_err().to_string();
        assert!(message.starts_with("engine endpoint \"npipe://x\": ") && message.contains("fix: write `default`"), "{message}");
    }

    #[test]
    fn a_list_keeps_its_order_and_refuses_an_empty_item() {
        let list = parse_list("default, unix:///s.sock").unwrap();
        assert_eq!(list, [Endpoint::Default, Endpoint::Unix("/s.sock".into())]);
        assert_eq!(parse_list("default,,unix:///s").unwrap_err().why, "it names no scheme");
    }

    #[test]
    fn endpoints_travel_as_their_text_in_json() {
        let endpoint = Endpoint::Unix("/s.sock".into());
        assert_eq!(serde_json::to_string(&endpoint).unwrap(), "\"unix:///s.sock\"");
        assert_eq!(serde_json::from_str::<Endpoint>("\"default\"").unwrap(), Endpoint::Default);
        assert!(serde_json::from_str::<Endpoint>("\"ftp://x\"").is_err());
    }
}
