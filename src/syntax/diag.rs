//! Diagnostics as data: a severity, a position range, a message.
//!
//! The one-line form is `file:line:col: message`; [`super::diag_printer`] renders the pretty
//! form with a source excerpt. The types also implement [`miette::Diagnostic`] so they can be
//! handed to any miette reporter.

use std::fmt;

use super::pos::Position;

/// How serious a diagnostic is.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    /// Stops the load.
    Error,
    /// Reported, does not stop anything.
    Warning,
}

/// One problem found in a source, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Where it starts.
    pub start: Position,
    /// Where it ends (inclusive); `None` means the same as `start`.
    pub end: Option<Position>,
    /// What is wrong, in upstream's wording.
    pub message: String,
    /// The offending value rendered as River text, for UIs (not part of the message).
    pub value: Option<String>,
}

impl Diagnostic {
    /// An error at `start`.
    pub fn error(start: Position, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            start,
            end: None,
            message: message.into(),
            value: None,
        }
    }

    /// An error covering `start..=end`.
    pub fn error_range(start: Position, end: Position, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            start,
            end: Some(end),
            message: message.into(),
            value: None,
        }
    }

    /// A warning at `start`.
    pub fn warning(start: Position, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            start,
            end: None,
            message: message.into(),
            value: None,
        }
    }

    /// The end position, defaulting to the start.
    pub fn end_or_start(&self) -> &Position {
        self.end.as_ref().unwrap_or(&self.start)
    }
}

impl fmt::Display for Diagnostic {
    /// The one-line form: `file:line:col: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.start, self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        if !self.start.is_valid() {
            return None;
        }
        let start = self.start.offset as usize;
        let end = self
            .end
            .as_ref()
            .map(|e| e.offset as usize + 1)
            .unwrap_or(start + 1);
        Some(Box::new(std::iter::once(miette::LabeledSpan::at(
            start..end.max(start),
            "here",
        ))))
    }
}

/// A list of diagnostics, in the order they were found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Diagnostics {
        Diagnostics(Vec::new())
    }

    /// Adds one.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    /// Number of diagnostics.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterates over them.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Diagnostics {
        Diagnostics(vec![d])
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for Diagnostics {
    /// Upstream's summary: the first diagnostic, then `(and N more diagnostics)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.len() {
            0 => f.write_str("no errors"),
            1 => write!(f, "{}", self.0[0]),
            n => write!(f, "{} (and {} more diagnostics)", self.0[0], n - 1),
        }
    }
}

impl std::error::Error for Diagnostics {}
