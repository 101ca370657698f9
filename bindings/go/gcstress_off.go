//go:build !gcstress

package webpubsub

// stressGC does nothing in normal builds; see gcstress_on.go.
func stressGC() {}
