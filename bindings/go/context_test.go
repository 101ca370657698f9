package webpubsub

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"
)

// blackholed is a started client whose socket the emulator stops serving without closing
// it (a half-open connection): operations are sent but never acked.
func blackholed(t *testing.T, opts ...Option) *Client {
	t.Helper()
	hub := newHub(t)
	c, id := started(t, hub, "u", opts...)
	if _, err := c.JoinGroup(ctx(t), "g"); err != nil {
		t.Fatal(err)
	}
	control(t, http.MethodPost, "connections/"+id+"/blackhole", nil, "", nil)
	return c
}

// A cancelled context ends the wait with context.Canceled, though the service never
// answers; the abandoned operation's completion still arrives later, exactly once (its
// handle is deleted, no panic from a second delete).
func TestCancelOperation(t *testing.T) {
	base := settle(t)
	c := blackholed(t, WithOperationTimeout(2*time.Second))
	opCtx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := c.SendToGroup(opCtx, "g", Text("never acked"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("SendToGroup with a cancelled context: %v", err)
	}
	// The completion (ErrTimeout, after the 2 s operation timeout) deletes its handle while
	// the client is still open.
	eventually(t, "the abandoned completion", func() bool { return liveHandles.Load() == base })
}

// A context deadline ends the wait with context.DeadlineExceeded, and also bounds the
// operation inside the library, so it completes soon after instead of lingering for the
// client's 30 s operation timeout.
func TestOperationDeadline(t *testing.T) {
	base := settle(t)
	c := blackholed(t)
	opCtx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	p := make(chan error, 1)
	go func() {
		_, err := c.JoinGroup(opCtx, "other")
		p <- err
	}()
	if err := <-p; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("JoinGroup past its deadline: %v", err)
	}
	eventually(t, "the completion of the timed-out join", func() bool { return liveHandles.Load() == base })

	// The asynchronous form reports the library's own timeout through its Pending.
	pending, err := c.SendToGroupAsync("g", Text("x"), WithTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, err = pending.Wait(ctx(t))
	var sendErr *SendMessageError
	if !errors.Is(err, ErrTimeout) || !errors.As(err, &sendErr) || sendErr.AckID == 0 {
		t.Fatalf("async send with a timeout: %v", err)
	}
}

// Start against a server that accepts TCP but never answers the upgrade: cancelling the
// context returns context.Canceled and leaves the client stopped.
func TestCancelStart(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close() // hold it open, silent
		}
	}()
	c, err := NewClient("ws://" + ln.Addr().String() + "/client/hubs/h?access_token=x")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	startCtx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	if err := c.Start(startCtx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Start with a cancelled context: %v", err)
	}
	eventually(t, "the stopped state", func() bool { return c.State() == StateStopped })

	// An already-cancelled context does nothing at all.
	if err := c.Start(startCtx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Start with a done context: %v", err)
	}
}
