//go:build gcstress

package webpubsub

import "runtime"

// stressGC forces a collection in the binding's hot paths (every cgo call on a client and
// every trampoline) when built with -tags gcstress, as wasmtime-go does in its debug
// builds: a missing runtime.KeepAlive or a Go pointer the library kept then fails fast
// instead of once in a blue moon.
func stressGC() { runtime.GC() }
