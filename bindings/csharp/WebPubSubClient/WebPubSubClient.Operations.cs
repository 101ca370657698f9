using System;
using System.Threading;
using System.Threading.Tasks;
using WebPubSub.Client.Interop;

namespace WebPubSub.Client
{
    public sealed partial class WebPubSubClient
    {
        /// <summary>One <c>wps_client_*_async</c> call with its <c>user_data</c>.</summary>
        private delegate uint AsyncCall(IntPtr userData, out ErrorHandle error);

        /// <summary>
        /// Connects; completes once the service confirmed the connection and the
        /// <see cref="Connected"/> handlers have run (the library delivers the events an
        /// operation caused before its completion). A failed attempt is
        /// not retried: <see cref="ConnectFailedException"/> (see its
        /// <see cref="ConnectFailedException.HttpStatus"/>), <see cref="CredentialFailedException"/>,
        /// <see cref="InvalidOperationException"/> if already started. Once connected, drops are
        /// recovered or reconnected automatically. Cancelling abandons the attempt: the client
        /// is stopped again, also if the attempt succeeds after the cancellation.
        /// </summary>
        public Task StartAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return Run(false, cancellationToken, AbandonStart, delegate(IntPtr userData, out ErrorHandle error)
            {
                error = null;
                return NativeMethods.wps_client_start_async(_handle, Callbacks.Completion, userData);
            });
        }

        /// <summary>
        /// Stops: closes the connection, cancels any recovery or reconnect, fails pending
        /// operations with <see cref="ClientStoppedException"/>, and completes once the client is
        /// stopped and the handlers of the events the stop caused (<see cref="Disconnected"/>,
        /// <see cref="Stopped"/>) have run. Works in every state, is idempotent, and may be
        /// called from an event handler (do not block on the task there); <see cref="StartAsync"/>
        /// may be called again afterwards.
        /// </summary>
        public Task StopAsync()
        {
            return Run(false, CancellationToken.None, null, delegate(IntPtr userData, out ErrorHandle error)
            {
                error = null;
                return NativeMethods.wps_client_stop_async(_handle, Callbacks.Completion, userData);
            });
        }

