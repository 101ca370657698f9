//! Generates the C header `include/webpubsub_client.h` from the `extern "C"` items in
//! `src/ffi/` with cbindgen (pinned exactly in Cargo.toml, because point releases change the
//! output and the header is checked in). The file is rewritten only when its text changes, so
//! an unchanged API does not touch the file's timestamp or dirty the work tree.
//!
//! The version macros (`WPS_VERSION_MAJOR` ...) come from `CARGO_PKG_VERSION`, so the header
//! can never disagree with Cargo.toml; `scripts/test/30-c-abi.sh` checks that too.

use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=src/ffi");

    let mut config =
        cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml is readable and valid");
    let version = std::env::var("CARGO_PKG_VERSION").expect("cargo sets CARGO_PKG_VERSION");
    let part = |name: &str| std::env::var(name).expect("cargo sets the version parts");
    let (major, minor, patch) =
        (part("CARGO_PKG_VERSION_MAJOR"), part("CARGO_PKG_VERSION_MINOR"), part("CARGO_PKG_VERSION_PATCH"));
    let version_macros = format!(
        "\n// The version of the library this header belongs to; `wps_version()` returns the version of\n\
         // the library actually loaded, which a binding should compare with these.\n\
         #define WPS_VERSION \"{version}\"\n\
         #define WPS_VERSION_MAJOR {major}\n\
         #define WPS_VERSION_MINOR {minor}\n\
         #define WPS_VERSION_PATCH {patch}\n\
         // MAJOR * 1000000 + MINOR * 1000 + PATCH, for `#if` comparisons.\n\
         #define WPS_VERSION_NUMBER ({major} * 1000000 + {minor} * 1000 + {patch})\n"
    );
    config.after_includes = Some(match config.after_includes.take() {
        Some(text) => format!("{version_macros}{text}"),
        None => version_macros,
    });

    // Only the ffi module tree is parsed: everything in the ABI is defined there, and the
    // core's public constants must not leak into the header.
    let bindings = match cbindgen::Builder::new().with_config(config).with_src(root.join("src/ffi/mod.rs")).generate() {
        Ok(bindings) => bindings,
        Err(error) => panic!("cbindgen could not generate include/webpubsub_client.h: {error}"),
    };
    let mut text = Vec::new();
    bindings.write(&mut text);
    let path = root.join("include/webpubsub_client.h");
    if std::fs::read(&path).ok().as_deref() != Some(text.as_slice()) {
        std::fs::create_dir_all(path.parent().expect("the header path has a parent")).expect("include/ can be created");
        std::fs::write(&path, &text).expect("include/webpubsub_client.h can be written");
    }
}
