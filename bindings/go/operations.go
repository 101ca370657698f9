package webpubsub

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"errors"
	"runtime"
	"time"
)

// OpOption adjusts one operation.
type OpOption func(*opConfig)

type opConfig struct {
	flags   C.uint32_t
	ackID   uint64
	timeout time.Duration
}

// NoEcho: the sending connection itself does not receive the message (SendToGroup only).
func NoEcho() OpOption { return func(o *opConfig) { o.flags |= C.WPS_SEND_NO_ECHO } }

// FireAndForget sends without an ack id: the call completes once the message is queued,
// with no delivery guarantee (Result.AckID is 0). For SendToGroup and SendEvent.
func FireAndForget() OpOption { return func(o *opConfig) { o.flags |= C.WPS_SEND_FIRE_AND_FORGET } }

// WithAckID reuses an ack id, typically SendMessageError.AckID of a failed attempt: the
// service executes an ack id at most once and answers a repeat as a duplicate
// (Result.Duplicated), so the retry cannot publish twice.
func WithAckID(id uint64) OpOption { return func(o *opConfig) { o.ackID = id } }

// WithTimeout bounds this operation, retries and recoveries included, instead of the
// client's operation timeout (WithOperationTimeout).
func WithTimeout(d time.Duration) OpOption { return func(o *opConfig) { o.timeout = d } }

// JoinGroup joins group, so the client receives its messages (OnGroupMessage), and waits
// for the service's ack. A pending operation survives connection recovery (it is resent
// with the same ack id). Errors: a *SendMessageError wrapping ErrServiceError (Name, e.g.
// "Forbidden"), ErrTimeout or ErrConnectionLost; ErrStopped; ErrInvalidArgument; the
// context's error if ctx ends first (the operation is then not cancelled: it completes in
// the background, bounded by ctx's deadline or its timeout).
func (c *Client) JoinGroup(ctx context.Context, group string, opts ...OpOption) (Result, error) {
	return c.run(ctx, "JoinGroup", C.WPSGO_OP_JOIN, group, Data{}, opts)
}

// LeaveGroup leaves group and waits for the service's ack; as JoinGroup.
func (c *Client) LeaveGroup(ctx context.Context, group string, opts ...OpOption) (Result, error) {
	return c.run(ctx, "LeaveGroup", C.WPSGO_OP_LEAVE, group, Data{}, opts)
}

// SendToGroup publishes data to group and waits for the service's ack (with
// FireAndForget, until it is queued). Options: NoEcho, FireAndForget, WithAckID,
// WithTimeout. Besides those of JoinGroup, errors wrap ErrMessageTooLarge (over 1 MB,
// nothing sent) and ErrConnectionLost (the connection was replaced before the ack: the
// outcome is unknown; retry WithAckID to be sure).
func (c *Client) SendToGroup(ctx context.Context, group string, data Data, opts ...OpOption) (Result, error) {
	return c.run(ctx, "SendToGroup", C.WPSGO_OP_SEND_TO_GROUP, group, data, opts)
}

// SendEvent sends the event named event with data to the application server's event
// handler and waits for the service's ack; as SendToGroup (FireAndForget is the only flag
// it takes).
func (c *Client) SendEvent(ctx context.Context, event string, data Data, opts ...OpOption) (Result, error) {
	return c.run(ctx, "SendEvent", C.WPSGO_OP_SEND_EVENT, event, data, opts)
}

// JoinGroupAsync queues a join and returns at once. Operations are queued in the order of
// the calls, whatever waits for them later. A failure detected before anything is sent
// (closed or stopped client, invalid argument, message too large) is returned here;
// everything else arrives through the Pending. Works inside listeners.
func (c *Client) JoinGroupAsync(group string, opts ...OpOption) (*Pending, error) {
	return c.startOp("JoinGroupAsync", C.WPSGO_OP_JOIN, group, Data{}, config(opts))
}

// LeaveGroupAsync queues a leave and returns at once; as JoinGroupAsync.
func (c *Client) LeaveGroupAsync(group string, opts ...OpOption) (*Pending, error) {
	return c.startOp("LeaveGroupAsync", C.WPSGO_OP_LEAVE, group, Data{}, config(opts))
}

// SendToGroupAsync queues a send to group and returns at once; as JoinGroupAsync. The data
// is copied before it returns.
func (c *Client) SendToGroupAsync(group string, data Data, opts ...OpOption) (*Pending, error) {
	return c.startOp("SendToGroupAsync", C.WPSGO_OP_SEND_TO_GROUP, group, data, config(opts))
}

// SendEventAsync queues an event and returns at once; as SendToGroupAsync.
func (c *Client) SendEventAsync(event string, data Data, opts ...OpOption) (*Pending, error) {
	return c.startOp("SendEventAsync", C.WPSGO_OP_SEND_EVENT, event, data, config(opts))
}

func config(opts []OpOption) opConfig {
	var cfg opConfig
	for _, opt := range opts {
		opt(&cfg)
	}
	return cfg
}

// run is the waiting form of every operation: the asynchronous call, then a wait on its
// completion or ctx.
func (c *Client) run(ctx context.Context, what string, op C.int, name string, data Data, opts []OpOption) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	if err := notInListener(what, what+"Async"); err != nil {
		return Result{}, err
	}
	cfg := config(opts)
	bounded := false // the library's timeout is ctx's deadline
	if deadline, ok := ctx.Deadline(); ok && cfg.timeout == 0 {
		// Let the deadline bound the operation inside the library too, so that an
		// abandoned operation does not linger (and publish late) after it.
		if left := time.Until(deadline); left < c.n.operationTimeout {
			cfg.timeout, bounded = max(left, time.Millisecond), true
		}
	}
	p, err := c.startOp(what, op, name, data, cfg)
	if err != nil {
		return Result{}, err
	}
	r, _, err := p.wait(ctx)
	runtime.KeepAlive(c)
	if bounded && errors.Is(err, ErrTimeout) {
		// The library's timer (set to the deadline, rounded up) may fire before ctx's own.
		return Result{}, context.DeadlineExceeded
	}
	return r, err
}

// startOp makes the asynchronous call with a completion handle.
func (c *Client) startOp(what string, op C.int, name string, data Data, cfg opConfig) (*Pending, error) {
	cname, err := cString(what+": name", name)
	if err != nil {
		return nil, err
	}
	if data.err != nil {
		return nil, goError(ErrInvalidArgument, what+": cannot marshal the JSON data: "+data.err.Error())
	}
	timeout, err := millis(what+": timeout", cfg.timeout)
	if err != nil {
		return nil, err
	}
	p := newPending()
	h := newHandle(p)
	err = c.n.use(func(cp *C.wps_client) error {
		var e *C.wps_error
		code := C.wpsgo_operation_async(cp, op, charPtr(cname), C.wps_data_type(data.typ),
			bytesPtr(data.bytes), C.size_t(len(data.bytes)), cfg.flags, C.uint64_t(cfg.ackID),
			timeout, C.uintptr_t(h), &e)
		return resultError(code, e, what)
	})
	runtime.KeepAlive(c)
	if err != nil {
		deleteHandle(h) // refused: the callback will never fire
		return nil, err
	}
	return p, nil
}
