package webpubsub

// The test harness: one webpubsub-emulator process for the whole test binary (started in
// TestMain with --port 0), its HTTP control surface, and helpers shared by the tests.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// patience bounds every wait of the tests: long enough never to fail a correct run on a
// loaded machine, short enough to fail a hang. Tests assert outcomes, never speed.
const patience = 30 * time.Second

// emulatorEndpoint is the emulator's http://127.0.0.1:PORT.
var emulatorEndpoint string

// allRoles lets a connection join, leave and publish to every group.
var allRoles = []string{"webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"}

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	stop, err := startEmulator()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot start the emulator:", err)
		return 1
	}
	defer stop()
	code := m.Run()
	// Shutdown finalizes whatever the library still holds; after it, every handle this
	// package created must have been deleted exactly once (a double delete panics).
	if err := Shutdown(patience); err != nil {
		fmt.Fprintln(os.Stderr, "Shutdown:", err)
		return 1
	}
	if n := liveHandles.Load(); n != 0 && code == 0 {
		fmt.Fprintf(os.Stderr, "%d cgo handles still live after Shutdown\n", n)
		return 1
	}
	if n := bindingPanics.Load(); n != 0 {
		fmt.Fprintf(os.Stderr, "%d panics in the binding's trampolines\n", n)
		return 1
	}
	return code
}

// settle, for tests that count handles (which must not be run in parallel), returns the
// number of live handles now and makes the test wait at its end until the count is back
// there: the clients it closed have delivered every completion and finalizer, so the next
// test starts from a quiet state.
func settle(t *testing.T) int64 {
	base := liveHandles.Load()
	t.Cleanup(func() { // registered first, so it runs after the clients' Close
		eventually(t, "the test's handles to be released", func() bool { return liveHandles.Load() == base })
	})
	return base
}

// emulatorPath finds the emulator binary: $WEBPUBSUB_EMULATOR, else the release build in
// $CARGO_TARGET_DIR or the repository's target/.
func emulatorPath() string {
	if p := os.Getenv("WEBPUBSUB_EMULATOR"); p != "" {
		return p
	}
	target := os.Getenv("CARGO_TARGET_DIR")
	if target == "" {
		target = filepath.Join("..", "..", "target")
	} else if !filepath.IsAbs(target) {
		target = filepath.Join("..", "..", target)
	}
	return filepath.Join(target, "release", "webpubsub-emulator")
}

var endpointLine = regexp.MustCompile(`^Endpoint=(http://[^;]+);`)

func startEmulator() (stop func(), err error) {
	cmd := exec.Command(emulatorPath(), "--port", "0")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if m := endpointLine.FindStringSubmatch(lines.Text()); m != nil {
			emulatorEndpoint = m[1]
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return stop, nil
		}
	}
	stop()
	return nil, fmt.Errorf("%s printed no Endpoint= line", cmd.Path)
}

// control calls the emulator's control surface (/_emulator/...) and decodes its JSON
// answer into out (if not nil); any status but 200 fails the test.
func control(t testing.TB, method, path string, body io.Reader, contentType string, out any) {
	t.Helper()
	req, err := http.NewRequest(method, emulatorEndpoint+"/_emulator/"+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %s: %s", method, path, resp.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

// mintURL asks the emulator for a client access URL of hub for user with roles.
func mintURL(t testing.TB, hub, user string, roles ...string) string {
	t.Helper()
	q := url.Values{"hub": {hub}}
	if user != "" {
		q.Set("userId", user)
	}
	q["role"] = roles
	var answer struct{ URL string }
	control(t, http.MethodGet, "client-access-url?"+q.Encode(), nil, "", &answer)
	return answer.URL
}

var hubCounter atomic.Int64

// newHub is a hub of its own for one test, so tests do not see each other's connections.
func newHub(t testing.TB) string {
	name := regexp.MustCompile(`[^A-Za-z0-9_]`).ReplaceAllString(t.Name(), "_")
	return fmt.Sprintf("%s_%d", name, hubCounter.Add(1))
}

type connectionInfo struct {
	ConnectionID string
	Attached     bool
	Groups       []string
}

func connections(t testing.TB, hub string) []connectionInfo {
	t.Helper()
	var infos []connectionInfo
	control(t, http.MethodGet, "connections?hub="+url.QueryEscape(hub), nil, "", &infos)
	return infos
}

// dropConnection resets the TCP connection of id abruptly (no close frame), once it is
// attached (a connection still recovering from the previous drop has nothing to drop).
func dropConnection(t testing.TB, hub, id string) {
	t.Helper()
	eventually(t, "connection "+id+" to be attached", func() bool {
		for _, c := range connections(t, hub) {
			if c.ConnectionID == id && c.Attached {
				return true
			}
		}
		return false
	})
	control(t, http.MethodPost, "connections/"+id+"/drop", nil, "", nil)
}

// newClient creates a client of hub with every role, closed when the test ends.
func newClient(t testing.TB, hub, user string, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(mintURL(t, hub, user, allRoles...), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// started is newClient, started; it returns the connection id too.
func started(t testing.TB, hub, user string, opts ...Option) (*Client, string) {
	t.Helper()
	c := newClient(t, hub, user, opts...)
	connected := make(chan string, 1)
	l, err := c.OnConnected(func(e Connected) { connected <- e.ConnectionID })
	if err != nil {
		t.Fatal(err)
	}
	defer l.Remove()
	if err := c.Start(ctx(t)); err != nil {
		t.Fatal(err)
	}
	return c, <-connected
}

// ctx bounds a test's blocking call by patience.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), patience)
	t.Cleanup(cancel)
	return c
}

// eventually polls cond until it holds, failing the test after patience.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// recorder keeps the events a listener received, for tests to wait on.
type recorder[E Event] struct {
	mu     sync.Mutex
	events []E
}

func (r *recorder[E]) add(e E) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder[E]) snapshot() []E {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]E(nil), r.events...)
}

// wait waits until at least n events arrived and returns them.
func (r *recorder[E]) wait(t testing.TB, n int) []E {
	t.Helper()
	eventually(t, fmt.Sprintf("%d %T events", n, *new(E)), func() bool { return len(r.snapshot()) >= n })
	return r.snapshot()
}

// record registers a recorder for the events of one On* method.
func record[E Event](t testing.TB, on func(func(E)) (*Listener, error)) *recorder[E] {
	t.Helper()
	r := &recorder[E]{}
	if _, err := on(r.add); err != nil {
		t.Fatal(err)
	}
	return r
}

// texts are the payloads of group messages, as strings.
func texts(ms []GroupMessage) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Data.String()
	}
	return out
}

func joinAll(s []string) string { return strings.Join(s, ",") }
