//! TLS for `wss://`: rustls with the system's roots plus optional extra CA certificates.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use std::sync::Arc;

/// Builds the TLS configuration once per client.
pub(crate) fn client_config(extra_ca_pem: Option<&[u8]>) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for error in &native.errors {
        tracing::debug!(%error, "skipping a system root certificate");
    }
    let (added, _ignored) = roots.add_parsable_certificates(native.certs);
    if let Some(pem) = extra_ca_pem {
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| format!("extra CA certificate: {e}"))?;
            roots.add(cert).map_err(|e| format!("extra CA certificate: {e}"))?;
        }
    }
    if roots.is_empty() {
        return Err("no trusted root certificates: the system has none and no extra CA was given".into());
    }
    tracing::debug!(system_roots = added, total = roots.len(), "TLS roots loaded");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
