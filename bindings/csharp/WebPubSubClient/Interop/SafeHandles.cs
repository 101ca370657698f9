using System;
using System.Runtime.InteropServices;

namespace WebPubSub.Client.Interop
{
    /// <summary>
    /// The base of the binding's handles: a native pointer owned by .NET and released exactly
    /// once, by <see cref="SafeHandle.Dispose()"/> or, if that never happens, by the finalizer.
    /// P/Invoke adds a reference for the duration of each call, so a handle disposed on
    /// another thread is only freed once the calls using it have returned.
    /// </summary>
    internal abstract class NativeHandle : SafeHandle
    {
        protected NativeHandle() : base(IntPtr.Zero, true)
        {
        }

        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }
    }

    /// <summary>An owned <c>wps_client</c>; released with <c>wps_client_free</c>.</summary>
    /// <remarks>
    /// <c>wps_client_free</c> never blocks and may run on any thread, the finalizer thread and
    /// the client's own dispatcher thread included, so releasing from a finalizer or from inside
    /// an event handler is safe.
    /// </remarks>
    internal sealed class ClientHandle : NativeHandle
    {
        public ClientHandle()
        {
        }

        protected override bool ReleaseHandle()
        {
            NativeMethods.wps_client_free(handle);
            return true;
        }
    }

    /// <summary>An owned <c>wps_options</c> builder; released with <c>wps_options_free</c>.</summary>
    internal sealed class OptionsHandle : NativeHandle
    {
        public OptionsHandle()
        {
        }

        protected override bool ReleaseHandle()
        {
            NativeMethods.wps_options_free(handle);
            return true;
        }
    }

    /// <summary>
    /// An owned <c>wps_error</c> written to an <c>error_out</c> parameter; released with
    /// <c>wps_error_free</c>. Errors passed to callbacks are borrowed and never wrapped in one.
    /// </summary>
    internal sealed class ErrorHandle : NativeHandle
    {
        public ErrorHandle()
        {
        }

        /// <summary>Reads the details and frees the error.</summary>
        internal NativeError TakeDetails(uint fallbackCode)
        {
            using (this)
            {
                return IsInvalid ? NativeError.WithoutDetails(fallbackCode) : NativeError.Read(handle);
            }
        }

        protected override bool ReleaseHandle()
        {
            NativeMethods.wps_error_free(handle);
            return true;
        }
    }
}
