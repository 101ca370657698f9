package webpubsub

/*
#include "webpubsub_client.h"
*/
import "C"

import "errors"

// Sentinel errors, one per failure kind of the C library. Every error this package returns
// for a library failure wraps one of them, so test with errors.Is:
//
//	if errors.Is(err, webpubsub.ErrStopped) { ... }
//
// and use errors.As with *SendMessageError (operations) or *Error (everything else) for the
// details.
var (
	// ErrInvalidArgument: an argument is malformed or out of range (empty group name,
	// invalid JSON, a flag the operation does not take, an option value the library
	// refuses, ...). Nothing was done.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrInvalidUTF8: a string is not valid UTF-8. Nothing was done.
	ErrInvalidUTF8 = errors.New("invalid UTF-8")
	// ErrIllegalState: the call does not fit the client's state (Start on a started
	// client), or it would wait inside a listener callback, where it could only deadlock:
	// use the Async form there (or a goroutine).
	ErrIllegalState = errors.New("illegal state")
	// ErrTimeout: the operation did not complete within its timeout. Retrying with the same
	// ack id (SendMessageError.AckID, WithAckID) is safe: the service deduplicates.
	ErrTimeout = errors.New("timed out")
	// ErrStopped: the client is stopped, was stopped or closed while the operation was
	// pending, or the library was shut down.
	ErrStopped = errors.New("stopped")
	// ErrServiceError: the service refused the operation; SendMessageError.Name says why
	// (e.g. "Forbidden").
	ErrServiceError = errors.New("refused by the service")
	// ErrConnectionLost: the connection was replaced (not recovered) before the ack
	// arrived, so whether the service executed the operation is unknown.
	ErrConnectionLost = errors.New("connection lost")
	// ErrConnectFailed: opening the connection failed (network, TLS, or an HTTP refusal:
	// see Error.HTTPStatus).
	ErrConnectFailed = errors.New("connect failed")
	// ErrMessageTooLarge: the encoded message exceeds the service's limit (1 MB). Nothing
	// was sent.
	ErrMessageTooLarge = errors.New("message too large")
	// ErrInvalidURL: the client access URL cannot be used.
	ErrInvalidURL = errors.New("invalid client access URL")
	// ErrCredentialFailed: the credential function failed to produce a URL.
	ErrCredentialFailed = errors.New("credential failed")
	// ErrNotFound: no such item (a listener already removed).
	ErrNotFound = errors.New("not found")
	// ErrInternal: an unexpected failure inside the library (including a caught panic).
	ErrInternal = errors.New("internal library error")
	// ErrClosed: the client was closed with Close; it cannot be used any more. (This one
	// comes from the Go binding, not the library.)
	ErrClosed = errors.New("client closed")
)

// Error is a failure of the library that is not tied to an operation's ack id: creating or
// starting a client, an option, a listener. It wraps one of the Err* sentinels.
type Error struct {
	// Message is the library's explanation (it never contains an access token).
	Message string
	// HTTPStatus is the status with which the service refused the WebSocket upgrade (e.g.
	// 401 for a bad token) when the error is ErrConnectFailed, else 0.
	HTTPStatus int
	kind       error
}

func (e *Error) Error() string { return "webpubsub: " + e.Message }

// Unwrap returns the sentinel (ErrStopped, ErrConnectFailed, ...).
func (e *Error) Unwrap() error { return e.kind }

// SendMessageError is the failure of an operation (join, leave, send to group, send event)
// that was given an ack id, like the SendMessageError of the official SDKs. Retrying with
// WithAckID(AckID) is idempotent: the service executes an ack id at most once. It wraps the
// sentinel of the failure kind (ErrServiceError, ErrTimeout, ErrConnectionLost, ...).
type SendMessageError struct {
	// AckID is the ack id the operation used.
	AckID uint64
	// Name is the service's error name (e.g. "Forbidden", "InternalServerError") when the
	// service refused the operation (ErrServiceError), else "".
	Name string
	// Message is the library's explanation.
	Message string
	kind    error
}

// Error returns the library's message, which names the ack id.
func (e *SendMessageError) Error() string { return "webpubsub: " + e.Message }

// Unwrap returns the sentinel (ErrServiceError, ErrTimeout, ...).
func (e *SendMessageError) Unwrap() error { return e.kind }

// sentinel maps a wps_result failure code to its sentinel error.
func sentinel(code C.wps_result) error {
	switch code {
	case C.WPS_RESULT_NULL_ARGUMENT, C.WPS_RESULT_INVALID_ARGUMENT:
		return ErrInvalidArgument
	case C.WPS_RESULT_INVALID_UTF8:
		return ErrInvalidUTF8
	case C.WPS_RESULT_ILLEGAL_STATE:
		return ErrIllegalState
	case C.WPS_RESULT_TIMEOUT:
		return ErrTimeout
	case C.WPS_RESULT_STOPPED:
		return ErrStopped
	case C.WPS_RESULT_SERVICE_ERROR:
		return ErrServiceError
	case C.WPS_RESULT_CONNECTION_LOST:
		return ErrConnectionLost
	case C.WPS_RESULT_CONNECT_FAILED:
		return ErrConnectFailed
	case C.WPS_RESULT_MESSAGE_TOO_LARGE:
		return ErrMessageTooLarge
	case C.WPS_RESULT_INVALID_URL:
		return ErrInvalidURL
	case C.WPS_RESULT_CREDENTIAL_FAILED:
		return ErrCredentialFailed
	case C.WPS_RESULT_NOT_FOUND:
		return ErrNotFound
	default: // WPS_RESULT_PANIC, WPS_RESULT_INTERNAL, codes of a newer library
		return ErrInternal
	}
}

// errorFromC copies a (borrowed) wps_error into a Go error.
func errorFromC(e *C.wps_error) error {
	code := C.wps_error_code(e)
	message := C.GoString(C.wps_error_message(e))
	var ackID C.uint64_t
	if C.wps_error_ack_id(e, &ackID) {
		name := ""
		if p := C.wps_error_name(e); p != nil {
			name = C.GoString(p)
		}
		return &SendMessageError{AckID: uint64(ackID), Name: name, Message: message, kind: sentinel(code)}
	}
	return &Error{Message: message, HTTPStatus: int(C.wps_error_http_status(e)), kind: sentinel(code)}
}

// resultError turns a returned code into a Go error: nil for WPS_RESULT_OK, else the
// details from *errOut (which it frees) when the function wrote one, else the code's
// static description prefixed with what failed.
func resultError(code C.wps_result, errOut *C.wps_error, what string) error {
	if code == C.WPS_RESULT_OK {
		return nil
	}
	if errOut != nil {
		defer C.wps_error_free(errOut)
		return errorFromC(errOut)
	}
	return &Error{Message: what + ": " + C.GoString(C.wps_result_str(code)), kind: sentinel(code)}
}

// goError is an error this binding detects itself, worded like the library's.
func goError(kind error, message string) error {
	return &Error{Message: message, kind: kind}
}
