package webpubsub

import (
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// The log handler receives the library's records, never an access token, and its handle
// is released when it is removed.
func TestLogHandler(t *testing.T) {
	settle(t)
	var mu sync.Mutex
	var records []LogRecord
	if err := SetLogHandler(LogDebug, func(r LogRecord) {
		mu.Lock()
		records = append(records, r)
		mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := SetLogHandler(LogFromEnv, nil); err != nil {
			t.Fatal(err)
		}
	}()
	hub := newHub(t)
	accessURL := mintURL(t, hub, "logged", allRoles...)
	u, err := url.Parse(accessURL)
	if err != nil {
		t.Fatal(err)
	}
	token := u.Query().Get("access_token")
	c, err := NewClient(accessURL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Start(ctx(t)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a record of the connection", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range records {
			if strings.Contains(r.Message, "connected") && r.Level >= LogError && r.Level <= LogDebug && strings.HasPrefix(r.Target, "webpubsub_client") {
				return true
			}
		}
		return false
	})
	mu.Lock()
	defer mu.Unlock()
	for _, r := range records {
		if strings.Contains(r.Message, token) {
			t.Fatalf("a log record contains the access token: %+v", r)
		}
	}
}

// The loaded library matches the header, and the runtime cannot be resized while it runs.
func TestVersionAndRuntime(t *testing.T) {
	if v := Version(); v == "" || checkVersion() != nil {
		t.Fatalf("version %q: %v", v, checkVersion())
	}
	newClient(t, newHub(t), "u") // the runtime exists from the first client on
	if err := ConfigureRuntime(1, 1); !errors.Is(err, ErrIllegalState) {
		t.Fatalf("ConfigureRuntime with a running runtime: %v", err)
	}
	if err := ConfigureRuntime(-1, 0); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("ConfigureRuntime(-1, 0): %v", err)
	}
}
