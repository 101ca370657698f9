using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using WebPubSub.Client.Interop;

namespace WebPubSub.Client
{
    /// <summary>
    /// A reliable Azure Web PubSub client, backed by the native <c>webpubsub_client</c> library.
    /// Its shape follows the official .NET SDK (<c>Azure.Messaging.WebPubSub.Clients</c>):
    /// construct it with a client access URL (or a provider of fresh ones), attach handlers to
    /// its events, <see cref="StartAsync"/>, then join groups and send.
    /// </summary>
    /// <remarks>
    /// <para>Threads: every member may be called from any thread. Event handlers run on the
    /// client's dispatcher thread (a library thread, never the caller's), one at a time and in
    /// event order; keep them short. From a handler, call the async methods and
    /// <see cref="StopAsync"/> freely, but never block on their tasks (<c>.Wait()</c>,
    /// <c>.Result</c>): their completions are delivered by the very thread the handler is
    /// blocking. Awaiting code resumes on the thread pool, never on the dispatcher.</para>
    /// <para>Lifetime: <see cref="Dispose"/> (or <see cref="DisposeAsync"/>, which stops first)
    /// releases the native client; a client that is never disposed is released by its handle's
    /// finalizer once unreachable. Pending operations then fail with
    /// <see cref="ClientStoppedException"/>.</para>
    /// </remarks>
    public sealed partial class WebPubSubClient : IDisposable, IAsyncDisposable
    {
        private readonly ClientHandle _handle;
        private readonly object _listenerLock = new object();
        private readonly Dictionary<uint, ulong> _listenerIds = new Dictionary<uint, ulong>();

        /// <summary>A client that connects with a fixed client access URL (<c>wss://...?access_token=...</c>).</summary>
        public WebPubSubClient(string clientAccessUrl, WebPubSubClientOptions options = null)
            : this(RequireUrl(clientAccessUrl), null, options)
        {
        }

        /// <summary>A client that connects with a fixed client access URI.</summary>
        public WebPubSubClient(Uri clientAccessUri, WebPubSubClientOptions options = null)
            : this(RequireUri(clientAccessUri), null, options)
        {
        }

        /// <summary>
        /// A client that asks <paramref name="clientAccessUrlProvider"/> for a fresh client access
        /// URL on every start and every reconnect (recovery reuses the last URL). The provider
        /// runs on a library thread and may block, e.g. on a request to the application server
        /// that mints tokens; an exception from it fails that connection attempt with a
        /// <see cref="CredentialFailedException"/>.
        /// </summary>
        public WebPubSubClient(Func<string> clientAccessUrlProvider, WebPubSubClientOptions options = null)
            : this(null, RequireProvider(clientAccessUrlProvider), options)
        {
        }

        private WebPubSubClient(string url, Func<string> credential, WebPubSubClientOptions options)
        {
            WebPubSubRuntime.EnsureCompatible();
            using (OptionsHandle nativeOptions = NativeOptions.Create(options ?? new WebPubSubClientOptions(), url, credential))
            {
                ClientHandle handle;
                ErrorHandle error;
                uint result = NativeMethods.wps_client_new(nativeOptions, out handle, out error);
                if (result != NativeMethods.ResultOk)
                {
                    handle.Dispose();
                    throw Errors.ToException(error.TakeDetails(result));
                }
                error.Dispose();
                _handle = handle;
            }
        }

        /// <summary>The client's current state.</summary>
        public WebPubSubClientState State
        {
            get
            {
                ThrowIfDisposed();
                uint state;
                Errors.Check(NativeMethods.wps_client_state(_handle, out state), "wps_client_state");
                return (WebPubSubClientState)state;
            }
        }

        /// <summary>
        /// Releases the native client without waiting: it stops in the background, pending
        /// operations fail with <see cref="ClientStoppedException"/>, and no handler starts after
        /// this returns (one already running may finish). Safe to call from an event handler
        /// and more than once.
        /// </summary>
        public void Dispose()
        {
            _handle.Dispose();
        }

        /// <summary>Stops the client (see <see cref="StopAsync"/>: the Stopped handlers run), then disposes it.</summary>
        public ValueTask DisposeAsync()
        {
            return new ValueTask(StopThenDisposeAsync());
        }

        private async Task StopThenDisposeAsync()
        {
            try
            {
                if (!_handle.IsClosed)
                {
                    await StopAsync().ConfigureAwait(false);
                }
            }
            catch (ObjectDisposedException)
            {
                // Disposed concurrently: nothing left to stop.
            }
            catch (WebPubSubException)
            {
                // The library was shut down: the client is stopped already.
            }
            Dispose();
        }

        private void ThrowIfDisposed()
        {
            if (_handle.IsClosed)
            {
                throw new ObjectDisposedException(GetType().FullName);
            }
        }

        private static string RequireUrl(string url)
        {
            if (url == null)
            {
                throw new ArgumentNullException("clientAccessUrl");
            }
            return url;
        }

        private static string RequireUri(Uri uri)
        {
            if (uri == null)
            {
                throw new ArgumentNullException("clientAccessUri");
            }
            return uri.OriginalString;
        }

        private static Func<string> RequireProvider(Func<string> provider)
        {
            if (provider == null)
            {
                throw new ArgumentNullException("clientAccessUrlProvider");
            }
            return provider;
        }
    }
}
