//! `ldfi-copy`: copy/transform, at least once.
//!
//! Every input becomes one output with the same key, the value uppercased
//! and the `ldfi-id` header copied. An input's offset is committed only
//! once its output is acknowledged (`acks=all`, idempotent producer), so a
//! crash duplicates and never loses. The switches `commit-before-produce`,
//! `acks-one` and `no-idempotence` turn it into the classic broken copies.

#[path = "common/mod.rs"]
#[allow(dead_code)]
mod common;

use std::process::ExitCode;

use common::record::{Input, Output};
use common::Instance;

/// The transform: same key, value uppercased, same id.
pub fn uppercase(input: &Input) -> Output {
    Output { key: input.key.clone(), value: input.value.to_uppercase(), id: input.id.clone() }
}

fn main() -> ExitCode {
    let instance = match Instance::start("ldfi-copy") {
        Ok(instance) => instance,
        Err(code) => return code,
    };
    ExitCode::from(common::at_least_once::run(&instance, uppercase))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_keeps_key_and_id_and_uppercases_the_value() {
        let input = Input {
            topic: "in".into(),
            partition: 1,
            offset: 7,
            key: Some("k3".into()),
            value: "w7".into(),
            id: Some("in-41".into()),
        };
        assert_eq!(uppercase(&input), Output { key: Some("k3".into()), value: "W7".into(), id: Some("in-41".into()) });
    }
}
