//! The components, one file each, and the registry that lists them.

pub mod prometheus;

use crate::runtime::component::Stability;
use crate::runtime::registry::{Registration, Registry};

/// Every component type this agent knows.
pub fn registry() -> &'static Registry {
    static REGISTRY: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(|| {
        #[allow(unused_mut)]
        let mut r = Registry::new();
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
