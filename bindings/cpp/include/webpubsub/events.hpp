// webpubsub/events.hpp: the client's events as plain value types.
//
// The C ABI lends each listener a `wps_event` that lives only for the call; every struct
// here is a deep copy of the fields its kind uses, so a listener may keep it, move it to
// another thread, or queue it.
#pragma once

#include <webpubsub/data.hpp>
#include <webpubsub/detail/convert.hpp>
#include <webpubsub/error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>

namespace webpubsub {

/// The client's public state (`WPS_STATE_*`).
enum class State : std::uint32_t {
    Stopped = WPS_STATE_STOPPED,
    Connecting = WPS_STATE_CONNECTING,
    Connected = WPS_STATE_CONNECTED,
    Recovering = WPS_STATE_RECOVERING,
    Reconnecting = WPS_STATE_RECONNECTING,
    Stopping = WPS_STATE_STOPPING,
};

/// A new connection is established (a recovery does not raise it).
struct Connected {
    std::string connection_id;
    std::optional<std::string> user_id;  ///< absent for anonymous connections
};

/// The connection is lost for good (recovery impossible or failed, or stop() closed it).
struct Disconnected {
    std::optional<std::string> connection_id;  ///< absent if never established
    std::string message;
    std::optional<std::uint16_t> close_code;  ///< when a close frame arrived
};

/// The client stopped and will not reconnect until started again.
struct Stopped {};

/// A message from the application server.
struct ServerMessage {
    Data data;
    std::optional<std::uint64_t> sequence_id;  ///< set on the reliable protocol
};

/// A message from a joined group.
struct GroupMessage {
    std::string group;
    std::optional<std::string> from_user_id;  ///< absent if the publisher has no user id
    Data data;
    std::optional<std::uint64_t> sequence_id;  ///< set on the reliable protocol
};

/// Joining a group again on a new connection failed.
struct RejoinGroupFailed {
    std::string group;
    Error error;
};

/// The public state changed.
struct StateChanged {
    State previous;
    State current;
};

/// The reliable connection dropped and recovery began.
struct Recovering {
    std::string connection_id;
    std::optional<std::uint16_t> close_code;
};

/// The connection was recovered; nothing sent to it was lost.
struct Recovered {
    std::string connection_id;
    std::chrono::milliseconds elapsed;  ///< from the drop to the recovered socket
};

/// Listeners fell behind: the event queue is full and the client paused reading the socket.
struct SlowConsumer {
    std::size_t queued;
};

/// Receives an exception thrown by a listener (see Options::on_listener_error). The
/// listener is not removed and later events are still delivered. Runs on the dispatcher
/// thread, right after the throwing listener returned.
using ListenerErrorHandler = std::function<void(std::exception_ptr)>;

namespace detail {

inline std::optional<std::uint16_t> close_code(const wps_event& e) {
    return e.has_close_code ? std::optional<std::uint16_t>(e.close_code) : std::nullopt;
}

inline std::optional<std::uint64_t> sequence_id(const wps_event& e) {
    return e.has_sequence_id ? std::optional<std::uint64_t>(e.sequence_id) : std::nullopt;
}

inline Data payload(const wps_event& e) {
    const std::uint8_t* p = e.data;
    return Data(static_cast<DataType>(e.data_type), p ? std::vector<std::uint8_t>(p, p + e.data_len) : std::vector<std::uint8_t>());
}

/// For each event struct: its `WPS_EVENT_*` bit and its copy out of a borrowed wps_event.
template <class E>
struct EventKind;

template <>
struct EventKind<Connected> {
    static constexpr std::uint32_t mask = WPS_EVENT_CONNECTED;
    static Connected from(const wps_event& e) { return {copy(e.connection_id), copy_optional(e.user_id)}; }
};

template <>
struct EventKind<Disconnected> {
    static constexpr std::uint32_t mask = WPS_EVENT_DISCONNECTED;
    static Disconnected from(const wps_event& e) {
        return {copy_optional(e.connection_id), copy(e.message), close_code(e)};
    }
};

template <>
struct EventKind<Stopped> {
    static constexpr std::uint32_t mask = WPS_EVENT_STOPPED;
    static Stopped from(const wps_event&) { return {}; }
};

template <>
struct EventKind<ServerMessage> {
    static constexpr std::uint32_t mask = WPS_EVENT_SERVER_MESSAGE;
    static ServerMessage from(const wps_event& e) { return {payload(e), sequence_id(e)}; }
};

template <>
struct EventKind<GroupMessage> {
    static constexpr std::uint32_t mask = WPS_EVENT_GROUP_MESSAGE;
    static GroupMessage from(const wps_event& e) {
        return {copy(e.group), copy_optional(e.from_user_id), payload(e), sequence_id(e)};
    }
};

template <>
struct EventKind<RejoinGroupFailed> {
    static constexpr std::uint32_t mask = WPS_EVENT_REJOIN_GROUP_FAILED;
    static RejoinGroupFailed from(const wps_event& e) {
        return {copy(e.group), error_value(WPS_RESULT_INTERNAL, e.error)};
    }
};

template <>
struct EventKind<StateChanged> {
    static constexpr std::uint32_t mask = WPS_EVENT_STATE_CHANGED;
    static StateChanged from(const wps_event& e) {
        return {static_cast<State>(e.previous_state), static_cast<State>(e.current_state)};
    }
};

template <>
struct EventKind<Recovering> {
    static constexpr std::uint32_t mask = WPS_EVENT_RECOVERING;
    static Recovering from(const wps_event& e) { return {copy(e.connection_id), close_code(e)}; }
};

template <>
struct EventKind<Recovered> {
    static constexpr std::uint32_t mask = WPS_EVENT_RECOVERED;
    static Recovered from(const wps_event& e) {
        return {copy(e.connection_id), std::chrono::milliseconds(static_cast<std::int64_t>(e.elapsed_ms))};
    }
};

template <>
struct EventKind<SlowConsumer> {
    static constexpr std::uint32_t mask = WPS_EVENT_SLOW_CONSUMER;
    static SlowConsumer from(const wps_event& e) { return {e.queued}; }
};

}  // namespace detail
}  // namespace webpubsub
