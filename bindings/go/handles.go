package webpubsub

import (
	"runtime/cgo"
	"sync/atomic"
)

// liveHandles counts the cgo handles this package created and has not deleted yet: every
// value the library holds as user_data (listeners, completions, credentials, the log
// callback). Tests read it to prove that each handle is deleted exactly once.
var liveHandles atomic.Int64

// newHandle wraps v in a cgo.Handle for use as user_data. The library only ever sees the
// integer, so no Go pointer crosses into C and the GC may move or collect freely.
func newHandle(v any) uintptr {
	liveHandles.Add(1)
	return uintptr(cgo.NewHandle(v))
}

// handleValue returns the value behind a handle the library passed back.
func handleValue(h uintptr) any {
	return cgo.Handle(h).Value()
}

// deleteHandle releases a handle. It is called exactly once per handle: by the library's
// finalizer (free_user_data) or completion callback, or by the caller when the library
// refused the call and so took nothing. A second call panics (cgo.Handle's own check).
func deleteHandle(h uintptr) {
	cgo.Handle(h).Delete()
	liveHandles.Add(-1)
}
