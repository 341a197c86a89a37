//! The relabel engine shared by `discovery.relabel`, `prometheus.relabel` and remote write's
//! `write_relabel_config`.
//!
//! A [`RelabelConfig`] is what a `rule { ... }` block decodes into (River attribute names,
//! upstream defaults). [`Rules::compile`] validates a list of them exactly as Alloy does and
//! compiles the regular expressions; [`Rules::process`] then applies every action with
//! Prometheus' semantics to a [`LabelsBuilder`].
//!
//! Regular expressions are Go RE2 syntax, fully anchored (`^(?s:<regex>)$`). Rust's `regex`
//! crate reads almost the same syntax; the differences are bridged when compiling: `\d \w \s`
//! (and their negations) are ASCII-only in Go and are rewritten to explicit ASCII classes, `\b`
//! and `\B` become ASCII word boundaries, a `[` inside a class is a literal in Go and is escaped,
//! the class set operators `&&`/`~~` of Rust are escaped, a `{` that does not start a
//! repetition is a literal (as in Go), octal escapes become `\x{..}`, repeat counts over 1000
//! are rejected as in Go, the flags Go lacks (`x`, `R`, `u`) are rejected, and `\Q…\E`
//! quoting (Go only) is rejected with a clear error. Replacement templates
//! are expanded like Go's `Regexp.Expand`: `$1`, `${1}`, `$name`, `${name}`, `$$`; a name is the
//! longest run of letters, digits and `_`, so `$1x` refers to the group named `1x` (usually
//! absent, hence empty).

use std::fmt;
use std::sync::{Arc, LazyLock};

use md5::{Digest, Md5};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::prom::labels::{is_valid_label_name, Labels, LabelsBuilder};

/// Default `separator`.
pub const DEFAULT_SEPARATOR: &str = ";";
/// Default `regex`.
pub const DEFAULT_REGEX: &str = "(.*)";
/// Default `replacement`.
pub const DEFAULT_REPLACEMENT: &str = "$1";
/// Default `action`.
pub const DEFAULT_ACTION: &str = "replace";

/// One relabel rule as written in configuration (`rule { ... }`), before validation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelabelConfig {
    /// Labels whose values, joined with `separator`, form the source value. `None` when the
    /// attribute is absent (labeldrop/labelkeep require it to be absent).
    #[serde(default)]
    pub source_labels: Option<Vec<String>>,
    /// Joins the source label values.
    #[serde(default = "default_separator")]
    pub separator: String,
    /// RE2 regular expression, anchored at both ends.
    #[serde(default = "default_regex")]
    pub regex: String,
    /// Label to write; may contain `$1`/`${name}` templates for `replace`.
    #[serde(default)]
    pub target_label: String,
    /// Value template for `replace` and name template for `labelmap`.
    #[serde(default = "default_replacement")]
    pub replacement: String,
    /// Divisor for `hashmod`.
    #[serde(default)]
    pub modulus: u64,
    /// Action name, lower case: replace keep drop keepequal dropequal hashmod labelmap labeldrop
    /// labelkeep lowercase uppercase.
    #[serde(default = "default_action")]
    pub action: String,
}

fn default_separator() -> String {
    DEFAULT_SEPARATOR.to_owned()
}
fn default_regex() -> String {
    DEFAULT_REGEX.to_owned()
}
fn default_replacement() -> String {
    DEFAULT_REPLACEMENT.to_owned()
}
fn default_action() -> String {
    DEFAULT_ACTION.to_owned()
}

impl Default for RelabelConfig {
    fn default() -> Self {
        RelabelConfig {
            source_labels: None,
            separator: default_separator(),
            regex: default_regex(),
            target_label: String::new(),
            replacement: default_replacement(),
            modulus: 0,
            action: default_action(),
        }
    }
}

