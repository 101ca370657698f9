//! `wps_version`: the version of the loaded library.

/// The library's version, e.g. `"0.1.0"`: the package version in Cargo.toml, the same as
/// the `WPS_VERSION` macro of the header it was built with. Bindings compare the two to
/// detect a header/library mismatch.
///
/// Ownership: static; never free it. Threads: any. Never NULL.
#[no_mangle]
pub extern "C" fn wps_version() -> *const std::ffi::c_char {
    ffi_guard!({ concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast() })
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_matches_the_package() {
        let v = unsafe { std::ffi::CStr::from_ptr(super::wps_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }
}
