//! The rule for names that end up as directory names, Docker names and
//! Kafka name suffixes: a scenario's `name`, and everything a campaign
//! derives from it (the campaign `<scenario>-<strategy>-<time>`, its runs
//! `r3`, `r3-min1`, `replay-r3-...`). One rule, so that a name read back
//! from a journal is held to the same standard as the scenario that made
//! it: letters, digits and '-', which can never be `..`, hold a `/`, or
//! carry a control character into a path or a terminal.

/// At most this many bytes: a directory name longer than the file
/// system's limit (255 on Linux) cannot be created.
pub const MAX_NAME_LEN: usize = 255;

/// The allowed characters, in words, for error messages.
pub const NAME_RULE: &str = "1 to 255 letters, digits and '-'";

/// Whether `name` is a valid name.
pub fn is_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= MAX_NAME_LEN && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_letters_digits_and_dashes_only() {
        for good in ["copy-alo", "copy-alo-ldfi-1764072000", "r3", "r3-min1", "A-9"] {
            assert!(is_name(good), "{good}");
        }
        for bad in ["", ".", "..", "../victim", "a/b", "/etc", "a b", "a\nb", "a\0b", "r1.interrupted-5", "é"] {
            assert!(!is_name(bad), "{bad:?}");
        }
        assert!(is_name(&"a".repeat(255)) && !is_name(&"a".repeat(256)));
    }
}
