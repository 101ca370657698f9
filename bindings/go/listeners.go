package webpubsub

/*
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Listener is a registered callback (On* methods) or event channel (Events). Remove
// unregisters it; Done tells when the library is finished with it.
type Listener struct {
	id      uint64
	n       *native
	deliver func(Event)
	// done is closed by the library's finalizer, after the last invocation.
	done chan struct{}
	// removed is closed by Remove: it releases a channel listener blocked on a full channel.
	removed    chan struct{}
	removeOnce sync.Once
	// finalized counts finalizer calls (exactly one, which the tests check).
	finalized atomic.Int32
	// onFinalize runs in the finalizer (closes an Events channel).
	onFinalize func()
}

// ID is the library's id of the listener.
func (l *Listener) ID() uint64 { return l.id }

// Remove unregisters the listener: after it returns, no new invocation starts (one already
// running may finish; Done tells when it did). Removing it twice returns an error wrapping
// ErrNotFound. It works inside listeners, including the listener's own callback.
func (l *Listener) Remove() error {
	l.removeOnce.Do(func() { close(l.removed) })
	return l.n.use(func(p *C.wps_client) error {
		return check(C.wps_client_remove_listener(p, C.uint64_t(l.id)), "Remove listener")
	})
}

// Done is closed once the library is finished with the listener: after Remove or the
// client's Close, when its last invocation has returned. An Events channel is closed at the
// same time.
func (l *Listener) Done() <-chan struct{} { return l.done }

// finalize is the listener's free_user_data, called exactly once by the library.
func (l *Listener) finalize() {
	l.finalized.Add(1)
	if l.onFinalize != nil {
		l.onFinalize()
	}
	close(l.done)
}

// invoke calls the Go callback; a panic in it is reported and stops there, never
// unwinding into the library.
func (l *Listener) invoke(e Event) {
	defer recoverPanic("listener")
	l.deliver(e)
}

// OnConnected calls fn for every new connection (not for recoveries).
func (c *Client) OnConnected(fn func(Connected)) (*Listener, error) {
	return on(c, C.WPS_EVENT_CONNECTED, fn)
}

// OnDisconnected calls fn when a connection is lost for good or closed by Stop.
func (c *Client) OnDisconnected(fn func(Disconnected)) (*Listener, error) {
	return on(c, C.WPS_EVENT_DISCONNECTED, fn)
}

// OnStopped calls fn when the client stopped (StartAsync may be called in fn to restart).
func (c *Client) OnStopped(fn func(Stopped)) (*Listener, error) {
	return on(c, C.WPS_EVENT_STOPPED, fn)
}

// OnServerMessage calls fn for every message from the application server.
func (c *Client) OnServerMessage(fn func(ServerMessage)) (*Listener, error) {
	return on(c, C.WPS_EVENT_SERVER_MESSAGE, fn)
}

// OnGroupMessage calls fn for every message from a joined group. Register it before
// joining, so that no message is missed.
func (c *Client) OnGroupMessage(fn func(GroupMessage)) (*Listener, error) {
	return on(c, C.WPS_EVENT_GROUP_MESSAGE, fn)
}

// OnRejoinGroupFailed calls fn when joining a group again on a new connection failed.
func (c *Client) OnRejoinGroupFailed(fn func(RejoinGroupFailed)) (*Listener, error) {
	return on(c, C.WPS_EVENT_REJOIN_GROUP_FAILED, fn)
}

// OnStateChanged calls fn for every change of the client's state.
func (c *Client) OnStateChanged(fn func(StateChanged)) (*Listener, error) {
	return on(c, C.WPS_EVENT_STATE_CHANGED, fn)
}

// OnRecovering calls fn when the reliable connection dropped and recovery began.
func (c *Client) OnRecovering(fn func(Recovering)) (*Listener, error) {
	return on(c, C.WPS_EVENT_RECOVERING, fn)
}

// OnRecovered calls fn when the connection was recovered without loss.
func (c *Client) OnRecovered(fn func(Recovered)) (*Listener, error) {
	return on(c, C.WPS_EVENT_RECOVERED, fn)
}

// OnSlowConsumer calls fn when listeners fell behind and the client paused reading.
func (c *Client) OnSlowConsumer(fn func(SlowConsumer)) (*Listener, error) {
	return on(c, C.WPS_EVENT_SLOW_CONSUMER, fn)
}

// Events registers a listener that sends every event to the returned channel, in order,
// so that user code runs on its own goroutine rather than on the dispatcher.
//
// Nothing is ever dropped: when the channel is full, the client's dispatcher waits for
// room, which stops this client's other callbacks and completions too, and, once the
// library's event queue is full (WithEventQueueCapacity), pauses reading from the socket
// (backpressure; the service keeps the messages). So receive from the channel on a
// goroutine of its own, and never wait for an operation of this client (Start,
// SendToGroup, ...) on the goroutine that should drain the channel: its completion is
// queued behind the blocked event.
//
// The channel is closed after Remove or Close, once the last event was handed over; events
// still waiting for room when Remove or Close is called are discarded.
func (c *Client) Events(buffer int) (<-chan Event, *Listener, error) {
	if buffer < 0 {
		return nil, nil, goError(ErrInvalidArgument, "Events: negative buffer")
	}
	ch := make(chan Event, buffer)
	l := &Listener{}
	closed := c.n.closed
	l.deliver = func(e Event) {
		select {
		case ch <- e:
		case <-l.removed:
		case <-closed:
		}
	}
	l.onFinalize = func() { close(ch) }
	if err := c.addListener(C.WPS_EVENT_ALL, l); err != nil {
		return nil, nil, err
	}
	return ch, l, nil
}

// on registers fn for the events of mask, all of type E.
func on[E Event](c *Client, mask C.uint32_t, fn func(E)) (*Listener, error) {
	if fn == nil {
		return nil, goError(ErrInvalidArgument, "listener function is nil")
	}
	l := &Listener{deliver: func(e Event) { fn(e.(E)) }}
	if err := c.addListener(mask, l); err != nil {
		return nil, err
	}
	return l, nil
}

// addListener registers l with the library; from then on only the library's finalizer
// deletes its handle.
func (c *Client) addListener(mask C.uint32_t, l *Listener) error {
	l.n = c.n
	l.done = make(chan struct{})
	l.removed = make(chan struct{})
	h := newHandle(l)
	var id C.uint64_t
	err := c.n.use(func(p *C.wps_client) error {
		return check(C.wpsgo_add_listener(p, mask, C.uintptr_t(h), &id), "add listener")
	})
	runtime.KeepAlive(c)
	if err != nil {
		deleteHandle(h) // refused: the finalizer will never run
		return err
	}
	l.id = uint64(id)
	return nil
}
