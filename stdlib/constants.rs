//! `constants`: facts about the host (`hostname`, `os`, `arch`) and, in Alloy, `version`.

use crate::eval::{Key, Object, Value};

/// Go's `GOOS` name for the running OS.
pub fn go_os() -> &'static str {
    match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    }
}

/// Go's `GOARCH` name for the running architecture.
pub fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64",
        "loongarch64" => "loong64",
        other => other,
    }
}

/// The version normalised to `vX.Y.Z` (`v0.0.0` when it cannot be parsed).
pub fn normalized_version(raw: &str) -> String {
    let v = raw.trim().trim_start_matches('v');
    let core: Vec<&str> = v
        .split(['-', '+'])
        .next()
        .unwrap_or("")
        .split('.')
        .collect();
    if core.len() == 3
        && core
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        format!("v{v}")
    } else {
        "v0.0.0".to_string()
    }
}

/// The `constants` object (ordered like upstream's: hostname, os, arch, version).
pub fn value() -> Value {
    let hostname = gethostname::gethostname().into_string().unwrap_or_default();
    Value::Object(Object::unordered(vec![
        (Key::from("hostname"), Value::string(hostname)),
        (Key::from("os"), Value::string(go_os())),
        (Key::from("arch"), Value::string(go_arch())),
        (
            Key::from("version"),
            Value::string(normalized_version(env!("CARGO_PKG_VERSION"))),
        ),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{eval_expression, Scope};

    #[test]
    fn constants_object() {
        assert_eq!(normalized_version("1.2.3"), "v1.2.3");
        assert_eq!(normalized_version("v1.2.3-rc.1"), "v1.2.3-rc.1");
        assert_eq!(normalized_version("devel"), "v0.0.0");
        let s = Scope::isolated();
        assert!(eval_expression(b"constants.os", &s).is_ok());
        assert!(eval_expression(br#"constants["foo"]"#, &s)
            .unwrap()
            .is_null());
        assert_eq!(
            eval_expression(b"constants.foo", &s)
                .unwrap_err()
                .to_string(),
            r#"1:11: field "foo" does not exist"#
        );
    }
}