/// A relabel action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Set `target_label` to the expanded `replacement` when the regex matches.
    Replace,
    /// Keep only when the regex matches the source value.
    Keep,
    /// Drop when the regex matches the source value.
    Drop,
    /// Keep only when the source value equals the value of `target_label`.
    KeepEqual,
    /// Drop when the source value equals the value of `target_label`.
    DropEqual,
    /// Set `target_label` to a hash of the source value modulo `modulus`.
    HashMod,
    /// Copy labels whose name matches to the name given by `replacement`.
    LabelMap,
    /// Delete labels whose name matches.
    LabelDrop,
    /// Delete labels whose name does not match.
    LabelKeep,
    /// Set `target_label` to the lower-cased source value.
    Lowercase,
    /// Set `target_label` to the upper-cased source value.
    Uppercase,
}

impl Action {
    /// Parses a lower-case action name.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "replace" => Action::Replace,
            "keep" => Action::Keep,
            "drop" => Action::Drop,
            "keepequal" => Action::KeepEqual,
            "dropequal" => Action::DropEqual,
            "hashmod" => Action::HashMod,
            "labelmap" => Action::LabelMap,
            "labeldrop" => Action::LabelDrop,
            "labelkeep" => Action::LabelKeep,
            "lowercase" => Action::Lowercase,
            "uppercase" => Action::Uppercase,
            _ => return None,
        })
    }

    /// The configuration name of the action.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Replace => "replace",
            Action::Keep => "keep",
            Action::Drop => "drop",
            Action::KeepEqual => "keepequal",
            Action::DropEqual => "dropequal",
            Action::HashMod => "hashmod",
            Action::LabelMap => "labelmap",
            Action::LabelDrop => "labeldrop",
            Action::LabelKeep => "labelkeep",
            Action::Lowercase => "lowercase",
            Action::Uppercase => "uppercase",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a relabel rule is invalid; the messages are Alloy's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RelabelError {
    /// `action = ""`.
    #[error("relabel action cannot be empty")]
    EmptyAction,
    /// An action name that does not exist.
    #[error("unrecognized action type {0:?}")]
    UnknownAction(String),
    /// `hashmod` with `modulus = 0`.
    #[error("relabel configuration for hashmod requires non-zero modulus")]
    HashModWithoutModulus,
    /// An action that writes a label has no `target_label`.
    #[error("relabel configuration for {0} action requires 'target_label' value")]
    MissingTargetLabel(Action),
    /// `target_label` is not a valid label name (or template, for `replace`).
    #[error("{target_label:?} is invalid 'target_label' for {action} action")]
    InvalidTargetLabel {
        /// The offending value.
        target_label: String,
        /// The rule's action.
        action: Action,
    },
    /// `replacement` was changed for an action that does not use it.
    #[error("'replacement' can not be set for {0} action")]
    ReplacementNotAllowed(Action),
    /// `labelmap` with a replacement that cannot produce a label name.
    #[error("{replacement:?} is invalid 'replacement' for {action} action")]
    InvalidReplacement {
        /// The offending value.
        replacement: String,
        /// The rule's action.
        action: Action,
    },
    /// `labeldrop`/`labelkeep` with fields other than `regex`.
    #[error("{0} action requires only 'regex', and no other fields")]
    OnlyRegexAllowed(Action),
    /// `keepequal`/`dropequal` with fields other than `source_labels` and `target_label`.
    #[error("{0} action requires only 'source_labels' and 'target_label', and no other fields")]
    OnlySourceAndTargetAllowed(Action),
    /// The regex uses `\Q…\E`, which the Rust engine cannot read.
    #[error("invalid regex {0:?}: \\Q...\\E literal quoting is not supported; escape the special characters instead")]
    QuotedLiteral(String),
    /// The regex uses a flag Go's RE2 does not have.
    #[error("invalid regex {regex:?}: unsupported flag {flag:?} (allowed flags: i, m, s, U)")]
    UnsupportedFlag {
        /// The regex as written.
        regex: String,
        /// The flag character.
        flag: char,
    },
    /// The regex does not compile.
    #[error("invalid regex {regex:?}: {message}")]
    InvalidRegex {
        /// The regex as written.
        regex: String,
        /// The engine's explanation.
        message: String,
    },
}

