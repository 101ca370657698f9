using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace WebPubSub.Client.Interop
{
    /// <summary>
    /// One <c>_async</c> call in flight: the <see cref="TaskCompletionSource{T}"/> the caller awaits,
    /// kept alive by a <see cref="GCHandle"/> passed as the completion's <c>user_data</c>.
    /// </summary>
    /// <remarks>
    /// The library fires the completion exactly once (on the client's dispatcher thread), which
    /// frees the handle; if the <c>_async</c> call itself fails the completion never fires, and
    /// <see cref="Abandon"/> frees it instead. The task is created with
    /// <see cref="TaskCreationOptions.RunContinuationsAsynchronously"/>, so the awaiting code
    /// resumes on the thread pool and never runs on (or blocks) the dispatcher.
    /// Cancellation completes the task as cancelled at once; the native operation goes on to
    /// its own end (the C ABI has no cancel), and its completion then frees the handle and is
    /// otherwise discarded, except that a call with an <c>undo</c> action (start) runs it
    /// again when the cancelled operation succeeds after all.
    /// </remarks>
    internal sealed class PendingOperation
    {
        private readonly TaskCompletionSource<WebPubSubResult> _completion =
            new TaskCompletionSource<WebPubSubResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly bool _hasResult;
        private CancellationTokenRegistration _cancellation;
        private Action _undo;

        /// <param name="hasResult">False for start and stop, whose completions carry no <c>wps_op_result</c>.</param>
        internal PendingOperation(bool hasResult)
        {
            _hasResult = hasResult;
        }

        internal Task<WebPubSubResult> Task
        {
            get { return _completion.Task; }
        }

        /// <summary>
        /// Arms cancellation and pins this object; returns the <c>user_data</c> for the call.
        /// <paramref name="undo"/> (may be null) reverts the call's effect: it runs when
        /// cancellation wins over the result, and again if the native operation then succeeds.
        /// </summary>
        internal IntPtr Begin(CancellationToken cancellationToken, Action undo)
        {
            _undo = undo;
            if (cancellationToken.CanBeCanceled)
            {
                _cancellation = cancellationToken.Register(() =>
                {
                    if (_completion.TrySetCanceled(cancellationToken) && undo != null)
                    {
                        undo();
                    }
                });
            }
            HandleCounters.OperationStarted();
            return Callbacks.Hold(this);
        }

        /// <summary>The <c>_async</c> call failed, so its completion will never fire.</summary>
        internal void Abandon(IntPtr userData)
        {
            Finish(userData);
        }

        /// <summary>The completion: runs once, on the dispatcher thread.</summary>
        internal void Complete(IntPtr userData, uint result, IntPtr opResult, IntPtr error)
        {
            Finish(userData);
            if (result == NativeMethods.ResultOk && _undo != null && _completion.Task.IsCanceled)
            {
                _undo();
            }
            if (result != NativeMethods.ResultOk)
            {
                NativeError details = error == IntPtr.Zero ? NativeError.WithoutDetails(result) : NativeError.Read(error);
                _completion.TrySetException(Errors.ToException(details));
            }
            else if (_hasResult && opResult != IntPtr.Zero)
            {
                var value = (WpsOpResult)Marshal.PtrToStructure(opResult, typeof(WpsOpResult));
                long? ackId = value.AckId == 0 ? (long?)null : unchecked((long)value.AckId);
                _completion.TrySetResult(new WebPubSubResult(ackId, value.Duplicated != 0));
            }
            else
            {
                _completion.TrySetResult(null);
            }
        }

        private void Finish(IntPtr userData)
        {
            Callbacks.Release(userData);
            HandleCounters.OperationEnded();
            _cancellation.Dispose();
        }
    }
}
