package webpubsub

import (
	"net/http"
	"strings"
	"testing"
)

// Operations issued right after StartAsync wait for its connection instead of failing with
// ErrStopped, and the client never reads as stopped once StartAsync returned.
func TestOperationsRightAfterStartAsync(t *testing.T) {
	t.Parallel()
	hub := newHub(t)
	for round := 0; round < 20; round++ {
		c := newClient(t, hub, "alice")
		p, err := c.StartAsync()
		if err != nil {
			t.Fatal(err)
		}
		if s := c.State(); s == StateStopped {
			t.Fatalf("round %d: state %v right after StartAsync", round, s)
		}
		if _, err := c.JoinGroup(ctx(t), "g"); err != nil {
			t.Fatalf("round %d: JoinGroup: %v", round, err)
		}
		if _, err := c.SendToGroup(ctx(t), "g", Text("x")); err != nil {
			t.Fatalf("round %d: SendToGroup: %v", round, err)
		}
		if _, err := p.Wait(ctx(t)); err != nil {
			t.Fatalf("round %d: start: %v", round, err)
		}
		c.Close()
	}
}

// JSON nested far deeper than encoding/json decodes (it stops at 10000 levels) is still
// delivered, as its text; Unmarshal reports the depth instead of the message vanishing.
func TestDeeplyNestedJSONIsDelivered(t *testing.T) {
	t.Parallel()
	hub := newHub(t)
	c, _ := started(t, hub, "alice")
	got := record(t, c.OnGroupMessage)
	if _, err := c.JoinGroup(ctx(t), "deep"); err != nil {
		t.Fatal(err)
	}
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	control(t, http.MethodPost, "hubs/"+hub+"/groups/deep/message", strings.NewReader(deep), "application/json", nil)
	m := got.wait(t, 1)[0]
	if m.Data.Type() != DataJSON || string(m.Data.Bytes()) != deep {
		t.Fatalf("got %v data of %d bytes", m.Data.Type(), len(m.Data.Bytes()))
	}
	var v any
	if err := m.Data.Unmarshal(&v); err == nil {
		t.Fatal("encoding/json decoded 100000 levels; expected its depth error")
	}
}

// An http:// client access URL is a ws:// one.
func TestHTTPURLConnects(t *testing.T) {
	t.Parallel()
	hub := newHub(t)
	url := mintURL(t, hub, "alice", allRoles...)
	c, err := NewClient("http://"+strings.TrimPrefix(url, "ws://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Start(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.JoinGroup(ctx(t), strings.Repeat("é", 600)); err != nil {
		t.Fatal(err)
	}
}