/// A rule list failed to compile; `index` is 0-based.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("rule {}: {error}", index + 1)]
pub struct RulesError {
    /// Position of the bad rule in the list (0-based).
    pub index: usize,
    /// What is wrong with it.
    pub error: RelabelError,
}

/// A validated, compiled relabel rule.
#[derive(Clone, Debug)]
pub struct Rule {
    config: RelabelConfig,
    action: Action,
    source_labels: Vec<String>,
    regex: Regex,
    /// The regex is the default `(.*)`: it matches everything and group 1 is the whole value.
    matches_all: bool,
    target: Template,
    replacement: Template,
}

impl RelabelConfig {
    /// Validates the rule as Alloy does and compiles it.
    pub fn compile(&self) -> Result<Rule, RelabelError> {
        let regex = compile_anchored(&self.regex)?;
        let action = match self.action.as_str() {
            "" => return Err(RelabelError::EmptyAction),
            name => Action::parse(name).ok_or_else(|| RelabelError::UnknownAction(name.into()))?,
        };
        self.validate(action)?;
        Ok(Rule {
            target: Template::parse(&self.target_label, &regex),
            replacement: Template::parse(&self.replacement, &regex),
            matches_all: self.regex == DEFAULT_REGEX,
            source_labels: self.source_labels.clone().unwrap_or_default(),
            regex,
            action,
            config: self.clone(),
        })
    }

    fn validate(&self, action: Action) -> Result<(), RelabelError> {
        use Action::*;
        let target = self.target_label.as_str();
        let invalid_target = || RelabelError::InvalidTargetLabel {
            target_label: target.to_owned(),
            action,
        };
        if action == HashMod && self.modulus == 0 {
            return Err(RelabelError::HashModWithoutModulus);
        }
        let writes_target = matches!(
            action,
            Replace | HashMod | Lowercase | Uppercase | KeepEqual | DropEqual
        );
        if writes_target && target.is_empty() {
            return Err(RelabelError::MissingTargetLabel(action));
        }
        if action == Replace {
            let ok = if target.contains('$') {
                is_label_template(target)
            } else {
                is_valid_label_name(target)
            };
            if !ok {
                return Err(invalid_target());
            }
        }
        let fixed_target = matches!(action, Lowercase | Uppercase | KeepEqual | DropEqual);
        if fixed_target && !is_valid_label_name(target) {
            return Err(invalid_target());
        }
        if fixed_target && self.replacement != DEFAULT_REPLACEMENT {
            return Err(RelabelError::ReplacementNotAllowed(action));
        }
        if action == LabelMap && !is_label_template(&self.replacement) {
            return Err(RelabelError::InvalidReplacement {
                replacement: self.replacement.clone(),
                action,
            });
        }
        if action == HashMod && !is_valid_label_name(target) {
            return Err(invalid_target());
        }
        if matches!(action, LabelDrop | LabelKeep)
            && (self.source_labels.is_some()
                || !target.is_empty()
                || self.modulus != 0
                || self.separator != DEFAULT_SEPARATOR
                || self.replacement != DEFAULT_REPLACEMENT)
        {
            return Err(RelabelError::OnlyRegexAllowed(action));
        }
        if matches!(action, KeepEqual | DropEqual)
            && (self.regex != DEFAULT_REGEX
                || self.modulus != 0
                || self.separator != DEFAULT_SEPARATOR
                || self.replacement != DEFAULT_REPLACEMENT)
        {
            return Err(RelabelError::OnlySourceAndTargetAllowed(action));
        }
        Ok(())
    }
}

/// True when `s` can expand to a label name: letters/`_` or `$` references, then word
/// characters (Alloy's `relabelTarget` pattern, with Go's ASCII `\w`).
fn is_label_template(s: &str) -> bool {
    static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:(?:[a-zA-Z_]|\$(?:\{[0-9A-Za-z_]+\}|[0-9A-Za-z_]+))+[0-9A-Za-z_]*)+$")
            .unwrap_or_else(|e| unreachable!("constant regex: {e}"))
    });
    PATTERN.is_match(s)
}

impl Rule {
    /// The configuration this rule was compiled from.
    pub fn config(&self) -> &RelabelConfig {
        &self.config
    }

