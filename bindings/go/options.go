package webpubsub

/*
#include "webpubsub_client.h"
*/
import "C"

import (
	"math"
	"time"
)

// Option configures a client (NewClient, NewClientWithCredential). Every option maps to one
// setting of the C library; what is not set keeps the defaults of the official SDKs.
// Invalid values are reported by NewClient as errors wrapping ErrInvalidArgument.
type Option func(*builder) error

// builder is the library's options object while NewClient applies the Options.
type builder struct {
	options *C.wps_options
	// operationTimeout mirrors WithOperationTimeout, so that a context deadline shorter
	// than it can bound the operation inside the library too.
	operationTimeout time.Duration
}

// Protocol is the WebSocket subprotocol.
type Protocol uint32

const (
	// ProtocolJSONReliable is json.reliable.webpubsub.azure.v1 (the default): sequence ids,
	// acks and connection recovery without message loss.
	ProtocolJSONReliable Protocol = C.WPS_PROTOCOL_JSON_RELIABLE
	// ProtocolJSON is json.webpubsub.azure.v1: no recovery; a dropped connection means a
	// new connection.
	ProtocolJSON Protocol = C.WPS_PROTOCOL_JSON
)

// Dispatcher says where a client's callbacks run.
type Dispatcher uint32

const (
	// DispatcherDedicated gives the client a thread of its own (the default).
	DispatcherDedicated Dispatcher = C.WPS_DISPATCHER_DEDICATED
	// DispatcherShared assigns the client, for its whole life, to one thread of a
	// process-wide pool (see ConfigureRuntime): for many clients in one process without a
	// thread each. Callbacks still run in order; a slow one delays the other clients on
	// the same thread.
	DispatcherShared Dispatcher = C.WPS_DISPATCHER_SHARED
)

// RetryMode says how retry delays grow.
type RetryMode int

const (
	// RetryExponential doubles the delay for each attempt, up to MaxDelay.
	RetryExponential RetryMode = iota
	// RetryFixed waits InitialDelay every time.
	RetryFixed
)

// RetryPolicy is a retry policy for WithMessageRetry and WithReconnectRetry.
type RetryPolicy struct {
	// MaxRetries is the number of retries after the first attempt; -1 for unlimited.
	MaxRetries   int
	InitialDelay time.Duration
	MaxDelay     time.Duration
	Mode         RetryMode
	// Jitter randomizes each delay within 50-100 %.
	Jitter bool
}

// check turns a setter's result into an error naming the option.
func check(code C.wps_result, option string) error {
	return resultError(code, nil, option)
}

// millis converts a duration to the library's milliseconds, rounding up so that a small
// positive duration never becomes 0 (which means "off" for some settings).
func millis(option string, d time.Duration) (C.uint32_t, error) {
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if d < 0 || ms > math.MaxUint32 {
		return 0, goError(ErrInvalidArgument, option+": duration out of range: "+d.String())
	}
	return C.uint32_t(ms), nil
}

func durationOption(option string, d time.Duration, set func(*C.wps_options, C.uint32_t) C.wps_result) Option {
	return func(b *builder) error {
		ms, err := millis(option, d)
		if err != nil {
			return err
		}
		return check(set(b.options, ms), option)
	}
}

func countOption(option string, n int, set func(*C.wps_options, C.size_t) C.wps_result) Option {
	return func(b *builder) error {
		if n < 0 {
			return goError(ErrInvalidArgument, option+": must not be negative")
		}
		return check(set(b.options, C.size_t(n)), option)
	}
}

func retryOption(option string, p RetryPolicy, set func(*C.wps_options, C.int64_t, C.uint32_t, C.uint32_t, C.wps_retry_mode, C.bool) C.wps_result) Option {
	return func(b *builder) error {
		initial, err := millis(option, p.InitialDelay)
		if err != nil {
			return err
		}
		maxDelay, err := millis(option, p.MaxDelay)
		if err != nil {
			return err
		}
		mode := C.wps_retry_mode(C.WPS_RETRY_MODE_EXPONENTIAL)
		if p.Mode == RetryFixed {
			mode = C.WPS_RETRY_MODE_FIXED
		}
		return check(set(b.options, C.int64_t(p.MaxRetries), initial, maxDelay, mode, C.bool(p.Jitter)), option)
	}
}

