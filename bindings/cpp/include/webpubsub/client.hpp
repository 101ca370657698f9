// webpubsub/client.hpp: the C++17 binding of the webpubsub-client C ABI (header-only).
//
//     webpubsub::Client client(url);
//     auto sub = client.on_group_message([](const webpubsub::GroupMessage& m) { ... });
//     client.start();
//     client.join_group("group1");
//     client.send_to_group("group1", webpubsub::Data::text("hello world"));
//     client.stop();
//
// Failures throw webpubsub::Error (SendMessageError when the service refused). Listeners
// and the completions of the `_async` forms run on the client's dispatcher thread, in
// order; see Client for what may be called from there.
#pragma once

#include <webpubsub/data.hpp>
#include <webpubsub/detail/convert.hpp>
#include <webpubsub/detail/handles.hpp>
#include <webpubsub/detail/trampolines.hpp>
#include <webpubsub/error.hpp>
#include <webpubsub/events.hpp>
#include <webpubsub/operations.hpp>
#include <webpubsub/options.hpp>
#include <webpubsub/runtime.hpp>
#include <webpubsub/subscription.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <tuple>
#include <utility>

namespace webpubsub {

/// A Web PubSub client: one logical connection that recovers and reconnects by itself.
///
/// Move-only; a moved-from Client may only be destroyed or assigned (its calls throw
/// Error(NullArgument)). Destroying a Client stops it in the background without blocking;
/// pending futures then complete with ErrorCode::Stopped and each listener's callable is
/// destroyed exactly once, on the dispatcher thread, shortly after the destructor returns.
/// A listener that captures references must therefore not outlive what they refer to:
/// stop() first (it waits until the client is stopped), or capture shared ownership.
///
/// Threads: every method may be called from any thread, also concurrently (but not while
/// the Client object itself is being moved or destroyed). Inside a listener (or any callback
/// of this client) use the `_async` forms, stop() and remove_listener(); start() and the
/// blocking operations throw Error(IllegalState) there instead of deadlocking.
class Client {
public:
    explicit Client(const Options& options) : on_listener_error_(options.listener_error_handler()) {
        wps_client* raw = nullptr;
        detail::call([&](wps_error** e) { return wps_client_new(options.native_handle(), &raw, e); });
        // Shared (keeping the unique_ptr's deleter) only so that Subscriptions can refer to
        // the client weakly; they hold it strongly just while removing their listener.
        handle_ = detail::ClientPtr(raw);
    }

    /// A client for a fixed client access URL with default options.
    explicit Client(const std::string& url) : Client(Options().url(url)) {}

    Client(Client&&) noexcept = default;
    Client& operator=(Client&&) noexcept = default;
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    ~Client() = default;

    /// Connects and waits until the service confirmed the connection (no retry of a failed
    /// first attempt; once connected, drops are recovered or reconnected automatically).
    void start() {
        detail::call([&](wps_error** e) { return wps_client_start(get(), e); });
    }
    std::future<void> start_async() {
        return detail::begin_async<void>(
            [&](wps_completion_fn cb, void* ud, wps_error**) { return wps_client_start_async(get(), cb, ud); });
    }

    /// Stops (closing the connection, failing pending operations with ErrorCode::Stopped) and
    /// waits until stopped; inside a callback it returns at once and the stop completes after
    /// the callback. Idempotent; start() works again afterwards.
    void stop() { detail::check(wps_client_stop(get())); }
    std::future<void> stop_async() {
        return detail::begin_async<void>(
            [&](wps_completion_fn cb, void* ud, wps_error**) { return wps_client_stop_async(get(), cb, ud); });
    }

    State state() const {
        wps_state state = WPS_STATE_STOPPED;
        detail::check(wps_client_state(get(), &state));
        return static_cast<State>(state);
    }

    /// Joins a group (its messages then reach on_group_message listeners); waits for the ack.
    Result join_group(const std::string& group, const OpOptions& options = {}) {
        return blocking(wps_client_join_group, [&] { return group_args(group, options); });
    }
    std::future<Result> join_group_async(const std::string& group, const OpOptions& options = {}) {
        return async(wps_client_join_group_async, [&] { return group_args(group, options); });
    }

    Result leave_group(const std::string& group, const OpOptions& options = {}) {
        return blocking(wps_client_leave_group, [&] { return group_args(group, options); });
    }
    std::future<Result> leave_group_async(const std::string& group, const OpOptions& options = {}) {
        return async(wps_client_leave_group_async, [&] { return group_args(group, options); });
    }

    /// Publishes `data` to `group`; waits for the ack (or, fire-and-forget, until queued).
    Result send_to_group(const std::string& group, const Data& data, const OpOptions& options = {}) {
        return blocking(wps_client_send_to_group, [&] { return send_args(group, "group", data, options); });
    }
    std::future<Result> send_to_group_async(const std::string& group, const Data& data, const OpOptions& options = {}) {
        return async(wps_client_send_to_group_async, [&] { return send_args(group, "group", data, options); });
    }

