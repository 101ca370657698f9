package webpubsub

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"runtime"
	"sync"
	"time"
)

// Client is a Web PubSub client over the reliable JSON subprotocol: it recovers dropped
// connections without losing or duplicating messages, reconnects and rejoins its groups,
// and retries operations with their ack ids.
//
// Create it with NewClient or NewClientWithCredential, register listeners (OnGroupMessage,
// ..., or Events), then Start it. All methods may be called from any goroutine. Listener
// callbacks of one client run in order on the client's dispatcher thread; inside them the
// methods that wait for this dispatcher (Start, JoinGroup, LeaveGroup, SendToGroup,
// SendEvent, Pending.Wait) return an error wrapping ErrIllegalState: use their Async forms
// or a goroutine there. StartAsync, Stop, Close and the listener methods work everywhere.
//
// Close releases the client. A client that becomes unreachable without Close is closed by
// the garbage collector, but only if no listener closure refers to it (listeners stay
// registered, and so reachable, until the client is closed): call Close.
type Client struct {
	n       *native
	cleanup runtime.Cleanup
}

// native owns the library's client. It is separate from Client so that the GC cleanup can
// close it once the Client is unreachable (listener handles point here, never to Client).
type native struct {
	// mu is held for reading during every library call on ptr and for writing by close,
	// so the client is never freed under a running call.
	mu  sync.RWMutex
	ptr *C.wps_client // nil once closed
	// closed is closed by close: it releases channel listeners blocked on a full channel.
	closed chan struct{}
	// operationTimeout is the client's default operation timeout (WithOperationTimeout).
	operationTimeout time.Duration
}

// use runs f with the library's client, or returns ErrClosed.
func (n *native) use(f func(p *C.wps_client) error) error {
	stressGC()
	n.mu.RLock()
	defer n.mu.RUnlock()
	if n.ptr == nil {
		return goError(ErrClosed, "the client is closed")
	}
	return f(n.ptr)
}

// close frees the library's client once; see Client.Close.
func (n *native) close() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ptr == nil {
		return
	}
	close(n.closed)
	C.wps_client_free(n.ptr)
	n.ptr = nil
}

// NewClient creates a stopped client for a client access URL (ws://, wss://, http:// or
// https://, usually with an access_token; e.g. from the Azure portal or the service SDK's
// GetClientAccessURL). Start connects it.
func NewClient(url string, opts ...Option) (*Client, error) {
	return build(func(b *builder) error {
		s, err := cString("url", url)
		if err != nil {
			return err
		}
		return check(C.wps_options_set_url(b.options, charPtr(s)), "url")
	}, opts)
}

// NewClientWithCredential creates a stopped client that asks credential for a fresh client
// access URL (with a fresh token) on every start and every reconnect; a recovery reuses the
// last URL. credential runs on a library thread, never concurrently with itself for one
// client, and may block (e.g. on an HTTP request to the application server), but must not
// wait for this client (Start, Stop, operations): the connection attempt waits for it. An
// error (or a panic) fails that attempt with ErrCredentialFailed.
func NewClientWithCredential(credential func() (string, error), opts ...Option) (*Client, error) {
	if credential == nil {
		return nil, goError(ErrInvalidArgument, "credential is nil")
	}
	return build(func(b *builder) error {
		h := newHandle(credentialFunc(credential))
		if err := check(C.wpsgo_set_credential(b.options, C.uintptr_t(h)), "credential"); err != nil {
			deleteHandle(h) // refused: the library took nothing
			return err
		}
		return nil // from here on the library's finalizer deletes the handle
	}, opts)
}

// credentialFunc is the value behind a credential callback's handle.
type credentialFunc func() (string, error)

func build(credential func(*builder) error, opts []Option) (*Client, error) {
	if err := checkVersion(); err != nil {
		return nil, err
	}
	installEnvLogger()
	b := builder{operationTimeout: 30 * time.Second}
	if err := check(C.wps_options_new(&b.options), "options"); err != nil {
		return nil, err
	}
	defer C.wps_options_free(b.options) // the client keeps a copy
	if err := credential(&b); err != nil {
		return nil, err
	}
	for _, opt := range opts {
		if err := opt(&b); err != nil {
			return nil, err
		}
	}
	var p *C.wps_client
	var e *C.wps_error
	if err := resultError(C.wps_client_new(b.options, &p, &e), e, "new client"); err != nil {
		return nil, err
	}
	n := &native{ptr: p, closed: make(chan struct{}), operationTimeout: b.operationTimeout}
	c := &Client{n: n}
	c.cleanup = runtime.AddCleanup(c, (*native).close, n)
	return c, nil
}

