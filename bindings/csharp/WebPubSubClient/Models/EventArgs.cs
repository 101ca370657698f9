using System;

namespace WebPubSub.Client
{
    /// <summary>A new connection is established (not raised by a recovery).</summary>
    public sealed class WebPubSubConnectedEventArgs : EventArgs
    {
        internal WebPubSubConnectedEventArgs(string connectionId, string userId)
        {
            ConnectionId = connectionId;
            UserId = userId;
        }

        /// <summary>The connection's id.</summary>
        public string ConnectionId { get; private set; }

        /// <summary>The connection's user id; null for anonymous connections.</summary>
        public string UserId { get; private set; }
    }

    /// <summary>The connection was lost for good (recovery impossible or failed, or a stop closed it).</summary>
    public sealed class WebPubSubDisconnectedEventArgs : EventArgs
    {
        internal WebPubSubDisconnectedEventArgs(string connectionId, DisconnectedMessage disconnectedMessage, int? closeCode)
        {
            ConnectionId = connectionId;
            DisconnectedMessage = disconnectedMessage;
            CloseCode = closeCode;
        }

        /// <summary>The connection's id; null if it was never established.</summary>
        public string ConnectionId { get; private set; }

        /// <summary>Why it ended.</summary>
        public DisconnectedMessage DisconnectedMessage { get; private set; }

        /// <summary>The WebSocket close code, when a close frame arrived.</summary>
        public int? CloseCode { get; private set; }
    }

    /// <summary>The client stopped and will not reconnect until started again.</summary>
    public sealed class WebPubSubStoppedEventArgs : EventArgs
    {
        internal WebPubSubStoppedEventArgs()
        {
        }
    }

    /// <summary>A message from the application server arrived.</summary>
    public sealed class WebPubSubServerMessageEventArgs : EventArgs
    {
        internal WebPubSubServerMessageEventArgs(ServerDataMessage message)
        {
            Message = message;
        }

        /// <summary>The message.</summary>
        public ServerDataMessage Message { get; private set; }
    }

    /// <summary>A message from a joined group arrived.</summary>
    public sealed class WebPubSubGroupMessageEventArgs : EventArgs
    {
        internal WebPubSubGroupMessageEventArgs(GroupDataMessage message)
        {
            Message = message;
        }

        /// <summary>The message.</summary>
        public GroupDataMessage Message { get; private set; }
    }

    /// <summary>Joining a group again on a new connection failed.</summary>
    public sealed class WebPubSubRejoinGroupFailedEventArgs : EventArgs
    {
        internal WebPubSubRejoinGroupFailedEventArgs(string group, Exception exception)
        {
            Group = group;
            Exception = exception;
        }

        /// <summary>The group.</summary>
        public string Group { get; private set; }

        /// <summary>Why (usually a <see cref="SendMessageFailedException"/>, e.g. <c>Forbidden</c>).</summary>
        public Exception Exception { get; private set; }
    }

    /// <summary>The client's state changed.</summary>
    public sealed class WebPubSubStateChangedEventArgs : EventArgs
    {
        internal WebPubSubStateChangedEventArgs(WebPubSubClientState previousState, WebPubSubClientState currentState)
        {
            PreviousState = previousState;
            CurrentState = currentState;
        }

        /// <summary>The state before.</summary>
        public WebPubSubClientState PreviousState { get; private set; }

        /// <summary>The state now.</summary>
        public WebPubSubClientState CurrentState { get; private set; }
    }

    /// <summary>The reliable connection dropped and recovery began; nothing is lost if it succeeds.</summary>
    public sealed class WebPubSubRecoveringEventArgs : EventArgs
    {
        internal WebPubSubRecoveringEventArgs(string connectionId, int? closeCode)
        {
            ConnectionId = connectionId;
            CloseCode = closeCode;
        }

        /// <summary>The connection being recovered.</summary>
        public string ConnectionId { get; private set; }

        /// <summary>The WebSocket close code, when a close frame arrived.</summary>
        public int? CloseCode { get; private set; }
    }

    /// <summary>The connection was recovered; nothing sent to it was lost.</summary>
    public sealed class WebPubSubRecoveredEventArgs : EventArgs
    {
        internal WebPubSubRecoveredEventArgs(string connectionId, TimeSpan elapsed)
        {
            ConnectionId = connectionId;
            Elapsed = elapsed;
        }

        /// <summary>The recovered connection.</summary>
        public string ConnectionId { get; private set; }

        /// <summary>From the drop to the recovered socket.</summary>
        public TimeSpan Elapsed { get; private set; }
    }

    /// <summary>
    /// Handlers fell behind: the client's event queue is full and it paused reading from the
    /// socket until the queue drains. Nothing is lost; keep handlers short.
    /// </summary>
    public sealed class WebPubSubSlowConsumerEventArgs : EventArgs
    {
        internal WebPubSubSlowConsumerEventArgs(long queuedEvents)
        {
            QueuedEvents = queuedEvents;
        }

        /// <summary>Events queued when reading paused.</summary>
        public long QueuedEvents { get; private set; }
    }

    /// <summary>An event handler (or credential callback) threw; the exception was caught at the native boundary.</summary>
    public sealed class WebPubSubCallbackExceptionEventArgs : EventArgs
    {
        internal WebPubSubCallbackExceptionEventArgs(string eventName, Exception exception)
        {
            EventName = eventName;
            Exception = exception;
        }

        /// <summary>The event whose handler threw, e.g. <c>GroupMessageReceived</c>.</summary>
        public string EventName { get; private set; }

        /// <summary>What it threw.</summary>
        public Exception Exception { get; private set; }
    }
}