    /// Sends the event `event` to the application server's event handler; waits for the ack.
    /// `no_echo` does not apply (Error(InvalidArgument)).
    Result send_event(const std::string& event, const Data& data, const OpOptions& options = {}) {
        return blocking(wps_client_send_event, [&] { return send_args(event, "event", data, options); });
    }
    std::future<Result> send_event_async(const std::string& event, const Data& data, const OpOptions& options = {}) {
        return async(wps_client_send_event_async, [&] { return send_args(event, "event", data, options); });
    }

    /// Listeners: each takes a callable `void(const Event&)` and returns the Subscription that
    /// removes it. The callable runs on the dispatcher thread, in event order; an exception it
    /// throws goes to Options::on_listener_error and does not affect later events. It may be
    /// added at any time, also from inside a callback.
    Subscription on_connected(std::function<void(const Connected&)> fn) { return on(std::move(fn)); }
    Subscription on_disconnected(std::function<void(const Disconnected&)> fn) { return on(std::move(fn)); }
    Subscription on_stopped(std::function<void(const Stopped&)> fn) { return on(std::move(fn)); }
    Subscription on_server_message(std::function<void(const ServerMessage&)> fn) { return on(std::move(fn)); }
    Subscription on_group_message(std::function<void(const GroupMessage&)> fn) { return on(std::move(fn)); }
    Subscription on_rejoin_group_failed(std::function<void(const RejoinGroupFailed&)> fn) { return on(std::move(fn)); }
    Subscription on_state_changed(std::function<void(const StateChanged&)> fn) { return on(std::move(fn)); }
    Subscription on_recovering(std::function<void(const Recovering&)> fn) { return on(std::move(fn)); }
    Subscription on_recovered(std::function<void(const Recovered&)> fn) { return on(std::move(fn)); }
    Subscription on_slow_consumer(std::function<void(const SlowConsumer&)> fn) { return on(std::move(fn)); }

    /// The generic form of the on_* methods, for an event struct type E.
    template <class E>
    Subscription on(std::function<void(const E&)> fn) {
        using Box = detail::ListenerBox<E>;
        auto box = std::make_unique<Box>(Box{std::move(fn), on_listener_error_});
        ListenerId id = 0;
        detail::check(wps_client_add_listener(get(), detail::EventKind<E>::mask, &Box::invoke, box.get(),
                                              &Box::destroy, &id));
        box.release();  // owned by the library from the successful call on
        return Subscription(handle_, id);
    }

    /// Removes a listener by id (see Subscription::detach). Throws Error(NotFound) for an
    /// unknown or already removed id.
    void remove_listener(ListenerId id) { detail::check(wps_client_remove_listener(get(), id)); }

    /// The C handle, for calls this binding does not wrap. Owned by the Client.
    wps_client* native_handle() const noexcept { return handle_.get(); }

private:
    wps_client* get() const noexcept { return handle_.get(); }

    // An operation's C functions share their leading arguments (client, name, [payload,
    // flags,] ack id, timeout); the blocking form then takes (result_out, error_out), the
    // async one (callback, user_data, error_out). The *_args builders convert and check the
    // leading ones; they run inside blocking()/async() so that an invalid argument of an
    // async call also arrives through its future.

    using GroupArgs = std::tuple<wps_client*, const char*, std::uint64_t, std::uint32_t>;
    using SendArgs = std::tuple<wps_client*, const char*, wps_data_type, const std::uint8_t*, std::size_t,
                                std::uint32_t, std::uint64_t, std::uint32_t>;

    /// join/leave take no flags: refuse them rather than ignore them.
    GroupArgs group_args(const std::string& group, const OpOptions& o) const {
        if (o.no_echo || o.fire_and_forget) {
            throw Error(ErrorCode::InvalidArgument, "no_echo and fire_and_forget apply to sends only");
        }
        return GroupArgs(get(), detail::c_str(group, "group"), o.ack_id, detail::millis(o.timeout, "timeout"));
    }

    SendArgs send_args(const std::string& name, const char* what, const Data& data, const OpOptions& o) const {
        const std::uint32_t flags =
            (o.no_echo ? WPS_SEND_NO_ECHO : 0u) | (o.fire_and_forget ? WPS_SEND_FIRE_AND_FORGET : 0u);
        return SendArgs(get(), detail::c_str(name, what), static_cast<wps_data_type>(data.type()), data.bytes().data(),
                        data.size(), flags, o.ack_id, detail::millis(o.timeout, "timeout"));
    }

    template <class Fn, class Args>
    static Result blocking(Fn fn, Args&& args) {
        wps_op_result out{};
        detail::call([&](wps_error** e) {
            return std::apply([&](auto... a) { return fn(a..., &out, e); }, args());
        });
        return Result{out.ack_id, out.duplicated};
    }

    template <class Fn, class Args>
    static std::future<Result> async(Fn fn, Args&& args) {
        return detail::begin_async<Result>([&](wps_completion_fn cb, void* ud, wps_error** e) {
            return std::apply([&](auto... a) { return fn(a..., cb, ud, e); }, args());
        });
    }

    std::shared_ptr<wps_client> handle_;
    std::shared_ptr<const ListenerErrorHandler> on_listener_error_;
};

}  // namespace webpubsub
