using System;
using WebPubSub.Client.Interop;

namespace WebPubSub.Client
{
    /// <summary>Verbosity of the native library's log records.</summary>
    public enum WebPubSubLogLevel
    {
        /// <summary>Follow the <c>AZURE_LOG_LEVEL</c> environment variable (<c>error</c>, <c>warning</c>, <c>info</c>, <c>verbose</c>); off when unset.</summary>
        FromEnvironment = 0,
        /// <summary>Errors only.</summary>
        Error = 1,
        /// <summary>Warnings and errors.</summary>
        Warning = 2,
        /// <summary>Connects, drops, recoveries and above.</summary>
        Information = 3,
        /// <summary>Debug records and above.</summary>
        Debug = 4,
        /// <summary>Everything.</summary>
        Trace = 5,
    }

    /// <summary>
    /// Process-wide control of the native library: its version, the sizes of its runtime, its
    /// logs, and <see cref="Shutdown"/> for a clean exit.
    /// </summary>
    public static class WebPubSubRuntime
    {
        /// <summary>The version of the C header this binding was written against.</summary>
        public const string BindingVersion = "0.1.0";

        private static readonly object Gate = new object();
        private static volatile bool _checked;

        /// <summary>The version of the native library actually loaded.</summary>
        public static string NativeVersion
        {
            get { return Utf8.FromCString(NativeMethods.wps_version()); }
        }

        /// <summary>
        /// Sizes the runtime the library creates with the first client: Tokio worker threads and
        /// the threads of the shared dispatcher pool (0: one per CPU). Only before the first
        /// client is created (or after <see cref="Shutdown"/>), else <see cref="InvalidOperationException"/>.
        /// </summary>
        public static void Configure(int workerThreads, int sharedDispatcherThreads)
        {
            if (workerThreads < 0 || sharedDispatcherThreads < 0)
            {
                throw new ArgumentOutOfRangeException(workerThreads < 0 ? "workerThreads" : "sharedDispatcherThreads", "Must not be negative.");
            }
            Errors.Check(NativeMethods.wps_runtime_configure((uint)workerThreads, (uint)sharedDispatcherThreads), "wps_runtime_configure");
        }

        /// <summary>
        /// Stops every client and the library's threads, delivering what is queued (pending
        /// operations fail with <see cref="ClientStoppedException"/>, listener handles are
        /// released). Call it before the process exits, from a thread that is not running an
        /// event handler. Clients not yet disposed stay valid objects that report
        /// <see cref="ClientStoppedException"/>. Returns false if it did not finish within
        /// <paramref name="timeout"/> (e.g. a handler that never returns).
        /// </summary>
        public static bool Shutdown(TimeSpan timeout)
        {
            double ms = Math.Ceiling(timeout.TotalMilliseconds);
            uint result = NativeMethods.wps_shutdown(ms <= 0 ? 0 : ms >= uint.MaxValue ? uint.MaxValue : (uint)ms);
            if (result == NativeMethods.ResultTimeout)
            {
                return false;
            }
            Errors.Check(result, "wps_shutdown");
            return true;
        }

        /// <summary>
        /// Sends the library's log records (never containing access or reconnection tokens) to
        /// <paramref name="handler"/>(level, target, message), on the library's log thread;
        /// null removes the handler. <paramref name="maxLevel"/> is the most verbose level
        /// forwarded. An exception from the handler is contained and traced.
        /// </summary>
        public static void SetLogHandler(Action<WebPubSubLogLevel, string, string> handler, WebPubSubLogLevel maxLevel = WebPubSubLogLevel.FromEnvironment)
        {
            if (handler == null)
            {
                Errors.Check(NativeMethods.wps_set_log_callback(null, IntPtr.Zero, null, 0), "wps_set_log_callback");
                return;
            }
            IntPtr userData = Callbacks.Hold(new LogSink(handler));
            uint result = NativeMethods.wps_set_log_callback(Callbacks.Log, userData, Callbacks.FreeUserData, (uint)maxLevel);
            if (result != NativeMethods.ResultOk)
            {
                Callbacks.Release(userData); // nothing was taken
                Errors.Check(result, "wps_set_log_callback");
            }
        }

        /// <summary>
        /// Fails early, and with a clear message, when the loaded library does not match the
        /// header this binding was written against (0.x: same minor; later: same major).
        /// </summary>
        internal static void EnsureCompatible()
        {
            if (_checked)
            {
                return;
            }
            lock (Gate)
            {
                string native = NativeVersion;
                string[] want = BindingVersion.Split('.');
                string[] have = (native ?? "").Split('.');
                bool compatible = have.Length >= 2 && have[0] == want[0] && (want[0] != "0" || have[1] == want[1]);
                if (!compatible)
                {
                    throw new InvalidOperationException(
                        "The native library webpubsub_client " + native + " does not match this binding (written for " + BindingVersion + ").");
                }
                _checked = true;
            }
        }
    }
}
