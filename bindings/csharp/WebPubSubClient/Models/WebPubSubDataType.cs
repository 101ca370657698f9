namespace WebPubSub.Client
{
    /// <summary>
    /// The type of a message payload. Names and values follow the official .NET SDK
    /// (<c>Azure.Messaging.WebPubSub.Clients.WebPubSubDataType</c>), so ported code keeps working.
    /// </summary>
    public enum WebPubSubDataType
    {
        /// <summary>One JSON value, as UTF-8 text.</summary>
        Json = 0,
        /// <summary>UTF-8 text.</summary>
        Text = 1,
        /// <summary>Raw bytes (base64 on the JSON subprotocols).</summary>
        Binary = 2,
        /// <summary>A serialized <c>google.protobuf.Any</c>, as raw bytes.</summary>
        Protobuf = 3,
    }
}
