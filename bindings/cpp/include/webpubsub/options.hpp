// webpubsub/options.hpp: the Options builder, one setter per option of the C ABI.
//
// Each setter applies its value to a wps_options at once, so an invalid value throws
// webpubsub::Error(ErrorCode::InvalidArgument, ...) at the line that set it, not later in
// the Client constructor.
#pragma once

#include <webpubsub/detail/convert.hpp>
#include <webpubsub/detail/handles.hpp>
#include <webpubsub/error.hpp>
#include <webpubsub/events.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace webpubsub {

/// The subprotocol (`WPS_PROTOCOL_*`).
enum class Protocol : std::uint32_t {
    /// `json.reliable.webpubsub.azure.v1` (default): recovery without message loss.
    JsonReliable = WPS_PROTOCOL_JSON_RELIABLE,
    /// `json.webpubsub.azure.v1`: a dropped connection means a new connection.
    Json = WPS_PROTOCOL_JSON,
};

/// How retry delays grow (`WPS_RETRY_MODE_*`).
enum class RetryMode : std::uint32_t {
    Fixed = WPS_RETRY_MODE_FIXED,
    Exponential = WPS_RETRY_MODE_EXPONENTIAL,
};

/// Where a client's callbacks run (`WPS_DISPATCHER_*`).
enum class Dispatcher : std::uint32_t {
    /// A thread of its own per client (default).
    Dedicated = WPS_DISPATCHER_DEDICATED,
    /// One thread of a process-wide pool, for many clients in one process.
    Shared = WPS_DISPATCHER_SHARED,
};

/// A retry policy. `max_retries` nullopt means unlimited (still bounded by the operation
/// timeout for operations). The defaults are those of message retries (3 retries,
/// exponential from 800 ms to 30 s, jittered); `RetryPolicy::reconnect_default()` gives the
/// reconnect defaults.
struct RetryPolicy {
    std::optional<std::uint32_t> max_retries = 3;
    std::chrono::milliseconds initial_delay{800};
    std::chrono::milliseconds max_delay{30000};
    RetryMode mode = RetryMode::Exponential;
    bool jitter = true;

    static RetryPolicy reconnect_default() {
        RetryPolicy p;
        p.max_retries = std::nullopt;
        p.initial_delay = std::chrono::milliseconds(1000);
        return p;
    }
};

/// A credential: returns a fresh client access URL; called on every start and reconnect on
/// a library thread (concurrently for different clients built from the same Options). A
/// thrown exception fails that connection attempt with ErrorCode::CredentialFailed and its
/// `what()` in the message.
using CredentialFunction = std::function<std::string()>;

/// The options of a Client. Move-only (it owns a wps_options). A Client copies them, so one
/// Options may build several clients.
class Options {
public:
    Options() {
        wps_options* raw = nullptr;
        detail::check(wps_options_new(&raw));
        options_.reset(raw);
    }

    /// A fixed client access URL (`ws://`, `wss://`, `http://`, `https://`).
    Options& url(const std::string& url) { return set(wps_options_set_url(get(), detail::c_str(url, "url"))); }

    /// A callback producing a fresh client access URL (replaces url()).
    Options& credential(CredentialFunction fn) {
        auto box = std::make_unique<CredentialBox>(CredentialBox{std::move(fn)});
        set(wps_options_set_credential(get(), &CredentialBox::invoke, box.get(), &CredentialBox::destroy));
        box.release();  // owned by the library from the successful call on
        return *this;
    }

    Options& protocol(Protocol p) { return set(wps_options_set_protocol(get(), static_cast<wps_protocol>(p))); }
    Options& auto_reconnect(bool on) { return set(wps_options_set_auto_reconnect(get(), on)); }
    Options& auto_rejoin_groups(bool on) { return set(wps_options_set_auto_rejoin_groups(get(), on)); }

    Options& message_retry(const RetryPolicy& p) { return retry(wps_options_set_message_retry, p); }
    Options& reconnect_retry(const RetryPolicy& p) { return retry(wps_options_set_reconnect_retry, p); }

