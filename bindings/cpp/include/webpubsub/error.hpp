// webpubsub/error.hpp: the exceptions thrown for failures of the C ABI.
//
// Every failing call of the C library returns a wps_result code and, where it can, a
// wps_error object. This header turns both into a webpubsub::Error (or its subclass
// SendMessageError when the service refused an operation), so C++ callers never see the
// C error handling.
#pragma once

#include <webpubsub/detail/handles.hpp>

#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace webpubsub {

/// The failure codes of the C ABI (`WPS_RESULT_*`), as a scoped enum. A newer library may
/// return a code missing here; it still round-trips through the underlying integer.
enum class ErrorCode : std::uint32_t {
    NullArgument = WPS_RESULT_NULL_ARGUMENT,
    InvalidUtf8 = WPS_RESULT_INVALID_UTF8,
    InvalidArgument = WPS_RESULT_INVALID_ARGUMENT,
    Panic = WPS_RESULT_PANIC,
    IllegalState = WPS_RESULT_ILLEGAL_STATE,
    Timeout = WPS_RESULT_TIMEOUT,
    Stopped = WPS_RESULT_STOPPED,
    ServiceError = WPS_RESULT_SERVICE_ERROR,
    ConnectionLost = WPS_RESULT_CONNECTION_LOST,
    ConnectFailed = WPS_RESULT_CONNECT_FAILED,
    MessageTooLarge = WPS_RESULT_MESSAGE_TOO_LARGE,
    InvalidUrl = WPS_RESULT_INVALID_URL,
    CredentialFailed = WPS_RESULT_CREDENTIAL_FAILED,
    NotFound = WPS_RESULT_NOT_FOUND,
    Internal = WPS_RESULT_INTERNAL,
};

/// The library's short static description of a code, e.g. "timed out".
inline const char* describe(ErrorCode code) noexcept {
    return wps_result_str(static_cast<wps_result>(code));
}

/// A failed call or operation. `what()` is the library's message; the accessors give what
/// a caller needs to react: the code, the operation's ack id (retrying with it is
/// idempotent, the service deduplicates), the service's error name and an HTTP status.
class Error : public std::runtime_error {
public:
    Error(ErrorCode code, const std::string& message, std::optional<std::uint64_t> ack_id = std::nullopt,
          std::string name = {}, std::uint16_t http_status = 0)
        : std::runtime_error(message),
          code_(code),
          ack_id_(ack_id),
          name_(std::move(name)),
          http_status_(http_status) {}

    ErrorCode code() const noexcept { return code_; }
    /// The ack id of the failed operation, if it had one (fire-and-forget sends do not).
    std::optional<std::uint64_t> ack_id() const noexcept { return ack_id_; }
    /// The service's error name (e.g. "Forbidden") for ErrorCode::ServiceError, else empty.
    const std::string& name() const noexcept { return name_; }
    /// The HTTP status of a refused WebSocket upgrade (ErrorCode::ConnectFailed), else 0.
    std::uint16_t http_status() const noexcept { return http_status_; }

private:
    ErrorCode code_;
    std::optional<std::uint64_t> ack_id_;
    std::string name_;
    std::uint16_t http_status_;
};

/// The service refused an operation (its ack carried an error such as "Forbidden"); the
/// seed SDK's name for it. `ack_id()` is set: retry with it to stay idempotent.
class SendMessageError : public Error {
public:
    using Error::Error;
};

namespace detail {

/// Copies a (possibly NULL) borrowed wps_error into the matching exception object and hands
/// it to `sink` (which throws it or stores it), so throwing and storing share one mapping.
template <class Sink>
decltype(auto) with_error(wps_result result, const wps_error* error, Sink&& sink) {
    const auto code = static_cast<ErrorCode>(error ? wps_error_code(error) : result);
    const char* message = error ? wps_error_message(error) : nullptr;
    std::string text = message ? message : wps_result_str(static_cast<wps_result>(code));
    std::optional<std::uint64_t> ack_id;
    std::uint64_t id = 0;
    if (error && wps_error_ack_id(error, &id)) ack_id = id;
    const char* name = error ? wps_error_name(error) : nullptr;
    const std::uint16_t status = error ? wps_error_http_status(error) : 0;
    if (code == ErrorCode::ServiceError) {
        return sink(SendMessageError(code, text, ack_id, name ? name : "", status));
    }
    return sink(Error(code, text, ack_id, name ? name : "", status));
}

[[noreturn]] inline void throw_error(wps_result result, const wps_error* error) {
    with_error(result, error, [](auto&& e) -> int { throw std::move(e); });
    std::terminate();  // unreachable: the sink always throws
}

inline std::exception_ptr error_ptr(wps_result result, const wps_error* error) {
    return with_error(result, error, [](auto&& e) { return std::make_exception_ptr(std::move(e)); });
}

/// A plain Error value (sliced on purpose) for event structs that carry one.
inline Error error_value(wps_result result, const wps_error* error) {
    return with_error(result, error, [](auto&& e) { return Error(std::move(e)); });
}

/// Throws for a failed result of a call that has no wps_error out-parameter.
inline void check(wps_result result) {
    if (result != WPS_RESULT_OK) throw_error(result, nullptr);
}

/// Runs `call(wps_error **)` and throws its error if it failed.
template <class Call>
void call(Call&& call) {
    wps_error* raw = nullptr;
    const wps_result result = call(&raw);
    ErrorPtr error(raw);
    if (result != WPS_RESULT_OK) throw_error(result, error.get());
}

}  // namespace detail
}  // namespace webpubsub
