//! Image references by Docker's grammar (distribution/reference), checked
//! when the scenario is read rather than when Docker refuses the name
//! after a cluster started:
//!
//! ```text
//! reference  := name [ ":" tag ] [ "@" digest ]
//! name       := [ domain "/" ] path-component ( "/" path-component )*
//! domain     := host [ ":" port ]            (a first component with '.' or ':', or localhost)
//! path-component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//! tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
//! digest     := algorithm ":" hex{32,}       (algorithm: [A-Za-z][A-Za-z0-9]* joined by + . _ -)
//! ```
//!
//! and a name of at most 255 characters.

/// Docker's longest repository name.
const MAX_NAME: usize = 255;

/// Whether `reference` is an image reference Docker accepts; the error
/// says which part is wrong.
pub fn reference(reference: &str) -> Result<(), String> {
    if reference.is_empty() {
        return Err("is empty".to_string());
    }
    let (rest, digest) = match reference.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (reference, None),
    };
    if let Some(d) = digest {
        check_digest(d)?;
    }
    // A tag follows the last ':' that comes after the last '/' (a ':'
    // before it is the registry's port).
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(t) = tag {
        check_tag(t)?;
    }
    if name.len() > MAX_NAME {
        return Err(format!("the repository name has {} characters; Docker allows {MAX_NAME}", name.len()));
    }
    let mut components: Vec<&str> = name.split('/').collect();
    let first = components[0];
    if components.len() > 1 && (first.contains('.') || first.contains(':') || first == "localhost") {
        check_domain(first)?;
        components.remove(0);
    }
    for c in components {
        check_path_component(c)?;
    }
    Ok(())
}

fn check_path_component(c: &str) -> Result<(), String> {
    let bad = || Err(format!("{c:?} is not a repository path component: lower-case letters and digits, separated by '.', '_', '__' or dashes"));
    let alnum = |ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit();
    if c.is_empty() || !c.starts_with(alnum) || !c.ends_with(alnum) {
        return bad();
    }
    let bytes = c.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let ch = bytes[i] as char;
        if alnum(ch) {
            i += 1;
            continue;
        }
        // A separator: ".", "_", "__" or dashes, between alphanumerics.
        let start = i;
        while i < bytes.len() && !alnum(bytes[i] as char) {
            i += 1;
        }
        let sep = &c[start..i];
        if !(sep == "." || sep == "_" || sep == "__" || sep.chars().all(|s| s == '-')) {
            return bad();
        }
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<(), String> {
    let (host, port) = if domain.starts_with('[') {
        let end = domain.find(']').map_or(domain.len(), |i| i + 1);
        (&domain[..end], domain[end..].strip_prefix(':').or(Some(&domain[end..]).filter(|r| !r.is_empty())))
    } else {
        match domain.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (domain, None),
        }
    };
    if let Some(p) = port {
        if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("{domain:?}: the registry's port must be digits"));
        }
    }
    if let Some(v6) = host.strip_prefix('[') {
        return match v6.strip_suffix(']').map(str::parse::<std::net::Ipv6Addr>) {
            Some(Ok(_)) => Ok(()),
            _ => Err(format!("{domain:?} is not a registry address")),
        };
    }
    let component_ok = |part: &str| {
        !part.is_empty()
            && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !part.starts_with('-')
            && !part.ends_with('-')
    };
    if host.split('.').all(component_ok) {
        Ok(())
    } else {
        Err(format!("{domain:?} is not a registry host name"))
    }
}

fn check_tag(tag: &str) -> Result<(), String> {
    let mut chars = tag.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) || tag.len() > 128 {
        return Err(format!("tag {tag:?}: up to 128 letters, digits, '_', '.', '-', not starting with '.' or '-'"));
    }
    Ok(())
}

fn check_digest(digest: &str) -> Result<(), String> {
    let bad = || Err(format!("digest {digest:?}: algorithm:hex, e.g. sha256: and 64 hex digits"));
    let Some((algorithm, hex)) = digest.split_once(':') else { return bad() };
    let component_ok = |part: &str| {
        let mut chars = part.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic()) && chars.all(|c| c.is_ascii_alphanumeric())
    };
    if !algorithm.split(['+', '.', '_', '-']).all(component_ok) || hex.len() < 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return bad();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_docker_accepts() {
        let digest = format!("sha256:{}", "a".repeat(64));
        for good in [
            "apache/kafka:4.1.0",
            "ldfi/kafka:local",
            "my-app:1",
            "busybox",
            "localhost:5000/team/app:v1.2_rc-3",
            "registry.example.com/a__b/c.d/e--f",
            "[::1]:5000/app",
            "[::1]/app",
            &format!("app@{digest}"),
            &format!("ghcr.io/org/app:1@{digest}"),
        ] {
            assert_eq!(reference(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn references_docker_refuses() {
        for bad in [
            "",
            "My-App:1",
            "app:",
            "app:-x",
            "app:1 2",
            "a b",
            "app\n",
            "/app",
            "app/",
            "a//b",
            "-app",
            "app-",
            "a...b",
            "app@sha256:short",
            "app@md5",
            "registry:port/app",
            "[::1]x/app",
            "reg.io:/app",
            &format!("{}:1", "a".repeat(256)),
            &format!("app:{}", "t".repeat(129)),
        ] {
            assert!(reference(bad).is_err(), "{bad:?} accepted");
        }
    }
}
