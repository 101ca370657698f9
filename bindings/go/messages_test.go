package webpubsub

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// Every data type goes out with SendToGroup and comes back, typed, through OnGroupMessage.
func TestSendAndReceiveEveryDataType(t *testing.T) {
	t.Parallel()
	hub := newHub(t)
	c := newClient(t, hub, "alice")
	got := record(t, c.OnGroupMessage)
	connected := record(t, c.OnConnected)
	if err := c.Start(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if e := connected.wait(t, 1)[0]; e.UserID != "alice" || e.ConnectionID == "" {
		t.Fatalf("connected event %+v", e)
	}
	if c.State() != StateConnected {
		t.Fatalf("state %v after Start", c.State())
	}
	if _, err := c.JoinGroup(ctx(t), "g"); err != nil {
		t.Fatal(err)
	}
	type point struct{ X, Y int }
	sent := []Data{
		Text("hello world"),
		Text(""),
		JSON(point{1, 2}),
		RawJSON([]byte(`["raw",1,null]`)),
		Binary([]byte{0, 1, 2, 0xff, 0}),
		Text("ünïcødé ✓"),
	}
	for _, d := range sent {
		if _, err := c.SendToGroup(ctx(t), "g", d); err != nil {
			t.Fatalf("send %s %q: %v", d.Type(), d.Bytes(), err)
		}
	}
	ms := got.wait(t, len(sent))
	for i, m := range ms {
		want := sent[i]
		if m.Group != "g" || m.FromUserID != "alice" || m.SequenceID == 0 {
			t.Errorf("message %d: %+v", i, m)
		}
		if m.Data.Type() != want.Type() {
			t.Errorf("message %d: type %s, want %s", i, m.Data.Type(), want.Type())
		}
		if want.Type() == DataJSON {
			// The service may re-encode JSON: compare values, not bytes.
			var a, b any
			if err := m.Data.Unmarshal(&a); err != nil {
				t.Fatal(err)
			}
			if err := RawJSON(want.Bytes()).Unmarshal(&b); err != nil {
				t.Fatal(err)
			}
			if mustJSON(t, a) != mustJSON(t, b) {
				t.Errorf("message %d: %s, want %s", i, m.Data.Bytes(), want.Bytes())
			}
		} else if !bytes.Equal(m.Data.Bytes(), want.Bytes()) {
			t.Errorf("message %d: %q, want %q", i, m.Data.Bytes(), want.Bytes())
		}
	}
	var p point
	if err := ms[2].Data.Unmarshal(&p); err != nil || p != (point{1, 2}) {
		t.Errorf("JSON point: %+v, %v", p, err)
	}
	if err := ms[0].Data.Unmarshal(&p); err == nil {
		t.Error("Unmarshal of text data succeeded")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	return JSON(v).String()
}

// Server messages injected through the emulator (as the application server's REST send
// would) arrive through OnServerMessage with their type.
func TestServerMessages(t *testing.T) {
	t.Parallel()
	hub := newHub(t)
	c, id := started(t, hub, "bob")
	got := record(t, c.OnServerMessage)
	for _, m := range []struct{ contentType, body string }{
		{"text/plain", "from the server"},
		{"application/json", `{"n":1}`},
		{"application/octet-stream", "\x00\x01"},
	} {
		control(t, http.MethodPost, "hubs/"+hub+"/server-message?connectionId="+id, strings.NewReader(m.body), m.contentType, nil)
	}
	ms := got.wait(t, 3)
	want := []DataType{DataText, DataJSON, DataBinary}
	for i, m := range ms {
		if m.Data.Type() != want[i] || m.SequenceID == 0 {
			t.Errorf("server message %d: %+v", i, m)
		}
	}
	if ms[0].Data.String() != "from the server" || !bytes.Equal(ms[2].Data.Bytes(), []byte{0, 1}) {
		t.Errorf("payloads %q %q", ms[0].Data.Bytes(), ms[2].Data.Bytes())
	}
}

// Ack ids: chosen by the client and increasing, or given with WithAckID; reusing one is
// answered as a duplicate and executed once; fire-and-forget has none.
func TestAckIDsAndDuplicates(t *testing.T) {
	t.Parallel()
	hub := newHub(t)
	c, _ := started(t, hub, "u")
	got := record(t, c.OnGroupMessage)
	if _, err := c.JoinGroup(ctx(t), "g"); err != nil {
		t.Fatal(err)
	}
	r1, err := c.SendToGroup(ctx(t), "g", Text("one"))
	if err != nil {
		t.Fatal(err)
	}
	r2, err := c.SendToGroup(ctx(t), "g", Text("two"))
	if err != nil {
		t.Fatal(err)
	}
	if r1.AckID == 0 || r2.AckID <= r1.AckID || r1.Duplicated || r2.Duplicated {
		t.Fatalf("results %+v %+v", r1, r2)
	}
	const mine = 1 << 40
	first, err := c.SendToGroup(ctx(t), "g", Text("three"), WithAckID(mine))
	if err != nil || first != (Result{AckID: mine}) {
		t.Fatalf("first send with ack id: %+v %v", first, err)
	}
	again, err := c.SendToGroup(ctx(t), "g", Text("three"), WithAckID(mine))
	if err != nil || again != (Result{AckID: mine, Duplicated: true}) {
		t.Fatalf("repeated send with ack id: %+v %v", again, err)
	}
	ff, err := c.SendToGroup(ctx(t), "g", Text("four"), FireAndForget())
	if err != nil || ff.AckID != 0 {
		t.Fatalf("fire and forget: %+v %v", ff, err)
	}
	if got := joinAll(texts(got.wait(t, 4))); got != "one,two,three,four" {
		t.Fatalf("received %s", got)
	}
}

// NoEcho keeps a message from its sender but not from the others.
func TestNoEcho(t *testing.T) {
	t.Parallel()
	hub := newHub(t)
	sender, _ := started(t, hub, "s")
	receiver, _ := started(t, hub, "r")
	mine := record(t, sender.OnGroupMessage)
	theirs := record(t, receiver.OnGroupMessage)
	for _, c := range []*Client{sender, receiver} {
		if _, err := c.JoinGroup(ctx(t), "g"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sender.SendToGroup(ctx(t), "g", Text("quiet"), NoEcho()); err != nil {
		t.Fatal(err)
	}
	if _, err := sender.SendToGroup(ctx(t), "g", Text("loud")); err != nil {
		t.Fatal(err)
	}
	if got := joinAll(texts(theirs.wait(t, 2))); got != "quiet,loud" {
		t.Fatalf("receiver got %s", got)
	}
	if got := joinAll(texts(mine.wait(t, 1))); got != "loud" {
		t.Fatalf("sender got %s", got)
	}
}

// SendEvent reaches the service's event handler (the emulator records it); LeaveGroup stops
// the group's messages.
func TestSendEventAndLeaveGroup(t *testing.T) {
	t.Parallel()
	hub := newHub(t)
	c, id := started(t, hub, "u")
	if _, err := c.SendEvent(ctx(t), "order", JSON(map[string]int{"qty": 3})); err != nil {
		t.Fatal(err)
	}
	var events []struct {
		ConnectionID, Event, DataType string
		Data                          map[string]int
	}
	control(t, http.MethodGet, "events?hub="+hub, nil, "", &events)
	if len(events) != 1 || events[0].ConnectionID != id || events[0].Event != "order" || events[0].DataType != "json" || events[0].Data["qty"] != 3 {
		t.Fatalf("recorded events %+v", events)
	}
	if _, err := c.SendEvent(ctx(t), "order", Text("x"), NoEcho()); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("SendEvent with NoEcho: %v", err)
	}
	if _, err := c.JoinGroup(ctx(t), "g"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.LeaveGroup(ctx(t), "g"); err != nil {
		t.Fatal(err)
	}
	if cs := connections(t, hub); len(cs) != 1 || len(cs[0].Groups) != 0 {
		t.Fatalf("connections after leaving %+v", cs)
	}
}

// A join without permission fails with the service's Forbidden as a *SendMessageError
// whose ack id retries idempotently.
func TestJoinForbidden(t *testing.T) {
	t.Parallel()
	hub := newHub(t)
	c, err := NewClient(mintURL(t, hub, "nobody")) // no roles
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Start(ctx(t)); err != nil {
		t.Fatal(err)
	}
	_, err = c.JoinGroup(ctx(t), "secret")
	var sendErr *SendMessageError
	if !errors.As(err, &sendErr) {
		t.Fatalf("JoinGroup error %v (%T) is not a *SendMessageError", err, err)
	}
	if sendErr.Name != "Forbidden" || sendErr.AckID == 0 || sendErr.Message == "" || !errors.Is(err, ErrServiceError) {
		t.Fatalf("SendMessageError %+v", sendErr)
	}
	_, again := c.JoinGroup(ctx(t), "secret", WithAckID(sendErr.AckID))
	if !errors.As(again, &sendErr) || sendErr.Name != "Forbidden" {
		t.Fatalf("retry with the ack id: %v", again)
	}
}
