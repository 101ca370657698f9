using System.Threading;

namespace WebPubSub.Client.Interop
{
    /// <summary>
    /// Counts the GCHandles given to the library and released by it, so tests can prove each is
    /// released exactly once (a missed release is a leak, a double one a crash).
    /// </summary>
    internal static class HandleCounters
    {
        private static long _listenersRegistered;
        private static long _listenersReleased;
        private static long _operationsPending;
        private static long _credentialsReleased;

        internal static long ListenersRegistered
        {
            get { return Interlocked.Read(ref _listenersRegistered); }
        }

        internal static long ListenersReleased
        {
            get { return Interlocked.Read(ref _listenersReleased); }
        }

        internal static long OperationsPending
        {
            get { return Interlocked.Read(ref _operationsPending); }
        }

        internal static long CredentialsReleased
        {
            get { return Interlocked.Read(ref _credentialsReleased); }
        }

        internal static void ListenerRegistered()
        {
            Interlocked.Increment(ref _listenersRegistered);
        }

        internal static void ListenerReleased()
        {
            Interlocked.Increment(ref _listenersReleased);
        }

        internal static void OperationStarted()
        {
            Interlocked.Increment(ref _operationsPending);
        }

        internal static void OperationEnded()
        {
            Interlocked.Decrement(ref _operationsPending);
        }

        internal static void CredentialReleased()
        {
            Interlocked.Increment(ref _credentialsReleased);
        }
    }
}