// WithProtocol sets the subprotocol (default ProtocolJSONReliable).
func WithProtocol(p Protocol) Option {
	return func(b *builder) error {
		return check(C.wps_options_set_protocol(b.options, C.wps_protocol(p)), "WithProtocol")
	}
}

// WithAutoReconnect sets whether a new connection is opened when the old one is lost for
// good (default true).
func WithAutoReconnect(enabled bool) Option {
	return func(b *builder) error {
		return check(C.wps_options_set_auto_reconnect(b.options, C.bool(enabled)), "WithAutoReconnect")
	}
}

// WithAutoRejoinGroups sets whether the groups this client joined are joined again on a new
// connection (default true).
func WithAutoRejoinGroups(enabled bool) Option {
	return func(b *builder) error {
		return check(C.wps_options_set_auto_rejoin_groups(b.options, C.bool(enabled)), "WithAutoRejoinGroups")
	}
}

// WithMessageRetry sets the retry policy of operations that failed transiently (e.g. the
// service answered InternalServerError). Retries reuse the operation's ack id, so they
// never publish twice. Default: 3 retries, exponential from 800 ms to 30 s, jittered.
func WithMessageRetry(p RetryPolicy) Option {
	return retryOption("WithMessageRetry", p, func(o *C.wps_options, n C.int64_t, i, m C.uint32_t, mode C.wps_retry_mode, j C.bool) C.wps_result {
		return C.wps_options_set_message_retry(o, n, i, m, mode, j)
	})
}

// WithReconnectRetry sets the retry policy of reconnecting after a connection was lost for
// good. Default: unlimited, exponential from 1 s to 30 s, jittered.
func WithReconnectRetry(p RetryPolicy) Option {
	return retryOption("WithReconnectRetry", p, func(o *C.wps_options, n C.int64_t, i, m C.uint32_t, mode C.wps_retry_mode, j C.bool) C.wps_result {
		return C.wps_options_set_reconnect_retry(o, n, i, m, mode, j)
	})
}

// WithRecoveryWindow sets how long a dropped reliable connection is recovered before the
// client gives up and reconnects (default 30 s); 0 disables recovery.
func WithRecoveryWindow(d time.Duration) Option {
	return durationOption("WithRecoveryWindow", d, func(o *C.wps_options, ms C.uint32_t) C.wps_result {
		return C.wps_options_set_recovery_window_ms(o, ms)
	})
}

// WithRecoveryInterval sets the pause between recovery attempts (default 1 s).
func WithRecoveryInterval(d time.Duration) Option {
	return durationOption("WithRecoveryInterval", d, func(o *C.wps_options, ms C.uint32_t) C.wps_result {
		return C.wps_options_set_recovery_interval_ms(o, ms)
	})
}

// WithConnectTimeout bounds one connection attempt: TCP, TLS, upgrade and the service's
// connected message (default 10 s; must be > 0).
func WithConnectTimeout(d time.Duration) Option {
	return durationOption("WithConnectTimeout", d, func(o *C.wps_options, ms C.uint32_t) C.wps_result {
		return C.wps_options_set_connect_timeout_ms(o, ms)
	})
}

// WithOperationTimeout sets the default bound of one operation, from the call to its ack,
// retries and recovery included (default 30 s; must be > 0). WithTimeout overrides it per
// call, and so does a shorter context deadline.
func WithOperationTimeout(d time.Duration) Option {
	set := durationOption("WithOperationTimeout", d, func(o *C.wps_options, ms C.uint32_t) C.wps_result {
		return C.wps_options_set_operation_timeout_ms(o, ms)
	})
	return func(b *builder) error {
		if err := set(b); err != nil {
			return err
		}
		b.operationTimeout = d
		return nil
	}
}