    /// How long to try recovering a dropped reliable connection (default 30 s; 0 disables).
    Options& recovery_window(std::chrono::milliseconds d) {
        return set(wps_options_set_recovery_window_ms(get(), detail::millis(d, "recovery_window")));
    }
    /// The pause between recovery attempts (default 1 s).
    Options& recovery_interval(std::chrono::milliseconds d) {
        return set(wps_options_set_recovery_interval_ms(get(), detail::millis(d, "recovery_interval")));
    }
    /// The bound of one connection attempt (default 10 s; must be > 0).
    Options& connect_timeout(std::chrono::milliseconds d) {
        return set(wps_options_set_connect_timeout_ms(get(), detail::millis(d, "connect_timeout")));
    }
    /// The default bound of one operation, retries and recovery included (default 30 s).
    Options& operation_timeout(std::chrono::milliseconds d) {
        return set(wps_options_set_operation_timeout_ms(get(), detail::millis(d, "operation_timeout")));
    }
    /// The interval of application-level pings (default 20 s; 0 disables).
    Options& keep_alive_interval(std::chrono::milliseconds d) {
        return set(wps_options_set_keep_alive_interval_ms(get(), detail::millis(d, "keep_alive_interval")));
    }
    /// Recover when nothing arrived for this long: detects half-open sockets (default 120 s).
    Options& keep_alive_timeout(std::chrono::milliseconds d) {
        return set(wps_options_set_keep_alive_timeout_ms(get(), detail::millis(d, "keep_alive_timeout")));
    }
    /// The interval of cumulative sequence acks (default 1 s).
    Options& sequence_ack_interval(std::chrono::milliseconds d) {
        return set(wps_options_set_sequence_ack_interval_ms(get(), detail::millis(d, "sequence_ack_interval")));
    }
    /// Send a sequence ack at once after this many unacknowledged messages (default 300).
    Options& sequence_ack_threshold(std::uint32_t messages) {
        return set(wps_options_set_sequence_ack_threshold(get(), messages));
    }
    /// Events that may wait for the dispatcher before reading pauses (default 4096).
    Options& event_queue_capacity(std::size_t n) { return set(wps_options_set_event_queue_capacity(get(), n)); }
    /// Operations that may wait for the connection before callers wait (default 1024).
    Options& operation_queue_capacity(std::size_t n) {
        return set(wps_options_set_operation_queue_capacity(get(), n));
    }

    /// Adds an HTTP header to the WebSocket upgrade request.
    Options& add_header(const std::string& name, const std::string& value) {
        return set(wps_options_add_header(get(), detail::c_str(name, "header name"), detail::c_str(value, "header value")));
    }
    Options& clear_headers() { return set(wps_options_clear_headers(get())); }
    Options& user_agent(const std::string& ua) {
        return set(wps_options_set_user_agent(get(), detail::c_str(ua, "user agent")));
    }
    /// Extra CA certificates (PEM) trusted for `wss://`; an empty string removes them.
    Options& extra_ca_pem(const std::string& pem) {
        return set(wps_options_set_extra_ca_pem(get(), reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size()));
    }
    Options& dispatcher(Dispatcher d) { return set(wps_options_set_dispatcher(get(), static_cast<wps_dispatcher>(d))); }

    /// C++ only: receives exceptions thrown by this client's listeners (default: a line on
    /// stderr). It must not throw; if it does, that exception is dropped.
    Options& on_listener_error(ListenerErrorHandler handler) {
        listener_error_ = std::make_shared<const ListenerErrorHandler>(std::move(handler));
        return *this;
    }

    const wps_options* native_handle() const noexcept { return options_.get(); }
    const std::shared_ptr<const ListenerErrorHandler>& listener_error_handler() const noexcept { return listener_error_; }

private:
    struct CredentialBox {
        CredentialFunction fn;

        static bool invoke(void* user_data, wps_url_out* out) noexcept {
            try {
                const std::string url = static_cast<CredentialBox*>(user_data)->fn();
                if (url.find('\0') != std::string::npos) {
                    wps_url_out_set_error(out, "the credential returned a URL with a NUL character");
                    return false;
                }
                return wps_url_out_set(out, url.c_str()) == WPS_RESULT_OK;
            } catch (const std::exception& e) {
                wps_url_out_set_error(out, e.what());
            } catch (...) {
                wps_url_out_set_error(out, "the credential threw a non-standard exception");
            }
            return false;
        }

        static void destroy(void* user_data) noexcept { delete static_cast<CredentialBox*>(user_data); }
    };

    wps_options* get() const noexcept { return options_.get(); }

    Options& set(wps_result result) {
        detail::check(result);
        return *this;
    }

    template <class Setter>
    Options& retry(Setter setter, const RetryPolicy& p) {
        const std::int64_t max = p.max_retries ? static_cast<std::int64_t>(*p.max_retries) : -1;
        return set(setter(get(), max, detail::millis(p.initial_delay, "initial_delay"),
                          detail::millis(p.max_delay, "max_delay"), static_cast<wps_retry_mode>(p.mode), p.jitter));
    }

    detail::OptionsPtr options_;
    std::shared_ptr<const ListenerErrorHandler> listener_error_;
};

}  // namespace webpubsub
