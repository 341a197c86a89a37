//! The controller's own metrics (River-era names, `agent_` prefix), and merging every
//! component's private registry into one `/metrics` response.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// Label set `{health_type}`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HealthLabel {
    /// healthy, unhealthy, unknown, exited.
    pub health_type: String,
}

/// Label set of `agent_config_hash`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ConfigHashLabels {
    /// SHA-256 of the configuration files, in hex.
    pub sha256: String,
    /// `--cluster.name`.
    pub cluster_name: String,
}

/// Label set `{version}` of `agent_build_info`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct BuildLabels {
    /// The crate version.
    pub version: String,
}

/// Metrics about loading and evaluating the graph.
pub struct ControllerMetrics {
    /// Components by health.
    pub running_components: Family<HealthLabel, Gauge>,
    /// 1 while an evaluation runs.
    pub evaluating: Gauge,
    /// Time to evaluate one node.
    pub evaluation_seconds: Histogram,
    /// Nodes waiting to be re-evaluated.
    pub evaluation_queue_size: Gauge,
    /// 1 if the last load (parse, graph and evaluation) succeeded.
    pub last_load_successful: Gauge,
    /// Time of the last successful load.
    pub last_load_success_timestamp: Gauge<f64, AtomicU64>,
    /// Failed loads.
    pub load_failures: Counter,
    /// The hash of the loaded configuration.
    pub config_hash: Family<ConfigHashLabels, Gauge>,
    /// Build information (always 1).
    pub build_info: Family<BuildLabels, Gauge>,
}

impl ControllerMetrics {
    /// Creates the metrics and registers them in `reg`.
    pub fn new(reg: &mut Registry) -> ControllerMetrics {
        let m = ControllerMetrics {
            running_components: Family::default(),
            evaluating: Gauge::default(),
            evaluation_seconds: Histogram::new(exponential_buckets(0.00001, 4.0, 12)),
            evaluation_queue_size: Gauge::default(),
            last_load_successful: Gauge::default(),
            last_load_success_timestamp: Gauge::default(),
            load_failures: Counter::default(),
            config_hash: Family::default(),
            build_info: Family::default(),
        };
        reg.register(
            "agent_component_controller_running_components",
            "Total number of running components by health",
            m.running_components.clone(),
        );
        reg.register(
            "agent_component_controller_evaluating",
            "1 while the controller evaluates nodes",
            m.evaluating.clone(),
        );
        reg.register(
            "agent_component_evaluation_seconds",
            "Time spent evaluating one component",
            m.evaluation_seconds.clone(),
        );
        reg.register(
            "agent_component_evaluation_queue_size",
            "Components waiting to be evaluated",
            m.evaluation_queue_size.clone(),
        );
        reg.register(
            "agent_config_last_load_successful",
            "1 if the last load of the configuration (parse, graph and evaluation) succeeded",
            m.last_load_successful.clone(),
        );
        reg.register(
            "agent_config_last_load_success_timestamp_seconds",
            "Time of the last successful configuration load",
            m.last_load_success_timestamp.clone(),
        );
        reg.register(
            "agent_config_load_failures",
            "Configuration loads that failed",
            m.load_failures.clone(),
        );
        reg.register(
            "agent_config_hash",
            "Hash of the loaded configuration",
            m.config_hash.clone(),
        );
        reg.register(
            "agent_build_info",
            "Build information",
            m.build_info.clone(),
        );
        m.build_info
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION").to_string(),
            })
            .set(1);
        m
    }
}

/// Merges several OpenMetrics texts so that each metric family appears once (a family's
/// samples from every component are grouped under one `# TYPE`), and ends with `# EOF`.
pub fn merge_openmetrics(parts: &[String]) -> String {
    struct Family {
        meta: Vec<String>,
        samples: Vec<String>,
    }
    let mut order: Vec<String> = Vec::new();
    let mut families: BTreeMap<String, Family> = BTreeMap::new();
    for part in parts {
        let mut current = String::new();
        for line in part.lines() {
            if line == "# EOF" || line.is_empty() {
                continue;
            }
            if let Some(rest) = line.strip_prefix("# ") {
                let mut it = rest.splitn(3, ' ');
                let (kind, name) = (it.next().unwrap_or(""), it.next().unwrap_or(""));
                current = name.to_string();
                let f = families.entry(current.clone()).or_insert_with(|| {
                    order.push(current.clone());
                    Family {
                        meta: Vec::new(),
                        samples: Vec::new(),
                    }
                });
                if !f.meta.iter().any(|m| m.starts_with(&format!("# {kind} "))) {
                    f.meta.push(line.to_string());
                }
                continue;
            }
            let f = families.entry(current.clone()).or_insert_with(|| {
                order.push(current.clone());
                Family {
                    meta: Vec::new(),
                    samples: Vec::new(),
                }
            });
            f.samples.push(line.to_string());
        }
    }
    let mut out = String::new();
    for name in order {
        if let Some(f) = families.get(&name) {
            for m in &f.meta {
                out.push_str(m);
                out.push('\n');
            }
            for s in &f.samples {
                out.push_str(s);
                out.push('\n');
            }
        }
    }
    out.push_str("# EOF\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_families() {
        let a =
            "# HELP x Help.\n# TYPE x counter\nx_total{component_id=\"a\"} 1\n# EOF\n".to_string();
        let b = "# HELP x Help.\n# TYPE x counter\nx_total{component_id=\"b\"} 2\n# HELP y Y.\n# TYPE y gauge\ny 3\n# EOF\n".to_string();
        let m = merge_openmetrics(&[a, b]);
        assert_eq!(
            m,
            "# HELP x Help.\n# TYPE x counter\nx_total{component_id=\"a\"} 1\nx_total{component_id=\"b\"} 2\n# HELP y Y.\n# TYPE y gauge\ny 3\n# EOF\n"
        );
    }
}
