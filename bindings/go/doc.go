// Package webpubsub is the Go binding of webpubsub-client, a native, reliable Azure Web
// PubSub client: the reliable JSON subprotocol with connection recovery that loses and
// duplicates nothing, acks with ack-id deduplication, reconnect with a fresh URL and
// automatic rejoin. The client itself is a Rust library behind a C ABI
// (include/webpubsub_client.h, libwebpubsub_client.so); this package calls it with cgo.
//
//	client, err := webpubsub.NewClient(url)
//	if err != nil { ... }
//	defer client.Close()
//	client.OnGroupMessage(func(m webpubsub.GroupMessage) {
//		fmt.Printf("Received message from %s: %s\n", m.Group, m.Data)
//	})
//	if err := client.Start(ctx); err != nil { ... }
//	if _, err := client.JoinGroup(ctx, "group1"); err != nil { ... }
//	if _, err := client.SendToGroup(ctx, "group1", webpubsub.Text("hello world")); err != nil { ... }
//	client.Stop(ctx)
//
// # Operations and contexts
//
// JoinGroup, LeaveGroup, SendToGroup and SendEvent wait for the service's ack and take a
// context: when it ends first they return ctx.Err() at once (the operation is not
// cancelled in the library: it completes in the background, and a context deadline bounds
// it there too). Their Async forms return a *Pending instead, queued in call order.
// Failures are errors wrapping one of the Err* sentinels (errors.Is); an operation's failure
// is a *SendMessageError (errors.As) with the ack id to retry with (WithAckID).
//
// # Callbacks and threads
//
// Listeners (OnConnected, OnGroupMessage, ...) run in order on the client's dispatcher
// thread, one at a time; keep them short, or use the channel of Events to handle events on
// your own goroutine. Inside a listener, calls that wait for this dispatcher return an
// error wrapping ErrIllegalState; use the Async forms or a goroutine. A panic in a listener
// is recovered (and logged) at the boundary.
//
// Go values never cross into C: the library holds runtime/cgo.Handle integers, deleted
// exactly once by the library's finalizer callbacks (Listener.Done tells when).
//
// # Linking
//
// By default the package compiles against the repository's include/ and links
// target/release/libwebpubsub_client.so with an rpath to it, so `cargo build --release`
// at the repository root is all it needs. For a library elsewhere, put its directory in
// front with CGO_LDFLAGS="-L/dir -Wl,-rpath,/dir" (and CGO_CFLAGS="-I/include/dir" for
// another header).
package webpubsub
