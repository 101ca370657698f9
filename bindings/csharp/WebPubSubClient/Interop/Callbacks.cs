using System;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace WebPubSub.Client.Interop
{
    /// <summary>
    /// Implemented by every object the library holds through a <see cref="GCHandle"/> passed as
    /// <c>user_data</c> together with the <see cref="Callbacks.FreeUserData"/> finalizer.
    /// </summary>
    internal interface INativeCallbackTarget
    {
        /// <summary>Called once, when the library has released the handle.</summary>
        void Released();
    }

    /// <summary>
    /// The static trampolines the library calls. Each is one delegate instance for the whole
    /// process, kept in a static field so the GC can never collect a function pointer the
    /// library holds; per-registration state travels in <c>user_data</c> as a
    /// <see cref="GCHandle"/>. No exception ever leaves a trampoline: unwinding a .NET exception
    /// through native frames is undefined behaviour, so each one catches everything and reports
    /// it (to the client's <c>UnhandledCallbackException</c> event, or to
    /// <see cref="Trace"/> when there is no client to tell).
    /// </summary>
    internal static class Callbacks
    {
        internal static readonly NativeMethods.EventFn Event = OnEvent;
        internal static readonly NativeMethods.CompletionFn Completion = OnCompletion;
        internal static readonly NativeMethods.FreeFn FreeUserData = OnFreeUserData;
        internal static readonly NativeMethods.CredentialFn Credential = OnCredential;
        internal static readonly NativeMethods.LogFn Log = OnLog;

        /// <summary>A handle for <c>user_data</c>; released by <see cref="FreeUserData"/> or <see cref="Release"/>.</summary>
        internal static IntPtr Hold(object target)
        {
            return GCHandle.ToIntPtr(GCHandle.Alloc(target));
        }

        /// <summary>The object behind <c>user_data</c>.</summary>
        internal static T Target<T>(IntPtr userData) where T : class
        {
            return (T)GCHandle.FromIntPtr(userData).Target;
        }

        /// <summary>Frees a handle from <see cref="Hold"/> (exactly once per handle).</summary>
        internal static void Release(IntPtr userData)
        {
            GCHandle handle = GCHandle.FromIntPtr(userData);
            var target = handle.Target as INativeCallbackTarget;
            handle.Free();
            if (target != null)
            {
                target.Released();
            }
        }

        internal static void ReportUnhandled(string where, Exception exception)
        {
            try
            {
                Trace.TraceError("WebPubSub.Client: {0} threw and was contained at the native boundary: {1}", where, exception);
            }
            catch
            {
                // A broken trace listener must not take the process down either.
            }
        }

        private static void OnEvent(IntPtr userData, IntPtr wpsEvent)
        {
            try
            {
                Target<EventListener>(userData).Dispatch(wpsEvent);
            }
            catch (Exception e)
            {
                ReportUnhandled("an event listener", e);
            }
            StackScrubber.Scrub();
        }

        private static void OnCompletion(IntPtr userData, uint result, IntPtr opResult, IntPtr error)
        {
            try
            {
                Target<PendingOperation>(userData).Complete(userData, result, opResult, error);
            }
            catch (Exception e)
            {
                ReportUnhandled("an operation completion", e);
            }
            StackScrubber.Scrub();
        }

        private static void OnFreeUserData(IntPtr userData)
        {
            try
            {
                Release(userData);
            }
            catch (Exception e)
            {
                ReportUnhandled("a callback finalizer", e);
            }
        }

        private static bool OnCredential(IntPtr userData, IntPtr urlOut)
        {
            try
            {
                return Target<CredentialSource>(userData).Provide(urlOut);
            }
            catch (Exception e)
            {
                ReportUnhandled("the credential callback", e);
                return false;
            }
        }

        private static void OnLog(IntPtr userData, uint level, WpsStr target, WpsStr message)
        {
            try
            {
                Target<LogSink>(userData).Write(level, target, message);
            }
            catch (Exception e)
            {
                ReportUnhandled("the log handler", e);
            }
        }
    }
}
