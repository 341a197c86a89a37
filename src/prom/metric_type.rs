//! The metric family types of the exposition formats (`# TYPE` lines) and of remote-write
//! metadata.

use std::fmt;

/// The type of a metric family, as declared by a `# TYPE` line.
///
/// The text format's `untyped` and OpenMetrics' `unknown` are both [`MetricType::Unknown`].
/// The discriminants are the remote-write 1.0 `MetricMetadata.MetricType` enum values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[repr(i32)]
pub enum MetricType {
    /// No type given (`untyped` / `unknown`).
    #[default]
    Unknown = 0,
    /// A monotonically increasing counter.
    Counter = 1,
    /// A value that can go up and down.
    Gauge = 2,
    /// A cumulative histogram (`_bucket`, `_sum`, `_count` series).
    Histogram = 3,
    /// OpenMetrics' gauge histogram (`_bucket`, `_gsum`, `_gcount`).
    GaugeHistogram = 4,
    /// A summary (quantiles, `_sum`, `_count`).
    Summary = 5,
    /// OpenMetrics' info metric (`_info`, value 1).
    Info = 6,
    /// OpenMetrics' state set (one series per state, value 0 or 1).
    StateSet = 7,
}

impl MetricType {
    /// Parses the type word of a Prometheus text format 0.0.4 `# TYPE` line.
    pub fn from_text_format(word: &str) -> Option<Self> {
        Some(match word {
            "counter" => MetricType::Counter,
            "gauge" => MetricType::Gauge,
            "histogram" => MetricType::Histogram,
            "summary" => MetricType::Summary,
            "untyped" => MetricType::Unknown,
            _ => return None,
        })
    }

    /// Parses the type word of an OpenMetrics 1.0 `# TYPE` line.
    pub fn from_openmetrics(word: &str) -> Option<Self> {
        Some(match word {
            "counter" => MetricType::Counter,
            "gauge" => MetricType::Gauge,
            "histogram" => MetricType::Histogram,
            "gaugehistogram" => MetricType::GaugeHistogram,
            "summary" => MetricType::Summary,
            "info" => MetricType::Info,
            "stateset" => MetricType::StateSet,
            "unknown" => MetricType::Unknown,
            _ => return None,
        })
    }

    /// The remote-write enum value.
    pub fn as_i32(self) -> i32 {
        self as i32
    }

    /// The type for a remote-write enum value; unknown values map to [`MetricType::Unknown`].
    pub fn from_i32(value: i32) -> Self {
        match value {
            1 => MetricType::Counter,
            2 => MetricType::Gauge,
            3 => MetricType::Histogram,
            4 => MetricType::GaugeHistogram,
            5 => MetricType::Summary,
            6 => MetricType::Info,
            7 => MetricType::StateSet,
            _ => MetricType::Unknown,
        }
    }

    /// The OpenMetrics spelling (`unknown` for untyped).
    pub fn as_str(self) -> &'static str {
        match self {
            MetricType::Unknown => "unknown",
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
            MetricType::GaugeHistogram => "gaugehistogram",
            MetricType::Summary => "summary",
            MetricType::Info => "info",
            MetricType::StateSet => "stateset",
        }
    }
}

impl fmt::Display for MetricType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_vocabularies() {
        assert_eq!(
            MetricType::from_text_format("untyped"),
            Some(MetricType::Unknown)
        );
        assert_eq!(MetricType::from_text_format("info"), None);
        assert_eq!(MetricType::from_openmetrics("info"), Some(MetricType::Info));
        assert_eq!(MetricType::from_openmetrics("untyped"), None);
        for i in 0..8 {
            assert_eq!(MetricType::from_i32(i).as_i32(), i);
        }
    }
}
