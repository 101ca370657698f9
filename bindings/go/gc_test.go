package webpubsub

import (
	"context"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Collections in a loop while callbacks fire, listeners come and go and operations
// complete: nothing the library calls back into may have been collected or moved (no Go
// pointer crosses into C, handles keep the callbacks), and no message is lost. Built with
// -tags gcstress, the binding also collects inside its own hot paths.
func TestGCWhileCallbacksFire(t *testing.T) {
	base := settle(t)
	hub := newHub(t)
	stop := make(chan struct{})
	var collector sync.WaitGroup
	collector.Add(1)
	go func() {
		defer collector.Done()
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
			}
		}
	}()
	defer func() { close(stop); collector.Wait() }()

	receiver, _ := started(t, hub, "r")
	sender, _ := started(t, hub, "s")
	got := record(t, receiver.OnGroupMessage)
	events, _, err := receiver.Events(16)
	if err != nil {
		t.Fatal(err)
	}
	var fromChannel atomic.Int32
	go func() {
		for e := range events {
			if _, ok := e.(GroupMessage); ok {
				fromChannel.Add(1)
			}
		}
	}()
	if _, err := receiver.JoinGroup(ctx(t), "g"); err != nil {
		t.Fatal(err)
	}

	// Listeners registered and removed while the stream flows.
	churn := make(chan struct{})
	var churned []*Listener
	go func() {
		defer close(churn)
		for range 100 {
			l, err := receiver.OnGroupMessage(func(m GroupMessage) { _ = m.Data.String() })
			if err != nil {
				t.Error(err)
				return
			}
			churned = append(churned, l)
			runtime.GC()
			if err := l.Remove(); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	const n = 300
	var pending []*Pending
	for i := range n {
		p, err := sender.SendToGroupAsync("g", Binary([]byte(strconv.Itoa(i))))
		if err != nil {
			t.Fatal(err)
		}
		pending = append(pending, p)
	}
	for _, p := range pending {
		if _, err := p.Wait(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
	<-churn
	ms := got.wait(t, n)
	for i, m := range ms {
		if string(m.Data.Bytes()) != strconv.Itoa(i) {
			t.Fatalf("message %d is %q", i, m.Data.Bytes())
		}
	}
	eventually(t, "the channel listener", func() bool { return fromChannel.Load() == n })
	for _, l := range churned {
		<-l.Done()
		if l.finalized.Load() != 1 {
			t.Fatalf("listener finalized %d times", l.finalized.Load())
		}
	}
	receiver.Close()
	sender.Close()
	eventually(t, "every handle released", func() bool { return liveHandles.Load() == base })
}

// Clients dropped without Close are closed by the garbage collector: by the binding's own
// cleanup, or by Close called from a finalizer of the application's (here: of a holder
// object, for every other client). Either way they disconnect and their listeners are
// finalized, each exactly once.
func TestUnreachableClientsAreClosedByGC(t *testing.T) {
	settle(t)
	hub := newHub(t)
	const n = 10
	type holder struct{ client *Client }
	var listeners []*Listener
	var closedByFinalizer atomic.Int32
	reachable := make([]any, n)
	for i := range reachable {
		c, err := NewClient(mintURL(t, hub, "u", allRoles...))
		if err != nil {
			t.Fatal(err)
		}
		var count atomic.Int32 // the listener must not refer to c, or c stays reachable
		l, err := c.OnGroupMessage(func(GroupMessage) { count.Add(1) })
		if err != nil {
			t.Fatal(err)
		}
		listeners = append(listeners, l)
		if err := c.Start(ctx(t)); err != nil {
			t.Fatal(err)
		}
		reachable[i] = c
		if i%2 == 1 {
			h := &holder{c}
			runtime.SetFinalizer(h, func(h *holder) {
				h.client.Close()
				closedByFinalizer.Add(1)
			})
			reachable[i] = h
		}
	}
	if got := len(connections(t, hub)); got != n {
		t.Fatalf("%d connections, want %d", got, n)
	}
	runtime.KeepAlive(reachable) // the last use: from here on, the clients are unreachable
	eventually(t, "the clients to be collected", func() bool {
		runtime.GC()
		for _, l := range listeners {
			select {
			case <-l.Done():
			default:
				return false
			}
		}
		return true
	})
	for _, l := range listeners {
		if l.finalized.Load() != 1 {
			t.Fatalf("listener finalized %d times", l.finalized.Load())
		}
	}
	if closedByFinalizer.Load() != n/2 {
		t.Fatalf("%d clients closed by the holders' finalizers", closedByFinalizer.Load())
	}
	eventually(t, "the connections to close", func() bool { return len(connections(t, hub)) == 0 })
}

// Many clients in one process on the shared dispatcher pool: all connect, join, and each
// receives the group's message.
func TestManyClientsOnTheSharedDispatcher(t *testing.T) {
	base := settle(t)
	hub := newHub(t)
	const n = 200
	url := mintURL(t, hub, "many", allRoles...)
	clients := make([]*Client, n)
	received := make([]atomic.Int32, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	limit := make(chan struct{}, 20)
	for i := range n {
		c, err := NewClient(url, WithDispatcher(DispatcherShared))
		if err != nil {
			t.Fatal(err)
		}
		clients[i] = c
		if _, err := c.OnGroupMessage(func(GroupMessage) { received[i].Add(1) }); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			limit <- struct{}{}
			defer func() { <-limit }()
			if err := c.Start(context.Background()); err != nil {
				errs <- err
				return
			}
			if _, err := c.JoinGroup(context.Background(), "all"); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var answer struct{ Delivered int }
	control(t, http.MethodPost, "hubs/"+hub+"/groups/all/message", strings.NewReader("to all"), "text/plain", &answer)
	if answer.Delivered != n {
		t.Fatalf("delivered to %d connections, want %d", answer.Delivered, n)
	}
	eventually(t, "every client to receive the message", func() bool {
		for i := range received {
			if received[i].Load() != 1 {
				return false
			}
		}
		return true
	})
	for _, c := range clients {
		c.Close()
	}
	eventually(t, "every handle released", func() bool { return liveHandles.Load() == base })
}
