namespace WebPubSub.Client
{
    /// <summary>
    /// The subprotocol, as in the official .NET SDK: assign
    /// <c>new WebPubSubJsonReliableProtocol()</c> (the default) or <c>new WebPubSubJsonProtocol()</c>
    /// to <see cref="WebPubSubClientOptions.Protocol"/>. The codec lives in the native library,
    /// so unlike the official SDK this class cannot be subclassed with a custom protocol.
    /// </summary>
    public abstract class WebPubSubProtocol
    {
        internal WebPubSubProtocol()
        {
        }

        /// <summary>The WebSocket subprotocol name.</summary>
        public abstract string Name { get; }

        /// <summary>Whether the protocol has sequence ids, acks and connection recovery.</summary>
        public abstract bool IsReliable { get; }

        internal abstract uint NativeValue { get; }
    }

    /// <summary><c>json.reliable.webpubsub.azure.v1</c>: recovery without message loss (the default).</summary>
    public sealed class WebPubSubJsonReliableProtocol : WebPubSubProtocol
    {
        /// <inheritdoc/>
        public override string Name
        {
            get { return "json.reliable.webpubsub.azure.v1"; }
        }

        /// <inheritdoc/>
        public override bool IsReliable
        {
            get { return true; }
        }

        internal override uint NativeValue
        {
            get { return Interop.NativeMethods.ProtocolJsonReliable; }
        }
    }

    /// <summary><c>json.webpubsub.azure.v1</c>: no recovery; a dropped connection means a new connection.</summary>
    public sealed class WebPubSubJsonProtocol : WebPubSubProtocol
    {
        /// <inheritdoc/>
        public override string Name
        {
            get { return "json.webpubsub.azure.v1"; }
        }

        /// <inheritdoc/>
        public override bool IsReliable
        {
            get { return false; }
        }

        internal override uint NativeValue
        {
            get { return Interop.NativeMethods.ProtocolJson; }
        }
    }
}
