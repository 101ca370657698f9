using System;
using System.Collections.Generic;

namespace WebPubSub.Client.Interop
{
    /// <summary>
    /// Builds a native <c>wps_options</c> from <see cref="WebPubSubClientOptions"/> and a
    /// credential. Values left null keep the library's defaults, so the defaults live in one
    /// place (the native library); invalid values surface as <see cref="ArgumentException"/>s
    /// naming the option.
    /// </summary>
    internal static class NativeOptions
    {
        internal static OptionsHandle Create(WebPubSubClientOptions options, string url, Func<string> credential)
        {
            OptionsHandle handle;
            Errors.Check(NativeMethods.wps_options_new(out handle), "wps_options_new");
            try
            {
                SetCredential(handle, url, credential);
                Apply(handle, options);
                return handle;
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }

        private static void SetCredential(OptionsHandle handle, string url, Func<string> credential)
        {
            if (url != null)
            {
                uint result = NativeMethods.wps_options_set_url(handle, Utf8.ToNative(url, "clientAccessUrl"));
                if (result != NativeMethods.ResultOk)
                {
                    throw new ArgumentException("Not a usable client access URL (" + NativeError.ResultText(result) + ").", "clientAccessUrl");
                }
                return;
            }
            IntPtr userData = Callbacks.Hold(new CredentialSource(credential));
            uint status = NativeMethods.wps_options_set_credential(handle, Callbacks.Credential, userData, Callbacks.FreeUserData);
            if (status != NativeMethods.ResultOk)
            {
                Callbacks.Release(userData); // nothing was taken
                Errors.Check(status, "wps_options_set_credential");
            }
        }

        private static void Apply(OptionsHandle h, WebPubSubClientOptions o)
        {
            if (o.Protocol == null)
            {
                throw new ArgumentException("WebPubSubClientOptions.Protocol must not be null.", "options");
            }
            Set(NativeMethods.wps_options_set_protocol(h, o.Protocol.NativeValue), "Protocol");
            Set(NativeMethods.wps_options_set_auto_reconnect(h, o.AutoReconnect), "AutoReconnect");
            Set(NativeMethods.wps_options_set_auto_rejoin_groups(h, o.AutoRejoinGroups), "AutoRejoinGroups");
            SetRetry(h, o.MessageRetryOptions, true, "MessageRetryOptions");
            SetRetry(h, o.ReconnectRetryOptions, false, "ReconnectRetryOptions");
            if (o.RecoveryWindow.HasValue)
            {
                Set(NativeMethods.wps_options_set_recovery_window_ms(h, Ms(o.RecoveryWindow.Value, "RecoveryWindow")), "RecoveryWindow");
            }
            if (o.RecoveryInterval.HasValue)
            {
                Set(NativeMethods.wps_options_set_recovery_interval_ms(h, Ms(o.RecoveryInterval.Value, "RecoveryInterval")), "RecoveryInterval");
            }
            if (o.ConnectTimeout.HasValue)
            {
                Set(NativeMethods.wps_options_set_connect_timeout_ms(h, Ms(o.ConnectTimeout.Value, "ConnectTimeout")), "ConnectTimeout");
            }
            if (o.OperationTimeout.HasValue)
            {
                Set(NativeMethods.wps_options_set_operation_timeout_ms(h, Ms(o.OperationTimeout.Value, "OperationTimeout")), "OperationTimeout");
            }
            if (o.KeepAliveInterval.HasValue)
            {
                Set(NativeMethods.wps_options_set_keep_alive_interval_ms(h, Ms(o.KeepAliveInterval.Value, "KeepAliveInterval")), "KeepAliveInterval");
            }
            if (o.KeepAliveTimeout.HasValue)
            {
                Set(NativeMethods.wps_options_set_keep_alive_timeout_ms(h, Ms(o.KeepAliveTimeout.Value, "KeepAliveTimeout")), "KeepAliveTimeout");
            }
            if (o.SequenceAckInterval.HasValue)
            {
                Set(NativeMethods.wps_options_set_sequence_ack_interval_ms(h, Ms(o.SequenceAckInterval.Value, "SequenceAckInterval")), "SequenceAckInterval");
            }
            if (o.SequenceAckThreshold.HasValue)
            {
                Set(NativeMethods.wps_options_set_sequence_ack_threshold(h, Count(o.SequenceAckThreshold.Value, "SequenceAckThreshold")), "SequenceAckThreshold");
            }
            if (o.EventQueueCapacity.HasValue)
            {
                Set(NativeMethods.wps_options_set_event_queue_capacity(h, new UIntPtr(Count(o.EventQueueCapacity.Value, "EventQueueCapacity"))), "EventQueueCapacity");
            }
            if (o.OperationQueueCapacity.HasValue)
            {
                Set(NativeMethods.wps_options_set_operation_queue_capacity(h, new UIntPtr(Count(o.OperationQueueCapacity.Value, "OperationQueueCapacity"))), "OperationQueueCapacity");
            }
            foreach (KeyValuePair<string, string> header in o.Headers)
            {
                Set(NativeMethods.wps_options_add_header(h, Utf8.ToNative(header.Key, "Headers"), Utf8.ToNative(header.Value ?? "", "Headers")), "Headers[" + header.Key + "]");
            }
            if (o.UserAgent != null)
            {
                Set(NativeMethods.wps_options_set_user_agent(h, Utf8.ToNative(o.UserAgent, "UserAgent")), "UserAgent");
            }
            if (o.ExtraCaCertificatesPem != null)
            {
                byte[] pem = System.Text.Encoding.UTF8.GetBytes(o.ExtraCaCertificatesPem);
                Set(NativeMethods.wps_options_set_extra_ca_pem(h, pem, new UIntPtr((uint)pem.Length)), "ExtraCaCertificatesPem");
            }
            uint dispatcher = o.Dispatcher == WebPubSubDispatcherMode.Shared ? NativeMethods.DispatcherShared : NativeMethods.DispatcherDedicated;
            Set(NativeMethods.wps_options_set_dispatcher(h, dispatcher), "Dispatcher");
        }

        private static void SetRetry(OptionsHandle h, WebPubSubRetryOptions r, bool message, string name)
        {
            uint mode = r.Mode == WebPubSubRetryMode.Fixed ? NativeMethods.RetryModeFixed : NativeMethods.RetryModeExponential;
            uint delay = Ms(r.Delay, name + ".Delay");
            uint maxDelay = Ms(r.MaxDelay, name + ".MaxDelay");
            uint result = message
                ? NativeMethods.wps_options_set_message_retry(h, r.MaxRetries, delay, maxDelay, mode, r.Jitter)
                : NativeMethods.wps_options_set_reconnect_retry(h, r.MaxRetries, delay, maxDelay, mode, r.Jitter);
            Set(result, name);
        }

        private static void Set(uint result, string option)
        {
            if (result != NativeMethods.ResultOk)
            {
                throw new ArgumentException("Invalid WebPubSubClientOptions." + option + " (" + NativeError.ResultText(result) + ").", "options");
            }
        }

        private static uint Ms(TimeSpan value, string option)
        {
            double ms = Math.Ceiling(value.TotalMilliseconds);
            if (ms < 0 || ms > uint.MaxValue)
            {
                throw new ArgumentOutOfRangeException("options", "WebPubSubClientOptions." + option + " must be between 0 and " + uint.MaxValue + " ms.");
            }
            return (uint)ms;
        }

        private static uint Count(int value, string option)
        {
            if (value <= 0)
            {
                throw new ArgumentOutOfRangeException("options", "WebPubSubClientOptions." + option + " must be positive.");
            }
            return (uint)value;
        }
    }
}
