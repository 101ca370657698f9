using System;
using System.Runtime.InteropServices;
using System.Threading;
using WebPubSub.Client.Interop;

namespace WebPubSub.Client
{
    public sealed partial class WebPubSubClient
    {
        private EventHandler<WebPubSubConnectedEventArgs> _connected;
        private EventHandler<WebPubSubDisconnectedEventArgs> _disconnected;
        private EventHandler<WebPubSubStoppedEventArgs> _stopped;
        private EventHandler<WebPubSubServerMessageEventArgs> _serverMessage;
        private EventHandler<WebPubSubGroupMessageEventArgs> _groupMessage;
        private EventHandler<WebPubSubRejoinGroupFailedEventArgs> _rejoinGroupFailed;
        private EventHandler<WebPubSubStateChangedEventArgs> _stateChanged;
        private EventHandler<WebPubSubRecoveringEventArgs> _recovering;
        private EventHandler<WebPubSubRecoveredEventArgs> _recovered;
        private EventHandler<WebPubSubSlowConsumerEventArgs> _slowConsumer;

        /// <summary>A new connection is established (not raised by a recovery).</summary>
        public event EventHandler<WebPubSubConnectedEventArgs> Connected
        {
            add { Subscribe(ref _connected, value, NativeMethods.EventConnected); }
            remove { Unsubscribe(ref _connected, value, NativeMethods.EventConnected); }
        }

        /// <summary>The connection was lost for good (recovery impossible or failed, or a stop closed it).</summary>
        public event EventHandler<WebPubSubDisconnectedEventArgs> Disconnected
        {
            add { Subscribe(ref _disconnected, value, NativeMethods.EventDisconnected); }
            remove { Unsubscribe(ref _disconnected, value, NativeMethods.EventDisconnected); }
        }

        /// <summary>The client stopped and will not reconnect until started again (a handler may call <see cref="StartAsync"/>).</summary>
        public event EventHandler<WebPubSubStoppedEventArgs> Stopped
        {
            add { Subscribe(ref _stopped, value, NativeMethods.EventStopped); }
            remove { Unsubscribe(ref _stopped, value, NativeMethods.EventStopped); }
        }

        /// <summary>A message from the application server arrived.</summary>
        public event EventHandler<WebPubSubServerMessageEventArgs> ServerMessageReceived
        {
            add { Subscribe(ref _serverMessage, value, NativeMethods.EventServerMessage); }
            remove { Unsubscribe(ref _serverMessage, value, NativeMethods.EventServerMessage); }
        }

        /// <summary>A message from a joined group arrived. Attach before joining so that none is missed.</summary>
        public event EventHandler<WebPubSubGroupMessageEventArgs> GroupMessageReceived
        {
            add { Subscribe(ref _groupMessage, value, NativeMethods.EventGroupMessage); }
            remove { Unsubscribe(ref _groupMessage, value, NativeMethods.EventGroupMessage); }
        }

        /// <summary>Joining a group again on a new connection failed (see <see cref="WebPubSubClientOptions.AutoRejoinGroups"/>).</summary>
        public event EventHandler<WebPubSubRejoinGroupFailedEventArgs> RejoinGroupFailed
        {
            add { Subscribe(ref _rejoinGroupFailed, value, NativeMethods.EventRejoinGroupFailed); }
            remove { Unsubscribe(ref _rejoinGroupFailed, value, NativeMethods.EventRejoinGroupFailed); }
        }

        /// <summary>The client's <see cref="State"/> changed.</summary>
        public event EventHandler<WebPubSubStateChangedEventArgs> StateChanged
        {
            add { Subscribe(ref _stateChanged, value, NativeMethods.EventStateChanged); }
            remove { Unsubscribe(ref _stateChanged, value, NativeMethods.EventStateChanged); }
        }

        /// <summary>The reliable connection dropped and recovery began.</summary>
        public event EventHandler<WebPubSubRecoveringEventArgs> Recovering
        {
            add { Subscribe(ref _recovering, value, NativeMethods.EventRecovering); }
            remove { Unsubscribe(ref _recovering, value, NativeMethods.EventRecovering); }
        }

        /// <summary>The connection was recovered; nothing sent to it was lost.</summary>
        public event EventHandler<WebPubSubRecoveredEventArgs> Recovered
        {
            add { Subscribe(ref _recovered, value, NativeMethods.EventRecovered); }
            remove { Unsubscribe(ref _recovered, value, NativeMethods.EventRecovered); }
        }

        /// <summary>Handlers fell behind and the client paused reading from the socket (nothing is lost).</summary>
        public event EventHandler<WebPubSubSlowConsumerEventArgs> SlowConsumer
        {
            add { Subscribe(ref _slowConsumer, value, NativeMethods.EventSlowConsumer); }
            remove { Unsubscribe(ref _slowConsumer, value, NativeMethods.EventSlowConsumer); }
        }

