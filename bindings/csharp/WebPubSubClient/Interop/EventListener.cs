using System;
using System.Runtime.CompilerServices;

namespace WebPubSub.Client.Interop
{
    /// <summary>
    /// The <c>user_data</c> of one native listener (one event kind of one client; the event
    /// itself says which kind it is).
    /// </summary>
    /// <remarks>
    /// It refers to its client only weakly: the library holds this object through a strong
    /// <see cref="System.Runtime.InteropServices.GCHandle"/> until the listener's finalizer runs,
    /// and a strong reference would keep a client that the application dropped without
    /// disposing alive forever (the handle would root it, and only its finalization frees the
    /// handle). The handlers themselves live in the client's event fields.
    /// </remarks>
    internal sealed class EventListener : INativeCallbackTarget
    {
        private readonly WeakReference _client;

        internal EventListener(WebPubSubClient client)
        {
            _client = new WeakReference(client);
        }

        /// <summary>Not inlined, so the client is only referenced below the trampoline, where <see cref="StackScrubber"/> clears it.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        internal void Dispatch(IntPtr wpsEvent)
        {
            var client = _client.Target as WebPubSubClient;
            if (client != null)
            {
                client.Dispatch(wpsEvent);
            }
        }

        public void Released()
        {
            HandleCounters.ListenerReleased();
        }
    }
}