        /// <summary>
        /// Joins <paramref name="group"/>, so this client receives its messages, and completes
        /// when the service acknowledges it. The operation survives connection recovery.
        /// </summary>
        /// <param name="group">The group's name.</param>
        /// <param name="ackId">Null for the client's next ack id, or the ack id of an earlier attempt to retry it idempotently.</param>
        /// <param name="cancellationToken">Stops waiting: the task is cancelled; the native operation still runs to its end.</param>
        /// <exception cref="SendMessageFailedException">The service refused (<see cref="SendMessageFailedException.ErrorName"/>), or a subclass for timeout, stop, lost connection.</exception>
        public Task<WebPubSubResult> JoinGroupAsync(string group, long? ackId = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] name = Utf8.ToNative(group, "group");
            ulong ack = NativeAckId(ackId);
            return Run(true, cancellationToken, null, delegate(IntPtr userData, out ErrorHandle error)
            {
                return NativeMethods.wps_client_join_group_async(_handle, name, ack, 0, Callbacks.Completion, userData, out error);
            });
        }

        /// <summary>Leaves <paramref name="group"/>; arguments and outcomes as for <see cref="JoinGroupAsync"/>.</summary>
        public Task<WebPubSubResult> LeaveGroupAsync(string group, long? ackId = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] name = Utf8.ToNative(group, "group");
            ulong ack = NativeAckId(ackId);
            return Run(true, cancellationToken, null, delegate(IntPtr userData, out ErrorHandle error)
            {
                return NativeMethods.wps_client_leave_group_async(_handle, name, ack, 0, Callbacks.Completion, userData, out error);
            });
        }

        /// <summary>
        /// Publishes <paramref name="content"/> to <paramref name="group"/> and completes when the
        /// service acknowledges it (or, with <paramref name="fireAndForget"/>, once it is queued,
        /// without delivery guarantee and with a null <see cref="WebPubSubResult.AckId"/>).
        /// </summary>
        /// <param name="group">The group's name.</param>
        /// <param name="content">The payload; text and JSON must be UTF-8 (JSON one valid value).</param>
        /// <param name="dataType">The payload's type.</param>
        /// <param name="ackId">Null for the client's next ack id, or the ack id of an earlier attempt to retry it idempotently.</param>
        /// <param name="noEcho">This client does not receive its own message.</param>
        /// <param name="fireAndForget">Send without an ack.</param>
        /// <param name="cancellationToken">Stops waiting: the task is cancelled; the native operation still runs to its end.</param>
        /// <exception cref="SendMessageFailedException">The service refused, or a subclass: <see cref="OperationTimeoutException"/>, <see cref="ClientStoppedException"/>, <see cref="ConnectionLostException"/>, <see cref="MessageTooLargeException"/>.</exception>
        public Task<WebPubSubResult> SendToGroupAsync(string group, MessageData content, WebPubSubDataType dataType, long? ackId = null, bool noEcho = false, bool fireAndForget = false, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] name = Utf8.ToNative(group, "group");
            byte[] data = RequireContent(content);
            uint type = DataTypes.ToNative(dataType);
            ulong ack = NativeAckId(ackId);
            uint flags = (noEcho ? NativeMethods.SendNoEcho : 0) | (fireAndForget ? NativeMethods.SendFireAndForget : 0);
            return Run(true, cancellationToken, null, delegate(IntPtr userData, out ErrorHandle error)
            {
                return NativeMethods.wps_client_send_to_group_async(_handle, name, type, data, new UIntPtr((uint)data.Length), flags, ack, 0, Callbacks.Completion, userData, out error);
            });
        }

        /// <summary>
        /// Sends the event <paramref name="eventName"/> with <paramref name="content"/> to the
        /// application server's event handler; arguments and outcomes as for <see cref="SendToGroupAsync"/>.
        /// </summary>
        public Task<WebPubSubResult> SendEventAsync(string eventName, MessageData content, WebPubSubDataType dataType, long? ackId = null, bool fireAndForget = false, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] name = Utf8.ToNative(eventName, "eventName");
            byte[] data = RequireContent(content);
            uint type = DataTypes.ToNative(dataType);
            ulong ack = NativeAckId(ackId);
            uint flags = fireAndForget ? NativeMethods.SendFireAndForget : 0;
            return Run(true, cancellationToken, null, delegate(IntPtr userData, out ErrorHandle error)
            {
                return NativeMethods.wps_client_send_event_async(_handle, name, type, data, new UIntPtr((uint)data.Length), flags, ack, 0, Callbacks.Completion, userData, out error);
            });
        }

        /// <summary>
        /// Starts one asynchronous call. Usage errors the library detects before anything is sent
        /// (an empty group name, invalid JSON, an ack id in use) are thrown at once, as argument
        /// errors are in .NET; every other failure is reported through the task.
        /// </summary>
        private Task<WebPubSubResult> Run(bool hasResult, CancellationToken cancellationToken, Action undo, AsyncCall call)
        {
            ThrowIfDisposed();
            if (cancellationToken.IsCancellationRequested)
            {
                return Task.FromCanceled<WebPubSubResult>(cancellationToken);
            }
            var operation = new PendingOperation(hasResult);
            IntPtr userData = operation.Begin(cancellationToken, undo);
            ErrorHandle error = null;
            uint result;
            try
            {
                result = call(userData, out error);
            }
            catch
            {
                operation.Abandon(userData);
                throw;
            }
            if (result == NativeMethods.ResultOk)
            {
                if (error != null)
                {
                    error.Dispose();
                }
                return operation.Task;
            }
            operation.Abandon(userData);
            Exception failure = Errors.ToException(error == null ? NativeError.WithoutDetails(result) : error.TakeDetails(result));
            if (failure is ArgumentException)
            {
                throw failure;
            }
            return Task.FromException<WebPubSubResult>(failure);
        }

        /// <summary>
        /// A cancelled start must not leave the client connecting in the background. Runs at the
        /// cancellation (to end an attempt in progress) and again if the start completes
        /// successfully afterwards: the library may process a stop issued right after a start
        /// before that start, so the first stop alone is not enough.
        /// </summary>
        private void AbandonStart()
        {
            try
            {
                NativeMethods.wps_client_stop_async(_handle, null, IntPtr.Zero);
            }
            catch (ObjectDisposedException)
            {
                // Disposed meanwhile: freeing stopped it.
            }
        }

        private static ulong NativeAckId(long? ackId)
        {
            if (!ackId.HasValue)
            {
                return 0;
            }
            if (ackId.Value <= 0)
            {
                throw new ArgumentOutOfRangeException("ackId", ackId.Value, "An ack id must be positive.");
            }
            return (ulong)ackId.Value;
        }

        private static byte[] RequireContent(MessageData content)
        {
            if (content == null)
            {
                throw new ArgumentNullException("content");
            }
            return content.Bytes;
        }
    }
}
