package webpubsub

import (
	"errors"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// Removing a listener stops its invocations at once, closes Done after its finalizer ran
// exactly once, deletes its handle, and a second Remove says ErrNotFound. The other
// listeners keep receiving.
func TestListenerRemoval(t *testing.T) {
	base := settle(t)
	hub := newHub(t)
	c, _ := started(t, hub, "u")
	if _, err := c.JoinGroup(ctx(t), "g"); err != nil {
		t.Fatal(err)
	}
	var removedCalls atomic.Int32
	removed, err := c.OnGroupMessage(func(GroupMessage) { removedCalls.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	kept := record(t, c.OnGroupMessage)
	if got := liveHandles.Load() - base; got != 2 {
		t.Fatalf("%d live handles for two listeners", got)
	}
	if _, err := c.SendToGroup(ctx(t), "g", Text("1")); err != nil {
		t.Fatal(err)
	}
	kept.wait(t, 1)
	if err := removed.Remove(); err != nil {
		t.Fatal(err)
	}
	<-removed.Done()
	callsAtRemoval := removedCalls.Load()
	if _, err := c.SendToGroup(ctx(t), "g", Text("2")); err != nil {
		t.Fatal(err)
	}
	kept.wait(t, 2)
	if callsAtRemoval != 1 || removedCalls.Load() != 1 {
		t.Fatalf("removed listener called %d times (%d at removal)", removedCalls.Load(), callsAtRemoval)
	}
	if n := removed.finalized.Load(); n != 1 {
		t.Fatalf("finalizer ran %d times", n)
	}
	if got := liveHandles.Load() - base; got != 1 {
		t.Fatalf("%d live handles after removing one of two listeners", got)
	}
	if err := removed.Remove(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Remove: %v", err)
	}
}

// Close finalizes every listener exactly once (Done closed, Events channel closed, handles
// deleted) and fails pending operations with ErrStopped; the client then refuses every
// call with ErrClosed, and Close stays idempotent.
func TestCloseFinalizesEverything(t *testing.T) {
	base := settle(t)
	hub := newHub(t)
	c, id := started(t, hub, "u")
	var listeners []*Listener
	for range 5 {
		l, err := c.OnGroupMessage(func(GroupMessage) {})
		if err != nil {
			t.Fatal(err)
		}
		listeners = append(listeners, l)
	}
	events, l, err := c.Events(0) // nobody reads: the dispatcher blocks on it
	if err != nil {
		t.Fatal(err)
	}
	listeners = append(listeners, l)
	control(t, "POST", "connections/"+id+"/blackhole", nil, "", nil)
	pending, err := c.JoinGroupAsync("g")
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	c.Close()
	if _, err := pending.Wait(ctx(t)); !errors.Is(err, ErrStopped) {
		t.Fatalf("pending join after Close: %v", err)
	}
	for i, l := range listeners {
		<-l.Done()
		if n := l.finalized.Load(); n != 1 {
			t.Fatalf("listener %d finalized %d times", i, n)
		}
	}
	for range events { // closed by the finalizer; what was blocked is discarded
	}
	eventually(t, "every handle deleted", func() bool { return liveHandles.Load() == base })
	if _, err := c.JoinGroup(ctx(t), "g"); !errors.Is(err, ErrClosed) {
		t.Fatalf("JoinGroup after Close: %v", err)
	}
	if _, err := c.OnStopped(func(Stopped) {}); !errors.Is(err, ErrClosed) {
		t.Fatalf("OnStopped after Close: %v", err)
	}
	if err := listeners[0].Remove(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Remove after Close: %v", err)
	}
	if s := c.State(); s != StateStopped {
		t.Fatalf("state after Close: %v", s)
	}
}

// The channel form delivers typed events in order; when the channel is full the client
// waits (backpressure, reported by SlowConsumer) instead of dropping: a reader that stalls
// still gets every message, in order.
func TestEventsChannelNeverDrops(t *testing.T) {
	t.Parallel()
	hub := newHub(t)
	c := newClient(t, hub, "u", WithEventQueueCapacity(8))
	events, _, err := c.Events(1)
	if err != nil {
		t.Fatal(err)
	}
	var gate sync.Mutex // held: the reader stalls
	var mu sync.Mutex
	var got []Event
	go func() {
		for {
			gate.Lock()
			gate.Unlock()
			e, ok := <-events
			if !ok {
				return
			}
			mu.Lock()
			got = append(got, e)
			mu.Unlock()
		}
	}()
	snapshot := func() []Event {
		mu.Lock()
		defer mu.Unlock()
		return append([]Event(nil), got...)
	}
	if err := c.Start(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.JoinGroup(ctx(t), "g"); err != nil {
		t.Fatal(err)
	}
	hasConnected := func(es []Event) bool {
		return slices.ContainsFunc(es, func(e Event) bool { _, ok := e.(Connected); return ok })
	}
	eventually(t, "the Connected event", func() bool { return hasConnected(snapshot()) })
	if first := snapshot(); first[0] != (StateChanged{StateStopped, StateConnecting}) {
		t.Fatalf("first events %#v", first)
	}

	gate.Lock()
	const n = 200
	sender, _ := started(t, hub, "sender")
	for i := range n {
		if _, err := sender.SendToGroup(ctx(t), "g", Text(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	gate.Unlock()

	var messages []string
	slow := false
	eventually(t, "every message", func() bool {
		messages, slow = messages[:0], false
		for _, e := range snapshot() {
			switch e := e.(type) {
			case GroupMessage:
				messages = append(messages, e.Data.String())
			case SlowConsumer:
				slow = true
			}
		}
		return len(messages) >= n
	})
	for i, m := range messages {
		if m != strconv.Itoa(i) {
			t.Fatalf("message %d is %q (of %d)", i, m, len(messages))
		}
	}
	if len(messages) != n || !slow {
		t.Fatalf("%d messages, slow consumer reported: %v", len(messages), slow)
	}
}
