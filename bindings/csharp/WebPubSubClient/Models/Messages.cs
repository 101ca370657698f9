namespace WebPubSub.Client
{
    /// <summary>A message from a joined group (the official SDK's <c>GroupDataMessage</c>).</summary>
    public sealed class GroupDataMessage
    {
        internal GroupDataMessage(string group, string fromUserId, WebPubSubDataType dataType, MessageData data, long? sequenceId)
        {
            Group = group;
            FromUserId = fromUserId;
            DataType = dataType;
            Data = data;
            SequenceId = sequenceId;
        }

        /// <summary>The group the message was sent to.</summary>
        public string Group { get; private set; }

        /// <summary>The publisher's user id; null when the publisher has none.</summary>
        public string FromUserId { get; private set; }

        /// <summary>The payload's type.</summary>
        public WebPubSubDataType DataType { get; private set; }

        /// <summary>The payload.</summary>
        public MessageData Data { get; private set; }

        /// <summary>The service's sequence id (reliable protocol only).</summary>
        public long? SequenceId { get; private set; }
    }

    /// <summary>A message from the application server (the official SDK's <c>ServerDataMessage</c>).</summary>
    public sealed class ServerDataMessage
    {
        internal ServerDataMessage(WebPubSubDataType dataType, MessageData data, long? sequenceId)
        {
            DataType = dataType;
            Data = data;
            SequenceId = sequenceId;
        }

        /// <summary>The payload's type.</summary>
        public WebPubSubDataType DataType { get; private set; }

        /// <summary>The payload.</summary>
        public MessageData Data { get; private set; }

        /// <summary>The service's sequence id (reliable protocol only).</summary>
        public long? SequenceId { get; private set; }
    }

    /// <summary>Why the connection ended (the official SDK's <c>DisconnectedMessage</c>).</summary>
    public sealed class DisconnectedMessage
    {
        internal DisconnectedMessage(string reason)
        {
            Reason = reason;
        }

        /// <summary>The service's or the client's explanation; may be null.</summary>
        public string Reason { get; private set; }
    }
}