        /// <summary>
        /// An event handler threw. Exceptions never propagate into the native library (that
        /// would be undefined behaviour); they are caught, the remaining handlers still run,
        /// and they are reported here, or with <see cref="System.Diagnostics.Trace"/> when
        /// this event has no handler.
        /// </summary>
        public event EventHandler<WebPubSubCallbackExceptionEventArgs> UnhandledCallbackException;

        /// <summary>
        /// Adds a handler; the first handler of an event kind registers the native listener for
        /// that kind, so the library only marshals the events someone listens to.
        /// </summary>
        private void Subscribe<T>(ref EventHandler<T> field, EventHandler<T> handler, uint kind) where T : EventArgs
        {
            if (handler == null)
            {
                return;
            }
            lock (_listenerLock)
            {
                EventHandler<T> before = field;
                Volatile.Write(ref field, before + handler);
                if (before == null)
                {
                    try
                    {
                        AddListener(kind);
                    }
                    catch
                    {
                        Volatile.Write(ref field, before);
                        throw;
                    }
                }
            }
        }

        /// <summary>Removes a handler; removing the last one of a kind removes its native listener.</summary>
        private void Unsubscribe<T>(ref EventHandler<T> field, EventHandler<T> handler, uint kind) where T : EventArgs
        {
            lock (_listenerLock)
            {
                EventHandler<T> after = field - handler;
                Volatile.Write(ref field, after);
                if (after == null)
                {
                    RemoveListener(kind);
                }
            }
        }

        private void AddListener(uint kind)
        {
            if (_listenerIds.ContainsKey(kind) || _handle.IsClosed)
            {
                return; // a disposed client raises nothing; the handler is merely kept
            }
            HandleCounters.ListenerRegistered();
            IntPtr userData = Callbacks.Hold(new EventListener(this));
            uint result;
            ulong id;
            try
            {
                result = NativeMethods.wps_client_add_listener(_handle, kind, Callbacks.Event, userData, Callbacks.FreeUserData, out id);
            }
            catch (ObjectDisposedException)
            {
                Callbacks.Release(userData);
                return;
            }
            if (result != NativeMethods.ResultOk)
            {
                Callbacks.Release(userData); // nothing was taken
                if (result == NativeMethods.ResultStopped)
                {
                    return; // the library was shut down: there is nothing to listen to
                }
                Errors.Check(result, "wps_client_add_listener");
            }
            _listenerIds[kind] = id;
        }

        private void RemoveListener(uint kind)
        {
            ulong id;
            if (!_listenerIds.TryGetValue(kind, out id))
            {
                return;
            }
            _listenerIds.Remove(kind);
            try
            {
                // The library releases the listener's GCHandle exactly once: here, or on the
                // dispatcher after an invocation still running returns.
                NativeMethods.wps_client_remove_listener(_handle, id);
            }
            catch (ObjectDisposedException)
            {
                // Freeing the client releases every listener.
            }
        }

        /// <summary>Raises the .NET event for one native event (on the dispatcher thread).</summary>
        internal void Dispatch(IntPtr eventPointer)
        {
            var e = (WpsEvent)Marshal.PtrToStructure(eventPointer, typeof(WpsEvent));
            switch (e.Kind)
            {
                case NativeMethods.EventConnected:
                    Raise(Volatile.Read(ref _connected), "Connected", e, ConnectedArgs);
                    break;
                case NativeMethods.EventDisconnected:
                    Raise(Volatile.Read(ref _disconnected), "Disconnected", e, DisconnectedArgs);
                    break;
                case NativeMethods.EventStopped:
                    Raise(Volatile.Read(ref _stopped), "Stopped", e, StoppedArgs);
                    break;
                case NativeMethods.EventServerMessage:
                    Raise(Volatile.Read(ref _serverMessage), "ServerMessageReceived", e, ServerMessageArgs);
                    break;
                case NativeMethods.EventGroupMessage:
                    Raise(Volatile.Read(ref _groupMessage), "GroupMessageReceived", e, GroupMessageArgs);
                    break;
                case NativeMethods.EventRejoinGroupFailed:
                    Raise(Volatile.Read(ref _rejoinGroupFailed), "RejoinGroupFailed", e, RejoinGroupFailedArgs);
                    break;
                case NativeMethods.EventStateChanged:
                    Raise(Volatile.Read(ref _stateChanged), "StateChanged", e, StateChangedArgs);
                    break;
                case NativeMethods.EventRecovering:
                    Raise(Volatile.Read(ref _recovering), "Recovering", e, RecoveringArgs);
                    break;
                case NativeMethods.EventRecovered:
                    Raise(Volatile.Read(ref _recovered), "Recovered", e, RecoveredArgs);
                    break;
                case NativeMethods.EventSlowConsumer:
                    Raise(Volatile.Read(ref _slowConsumer), "SlowConsumer", e, SlowConsumerArgs);
                    break;
            }
        }