// Close frees the client: it stops it in the background (without waiting), pending
// operations fail with ErrStopped, no new listener invocation starts, and every listener's
// Done channel is closed once its last invocation returned. Close is idempotent, works
// inside listeners, and always returns nil; afterwards every method returns ErrClosed.
func (c *Client) Close() error {
	c.cleanup.Stop()
	c.n.close()
	return nil
}

// State returns the client's current state (StateStopped once closed).
func (c *Client) State() State {
	var s C.wps_state
	_ = c.n.use(func(p *C.wps_client) error {
		C.wps_client_state(p, &s)
		return nil
	})
	runtime.KeepAlive(c)
	return State(s)
}

// Start connects and waits until the service confirmed the connection or this attempt
// failed (it does not retry by itself; once connected, drops are recovered or reconnected
// automatically). If ctx ends first, Start stops the client again and returns ctx.Err().
//
// Errors wrap ErrConnectFailed (see Error.HTTPStatus, e.g. 401), ErrInvalidURL,
// ErrCredentialFailed, ErrIllegalState (already started, or inside a listener: use
// StartAsync) or ErrStopped (stopped meanwhile).
func (c *Client) Start(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := notInListener("Start", "StartAsync"); err != nil {
		return err
	}
	if s := c.State(); s != StateStopped {
		return goError(ErrIllegalState, "Start: the client is already started (state "+s.String()+")")
	}
	p, err := c.StartAsync()
	if err != nil {
		return err
	}
	_, completed, err := p.wait(ctx)
	if !completed {
		// Abandoned: leave the client stopped rather than half-started behind our back.
		_ = c.n.use(func(cp *C.wps_client) error {
			C.wpsgo_stop_async(cp, 0)
			return nil
		})
		runtime.KeepAlive(c)
	}
	return err
}

// StartAsync starts connecting and returns at once; the Pending completes with what Start
// would return. It works inside listeners (e.g. to restart from a Stopped listener).
func (c *Client) StartAsync() (*Pending, error) {
	return c.control("StartAsync", func(cp *C.wps_client, h C.uintptr_t) C.wps_result {
		return C.wpsgo_start_async(cp, h)
	})
}

// Stop closes the connection, cancels any recovery or reconnect, fails pending operations
// with ErrStopped and waits until the client is stopped, or until ctx ends (then the stop
// still completes in the background). It works in every state, is idempotent, and Start
// may be called again afterwards. Inside a listener it returns once the client is stopped,
// and the resulting events (Disconnected, Stopped) follow after the listener returns.
func (c *Client) Stop(ctx context.Context) error {
	if inListener() {
		// The library's blocking stop does not wait for the dispatcher, so it is safe here,
		// where waiting for a completion would not be.
		err := c.n.use(func(cp *C.wps_client) error {
			return check(C.wps_client_stop(cp), "Stop")
		})
		runtime.KeepAlive(c)
		return err
	}
	p, err := c.StopAsync()
	if err != nil {
		return err
	}
	_, err = p.Wait(ctx)
	runtime.KeepAlive(c)
	return err
}

// StopAsync starts stopping and returns at once; the Pending completes once the client is
// stopped.
func (c *Client) StopAsync() (*Pending, error) {
	return c.control("StopAsync", func(cp *C.wps_client, h C.uintptr_t) C.wps_result {
		return C.wpsgo_stop_async(cp, h)
	})
}

// control starts an asynchronous start or stop with a completion handle.
func (c *Client) control(what string, call func(*C.wps_client, C.uintptr_t) C.wps_result) (*Pending, error) {
	p := newPending()
	h := newHandle(p)
	err := c.n.use(func(cp *C.wps_client) error {
		return check(call(cp, C.uintptr_t(h)), what)
	})
	runtime.KeepAlive(c)
	if err != nil {
		deleteHandle(h) // refused: the callback will never fire
		return nil, err
	}
	return p, nil
}

// inListener reports whether the calling goroutine runs inside a listener callback, on a
// dispatcher thread that must not wait for its own completions.
func inListener() bool { return C.wpsgo_in_listener() != 0 }

// notInListener refuses a call that would wait for the dispatcher it runs on.
func notInListener(what, instead string) error {
	if inListener() {
		return goError(ErrIllegalState, what+" waits for the client's dispatcher and cannot be called inside a listener; use "+instead+" or a goroutine")
	}
	return nil
}
