using System;
using System.Runtime.InteropServices;

namespace WebPubSub.Client.Interop
{
    /// <summary>
    /// The P/Invoke declarations of the C ABI (<c>include/webpubsub_client.h</c>), limited to
    /// what the binding uses. Every blocking function of the ABI is left out on purpose: the
    /// binding is built on the <c>_async</c> forms so that no .NET thread ever waits on a
    /// dispatcher thread.
    /// </summary>
    /// <remarks>
    /// Marshalling rules kept here so that the declarations work the same on Mono and .NET
    /// (Core and Framework):
    /// <list type="bullet">
    /// <item>Strings go in as NUL-terminated UTF-8 <c>byte[]</c> (see <see cref="Utf8"/>),
    /// never as <c>string</c>, whose default marshalling is the ANSI code page on Windows.</item>
    /// <item>C <c>bool</c> is one byte: parameters and returns carry
    /// <c>MarshalAs(UnmanagedType.I1)</c>, struct fields are <c>byte</c>.</item>
    /// <item>Owned objects come back as <see cref="SafeHandle"/>s, so a handle cannot be freed
    /// while a call that uses it is still running.</item>
    /// </list>
    /// The library is found by the runtime's native probing: <c>libwebpubsub_client.so</c> in the
    /// application's directory or on <c>LD_LIBRARY_PATH</c> (<c>.dylib</c> /
    /// <c>DYLD_LIBRARY_PATH</c> on macOS, <c>webpubsub_client.dll</c> / <c>PATH</c> on Windows).
    /// </remarks>
    internal static class NativeMethods
    {
        internal const string Library = "webpubsub_client";

        // Result codes (WPS_RESULT_*).
        internal const uint ResultOk = 0;
        internal const uint ResultNullArgument = 1;
        internal const uint ResultInvalidUtf8 = 2;
        internal const uint ResultInvalidArgument = 3;
        internal const uint ResultPanic = 4;
        internal const uint ResultIllegalState = 5;
        internal const uint ResultTimeout = 6;
        internal const uint ResultStopped = 7;
        internal const uint ResultServiceError = 8;
        internal const uint ResultConnectionLost = 9;
        internal const uint ResultConnectFailed = 10;
        internal const uint ResultMessageTooLarge = 11;
        internal const uint ResultInvalidUrl = 12;
        internal const uint ResultCredentialFailed = 13;
        internal const uint ResultNotFound = 14;
        internal const uint ResultInternal = 15;

        // Event kinds (WPS_EVENT_*), one bit each.
        internal const uint EventConnected = 1 << 0;
        internal const uint EventDisconnected = 1 << 1;
        internal const uint EventStopped = 1 << 2;
        internal const uint EventServerMessage = 1 << 3;
        internal const uint EventGroupMessage = 1 << 4;
        internal const uint EventRejoinGroupFailed = 1 << 5;
        internal const uint EventStateChanged = 1 << 6;
        internal const uint EventRecovering = 1 << 7;
        internal const uint EventRecovered = 1 << 8;
        internal const uint EventSlowConsumer = 1 << 9;

        // Send flags (WPS_SEND_*).
        internal const uint SendNoEcho = 1 << 0;
        internal const uint SendFireAndForget = 1 << 1;

        // Protocols, retry modes, dispatchers, data types.
        internal const uint ProtocolJsonReliable = 1;
        internal const uint ProtocolJson = 2;
        internal const uint RetryModeFixed = 1;
        internal const uint RetryModeExponential = 2;
        internal const uint DispatcherDedicated = 0;
        internal const uint DispatcherShared = 1;
        internal const uint DataTypeText = 1;
        internal const uint DataTypeJson = 2;
        internal const uint DataTypeBinary = 3;
        internal const uint DataTypeProtobuf = 4;

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void EventFn(IntPtr userData, IntPtr wpsEvent);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void CompletionFn(IntPtr userData, uint result, IntPtr opResult, IntPtr error);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void FreeFn(IntPtr userData);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        internal delegate bool CredentialFn(IntPtr userData, IntPtr urlOut);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void LogFn(IntPtr userData, uint level, WpsStr target, WpsStr message);

