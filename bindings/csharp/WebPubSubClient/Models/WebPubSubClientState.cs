namespace WebPubSub.Client
{
    /// <summary>The client's public state (see <see cref="WebPubSubClient.State"/> and <see cref="WebPubSubClient.StateChanged"/>).</summary>
    public enum WebPubSubClientState
    {
        /// <summary>Not started, or stopped; <see cref="WebPubSubClient.StartAsync"/> may be called.</summary>
        Stopped = 0,
        /// <summary>Opening the first connection.</summary>
        Connecting = 1,
        /// <summary>Connected; operations are sent at once.</summary>
        Connected = 2,
        /// <summary>The reliable connection dropped and is being recovered (same connection, nothing lost); operations wait.</summary>
        Recovering = 3,
        /// <summary>The connection was lost for good; a new one is being opened; operations wait.</summary>
        Reconnecting = 4,
        /// <summary>Stopping: the connection is being closed.</summary>
        Stopping = 5,
    }
}
