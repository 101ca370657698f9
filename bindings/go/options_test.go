package webpubsub

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"testing"
	"time"
)

// Every option reaches the library, which accepts valid values and refuses invalid ones;
// a client built with all of them works (on the non-reliable protocol, too).
func TestEveryOption(t *testing.T) {
	t.Parallel()
	hub := newHub(t)
	retry := RetryPolicy{MaxRetries: 2, InitialDelay: 10 * time.Millisecond, MaxDelay: time.Second, Mode: RetryFixed, Jitter: true}
	all := []Option{
		WithProtocol(ProtocolJSON),
		WithAutoReconnect(false),
		WithAutoRejoinGroups(false),
		WithMessageRetry(retry),
		WithReconnectRetry(RetryPolicy{MaxRetries: -1, InitialDelay: time.Second, MaxDelay: 30 * time.Second}),
		WithRecoveryWindow(0),
		WithRecoveryInterval(500 * time.Millisecond),
		WithConnectTimeout(5 * time.Second),
		WithOperationTimeout(10 * time.Second),
		WithKeepAliveInterval(0),
		WithKeepAliveTimeout(time.Minute),
		WithSequenceAckInterval(200 * time.Millisecond),
		WithSequenceAckThreshold(10),
		WithEventQueueCapacity(16),
		WithOperationQueueCapacity(16),
		WithHeader("X-Test", "yes"),
		WithUserAgent("webpubsub-go-test/1"),
		WithExtraCAPEM(selfSignedPEM(t)),
		WithDispatcher(DispatcherShared),
	}
	c, id := started(t, hub, "u", all...)
	got := record(t, c.OnGroupMessage)
	if _, err := c.JoinGroup(ctx(t), "g"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendToGroup(ctx(t), "g", Text("plain")); err != nil {
		t.Fatal(err)
	}
	if m := got.wait(t, 1)[0]; m.Data.String() != "plain" || m.SequenceID != 0 {
		t.Fatalf("message on the non-reliable protocol %+v", m)
	}
	// Without recovery or reconnect, a drop stops the client.
	stopped := record(t, c.OnStopped)
	dropConnection(t, hub, id)
	stopped.wait(t, 1)

	for name, bad := range map[string]Option{
		"protocol":        WithProtocol(99),
		"dispatcher":      WithDispatcher(99),
		"retry below -1":  WithMessageRetry(RetryPolicy{MaxRetries: -2}),
		"max < initial":   WithReconnectRetry(RetryPolicy{InitialDelay: time.Second, MaxDelay: time.Millisecond}),
		"zero queue":      WithEventQueueCapacity(0),
		"negative queue":  WithOperationQueueCapacity(-1),
		"zero ack timer":  WithSequenceAckInterval(0),
		"zero threshold":  WithSequenceAckThreshold(0),
		"zero op timeout": WithOperationTimeout(0),
		"header name":     WithHeader("bad header", "x"),
		"user agent":      WithUserAgent("line\nbreak"),
		"not a PEM":       WithExtraCAPEM([]byte("nope")),
		"huge duration":   WithRecoveryWindow(time.Duration(1) << 62),
		"negative keep":   WithKeepAliveTimeout(-1),
	} {
		if _, err := NewClient(mintURL(t, hub, "u"), bad); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// selfSignedPEM is a throwaway CA certificate in PEM.
func selfSignedPEM(t *testing.T) []byte {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "webpubsub test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
