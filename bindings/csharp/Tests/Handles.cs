using System.Threading.Tasks;
using WebPubSub.Client.Interop;

namespace WebPubSub.Client.Tests
{
    /// <summary>The binding's GCHandle counters, read by tests that prove exactly-once releases.</summary>
    internal static class Handles
    {
        /// <summary>
        /// Waits until every listener handle of earlier tests has been released and no operation
        /// is pending (clients release theirs on their dispatcher, after Dispose returns), so a
        /// test can count its own releases from a clean baseline.
        /// </summary>
        internal static Task QuiesceAsync()
        {
            return Assert.EventuallyAsync(
                () => HandleCounters.ListenersRegistered == HandleCounters.ListenersReleased && HandleCounters.OperationsPending == 0,
                "the handles of earlier tests are released (listeners " + HandleCounters.ListenersRegistered + " registered, " +
                HandleCounters.ListenersReleased + " released; " + HandleCounters.OperationsPending + " operations pending)");
        }
    }
}
