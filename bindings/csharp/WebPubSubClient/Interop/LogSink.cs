using System;

namespace WebPubSub.Client.Interop
{
    /// <summary>The user's log handler behind the <c>wps_log_fn</c> (runs on the library's log thread).</summary>
    internal sealed class LogSink
    {
        private readonly Action<WebPubSubLogLevel, string, string> _handler;

        internal LogSink(Action<WebPubSubLogLevel, string, string> handler)
        {
            _handler = handler;
        }

        internal void Write(uint level, WpsStr target, WpsStr message)
        {
            _handler((WebPubSubLogLevel)level, Utf8.FromNative(target), Utf8.FromNative(message));
        }
    }
}
