using System.Runtime.CompilerServices;

namespace WebPubSub.Client.Interop
{
    /// <summary>
    /// Zeroes the stack just below a trampoline before it returns to the library.
    /// </summary>
    /// <remarks>
    /// Mono scans the stacks of threads conservatively, native frames included. A dispatcher
    /// thread returns from a handler into the library and waits there for the next event; the
    /// library's frames reuse the memory the handler's managed frames occupied without
    /// overwriting all of it, so a stale pointer to the client (the handlers' <c>sender</c>)
    /// can stay visible to the GC for as long as the client is idle, and a client dropped
    /// without <see cref="System.IDisposable.Dispose"/> would then never be finalized. Zeroing
    /// the region the handlers used removes those pointers. On .NET, whose GC is precise, it is
    /// merely a few kilobytes of writes per event.
    /// </remarks>
    internal static class StackScrubber
    {
        private const int Bytes = 16 * 1024;

        [MethodImpl(MethodImplOptions.NoInlining)]
        internal static unsafe void Scrub()
        {
            byte* region = stackalloc byte[Bytes];
            for (int i = 0; i < Bytes; i += sizeof(long))
            {
                *(long*)(region + i) = 0;
            }
        }
    }
}