        /// <summary>Calls each handler in turn; one that throws does not keep the others from running.</summary>
        private void Raise<T>(EventHandler<T> handlers, string eventName, WpsEvent e, Func<WpsEvent, T> makeArgs) where T : EventArgs
        {
            if (handlers == null)
            {
                return; // the last handler was removed while this event was queued
            }
            T args = makeArgs(e);
            foreach (EventHandler<T> handler in handlers.GetInvocationList())
            {
                try
                {
                    handler(this, args);
                }
                catch (Exception exception)
                {
                    ReportHandlerException(eventName, exception);
                }
            }
        }

        private void ReportHandlerException(string eventName, Exception exception)
        {
            EventHandler<WebPubSubCallbackExceptionEventArgs> handlers = UnhandledCallbackException;
            if (handlers == null)
            {
                Callbacks.ReportUnhandled("a " + eventName + " handler", exception);
                return;
            }
            var args = new WebPubSubCallbackExceptionEventArgs(eventName, exception);
            foreach (EventHandler<WebPubSubCallbackExceptionEventArgs> handler in handlers.GetInvocationList())
            {
                try
                {
                    handler(this, args);
                }
                catch (Exception inner)
                {
                    Callbacks.ReportUnhandled("an UnhandledCallbackException handler", inner);
                }
            }
        }

        private static WebPubSubConnectedEventArgs ConnectedArgs(WpsEvent e)
        {
            return new WebPubSubConnectedEventArgs(Utf8.FromNative(e.ConnectionId), Utf8.FromNative(e.UserId));
        }

        private static WebPubSubDisconnectedEventArgs DisconnectedArgs(WpsEvent e)
        {
            return new WebPubSubDisconnectedEventArgs(Utf8.FromNative(e.ConnectionId), new DisconnectedMessage(Utf8.FromNative(e.Message)), CloseCode(e));
        }

        private static WebPubSubStoppedEventArgs StoppedArgs(WpsEvent e)
        {
            return new WebPubSubStoppedEventArgs();
        }

        private static WebPubSubServerMessageEventArgs ServerMessageArgs(WpsEvent e)
        {
            return new WebPubSubServerMessageEventArgs(new ServerDataMessage(DataTypes.FromNative(e.DataType), Payload(e), SequenceId(e)));
        }

        private static WebPubSubGroupMessageEventArgs GroupMessageArgs(WpsEvent e)
        {
            return new WebPubSubGroupMessageEventArgs(new GroupDataMessage(
                Utf8.FromNative(e.Group), Utf8.FromNative(e.FromUserId), DataTypes.FromNative(e.DataType), Payload(e), SequenceId(e)));
        }

        private static WebPubSubRejoinGroupFailedEventArgs RejoinGroupFailedArgs(WpsEvent e)
        {
            Exception error = e.Error == IntPtr.Zero
                ? new WebPubSubException(WebPubSubErrorCode.Internal, "rejoining the group failed")
                : Errors.ToException(NativeError.Read(e.Error));
            return new WebPubSubRejoinGroupFailedEventArgs(Utf8.FromNative(e.Group), error);
        }

        private static WebPubSubStateChangedEventArgs StateChangedArgs(WpsEvent e)
        {
            return new WebPubSubStateChangedEventArgs((WebPubSubClientState)e.PreviousState, (WebPubSubClientState)e.CurrentState);
        }

        private static WebPubSubRecoveringEventArgs RecoveringArgs(WpsEvent e)
        {
            return new WebPubSubRecoveringEventArgs(Utf8.FromNative(e.ConnectionId), CloseCode(e));
        }

        private static WebPubSubRecoveredEventArgs RecoveredArgs(WpsEvent e)
        {
            return new WebPubSubRecoveredEventArgs(Utf8.FromNative(e.ConnectionId), TimeSpan.FromMilliseconds(e.ElapsedMs));
        }

        private static WebPubSubSlowConsumerEventArgs SlowConsumerArgs(WpsEvent e)
        {
            return new WebPubSubSlowConsumerEventArgs((long)e.Queued.ToUInt64());
        }

        private static MessageData Payload(WpsEvent e)
        {
            return MessageData.Own(Utf8.CopyBytes(e.Data, checked((int)e.DataLen.ToUInt64())));
        }

        private static long? SequenceId(WpsEvent e)
        {
            return e.HasSequenceId != 0 ? (long?)unchecked((long)e.SequenceId) : null;
        }

        private static int? CloseCode(WpsEvent e)
        {
            return e.HasCloseCode != 0 ? (int?)e.CloseCode : null;
        }
    }
}
