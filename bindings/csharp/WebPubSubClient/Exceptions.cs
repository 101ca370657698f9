using System;

namespace WebPubSub.Client
{
    /// <summary>Why a call into the native library failed (the C ABI's <c>WPS_RESULT_*</c> codes).</summary>
    public enum WebPubSubErrorCode
    {
        /// <summary>A required argument was missing.</summary>
        NullArgument = 1,
        /// <summary>A string was not valid UTF-8.</summary>
        InvalidUtf8 = 2,
        /// <summary>An argument was out of range or malformed.</summary>
        InvalidArgument = 3,
        /// <summary>The native library hit an internal bug and contained it.</summary>
        Panic = 4,
        /// <summary>The call does not fit the client's current state.</summary>
        IllegalState = 5,
        /// <summary>The operation did not complete within its timeout.</summary>
        Timeout = 6,
        /// <summary>The client is stopped, was stopped or disposed meanwhile, or the library was shut down.</summary>
        Stopped = 7,
        /// <summary>The service refused the operation.</summary>
        ServiceError = 8,
        /// <summary>The connection was replaced before the ack arrived: the outcome is unknown.</summary>
        ConnectionLost = 9,
        /// <summary>Opening the connection failed.</summary>
        ConnectFailed = 10,
        /// <summary>The message exceeds the service's size limit.</summary>
        MessageTooLarge = 11,
        /// <summary>The client access URL cannot be used.</summary>
        InvalidUrl = 12,
        /// <summary>The credential callback did not provide a URL.</summary>
        CredentialFailed = 13,
        /// <summary>No such item.</summary>
        NotFound = 14,
        /// <summary>An unexpected failure inside the library.</summary>
        Internal = 15,
    }

    /// <summary>A failure reported by the native Web PubSub client.</summary>
    public class WebPubSubException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public WebPubSubException(WebPubSubErrorCode errorCode, string message, Exception innerException = null)
            : base(message, innerException)
        {
            ErrorCode = errorCode;
        }

        /// <summary>The native result code.</summary>
        public WebPubSubErrorCode ErrorCode { get; private set; }
    }

    /// <summary>
    /// An operation (join, leave, send to group, send event) failed. Thrown as is when the
    /// service refused it (<see cref="ErrorName"/> says why, e.g. <c>Forbidden</c>); the
    /// subclasses tell the other outcomes apart. Retrying with the same <see cref="AckId"/> is
    /// safe: the service deduplicates, and a duplicate is reported as success with
    /// <see cref="WebPubSubResult.IsDuplicated"/>.
    /// </summary>
    public class SendMessageFailedException : WebPubSubException
    {
        /// <summary>Creates the exception.</summary>
        public SendMessageFailedException(WebPubSubErrorCode errorCode, string message, long? ackId, string errorName)
            : base(errorCode, message)
        {
            AckId = ackId;
            ErrorName = errorName;
        }

        /// <summary>The ack id the operation used, if it had one (fire-and-forget sends do not).</summary>
        public long? AckId { get; private set; }

        /// <summary>The service's error name (<c>Forbidden</c>, <c>InternalServerError</c>, ...) when the service refused the operation; otherwise null.</summary>
        public string ErrorName { get; private set; }
    }

    /// <summary>The operation was not acknowledged within its timeout (retries and recovery included). Retrying with <see cref="SendMessageFailedException.AckId"/> is safe.</summary>
    public sealed class OperationTimeoutException : SendMessageFailedException
    {
        /// <summary>Creates the exception.</summary>
        public OperationTimeoutException(string message, long? ackId)
            : base(WebPubSubErrorCode.Timeout, message, ackId, null)
        {
        }
    }

    /// <summary>
    /// The client is stopped, or was stopped or disposed while the call was pending (also thrown
    /// by <see cref="WebPubSubClient.StartAsync"/> when a stop overtook the start).
    /// </summary>
    public sealed class ClientStoppedException : SendMessageFailedException
    {
        /// <summary>Creates the exception.</summary>
        public ClientStoppedException(string message, long? ackId)
            : base(WebPubSubErrorCode.Stopped, message, ackId, null)
        {
        }
    }

    /// <summary>
    /// The connection was lost for good (not recovered) before the ack arrived, so whether the
    /// service executed the operation is unknown. Retry with the same ack id to find out safely.
    /// </summary>
    public sealed class ConnectionLostException : SendMessageFailedException
    {
        /// <summary>Creates the exception.</summary>
        public ConnectionLostException(string message, long? ackId)
            : base(WebPubSubErrorCode.ConnectionLost, message, ackId, null)
        {
        }
    }

    /// <summary>The encoded message exceeds the service's limit (1 MB); nothing was sent.</summary>
    public sealed class MessageTooLargeException : SendMessageFailedException
    {
        /// <summary>Creates the exception.</summary>
        public MessageTooLargeException(string message, long? ackId)
            : base(WebPubSubErrorCode.MessageTooLarge, message, ackId, null)
        {
        }
    }

    /// <summary>Opening the connection failed (network, TLS, or the service refused the upgrade).</summary>
    public sealed class ConnectFailedException : WebPubSubException
    {
        /// <summary>Creates the exception.</summary>
        public ConnectFailedException(string message, int? httpStatus)
            : base(WebPubSubErrorCode.ConnectFailed, message)
        {
            HttpStatus = httpStatus;
        }

        /// <summary>The HTTP status of a refused upgrade (e.g. 401 for a bad token), else null.</summary>
        public int? HttpStatus { get; private set; }
    }

    /// <summary>The credential callback threw or returned no URL.</summary>
    public sealed class CredentialFailedException : WebPubSubException
    {
        /// <summary>Creates the exception.</summary>
        public CredentialFailedException(string message)
            : base(WebPubSubErrorCode.CredentialFailed, message)
        {
        }
    }
}
