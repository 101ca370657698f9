package webpubsub

/*
#include <stdint.h>
*/
import "C"

import (
	"strings"
	"unsafe"
)

// cString is a NUL-terminated copy of s in Go memory, to pass to the library for the
// duration of one call (the library copies what it keeps). Strings with an embedded NUL
// would be cut short in C, so they are refused.
func cString(what, s string) ([]byte, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, goError(ErrInvalidArgument, what+" contains a NUL byte")
	}
	b := make([]byte, len(s)+1)
	copy(b, s)
	return b, nil
}

// charPtr is the C view of a cString.
func charPtr(b []byte) *C.char { return (*C.char)(unsafe.Pointer(&b[0])) }

// bytesPtr is the C view of a byte slice, NULL when empty (the library allows that for
// length 0).
func bytesPtr(b []byte) *C.uint8_t {
	if len(b) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0]))
}