        // Library.
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr wps_version();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr wps_result_str(uint result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_runtime_configure(uint workerThreads, uint sharedDispatcherThreads);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_shutdown(uint timeoutMs);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_set_log_callback(LogFn callback, IntPtr userData, FreeFn freeUserData, uint maxLevel);

        // Errors. The accessors take a raw pointer: callbacks receive borrowed errors, and owned
        // ones are read through ErrorHandle before it is released.
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_error_code(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr wps_error_message(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        internal static extern bool wps_error_ack_id(IntPtr error, out ulong ackId);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr wps_error_name(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern ushort wps_error_http_status(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void wps_error_free(IntPtr error);

        // Options.
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_options_new(out OptionsHandle options);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void wps_options_free(IntPtr options);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_options_set_url(OptionsHandle options, byte[] url);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_options_set_credential(OptionsHandle options, CredentialFn callback, IntPtr userData, FreeFn freeUserData);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_url_out_set(IntPtr urlOut, byte[] url);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_url_out_set_error(IntPtr urlOut, byte[] message);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_options_set_protocol(OptionsHandle options, uint protocol);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_options_set_auto_reconnect(OptionsHandle options, [MarshalAs(UnmanagedType.I1)] bool enabled);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_options_set_auto_rejoin_groups(OptionsHandle options, [MarshalAs(UnmanagedType.I1)] bool enabled);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_options_set_message_retry(OptionsHandle options, long maxRetries, uint initialDelayMs, uint maxDelayMs, uint mode, [MarshalAs(UnmanagedType.I1)] bool jitter);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_options_set_reconnect_retry(OptionsHandle options, long maxRetries, uint initialDelayMs, uint maxDelayMs, uint mode, [MarshalAs(UnmanagedType.I1)] bool jitter);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_options_set_recovery_window_ms(OptionsHandle options, uint ms);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_options_set_recovery_interval_ms(OptionsHandle options, uint ms);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_options_set_connect_timeout_ms(OptionsHandle options, uint ms);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_options_set_operation_timeout_ms(OptionsHandle options, uint ms);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_options_set_keep_alive_interval_ms(OptionsHandle options, uint ms);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_options_set_keep_alive_timeout_ms(OptionsHandle options, uint ms);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_options_set_sequence_ack_interval_ms(OptionsHandle options, uint ms);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_options_set_sequence_ack_threshold(OptionsHandle options, uint messages);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_options_set_event_queue_capacity(OptionsHandle options, UIntPtr capacity);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_options_set_operation_queue_capacity(OptionsHandle options, UIntPtr capacity);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_options_add_header(OptionsHandle options, byte[] name, byte[] value);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_options_set_user_agent(OptionsHandle options, byte[] userAgent);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_options_set_extra_ca_pem(OptionsHandle options, byte[] pem, UIntPtr len);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_options_set_dispatcher(OptionsHandle options, uint dispatcher);

        // Client.
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_client_new(OptionsHandle options, out ClientHandle client, out ErrorHandle error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void wps_client_free(IntPtr client);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_client_start_async(ClientHandle client, CompletionFn callback, IntPtr userData);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_client_stop_async(ClientHandle client, CompletionFn callback, IntPtr userData);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_client_state(ClientHandle client, out uint state);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_client_add_listener(ClientHandle client, uint eventMask, EventFn callback, IntPtr userData, FreeFn freeUserData, out ulong listenerId);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_client_remove_listener(ClientHandle client, ulong listenerId);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_client_join_group_async(ClientHandle client, byte[] group, ulong ackId, uint timeoutMs, CompletionFn callback, IntPtr userData, out ErrorHandle error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_client_leave_group_async(ClientHandle client, byte[] group, ulong ackId, uint timeoutMs, CompletionFn callback, IntPtr userData, out ErrorHandle error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_client_send_to_group_async(ClientHandle client, byte[] group, uint dataType, byte[] data, UIntPtr len, uint flags, ulong ackId, uint timeoutMs, CompletionFn callback, IntPtr userData, out ErrorHandle error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint wps_client_send_event_async(ClientHandle client, byte[] eventName, uint dataType, byte[] data, UIntPtr len, uint flags, ulong ackId, uint timeoutMs, CompletionFn callback, IntPtr userData, out ErrorHandle error);
    }

    /// <summary><c>wps_str</c>: borrowed UTF-8, <c>Ptr</c> is zero when the value is absent.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct WpsStr
    {
        internal IntPtr Ptr;
        internal UIntPtr Len;
    }

    /// <summary><c>wps_op_result</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct WpsOpResult
    {
        internal ulong AckId;
        internal byte Duplicated;
    }

    /// <summary>
    /// <c>wps_event</c>, field for field (the ABI only ever appends fields, so reading this
    /// prefix stays valid with newer libraries).
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct WpsEvent
    {
        internal uint Kind;
        internal WpsStr ConnectionId;
        internal WpsStr UserId;
        internal WpsStr Message;
        internal WpsStr Group;
        internal WpsStr FromUserId;
        internal uint DataType;
        internal IntPtr Data;
        internal UIntPtr DataLen;
        internal ulong SequenceId;
        internal byte HasSequenceId;
        internal ushort CloseCode;
        internal byte HasCloseCode;
        internal uint PreviousState;
        internal uint CurrentState;
        internal ulong ElapsedMs;
        internal UIntPtr Queued;
        internal IntPtr Error;
    }
}
