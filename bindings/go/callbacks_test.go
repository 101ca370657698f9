package webpubsub

import (
	"context"
	"errors"
	"testing"
)

// Inside a listener: the waiting calls refuse with ErrIllegalState (instead of
// deadlocking on their own dispatcher) and have no effect, while the Async forms and
// goroutines work.
func TestCallsFromInsideAListener(t *testing.T) {
	t.Parallel()
	hub := newHub(t)
	c, _ := started(t, hub, "u")
	got := record(t, c.OnGroupMessage)
	type outcome struct {
		join, start, wait error
		async             error
	}
	outcomes := make(chan outcome, 1)
	fromGoroutine := make(chan error, 1)
	trigger, err := c.OnGroupMessage(func(m GroupMessage) {
		if m.Data.String() != "go" {
			return
		}
		var o outcome
		_, o.join = c.JoinGroup(context.Background(), "never")
		o.start = c.Start(context.Background())
		var p *Pending
		p, o.async = c.SendToGroupAsync("g", Text("async reply"))
		if p != nil {
			_, o.wait = p.Wait(context.Background())
		}
		go func() {
			_, err := c.SendToGroup(context.Background(), "g", Text("goroutine reply"))
			fromGoroutine <- err
		}()
		outcomes <- o
	})
	if err != nil {
		t.Fatal(err)
	}
	defer trigger.Remove()
	if _, err := c.JoinGroup(ctx(t), "g"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendToGroup(ctx(t), "g", Text("go")); err != nil {
		t.Fatal(err)
	}
	o := <-outcomes
	for what, err := range map[string]error{"JoinGroup": o.join, "Start": o.start, "Pending.Wait": o.wait} {
		if !errors.Is(err, ErrIllegalState) {
			t.Errorf("%s inside a listener: %v", what, err)
		}
	}
	if o.async != nil {
		t.Fatalf("SendToGroupAsync inside a listener: %v", o.async)
	}
	if err := <-fromGoroutine; err != nil {
		t.Fatalf("SendToGroup on a goroutine of a listener: %v", err)
	}
	ms := texts(got.wait(t, 3))
	if len(ms) != 3 || ms[0] != "go" {
		t.Fatalf("messages %v", ms)
	}
	for _, cn := range connections(t, hub) {
		for _, g := range cn.Groups {
			if g == "never" {
				t.Fatal("the refused JoinGroup joined")
			}
		}
	}
}

// Stop works inside a listener (it returns once stopped; Stopped follows), and StartAsync
// inside the Stopped listener restarts the client, as the seed page suggests.
func TestStopAndRestartFromListeners(t *testing.T) {
	t.Parallel()
	hub := newHub(t)
	c, id := started(t, hub, "u")
	connected := record(t, c.OnConnected)
	stopErr := make(chan error, 1)
	restarted := make(chan error, 1)
	once := false
	if _, err := c.OnStopped(func(Stopped) {
		if once {
			return
		}
		once = true
		_, err := c.StartAsync()
		restarted <- err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.OnServerMessage(func(ServerMessage) {
		stopErr <- c.Stop(context.Background())
	}); err != nil {
		t.Fatal(err)
	}
	control(t, "POST", "hubs/"+hub+"/server-message?connectionId="+id, nil, "text/plain", nil)
	if err := <-stopErr; err != nil {
		t.Fatalf("Stop inside a listener: %v", err)
	}
	if err := <-restarted; err != nil {
		t.Fatalf("StartAsync inside the Stopped listener: %v", err)
	}
	connected.wait(t, 1)
	eventually(t, "the restarted client", func() bool { return c.State() == StateConnected })
}

// Close inside a listener frees the client without deadlock; the listener's finalizer
// runs after it returns.
func TestCloseInsideAListener(t *testing.T) {
	t.Parallel()
	hub := newHub(t)
	c, id := started(t, hub, "u")
	closed := make(chan struct{})
	l, err := c.OnServerMessage(func(ServerMessage) {
		c.Close()
		close(closed)
	})
	if err != nil {
		t.Fatal(err)
	}
	control(t, "POST", "hubs/"+hub+"/server-message?connectionId="+id, nil, "text/plain", nil)
	<-closed
	<-l.Done()
	if _, err := c.JoinGroup(ctx(t), "g"); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

// A panic in a listener is recovered at the boundary: the process lives, the other
// listeners still run, and later events still arrive. A listener may remove itself.
func TestPanickingAndSelfRemovingListeners(t *testing.T) {
	t.Parallel()
	hub := newHub(t)
	c, _ := started(t, hub, "u")
	if _, err := c.OnGroupMessage(func(GroupMessage) { panic("listener bug (expected by the test)") }); err != nil {
		t.Fatal(err)
	}
	var self *Listener
	selfCalls := 0
	removedSelf := make(chan error, 1)
	self, err := c.OnGroupMessage(func(GroupMessage) {
		selfCalls++
		removedSelf <- self.Remove()
	})
	if err != nil {
		t.Fatal(err)
	}
	got := record(t, c.OnGroupMessage)
	if _, err := c.JoinGroup(ctx(t), "g"); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"a", "b"} {
		if _, err := c.SendToGroup(ctx(t), "g", Text(s)); err != nil {
			t.Fatal(err)
		}
	}
	if ms := joinAll(texts(got.wait(t, 2))); ms != "a,b" {
		t.Fatalf("messages %s", ms)
	}
	if err := <-removedSelf; err != nil {
		t.Fatalf("a listener removing itself: %v", err)
	}
	<-self.Done()
	if selfCalls != 1 {
		t.Fatalf("self-removing listener called %d times", selfCalls)
	}
}
