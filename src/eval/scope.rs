//! The variables an expression can see, and the environment `env`/`sys.env` read.
//!
//! Identifiers resolve first in the [`Scope`]'s variables, then in the standard library, so
//! a variable shadows a stdlib name. The scope is flat (Alloy semantics). Component exports
//! are nested objects keyed by the name fragments and the label
//! (`discovery.kubernetes "pods"` → `discovery` → `kubernetes` → `pods`); see
//! [`Scope::insert_path`].

use std::collections::HashMap;
use std::sync::Arc;

use super::value::{Key, Object, Str, Value};

/// Where `env(name)` looks.
#[derive(Clone, Debug, Default)]
pub enum EnvSource {
    /// The process environment.
    #[default]
    Process,
    /// Nothing is set (`env` returns `""`).
    Empty,
    /// A fixed table (tests, sandboxes).
    Fixed(Arc<HashMap<String, String>>),
}

/// Variables for evaluation, plus the environment.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    vars: ahash::AHashMap<Key, Value>,
    env: EnvSource,
}

impl Scope {
    /// No variables; `env` reads the process environment.
    pub fn new() -> Scope {
        Scope::default()
    }

    /// No variables; `env` and `sys.env` read the process environment (what `agent eval`
    /// uses).
    pub fn with_env() -> Scope {
        Scope {
            vars: Default::default(),
            env: EnvSource::Process,
        }
    }

    /// No variables and an empty environment: evaluation depends on nothing outside.
    pub fn isolated() -> Scope {
        Scope {
            vars: Default::default(),
            env: EnvSource::Empty,
        }
    }

    /// Replaces the environment source.
    pub fn set_env(&mut self, env: EnvSource) {
        self.env = env;
    }

    /// Sets variable `name`.
    pub fn set(&mut self, name: impl Into<Key>, value: Value) {
        self.vars.insert(name.into(), value);
    }

    /// Builder form of [`Scope::set`].
    pub fn with(mut self, name: impl Into<Key>, value: Value) -> Scope {
        self.set(name, value);
        self
    }

    /// Removes variable `name`.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.vars.remove(name)
    }

    /// The variable `name` (variables only, not the stdlib).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.vars.get(name)
    }

    /// Resolves an identifier: variables first, then the standard library.
    pub fn lookup(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.vars.get(name) {
            return Some(v.clone());
        }
        crate::stdlib::lookup(name).cloned()
    }

    /// Stores `value` at the nested path `path` (`["discovery", "kubernetes", "pods"]`),
    /// creating or extending the objects along the way. Existing fields of those objects are
    /// kept; a non-object in the way is replaced.
    pub fn insert_path(&mut self, path: &[&str], value: Value) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        match self.vars.get_mut(*first) {
            Some(slot) => set_in_place(slot, rest, value),
            None => {
                let new = set_in(None, rest, value);
                self.vars.insert(Key::from(*first), new);
            }
        }
    }

    /// The names of all variables.
    pub fn names(&self) -> impl Iterator<Item = &Key> {
        self.vars.keys()
    }

    /// Looks up an environment variable; unset variables read as `""`.
    pub fn getenv(&self, name: &[u8]) -> Str {
        match &self.env {
            EnvSource::Empty => Str::from(""),
            EnvSource::Fixed(m) => {
                let name = String::from_utf8_lossy(name);
                Str::from(m.get(name.as_ref()).map(String::as_str).unwrap_or(""))
            }
            EnvSource::Process => process_getenv(name),
        }
    }
}

#[cfg(unix)]
fn process_getenv(name: &[u8]) -> Str {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    // Go's os.Getenv: a name that cannot exist (empty, contains '=' or NUL) is simply unset.
    if name.is_empty() || name.contains(&b'=') || name.contains(&0) {
        return Str::from("");
    }
    match std::env::var_os(std::ffi::OsStr::from_bytes(name)) {
        Some(v) => Str::from(v.into_vec()),
        None => Str::from(""),
    }
}

#[cfg(not(unix))]
fn process_getenv(name: &[u8]) -> Str {
    let name = String::from_utf8_lossy(name);
    if name.is_empty() || name.contains('=') || name.contains('\0') {
        return Str::from("");
    }
    Str::from(std::env::var(name.as_ref()).unwrap_or_default())
}

/// Stores `value` at `path` inside `slot`, mutating objects in place where this scope holds
/// the only handle to them.
fn set_in_place(slot: &mut Value, path: &[&str], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        *slot = value;
        return;
    };
    if !matches!(slot, Value::Object(_)) {
        *slot = set_in(None, path, value);
        return;
    }
    let Value::Object(obj) = slot else { return };
    match obj.get_mut(first) {
        Some(child) => set_in_place(child, rest, value),
        None => obj.set(first, set_in(None, rest, value)),
    }
}

fn set_in(old: Option<Value>, path: &[&str], value: Value) -> Value {
    let Some((first, rest)) = path.split_first() else {
        return value;
    };
    let mut entries = match old {
        Some(Value::Object(o)) => o.to_entries(),
        _ => Vec::new(),
    };
    let pos = entries.iter().position(|(k, _)| &**k == *first);
    let child_old = pos.map(|i| entries[i].1.clone());
    let child = set_in(child_old, rest, value);
    match pos {
        Some(i) => entries[i].1 = child,
        None => entries.push((Key::from(*first), child)),
    }
    Value::Object(Object::unordered(entries))
}

/// What a function sees of its caller: the scope's environment.
#[derive(Copy, Clone, Debug)]
pub struct CallCtx<'a> {
    /// The scope the call is evaluated in.
    pub scope: &'a Scope,
}

impl CallCtx<'_> {
    /// Looks up an environment variable (`""` when unset).
    pub fn getenv(&self, name: &[u8]) -> Str {
        self.scope.getenv(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_paths_merge() {
        let mut s = Scope::isolated();
        s.insert_path(&["discovery", "kubernetes", "pods"], Value::int(1));
        s.insert_path(&["discovery", "kubernetes", "nodes"], Value::int(2));
        s.insert_path(&["discovery", "file", "x"], Value::int(3));
        let Some(Value::Object(d)) = s.get("discovery") else {
            panic!()
        };
        let Some(Value::Object(k)) = d.get("kubernetes") else {
            panic!()
        };
        assert_eq!(k.len(), 2);
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn env_sources() {
        let mut m = HashMap::new();
        m.insert("A".to_string(), "b".to_string());
        let mut s = Scope::isolated();
        assert_eq!(s.getenv(b"A").as_bytes(), b"");
        s.set_env(EnvSource::Fixed(Arc::new(m)));
        assert_eq!(s.getenv(b"A").as_bytes(), b"b");
        assert_eq!(s.getenv(b"B").as_bytes(), b"");
    }

    #[test]
    fn variables_shadow_stdlib() {
        let s = Scope::isolated().with("concat", Value::int(1));
        assert!(matches!(s.lookup("concat"), Some(Value::Number(_))));
    }
}
