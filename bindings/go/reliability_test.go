package webpubsub

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A numbered stream survives several abrupt drops (TCP resets) of both the sender's and the
// receiver's connections: every message arrives exactly once and in order, the client
// reports Recovering/Recovered, and the connection ids stay the same.
func TestDropsDuringStreamLoseNothing(t *testing.T) {
	t.Parallel()
	hub := newHub(t)
	fast := []Option{WithRecoveryInterval(50 * time.Millisecond)}
	receiver, receiverID := started(t, hub, "receiver", fast...)
	sender, senderID := started(t, hub, "sender", fast...)
	got := record(t, receiver.OnGroupMessage)
	recovered := record(t, receiver.OnRecovered)
	reconnected := record(t, receiver.OnConnected)
	if _, err := receiver.JoinGroup(ctx(t), "stream"); err != nil {
		t.Fatal(err)
	}

	const n, drops = 1000, 6
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the faults, while the stream flows
		defer wg.Done()
		for i := range drops {
			eventually(t, "the stream to progress", func() bool { return len(got.snapshot()) > (i+1)*n/(drops+2) })
			id := receiverID
			if i%2 == 1 {
				id = senderID
			}
			dropConnection(t, hub, id)
		}
	}()
	// Pipelined: queued in call order, so the stream's order is the calls' order.
	pending := make([]*Pending, n)
	for i := range n {
		p, err := sender.SendToGroupAsync("stream", Text(strconv.Itoa(i)))
		if err != nil {
			t.Fatal(err)
		}
		pending[i] = p
		if i%50 == 49 { // keep a window, so the drops land mid-stream
			if _, err := pending[i-25].Wait(ctx(t)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, p := range pending {
		if _, err := p.Wait(ctx(t)); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	wg.Wait()
	ms := got.wait(t, n)
	time.Sleep(200 * time.Millisecond) // a late duplicate would show up now
	ms = got.snapshot()
	if len(ms) != n {
		t.Fatalf("%d messages for %d sent", len(ms), n)
	}
	for i, m := range ms {
		if m.Data.String() != strconv.Itoa(i) {
			t.Fatalf("message %d is %q", i, m.Data.String())
		}
		if i > 0 && m.SequenceID <= ms[i-1].SequenceID {
			t.Fatalf("sequence ids not increasing at %d", i)
		}
	}
	if len(recovered.snapshot()) == 0 || len(reconnected.snapshot()) != 0 {
		t.Fatalf("%d recoveries, %d new connections", len(recovered.snapshot()), len(reconnected.snapshot()))
	}
}

// A connection the service ends (close code 1008) is replaced by a new one with a fresh URL
// from the credential function, and the joined group is joined again automatically.
func TestReconnectWithCredentialAndRejoin(t *testing.T) {
	t.Parallel()
	hub := newHub(t)
	var calls atomic.Int32
	c, err := NewClientWithCredential(func() (string, error) {
		calls.Add(1)
		return mintURL(t, hub, "u", allRoles...), nil
	}, WithReconnectRetry(RetryPolicy{MaxRetries: -1, InitialDelay: 50 * time.Millisecond, MaxDelay: time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	connected := record(t, c.OnConnected)
	disconnected := record(t, c.OnDisconnected)
	got := record(t, c.OnGroupMessage)
	if err := c.Start(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.JoinGroup(ctx(t), "g"); err != nil {
		t.Fatal(err)
	}
	first := connected.wait(t, 1)[0].ConnectionID
	control(t, http.MethodPost, "connections/"+first+"/close?code=1008&reason=policy", nil, "", nil)
	second := connected.wait(t, 2)[1].ConnectionID
	if second == first || calls.Load() != 2 {
		t.Fatalf("connections %s then %s, credential called %d times", first, second, calls.Load())
	}
	if d := disconnected.wait(t, 1)[0]; d.ConnectionID != first {
		t.Fatalf("disconnected %+v", d)
	}
	eventually(t, "the rejoin", func() bool {
		cs := connections(t, hub)
		return len(cs) == 1 && len(cs[0].Groups) == 1
	})
	control(t, http.MethodPost, "hubs/"+hub+"/groups/g/message", strings.NewReader("after"), "text/plain", nil)
	if ms := texts(got.wait(t, 1)); ms[0] != "after" {
		t.Fatalf("messages %v", ms)
	}
}

// State changes are reported in order through a whole life: start, a drop and its
// recovery, stop.
func TestStateChanges(t *testing.T) {
	t.Parallel()
	hub := newHub(t)
	c := newClient(t, hub, "u", WithRecoveryInterval(50*time.Millisecond))
	states := record(t, c.OnStateChanged)
	stopped := record(t, c.OnStopped)
	recovering := record(t, c.OnRecovering)
	if err := c.Start(ctx(t)); err != nil {
		t.Fatal(err)
	}
	id := connections(t, hub)[0].ConnectionID
	dropConnection(t, hub, id)
	recovering.wait(t, 1)
	eventually(t, "the recovery", func() bool { return c.State() == StateConnected })
	if err := c.Stop(ctx(t)); err != nil {
		t.Fatal(err)
	}
	stopped.wait(t, 1)
	if err := c.Stop(ctx(t)); err != nil { // idempotent
		t.Fatal(err)
	}
	var path []string
	for _, s := range states.snapshot() {
		path = append(path, s.Current.String())
	}
	want := "Connecting,Connected,Recovering,Connected,Stopping,Stopped"
	if got := strings.Join(path, ","); got != want {
		t.Fatalf("states %s, want %s", got, want)
	}
}

// Failures map to their sentinels and types.
func TestErrors(t *testing.T) {
	t.Parallel()
	hub := newHub(t)
	c, id := started(t, hub, "u")
	cases := []struct {
		name string
		err  func() error
		want error
	}{
		{"too large", func() error {
			_, err := c.SendToGroup(ctx(t), "g", Binary(make([]byte, 1100*1024)))
			return err
		}, ErrMessageTooLarge},
		{"invalid JSON", func() error {
			_, err := c.SendToGroup(ctx(t), "g", RawJSON([]byte("{nope")))
			return err
		}, ErrInvalidArgument},
		{"unmarshallable JSON", func() error {
			_, err := c.SendToGroup(ctx(t), "g", JSON(func() {}))
			return err
		}, ErrInvalidArgument},
		{"zero Data", func() error {
			_, err := c.SendToGroup(ctx(t), "g", Data{})
			return err
		}, ErrInvalidArgument},
		{"empty group", func() error {
			_, err := c.JoinGroup(ctx(t), "")
			return err
		}, ErrInvalidArgument},
		{"NUL in group", func() error {
			_, err := c.JoinGroup(ctx(t), "a\x00b")
			return err
		}, ErrInvalidArgument},
		{"invalid UTF-8", func() error {
			_, err := c.JoinGroup(ctx(t), "\xff")
			return err
		}, ErrInvalidUTF8},
		{"start twice", func() error { return c.Start(ctx(t)) }, ErrIllegalState},
		{"bad URL", func() error {
			_, err := NewClient("not a url")
			return err
		}, ErrInvalidURL},
		{"bad option", func() error {
			_, err := NewClient(mintURL(t, hub, "u"), WithConnectTimeout(0))
			return err
		}, ErrInvalidArgument},
		{"negative duration", func() error {
			_, err := NewClient(mintURL(t, hub, "u"), WithKeepAliveInterval(-time.Second))
			return err
		}, ErrInvalidArgument},
		{"failing credential", func() error {
			c, err := NewClientWithCredential(func() (string, error) { return "", errors.New("no token for you") })
			if err != nil {
				return err
			}
			defer c.Close()
			err = c.Start(ctx(t))
			if err != nil && !strings.Contains(err.Error(), "no token for you") {
				t.Errorf("the credential's error is not in %q", err)
			}
			return err
		}, ErrCredentialFailed},
		{"panicking credential", func() error {
			c, err := NewClientWithCredential(func() (string, error) { panic("credential bug (expected by the test)") })
			if err != nil {
				return err
			}
			defer c.Close()
			return c.Start(ctx(t))
		}, ErrCredentialFailed},
	}
	for _, tc := range cases {
		if err := tc.err(); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}

	// A refused upgrade: the token is signed with another key.
	bad, err := NewClient(strings.Replace(mintURL(t, hub, "u"), "access_token=", "access_token=x", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	err = bad.Start(ctx(t))
	var e *Error
	if !errors.Is(err, ErrConnectFailed) || !errors.As(err, &e) || e.HTTPStatus != 401 {
		t.Fatalf("start with a bad token: %v", err)
	}

	// Stop fails what is pending (never acked: the socket is black-holed) with ErrStopped.
	control(t, http.MethodPost, "connections/"+id+"/blackhole", nil, "", nil)
	p, err := c.JoinGroupAsync("g")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Wait(ctx(t)); !errors.Is(err, ErrStopped) {
		t.Fatalf("join pending at Stop: %v", err)
	}
	if _, err := c.JoinGroup(ctx(t), "g"); !errors.Is(err, ErrStopped) {
		t.Fatalf("join on a stopped client: %v", err)
	}
}

// An ack lost with the connection: the service executed the send, the connection dropped
// before the ack, and the client, after recovering, resends with the same ack id; the
// service answers Duplicate, so the send succeeds as Duplicated and the group got the
// message exactly once.
func TestLostAckIsRetriedAsDuplicate(t *testing.T) {
	t.Parallel()
	hub := newHub(t)
	c, id := started(t, hub, "u", WithRecoveryInterval(50*time.Millisecond))
	got := record(t, c.OnGroupMessage)
	if _, err := c.JoinGroup(ctx(t), "g"); err != nil {
		t.Fatal(err)
	}
	control(t, http.MethodPost, "drop-before-next-ack?connectionId="+id, nil, "", nil)
	r, err := c.SendToGroup(ctx(t), "g", Text("once"))
	if err != nil || !r.Duplicated || r.AckID == 0 {
		t.Fatalf("send whose ack was lost: %+v, %v", r, err)
	}
	if _, err := c.SendToGroup(ctx(t), "g", Text("after")); err != nil {
		t.Fatal(err)
	}
	if ms := joinAll(texts(got.wait(t, 2))); ms != "once,after" {
		t.Fatalf("messages %s", ms)
	}
}

// Transient service errors are retried with the same ack id under the message retry
// policy, invisibly to the caller.
func TestTransientFailuresAreRetried(t *testing.T) {
	c, _ := started(t, newHub(t), "u", WithMessageRetry(RetryPolicy{MaxRetries: 3, InitialDelay: 10 * time.Millisecond, MaxDelay: 50 * time.Millisecond, Mode: RetryFixed}))
	control(t, http.MethodPost, "fail-acks?count=2", nil, "", nil) // any connection: not parallel
	t.Cleanup(func() { control(t, http.MethodPost, "fail-acks?count=0", nil, "", nil) })
	if _, err := c.JoinGroup(ctx(t), "g"); err != nil {
		t.Fatalf("join with two failed attempts: %v", err)
	}
	control(t, http.MethodPost, "fail-acks?count=5", nil, "", nil)
	_, err := c.JoinGroup(ctx(t), "h")
	var sendErr *SendMessageError
	if !errors.As(err, &sendErr) || sendErr.Name != "InternalServerError" {
		t.Fatalf("join failing more often than the retries: %v", err)
	}
}
