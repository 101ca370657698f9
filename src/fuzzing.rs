//! Internal functions the fuzz targets in `fuzz/` call directly. Only built with the
//! `fuzzing` feature; not public API, and may change or disappear in any release.

/// What recovery keeps of a client access URL (see the transport's `recovery_base`).
pub fn recovery_base(url: &str) -> Result<String, String> {
    crate::transport::recovery_base(url)
}

/// The URL that recovers a connection (see the transport's `recovery_url`).
pub fn recovery_url(base: &str, connection_id: &str, reconnection_token: &str) -> Result<String, String> {
    crate::transport::recovery_url(base, connection_id, reconnection_token)
}