    /// The rule's action.
    pub fn action(&self) -> Action {
        self.action
    }

    /// Applies the rule; false means the series/target is dropped.
    pub fn apply(&self, lb: &mut LabelsBuilder, scratch: &mut String) -> bool {
        scratch.clear();
        for (i, name) in self.source_labels.iter().enumerate() {
            if i > 0 {
                scratch.push_str(&self.config.separator);
            }
            scratch.push_str(lb.get(name).unwrap_or(""));
        }
        let val = scratch.as_str();
        match self.action {
            Action::Drop => {
                if self.is_match(val) {
                    return false;
                }
            }
            Action::Keep => {
                if !self.is_match(val) {
                    return false;
                }
            }
            Action::DropEqual => {
                if lb.get(&self.config.target_label).unwrap_or("") == val {
                    return false;
                }
            }
            Action::KeepEqual => {
                if lb.get(&self.config.target_label).unwrap_or("") != val {
                    return false;
                }
            }
            Action::Replace => {
                let Some(groups) = self.captures(val) else {
                    return true;
                };
                let target = self.target.expand(val, &groups);
                if !is_valid_label_name(&target) {
                    return true;
                }
                let value = self.replacement.expand(val, &groups);
                if value.is_empty() {
                    lb.del(&target);
                } else {
                    lb.set(&target, &value);
                }
            }
            Action::Lowercase => {
                let value = go_to_lower(val);
                lb.set(&self.config.target_label, &value);
            }
            Action::Uppercase => {
                let value = go_to_upper(val);
                lb.set(&self.config.target_label, &value);
            }
            Action::HashMod => {
                let value = hashmod(val, self.config.modulus).to_string();
                lb.set(&self.config.target_label, &value);
            }
            Action::LabelMap => {
                let snapshot = lb.build();
                for label in snapshot.iter() {
                    if let Some(groups) = self.captures(label.name) {
                        let name = self.replacement.expand(label.name, &groups);
                        lb.set(&name, label.value);
                    }
                }
            }
            Action::LabelDrop => {
                lb.retain(|name, _| !self.is_match(name));
            }
            Action::LabelKeep => {
                lb.retain(|name, _| self.is_match(name));
            }
        }
        true
    }

    fn is_match(&self, s: &str) -> bool {
        self.matches_all || self.regex.is_match(s)
    }

    /// Group spans of the anchored match, or `None` when the regex does not match.
    fn captures(&self, s: &str) -> Option<Groups> {
        if self.matches_all {
            return Some(Groups::Whole(s.len()));
        }
        let mut locs = self.regex.capture_locations();
        self.regex.captures_read(&mut locs, s)?;
        Some(Groups::Locations(locs))
    }
}

/// The group spans of one match.
enum Groups {
    /// The default regex: groups 0 and 1 both span the whole input.
    Whole(usize),
    Locations(regex::CaptureLocations),
}

impl Groups {
    fn get(&self, i: usize) -> Option<(usize, usize)> {
        match self {
            Groups::Whole(len) => (i <= 1).then_some((0, *len)),
            Groups::Locations(locs) => locs.get(i),
        }
    }
}

/// `hashmod`: big-endian u64 of bytes 8..16 of MD5(value), modulo `modulus` (Prometheus).
pub fn hashmod(value: &str, modulus: u64) -> u64 {
    let digest = Md5::digest(value.as_bytes());
    let mut tail = [0u8; 8];
    tail.copy_from_slice(&digest[8..16]);
    u64::from_be_bytes(tail) % modulus.max(1)
}

/// A list of compiled rules, cheap to clone and share between components (the `rules` export
/// of `discovery.relabel` and `prometheus.relabel`).
#[derive(Clone, Debug, Default)]
pub struct Rules(Arc<[Rule]>);

