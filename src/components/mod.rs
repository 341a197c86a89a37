//! The components, one file each, and the registry that lists them.

pub mod common;
pub mod discovery;
pub mod local;
pub mod prometheus;
#[cfg(test)]
pub(crate) mod testing;

use crate::runtime::component::Stability;
use crate::runtime::registry::{Registration, Registry};

/// Every component type this agent knows.
pub fn registry() -> &'static Registry {
    static REGISTRY: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(|| {
        #[allow(unused_mut)]
        let mut r = Registry::new();
        r.add(Registration::of::<discovery::dns::DnsDiscovery>(
            "discovery.dns",
            Stability::GenerallyAvailable,
        ));
        r.add(Registration::of::<discovery::file::FileDiscovery>(
            "discovery.file",
            Stability::GenerallyAvailable,
        ));
        r.add(Registration::of::<discovery::http::HttpDiscovery>(
            "discovery.http",
            Stability::GenerallyAvailable,
        ));
        r.add(Registration::of::<discovery::relabel::DiscoveryRelabel>(
            "discovery.relabel",
            Stability::GenerallyAvailable,
        ));
        r.add(Registration::of::<local::file::LocalFile>(
            "local.file",
            Stability::GenerallyAvailable,
        ));
        r.add(Registration::of::<prometheus::exporter_self::SelfExporter>(
            "prometheus.exporter.self",
            Stability::GenerallyAvailable,
        ));
        r.add(Registration::of::<prometheus::relabel::PrometheusRelabel>(
            "prometheus.relabel",
            Stability::GenerallyAvailable,
        ));
        r.add(Registration::of::<prometheus::receive_http::ReceiveHttp>(
            "prometheus.receive_http",
            Stability::GenerallyAvailable,
        ));
        r.add(Registration::of::<prometheus::remote_write::RemoteWrite>(
            "prometheus.remote_write",
            Stability::GenerallyAvailable,
        ));
        r.add(Registration::of::<prometheus::scrape::Scrape>(
            "prometheus.scrape",
            Stability::GenerallyAvailable,
        ));
        r
    })
}
