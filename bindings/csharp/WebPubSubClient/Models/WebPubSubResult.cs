namespace WebPubSub.Client
{
    /// <summary>The outcome of a successful operation.</summary>
    public sealed class WebPubSubResult
    {
        internal WebPubSubResult(long? ackId, bool isDuplicated)
        {
            AckId = ackId;
            IsDuplicated = isDuplicated;
        }

        /// <summary>The ack id the operation used; null for fire-and-forget sends.</summary>
        public long? AckId { get; private set; }

        /// <summary>
        /// The service had already executed this ack id (an earlier attempt whose ack was lost,
        /// or a retry with the same ack id): the operation took effect exactly once.
        /// </summary>
        public bool IsDuplicated { get; private set; }
    }
}
