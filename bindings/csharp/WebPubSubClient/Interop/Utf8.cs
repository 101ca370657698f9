using System;
using System.Runtime.InteropServices;
using System.Text;

namespace WebPubSub.Client.Interop
{
    /// <summary>
    /// UTF-8 in both directions. Strings are encoded by hand rather than marshalled as
    /// <c>string</c> so the bytes are UTF-8 on every runtime and OS; the strict encoder makes a
    /// lone surrogate an <see cref="ArgumentException"/> here instead of a silently repaired
    /// string on the wire.
    /// </summary>
    internal static class Utf8
    {
        private static readonly UTF8Encoding Strict = new UTF8Encoding(false, true);

        /// <summary>The NUL-terminated UTF-8 bytes of <paramref name="value"/>.</summary>
        internal static byte[] ToNative(string value, string paramName)
        {
            if (value == null)
            {
                throw new ArgumentNullException(paramName);
            }
            if (value.IndexOf('\0') >= 0)
            {
                throw new ArgumentException("The string must not contain NUL characters.", paramName);
            }
            byte[] bytes;
            try
            {
                bytes = new byte[Strict.GetByteCount(value) + 1];
                Strict.GetBytes(value, 0, value.Length, bytes, 0);
            }
            catch (EncoderFallbackException e)
            {
                throw new ArgumentException("The string is not valid UTF-16 (a lone surrogate).", paramName, e);
            }
            return bytes;
        }

        /// <summary>A borrowed <c>wps_str</c> as a string, or null when absent.</summary>
        internal static string FromNative(WpsStr value)
        {
            return value.Ptr == IntPtr.Zero ? null : Decode(value.Ptr, checked((int)value.Len.ToUInt64()));
        }

        /// <summary>A borrowed NUL-terminated UTF-8 C string as a string, or null.</summary>
        internal static string FromCString(IntPtr value)
        {
            if (value == IntPtr.Zero)
            {
                return null;
            }
            int len = 0;
            while (Marshal.ReadByte(value, len) != 0)
            {
                len++;
            }
            return Decode(value, len);
        }

        /// <summary>A copy of <paramref name="len"/> borrowed bytes.</summary>
        internal static byte[] CopyBytes(IntPtr data, int len)
        {
            var bytes = new byte[len];
            if (len > 0)
            {
                Marshal.Copy(data, bytes, 0, len);
            }
            return bytes;
        }

        private static string Decode(IntPtr data, int len)
        {
            return Encoding.UTF8.GetString(CopyBytes(data, len));
        }
    }
}