impl Rules {
    /// Validates and compiles every rule; the first invalid one is reported with its position.
    pub fn compile(configs: &[RelabelConfig]) -> Result<Rules, RulesError> {
        let rules = configs
            .iter()
            .enumerate()
            .map(|(index, c)| c.compile().map_err(|error| RulesError { index, error }))
            .collect::<Result<Vec<Rule>, RulesError>>()?;
        Ok(Rules(rules.into()))
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no rules (processing keeps everything unchanged).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The rules in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Rule> {
        self.0.iter()
    }

    /// Runs every rule in order on `lb`; false as soon as a rule drops the series/target (the
    /// builder is then left partly processed). An empty result set is *not* a drop here:
    /// callers decide what an empty set means.
    pub fn process(&self, lb: &mut LabelsBuilder) -> bool {
        process(&self.0, lb)
    }

    /// Relabels `labels`; `None` when a rule dropped them.
    pub fn apply(&self, labels: &Labels) -> Option<Labels> {
        let mut lb = labels.builder();
        self.process(&mut lb).then(|| lb.build())
    }
}

/// Runs `rules` in order on `lb`; false as soon as one drops the series/target.
pub fn process(rules: &[Rule], lb: &mut LabelsBuilder) -> bool {
    let mut scratch = String::new();
    rules.iter().all(|rule| rule.apply(lb, &mut scratch))
}

/// Compiles `^(?s:<re>)$` after bridging Go RE2 syntax to Rust's.
pub fn compile_anchored(re: &str) -> Result<Regex, RelabelError> {
    let translated = translate_go_regex(re)?;
    regex::RegexBuilder::new(&format!("^(?s:{translated})$"))
        .size_limit(16 << 20)
        .build()
        .map_err(|e| RelabelError::InvalidRegex {
            regex: re.to_owned(),
            message: regex_error_message(&e),
        })
}

/// The compile error without the multi-line pattern echo the `regex` crate prints.
fn regex_error_message(e: &regex::Error) -> String {
    match e {
        regex::Error::Syntax(s) => s
            .lines()
            .rev()
            .find(|l| l.starts_with("error:"))
            .map(|l| l.trim_start_matches("error:").trim().to_owned())
            .unwrap_or_else(|| s.clone()),
        other => other.to_string(),
    }
}

/// Rewrites Go RE2 syntax into equivalent Rust `regex` syntax (see the module docs).
fn translate_go_regex(re: &str) -> Result<String, RelabelError> {
    const DIGIT: &str = "[0-9]";
    const NOT_DIGIT: &str = "[^0-9]";
    const WORD: &str = "[0-9A-Za-z_]";
    const NOT_WORD: &str = "[^0-9A-Za-z_]";
    const SPACE: &str = r"[\t\n\x0C\r ]";
    const NOT_SPACE: &str = r"[^\t\n\x0C\r ]";

    let chars: Vec<char> = re.chars().collect();
    let mut out = String::with_capacity(re.len() + 8);
    let mut in_class = false;
    // True right after `[` or `[^`, where `]` is a literal.
    let mut class_start = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let Some(&next) = chars.get(i + 1) else {
                // A trailing backslash; let the engine report it.
                out.push('\\');
                i += 1;
                continue;
            };
            match next {
                'd' => out.push_str(DIGIT),
                'D' => out.push_str(NOT_DIGIT),
                'w' => out.push_str(WORD),
                'W' => out.push_str(NOT_WORD),
                's' => out.push_str(SPACE),
                'S' => out.push_str(NOT_SPACE),
                'b' if !in_class => out.push_str(r"(?-u:\b)"),
                'B' if !in_class => out.push_str(r"(?-u:\B)"),
                'Q' | 'E' => return Err(RelabelError::QuotedLiteral(re.to_owned())),
                'p' | 'P' | 'x' if chars.get(i + 2) == Some(&'{') => {
                    // `\p{Greek}`, `\x{41}`: copy the braces too, they are not a repetition.
                    let end = chars[i..]
                        .iter()
                        .position(|&c| c == '}')
                        .map_or(chars.len(), |k| i + k + 1);
                    out.extend(&chars[i..end]);
                    class_start = false;
                    i = end;
                    continue;
                }
                '0'..='7' => {
                    // Go reads up to three octal digits; a lone `\1`..`\7` is a backreference,
                    // which neither engine supports (left for the engine to report).
                    let digits = chars[i + 1..]
                        .iter()
                        .take(3)
                        .take_while(|c| ('0'..='7').contains(*c))
                        .count();
                    if next == '0' || digits > 1 {
                        let code = chars[i + 1..i + 1 + digits]
                            .iter()
                            .fold(0u32, |acc, c| acc * 8 + (*c as u32 - '0' as u32));
                        out.push_str(&format!("\\x{{{code:X}}}"));
                        class_start = false;
                        i += 1 + digits;
                        continue;
                    }
                    out.push('\\');
                    out.push(next);
                }
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
            class_start = false;
            i += 2;
            continue;
        }
        if in_class {
            match c {
                ']' if !class_start => in_class = false,
                '[' => {
                    // `[:alpha:]` is a POSIX class in both; any other `[` is a literal in Go.
                    if chars.get(i + 1) == Some(&':') {
                        if let Some(len) = posix_class_len(&chars[i..]) {
                            out.extend(&chars[i..i + len]);
                            i += len;
                            class_start = false;
                            continue;
                        }
                    }
                    out.push('\\');
                }
                '&' | '~' => out.push('\\'),
                _ => {}
            }
            out.push(c);
            class_start = false;
            i += 1;
            continue;
        }
        match c {
            '[' => {
                out.push('[');
                in_class = true;
                class_start = true;
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                i += 1;
                continue;
            }
            '{' => {
                // Go reads `{` as a literal unless it starts a well-formed repetition.
                match go_repetition_len(&chars[i..]) {
                    Some((len, max)) => {
                        if max > 1000 {
                            return Err(RelabelError::InvalidRegex {
                                regex: re.to_owned(),
                                message: "invalid repeat count (over 1000)".to_owned(),
                            });
                        }
                        out.extend(&chars[i..i + len]);
                        i += len;
                    }
                    None => {
                        out.push_str("\\{");
                        i += 1;
                    }
                }
                continue;
            }
            '(' if chars.get(i + 1) == Some(&'?') => {
                // Flag groups: Go knows i, m, s, U only.
                let mut j = i + 2;
                while let Some(&f) = chars.get(j) {
                    if f == ')' || f == ':' {
                        break;
                    }
                    if !f.is_ascii_alphabetic() && f != '-' {
                        break;
                    }
                    if f.is_ascii_alphabetic() && !matches!(f, 'i' | 'm' | 's' | 'U') {
                        // `(?P<name>` is a named group, not a flag.
                        if !(f == 'P' && j == i + 2) {
                            return Err(RelabelError::UnsupportedFlag {
                                regex: re.to_owned(),
                                flag: f,
                            });
                        }
                        break;
                    }
                    j += 1;
                }
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    Ok(out)
}

/// Length of a Go repetition `{n}`, `{n,}` or `{n,m}` at the start of `chars`, with the largest
/// count in it.
fn go_repetition_len(chars: &[char]) -> Option<(usize, u64)> {
    let mut j = 1;
    let mut max: u64 = 0;
    let mut read_number = |j: &mut usize| -> bool {
        let start = *j;
        let mut n: u64 = 0;
        while let Some(d) = chars.get(*j).and_then(|c| c.to_digit(10)) {
            n = n.saturating_mul(10).saturating_add(u64::from(d));
            *j += 1;
        }
        max = max.max(n);
        *j > start
    };
    if !read_number(&mut j) {
        return None;
    }
    if chars.get(j) == Some(&',') {
        j += 1;
        read_number(&mut j);
    }
    (chars.get(j) == Some(&'}')).then_some((j + 1, max))
}

/// Length of a `[:name:]` or `[:^name:]` POSIX class at the start of `chars`, if it is one.
fn posix_class_len(chars: &[char]) -> Option<usize> {
    let mut j = 2;
    if chars.get(j) == Some(&'^') {
        j += 1;
    }
    let name_start = j;
    while chars.get(j).is_some_and(|c| c.is_ascii_lowercase()) {
        j += 1;
    }
    (j > name_start && chars.get(j) == Some(&':') && chars.get(j + 1) == Some(&']'))
        .then_some(j + 2)
}

/// A replacement or target-label template, parsed once with Go `Regexp.Expand` rules and
/// group names resolved against the rule's regex.
#[derive(Clone, Debug)]
struct Template {
    parts: Vec<Part>,
}

#[derive(Clone, Debug)]
enum Part {
    Literal(String),
    /// A capture group by index.
    Group(usize),
}

impl Template {
    fn parse(template: &str, regex: &Regex) -> Template {
        let mut parts: Vec<Part> = Vec::new();
        let mut literal = String::new();
        let mut rest = template;
        while let Some(k) = rest.find('$') {
            literal.push_str(&rest[..k]);
            rest = &rest[k + 1..];
            if let Some(after) = rest.strip_prefix('$') {
                literal.push('$');
                rest = after;
                continue;
            }
            let Some((name, after)) = extract_reference(rest) else {
                // Malformed reference: the `$` is literal text.
                literal.push('$');
                continue;
            };
            rest = after;
            let group = match reference_number(name) {
                Some(n) => (n < regex.captures_len()).then_some(n),
                None => regex.capture_names().position(|g| g == Some(name)),
            };
            if let Some(g) = group {
                if !literal.is_empty() {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                }
                parts.push(Part::Group(g));
            }
            // An unknown group expands to nothing.
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Template { parts }
    }

    fn expand(&self, src: &str, groups: &Groups) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Group(g) => {
                    if let Some((start, end)) = groups.get(*g) {
                        out.push_str(&src[start..end]);
                    }
                }
            }
        }
        out
    }
}

/// Reads a reference name after `$`: `name` or `{name}`, where a name is a non-empty run of
/// Unicode letters, digits and `_`. Returns the name and the text after the reference.
fn extract_reference(s: &str) -> Option<(&str, &str)> {
    let (braced, body) = match s.strip_prefix('{') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let end = body
        .char_indices()
        .find(|(_, c)| !(c.is_alphabetic() || c.is_numeric() || *c == '_'))
        .map_or(body.len(), |(i, _)| i);
    if end == 0 {
        return None;
    }
    let name = &body[..end];
    let after = &body[end..];
    if braced {
        let after = after.strip_prefix('}')?;
        return Some((name, after));
    }
    Some((name, after))
}

/// Go's rule for numeric references: ASCII digits only, below 1e8, no leading zero.
fn reference_number(name: &str) -> Option<usize> {
    if name.len() > 1 && name.starts_with('0') {
        return None;
    }
    let mut n: usize = 0;
    for b in name.bytes() {
        if !b.is_ascii_digit() || n >= 100_000_000 {
            return None;
        }
        n = n * 10 + usize::from(b - b'0');
    }
    Some(n)
}

/// Go's `strings.ToLower`: per-character simple case mapping.
fn go_to_lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.chars()
        .map(|c| {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => l,
                // Only U+0130 (İ) lower-cases to two characters; its simple mapping is `i`.
                _ if c == '\u{130}' => 'i',
                _ => c,
            }
        })
        .collect()
}

/// Go's `strings.ToUpper`: per-character simple case mapping (no `ß` → `SS` expansions).
fn go_to_upper(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_uppercase();
    }
    s.chars()
        .map(|c| {
            let mut upper = c.to_uppercase();
            match (upper.next(), upper.next()) {
                (Some(u), None) => u,
                _ => simple_upper_of_expanding(c),
            }
        })
        .collect()
}

/// The simple uppercase mapping of the characters whose full mapping expands: the Greek
/// letters with ypogegrammeni map to their title-case forms, all others are unchanged.
fn simple_upper_of_expanding(c: char) -> char {
    let u = c as u32;
    let mapped = match u {
        0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7 => u + 8,
        0x1FB3 => 0x1FBC,
        0x1FC3 => 0x1FCC,
        0x1FF3 => 0x1FFC,
        _ => u,
    };
    char::from_u32(mapped).unwrap_or(c)
}

#[cfg(test)]
mod tests;
