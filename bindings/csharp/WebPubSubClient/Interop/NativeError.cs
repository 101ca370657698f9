using System;

namespace WebPubSub.Client.Interop
{
    /// <summary>
    /// The details of a <c>wps_error</c>, copied out while the error is still valid (borrowed
    /// errors live only for the callback that received them).
    /// </summary>
    internal sealed class NativeError
    {
        internal uint Code { get; private set; }
        internal string Message { get; private set; }
        internal long? AckId { get; private set; }
        internal string ErrorName { get; private set; }
        internal int HttpStatus { get; private set; }

        internal static NativeError Read(IntPtr error)
        {
            ulong ackId;
            bool hasAckId = NativeMethods.wps_error_ack_id(error, out ackId);
            return new NativeError
            {
                Code = NativeMethods.wps_error_code(error),
                Message = Utf8.FromCString(NativeMethods.wps_error_message(error)),
                AckId = hasAckId ? (long?)unchecked((long)ackId) : null,
                ErrorName = Utf8.FromCString(NativeMethods.wps_error_name(error)),
                HttpStatus = NativeMethods.wps_error_http_status(error),
            };
        }

        /// <summary>For results that come without a <c>wps_error</c> (setters, listeners).</summary>
        internal static NativeError WithoutDetails(uint code, string context = null)
        {
            string text = ResultText(code);
            return new NativeError { Code = code, Message = context == null ? text : context + ": " + text };
        }

        internal static string ResultText(uint code)
        {
            return Utf8.FromCString(NativeMethods.wps_result_str(code));
        }
    }
}
