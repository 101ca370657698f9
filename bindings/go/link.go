package webpubsub

// The library and header of this checkout; see "Linking" in doc.go for using others.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: -L${SRCDIR}/../../target/release -Wl,-rpath,${SRCDIR}/../../target/release -lwebpubsub_client
*/
import "C"
