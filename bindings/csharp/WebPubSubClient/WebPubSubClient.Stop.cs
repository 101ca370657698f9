using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using WebPubSub.Client.Interop;

namespace WebPubSub.Client
{
    public sealed partial class WebPubSubClient
    {
        private readonly List<TaskCompletionSource<bool>> _stopWaiters = new List<TaskCompletionSource<bool>>();

        /// <summary>
        /// Stops: closes the connection, cancels any recovery or reconnect, fails pending
        /// operations with <see cref="ClientStoppedException"/>, and completes once the client is
        /// stopped and the <see cref="Stopped"/> handlers (attached before the call) have run.
        /// Works in every state, is idempotent, and may be called from an event handler (do not
        /// block on the task there); <see cref="StartAsync"/> may be called again afterwards.
        /// </summary>
        public async Task StopAsync()
        {
            ThrowIfDisposed();
            // The library may deliver the stop's completion before the events the stop queued
            // (its dispatcher runs completions first), so the task also waits for the Stopped
            // event, through handlers attached after the user's (and so invoked after them).
            var stoppedEvent = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            EventHandler<WebPubSubStoppedEventArgs> onStopped = (s, e) => stoppedEvent.TrySetResult(true);
            // A start that fails ends in Stopped without a Stopped event.
            EventHandler<WebPubSubStateChangedEventArgs> onFailedStart = (s, e) =>
            {
                if (e.PreviousState == WebPubSubClientState.Connecting && e.CurrentState == WebPubSubClientState.Stopped)
                {
                    stoppedEvent.TrySetResult(true);
                }
            };
            Stopped += onStopped;
            StateChanged += onFailedStart;
            AddStopWaiter(stoppedEvent);
            try
            {
                // Read after subscribing: a client not stopped now raises its Stopped event later.
                bool alreadyStopped = State == WebPubSubClientState.Stopped;
                await Run(false, CancellationToken.None, null, delegate(IntPtr userData, out ErrorHandle error)
                {
                    error = null;
                    return NativeMethods.wps_client_stop_async(_handle, Callbacks.Completion, userData);
                }).ConfigureAwait(false);
                if (!alreadyStopped)
                {
                    await stoppedEvent.Task.ConfigureAwait(false);
                }
            }
            finally
            {
                RemoveStopWaiter(stoppedEvent);
                Stopped -= onStopped;
                StateChanged -= onFailedStart;
            }
        }

        private void AddStopWaiter(TaskCompletionSource<bool> waiter)
        {
            lock (_listenerLock)
            {
                _stopWaiters.Add(waiter);
            }
        }

        private void RemoveStopWaiter(TaskCompletionSource<bool> waiter)
        {
            lock (_listenerLock)
            {
                _stopWaiters.Remove(waiter);
            }
        }

        /// <summary>A disposed client raises no more events: stops waiting for them end here.</summary>
        private void ReleaseStopWaiters()
        {
            lock (_listenerLock)
            {
                foreach (TaskCompletionSource<bool> waiter in _stopWaiters)
                {
                    waiter.TrySetResult(true);
                }
                _stopWaiters.Clear();
            }
        }
    }
}
