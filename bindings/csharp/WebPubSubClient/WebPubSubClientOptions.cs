using System;
using System.Collections.Generic;

namespace WebPubSub.Client
{
    /// <summary>Where a client's event handlers run.</summary>
    public enum WebPubSubDispatcherMode
    {
        /// <summary>A thread of its own for each client (the default).</summary>
        Dedicated = 0,
        /// <summary>
        /// One thread of a process-wide pool, assigned to the client for its whole life (so its
        /// handlers still run in order): for many clients in one process. A slow handler delays
        /// the other clients on the same thread.
        /// </summary>
        Shared = 1,
    }

    /// <summary>
    /// Options of a <see cref="WebPubSubClient"/>. The first four mirror the official .NET SDK;
    /// the others expose what the native client adds. A null value means "the library's
    /// default" (given in each property's documentation). The options are read once, when a
    /// client is created; changing them afterwards does not affect it.
    /// </summary>
    public sealed class WebPubSubClientOptions
    {
        /// <summary>Creates options with the defaults.</summary>
        public WebPubSubClientOptions()
        {
            Protocol = new WebPubSubJsonReliableProtocol();
            AutoReconnect = true;
            AutoRejoinGroups = true;
            MessageRetryOptions = new WebPubSubRetryOptions(3, TimeSpan.FromMilliseconds(800), TimeSpan.FromSeconds(30));
            ReconnectRetryOptions = new WebPubSubRetryOptions(-1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
            Headers = new Dictionary<string, string>();
        }

        /// <summary>The subprotocol (default <see cref="WebPubSubJsonReliableProtocol"/>).</summary>
        public WebPubSubProtocol Protocol { get; set; }

        /// <summary>Open a new connection when the old one is lost for good (default true).</summary>
        public bool AutoReconnect { get; set; }

        /// <summary>Join again, on a new connection, the groups this client joined (default true).</summary>
        public bool AutoRejoinGroups { get; set; }

        /// <summary>Retries of operations that failed transiently (default 3, exponential from 0.8 s to 30 s, jittered).</summary>
        public WebPubSubRetryOptions MessageRetryOptions { get; private set; }

        /// <summary>Retries of reconnecting after a connection was lost for good (default unlimited, exponential from 1 s to 30 s, jittered).</summary>
        public WebPubSubRetryOptions ReconnectRetryOptions { get; private set; }

        /// <summary>How long to try recovering a dropped reliable connection before reconnecting (default 30 s); <see cref="TimeSpan.Zero"/> disables recovery.</summary>
        public TimeSpan? RecoveryWindow { get; set; }

        /// <summary>The pause between recovery attempts (default 1 s).</summary>
        public TimeSpan? RecoveryInterval { get; set; }

        /// <summary>The bound of one connection attempt (default 10 s).</summary>
        public TimeSpan? ConnectTimeout { get; set; }

        /// <summary>
        /// The bound of one operation from the call to its ack, retries and recovery included
        /// (default 30 s). The official SDK has no such bound; a <see cref="System.Threading.CancellationToken"/> can shorten it per call.
        /// </summary>
        public TimeSpan? OperationTimeout { get; set; }

        /// <summary>The interval of application-level pings while connected (default 20 s); <see cref="TimeSpan.Zero"/> disables.</summary>
        public TimeSpan? KeepAliveInterval { get; set; }

        /// <summary>Recover the connection when nothing arrived for this long, which detects half-open sockets (default 120 s); <see cref="TimeSpan.Zero"/> disables.</summary>
        public TimeSpan? KeepAliveTimeout { get; set; }

        /// <summary>The interval of cumulative sequence acks, sent only when something new arrived (default 1 s).</summary>
        public TimeSpan? SequenceAckInterval { get; set; }

        /// <summary>Send a sequence ack at once after this many unacknowledged messages (default 300).</summary>
        public int? SequenceAckThreshold { get; set; }

        /// <summary>How many events may wait for the handlers before the client stops reading from the socket (default 4096; see <see cref="WebPubSubClient.SlowConsumer"/>).</summary>
        public int? EventQueueCapacity { get; set; }

        /// <summary>How many operations may wait for the connection (default 1024).</summary>
        public int? OperationQueueCapacity { get; set; }

        /// <summary>HTTP headers added to the WebSocket upgrade request.</summary>
        public IDictionary<string, string> Headers { get; private set; }

        /// <summary>The <c>User-Agent</c> header (default <c>webpubsub-client-rust/&lt;version&gt;</c>).</summary>
        public string UserAgent { get; set; }

        /// <summary>Extra CA certificates (PEM) trusted for <c>wss://</c> on top of the system's roots.</summary>
        public string ExtraCaCertificatesPem { get; set; }

        /// <summary>Where the client's event handlers run (default <see cref="WebPubSubDispatcherMode.Dedicated"/>).</summary>
        public WebPubSubDispatcherMode Dispatcher { get; set; }
    }
}