// WithKeepAliveInterval sets the interval of application-level pings while connected
// (default 20 s); 0 disables them.
func WithKeepAliveInterval(d time.Duration) Option {
	return durationOption("WithKeepAliveInterval", d, func(o *C.wps_options, ms C.uint32_t) C.wps_result {
		return C.wps_options_set_keep_alive_interval_ms(o, ms)
	})
}

// WithKeepAliveTimeout treats the connection as dropped (and recovers it) when nothing
// arrived for this long, which detects half-open sockets (default 120 s); 0 disables.
func WithKeepAliveTimeout(d time.Duration) Option {
	return durationOption("WithKeepAliveTimeout", d, func(o *C.wps_options, ms C.uint32_t) C.wps_result {
		return C.wps_options_set_keep_alive_timeout_ms(o, ms)
	})
}

// WithSequenceAckInterval sets the interval of cumulative sequence acks, sent only when
// something new arrived (default 1 s; must be > 0).
func WithSequenceAckInterval(d time.Duration) Option {
	return durationOption("WithSequenceAckInterval", d, func(o *C.wps_options, ms C.uint32_t) C.wps_result {
		return C.wps_options_set_sequence_ack_interval_ms(o, ms)
	})
}

// WithSequenceAckThreshold sends a sequence ack at once after this many unacknowledged
// messages (default 300; must be > 0).
func WithSequenceAckThreshold(messages int) Option {
	return func(b *builder) error {
		if messages < 0 || messages > math.MaxUint32 {
			return goError(ErrInvalidArgument, "WithSequenceAckThreshold: out of range")
		}
		return check(C.wps_options_set_sequence_ack_threshold(b.options, C.uint32_t(messages)), "WithSequenceAckThreshold")
	}
}

// WithEventQueueCapacity sets how many events may wait for the listeners before the client
// stops reading from the socket (backpressure, reported by a SlowConsumer event; default
// 4096; must be > 0).
func WithEventQueueCapacity(n int) Option {
	return countOption("WithEventQueueCapacity", n, func(o *C.wps_options, n C.size_t) C.wps_result {
		return C.wps_options_set_event_queue_capacity(o, n)
	})
}

// WithOperationQueueCapacity sets how many operations may wait for the connection before
// callers wait (default 1024; must be > 0).
func WithOperationQueueCapacity(n int) Option {
	return countOption("WithOperationQueueCapacity", n, func(o *C.wps_options, n C.size_t) C.wps_result {
		return C.wps_options_set_operation_queue_capacity(o, n)
	})
}

// WithHeader adds an HTTP header to the WebSocket upgrade request (may be given several
// times).
func WithHeader(name, value string) Option {
	return func(b *builder) error {
		n, err := cString("WithHeader name", name)
		if err != nil {
			return err
		}
		v, err := cString("WithHeader value", value)
		if err != nil {
			return err
		}
		return check(C.wps_options_add_header(b.options, charPtr(n), charPtr(v)), "WithHeader")
	}
}

// WithUserAgent sets the User-Agent header (default webpubsub-client-rust/<version>).
func WithUserAgent(userAgent string) Option {
	return func(b *builder) error {
		s, err := cString("WithUserAgent", userAgent)
		if err != nil {
			return err
		}
		return check(C.wps_options_set_user_agent(b.options, charPtr(s)), "WithUserAgent")
	}
}

// WithExtraCAPEM trusts these CA certificates (PEM, one or more) for wss:// on top of the
// system's roots.
func WithExtraCAPEM(pem []byte) Option {
	return func(b *builder) error {
		return check(C.wps_options_set_extra_ca_pem(b.options, bytesPtr(pem), C.size_t(len(pem))), "WithExtraCAPEM")
	}
}

// WithDispatcher chooses where the client's callbacks run (default DispatcherDedicated).
func WithDispatcher(d Dispatcher) Option {
	return func(b *builder) error {
		return check(C.wps_options_set_dispatcher(b.options, C.wps_dispatcher(d)), "WithDispatcher")
	}
}
