using System;

namespace WebPubSub.Client.Interop
{
    /// <summary>Turns native results into the binding's exceptions, in one place.</summary>
    internal static class Errors
    {
        internal static Exception ToException(NativeError error)
        {
            string message = error.Message ?? NativeError.ResultText(error.Code);
            switch (error.Code)
            {
                case NativeMethods.ResultServiceError:
                    return new SendMessageFailedException(WebPubSubErrorCode.ServiceError, message, error.AckId, error.ErrorName);
                case NativeMethods.ResultTimeout:
                    return new OperationTimeoutException(message, error.AckId);
                case NativeMethods.ResultStopped:
                    return new ClientStoppedException(message, error.AckId);
                case NativeMethods.ResultConnectionLost:
                    return new ConnectionLostException(message, error.AckId);
                case NativeMethods.ResultMessageTooLarge:
                    return new MessageTooLargeException(message, error.AckId);
                case NativeMethods.ResultConnectFailed:
                    return new ConnectFailedException(message, error.HttpStatus == 0 ? (int?)null : error.HttpStatus);
                case NativeMethods.ResultCredentialFailed:
                    return new CredentialFailedException(message);
                case NativeMethods.ResultNullArgument:
                case NativeMethods.ResultInvalidUtf8:
                case NativeMethods.ResultInvalidArgument:
                    return new ArgumentException(message);
                case NativeMethods.ResultIllegalState:
                    return new InvalidOperationException(message);
                default:
                    return new WebPubSubException((WebPubSubErrorCode)error.Code, message);
            }
        }

        /// <summary>Throws for a failed result of a call without an <c>error_out</c> parameter.</summary>
        internal static void Check(uint result, string what)
        {
            if (result != NativeMethods.ResultOk)
            {
                throw ToException(NativeError.WithoutDetails(result, what));
            }
        }
    }
}
