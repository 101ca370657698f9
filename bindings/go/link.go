package webpubsub

// Where the C library comes from. By default the header is the repository's
// include/webpubsub_client.h and the library is target/release/libwebpubsub_client.so of the
// same checkout (what `cargo build --release` at the repository root produces), found at run
// time through an rpath, so tests and programs run without LD_LIBRARY_PATH.
//
// To use a library somewhere else (another CARGO_TARGET_DIR, an installed copy), add its
// directory with CGO_LDFLAGS; the extra rpath is searched first:
//
//	CGO_LDFLAGS="-L/opt/wps/lib -Wl,-rpath,/opt/wps/lib" go build ./...
//
// and, for a header elsewhere, CGO_CFLAGS="-I/opt/wps/include".

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: -L${SRCDIR}/../../target/release -Wl,-rpath,${SRCDIR}/../../target/release -lwebpubsub_client
*/
import "C"
