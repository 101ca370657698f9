using System;
using System.Text;

namespace WebPubSub.Client
{
    /// <summary>
    /// An immutable message payload: the role <c>System.BinaryData</c> plays in the official
    /// SDK, which is not part of Mono's class library nor of netstandard2.0 (it ships in the
    /// System.Memory.Data package). Strings and byte arrays convert implicitly, so
    /// <c>client.SendToGroupAsync("group1", "hello world", WebPubSubDataType.Text)</c> works.
    /// </summary>
    public sealed class MessageData
    {
        private static readonly byte[] NoBytes = new byte[0];
        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);
        private readonly byte[] _bytes;

        private MessageData(byte[] bytes)
        {
            _bytes = bytes;
        }

        /// <summary>An empty payload.</summary>
        public static MessageData Empty
        {
            get { return new MessageData(NoBytes); }
        }

        /// <summary>The payload's length in bytes.</summary>
        public int Length
        {
            get { return _bytes.Length; }
        }

        /// <summary>
        /// The UTF-8 bytes of <paramref name="text"/>. A lone surrogate throws an
        /// <see cref="ArgumentException"/> rather than being silently replaced.
        /// </summary>
        public static MessageData FromString(string text)
        {
            if (text == null)
            {
                throw new ArgumentNullException("text");
            }
            return new MessageData(StrictUtf8.GetBytes(text));
        }

        /// <summary>A copy of <paramref name="bytes"/> (later changes to the array do not affect the payload).</summary>
        public static MessageData FromBytes(byte[] bytes)
        {
            if (bytes == null)
            {
                throw new ArgumentNullException("bytes");
            }
            return new MessageData((byte[])bytes.Clone());
        }

        /// <summary>A copy of <paramref name="count"/> bytes of <paramref name="bytes"/> from <paramref name="offset"/>.</summary>
        public static MessageData FromBytes(byte[] bytes, int offset, int count)
        {
            if (bytes == null)
            {
                throw new ArgumentNullException("bytes");
            }
            var copy = new byte[count];
            Buffer.BlockCopy(bytes, offset, copy, 0, count);
            return new MessageData(copy);
        }

        /// <summary>Wraps bytes the binding just copied out of native memory and owns.</summary>
        internal static MessageData Own(byte[] bytes)
        {
            return new MessageData(bytes);
        }

        /// <summary>The bytes, for the P/Invoke call that copies them; never handed to users.</summary>
        internal byte[] Bytes
        {
            get { return _bytes; }
        }

        /// <summary>A copy of the payload's bytes.</summary>
        public byte[] ToArray()
        {
            return (byte[])_bytes.Clone();
        }

        /// <summary>The payload decoded as UTF-8 (what text and JSON payloads are).</summary>
        public override string ToString()
        {
            return Encoding.UTF8.GetString(_bytes);
        }

        /// <summary>Same as <see cref="FromString"/>.</summary>
        public static implicit operator MessageData(string text)
        {
            return text == null ? null : FromString(text);
        }

        /// <summary>Same as <see cref="FromBytes(byte[])"/>.</summary>
        public static implicit operator MessageData(byte[] bytes)
        {
            return bytes == null ? null : FromBytes(bytes);
        }
    }
}
