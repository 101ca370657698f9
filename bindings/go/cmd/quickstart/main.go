// Command quickstart is the walk-through of the Web PubSub client's getting-started page,
// in Go: connect, register callbacks for connected, disconnected, stopped, server and group
// messages, join group1, send "hello world" to it as text, receive it, and stop.
//
//	bindings/go/quickstart.sh                      # against a local emulator it starts
//	go run ./cmd/quickstart -url "wss://<service>.webpubsub.azure.com/client/hubs/<hub>?access_token=..."
//
// WEBPUBSUB_CLIENT_ACCESS_URL works as well as -url; -emulator http://127.0.0.1:PORT asks a
// running webpubsub-emulator's control surface for a URL. The token needs permission to
// join and publish to group1 (roles webpubsub.joinLeaveGroup and webpubsub.sendToGroup).
// Set AZURE_LOG_LEVEL=verbose to see the library's logs.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	webpubsub "github.com/webpubsub-client/webpubsub-client/bindings/go"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run() error {
	accessURL := flag.String("url", os.Getenv("WEBPUBSUB_CLIENT_ACCESS_URL"), "the client access URL")
	emulator := flag.String("emulator", "", "the endpoint of a running webpubsub-emulator to get a URL from")
	flag.Parse()
	if *accessURL == "" && *emulator != "" {
		u, err := urlFromEmulator(*emulator)
		if err != nil {
			return err
		}
		*accessURL = u
		fmt.Println("Using the emulator at", *emulator)
	}
	if *accessURL == "" {
		return errors.New("no client access URL: pass -url, set WEBPUBSUB_CLIENT_ACCESS_URL, or run bindings/go/quickstart.sh to use a local emulator")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// 2. Connect with your Web PubSub resource.
	client, err := webpubsub.NewClient(*accessURL)
	if err != nil {
		return err
	}
	defer client.Close()

	// Callbacks for connected, disconnected and stopped events, and for the messages from
	// the application server and from groups. They run in order on the client's
	// dispatcher thread.
	received := make(chan struct{}, 1)
	stopped := make(chan struct{}, 1)
	client.OnConnected(func(e webpubsub.Connected) {
		fmt.Printf("Connection %s is connected\n", e.ConnectionID)
	})
	client.OnDisconnected(func(e webpubsub.Disconnected) {
		fmt.Printf("Connection disconnected: %s\n", e.Message)
	})
	client.OnStopped(func(webpubsub.Stopped) {
		fmt.Println("Client has stopped")
		stopped <- struct{}{}
	})
	client.OnServerMessage(func(e webpubsub.ServerMessage) {
		fmt.Printf("Received message %s\n", e.Data)
	})
	// 3. Register the group-message listener before joining, so no message is missed.
	client.OnGroupMessage(func(e webpubsub.GroupMessage) {
		fmt.Printf("Received message from %s: %s\n", e.Group, e.Data)
		received <- struct{}{}
	})
	client.OnRejoinGroupFailed(func(e webpubsub.RejoinGroupFailed) {
		fmt.Printf("Rejoin group %s failed: %v\n", e.Group, e.Err)
	})

	if err := client.Start(ctx); err != nil {
		return err
	}

	// 3. Join a group. A failed operation can be retried with its ack id: the service
	// executes an ack id only once.
	groupName := "group1"
	if _, err := client.JoinGroup(ctx, groupName); err != nil {
		var sendErr *webpubsub.SendMessageError
		if !errors.As(err, &sendErr) {
			return err
		}
		if _, err := client.JoinGroup(ctx, groupName, webpubsub.WithAckID(sendErr.AckID)); err != nil {
			return err
		}
	}

	// 4. Send a message to the joined group, and receive it.
	if _, err := client.SendToGroup(ctx, groupName, webpubsub.Text("hello world")); err != nil {
		return err
	}
	select {
	case <-received:
	case <-ctx.Done():
		return errors.New("the message did not come back")
	}

	if err := client.Stop(ctx); err != nil {
		return err
	}
	select {
	case <-stopped:
	case <-ctx.Done():
		return errors.New("no stopped event")
	}
	client.Close()
	return webpubsub.Shutdown(5 * time.Second)
}

// urlFromEmulator asks a webpubsub-emulator's control surface for a client access URL
// that may join and publish to every group.
func urlFromEmulator(endpoint string) (string, error) {
	q := url.Values{
		"hub":    {"quickstart"},
		"userId": {"quickstart"},
		"role":   {"webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"},
	}
	resp, err := http.Get(endpoint + "/_emulator/client-access-url?" + q.Encode())
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var answer struct{ URL string }
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || answer.URL == "" {
		return "", fmt.Errorf("no URL from the emulator at %s (%s): %v", endpoint, resp.Status, err)
	}
	return answer.URL, nil
}
