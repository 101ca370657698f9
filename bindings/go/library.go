package webpubsub

// Process-wide functions of the library: version, runtime sizing, shutdown, logs.

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"log"
	"math"
	"os"
	"sync"
	"time"
)

// Version is the version of the C library actually loaded, e.g. "0.1.0".
func Version() string { return C.GoString(C.wps_version()) }

// checkVersion refuses a library whose version differs from the header this package was
// compiled with: structs and constants could disagree.
var checkVersion = sync.OnceValue(func() error {
	header, library := C.GoString(C.wpsgo_header_version()), Version()
	if header != library {
		return goError(ErrInternal, fmt.Sprintf("library version %s does not match header version %s: rebuild against the same checkout", library, header))
	}
	return nil
})

// ConfigureRuntime sizes the library's runtime before the first client exists:
// workerThreads network threads (0: one per CPU) and sharedDispatcherThreads threads in the
// pool of DispatcherShared clients (0: one per CPU). Afterwards (until Shutdown) it
// returns an error wrapping ErrIllegalState.
func ConfigureRuntime(workerThreads, sharedDispatcherThreads int) error {
	if workerThreads < 0 || sharedDispatcherThreads < 0 || workerThreads > math.MaxUint32 || sharedDispatcherThreads > math.MaxUint32 {
		return goError(ErrInvalidArgument, "ConfigureRuntime: thread counts out of range")
	}
	return check(C.wps_runtime_configure(C.uint32_t(workerThreads), C.uint32_t(sharedDispatcherThreads)), "ConfigureRuntime")
}

// Shutdown stops everything the library runs, for a clean exit: every client is stopped
// (pending operations complete with ErrStopped), every listener's Done is closed, and the
// library's threads end. Clients not closed yet return ErrStopped from every call and
// should still be closed. A later NewClient starts afresh. It returns an error wrapping
// ErrTimeout if that did not finish within timeout (e.g. a listener that does not return,
// or an Events channel nobody drains), and ErrIllegalState inside a listener.
func Shutdown(timeout time.Duration) error {
	ms, err := millis("Shutdown", timeout)
	if err != nil {
		return err
	}
	return check(C.wps_shutdown(ms), "Shutdown")
}

// LogLevel is the verbosity of the library's log records.
type LogLevel uint32

const (
	// LogFromEnv follows the AZURE_LOG_LEVEL environment variable (error, warning, info,
	// verbose); logging is off when it is unset or unknown.
	LogFromEnv LogLevel = C.WPS_LOG_LEVEL_FROM_ENV
	LogError   LogLevel = C.WPS_LOG_LEVEL_ERROR
	LogWarning LogLevel = C.WPS_LOG_LEVEL_WARN
	LogInfo    LogLevel = C.WPS_LOG_LEVEL_INFO
	LogDebug   LogLevel = C.WPS_LOG_LEVEL_DEBUG
	LogTrace   LogLevel = C.WPS_LOG_LEVEL_TRACE
)

func (l LogLevel) String() string {
	switch l {
	case LogError:
		return "ERROR"
	case LogWarning:
		return "WARN"
	case LogInfo:
		return "INFO"
	case LogDebug:
		return "DEBUG"
	case LogTrace:
		return "TRACE"
	}
	return fmt.Sprintf("LogLevel(%d)", uint32(l))
}

// LogRecord is one log record of the library. Access and reconnection tokens never appear
// in it.
type LogRecord struct {
	Level   LogLevel
	Target  string // the module that logged, e.g. webpubsub_client::client::driver
	Message string // the text with its fields (key=value)
}

type logFunc func(LogRecord)

var logMu sync.Mutex

// logHandlerSet is true once SetLogHandler was called, which turns off the default
// AZURE_LOG_LEVEL handler.
var logHandlerSet bool

// SetLogHandler sends the library's log records up to maxLevel (LogFromEnv: as
// AZURE_LOG_LEVEL says) to fn, replacing any earlier handler; a nil fn removes it. fn runs
// on the library's log thread, one record at a time; a slow fn loses records (the library
// counts them and says so in the next record) rather than slowing the clients.
//
// Without a handler, setting AZURE_LOG_LEVEL (e.g. verbose) before the first NewClient
// logs to the standard logger (stderr), as the official SDKs do.
func SetLogHandler(maxLevel LogLevel, fn func(LogRecord)) error {
	logMu.Lock()
	defer logMu.Unlock()
	logHandlerSet = true
	return setLogHandler(maxLevel, fn)
}

func setLogHandler(maxLevel LogLevel, fn func(LogRecord)) error {
	if fn == nil {
		return check(C.wpsgo_set_log_callback(0, C.uint32_t(maxLevel)), "SetLogHandler")
	}
	h := newHandle(logFunc(fn))
	if err := check(C.wpsgo_set_log_callback(C.uintptr_t(h), C.uint32_t(maxLevel)), "SetLogHandler"); err != nil {
		deleteHandle(h) // refused: the library took nothing
		return err
	}
	return nil
}

// installEnvLogger installs the default handler when AZURE_LOG_LEVEL is set and the
// program did not choose one.
func installEnvLogger() {
	logMu.Lock()
	defer logMu.Unlock()
	if logHandlerSet || os.Getenv("AZURE_LOG_LEVEL") == "" {
		return
	}
	logHandlerSet = true
	_ = setLogHandler(LogFromEnv, func(r LogRecord) {
		log.Printf("webpubsub %s %s: %s", r.Level, r.Target, r.Message)
	})
}
