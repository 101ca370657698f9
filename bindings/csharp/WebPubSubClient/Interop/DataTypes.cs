using System;

namespace WebPubSub.Client.Interop
{
    /// <summary>
    /// Maps <see cref="WebPubSubDataType"/> (numbered as in the official SDK) to the C ABI's
    /// <c>WPS_DATA_TYPE_*</c> values, which are numbered differently.
    /// </summary>
    internal static class DataTypes
    {
        internal static uint ToNative(WebPubSubDataType dataType)
        {
            switch (dataType)
            {
                case WebPubSubDataType.Text: return NativeMethods.DataTypeText;
                case WebPubSubDataType.Json: return NativeMethods.DataTypeJson;
                case WebPubSubDataType.Binary: return NativeMethods.DataTypeBinary;
                case WebPubSubDataType.Protobuf: return NativeMethods.DataTypeProtobuf;
                default: throw new ArgumentOutOfRangeException("dataType", dataType, "Unknown data type.");
            }
        }

        /// <summary>Unknown values (from a newer library) are delivered as binary: the bytes are intact.</summary>
        internal static WebPubSubDataType FromNative(uint dataType)
        {
            switch (dataType)
            {
                case NativeMethods.DataTypeText: return WebPubSubDataType.Text;
                case NativeMethods.DataTypeJson: return WebPubSubDataType.Json;
                case NativeMethods.DataTypeProtobuf: return WebPubSubDataType.Protobuf;
                default: return WebPubSubDataType.Binary;
            }
        }
    }
}
