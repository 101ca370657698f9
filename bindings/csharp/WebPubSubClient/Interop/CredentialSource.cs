using System;

namespace WebPubSub.Client.Interop
{
    /// <summary>
    /// The user's URL provider behind a <c>wps_credential_fn</c>. The library calls it on every
    /// start and reconnect, on one of its own threads (never concurrently for one client), and
    /// it may block, e.g. on an HTTP request to the application server.
    /// </summary>
    internal sealed class CredentialSource : INativeCallbackTarget
    {
        private readonly Func<string> _provider;

        internal CredentialSource(Func<string> provider)
        {
            _provider = provider;
        }

        /// <summary>
        /// Writes the URL, or the reason there is none: an exception from the provider becomes
        /// the message of the <see cref="CredentialFailedException"/> the start reports.
        /// </summary>
        internal bool Provide(IntPtr urlOut)
        {
            string url;
            try
            {
                url = _provider();
                if (string.IsNullOrEmpty(url))
                {
                    throw new InvalidOperationException("the client access URL provider returned no URL");
                }
            }
            catch (Exception e)
            {
                NativeMethods.wps_url_out_set_error(urlOut, Utf8.ToNative((e.GetType().Name + ": " + e.Message).Replace((char)0, (char)32), "message"));
                return false;
            }
            return NativeMethods.wps_url_out_set(urlOut, Utf8.ToNative(url, "url")) == NativeMethods.ResultOk;
        }

        public void Released()
        {
            HandleCounters.CredentialReleased();
        }
    }
}
