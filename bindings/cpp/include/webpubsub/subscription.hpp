// webpubsub/subscription.hpp: an RAII handle that removes a listener when it goes away.
#pragma once

#include <webpubsub_client.h>

#include <cstdint>
#include <memory>
#include <utility>

namespace webpubsub {

/// Identifies a listener of one client (> 0).
using ListenerId = std::uint64_t;

/// Owns one listener registration: destroying or reset()ting it removes the listener, after
/// which no new invocation starts and the stored callable is destroyed exactly once (right
/// away, or after an invocation still running on the dispatcher returns). It refers to the
/// client weakly, so it may outlive the Client (then it does nothing). Move-only.
class [[nodiscard]] Subscription {
public:
    Subscription() = default;
    Subscription(std::weak_ptr<wps_client> client, ListenerId id) noexcept : client_(std::move(client)), id_(id) {}
    Subscription(Subscription&& other) noexcept : client_(std::move(other.client_)), id_(std::exchange(other.id_, 0)) {}
    Subscription& operator=(Subscription&& other) noexcept {
        if (this != &other) {
            reset();
            client_ = std::move(other.client_);
            id_ = std::exchange(other.id_, 0);
        }
        return *this;
    }
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    ~Subscription() { reset(); }

    /// Removes the listener now (no-op if already removed, detached, or the client is gone).
    /// Works from any thread, also from inside a callback, the listener's own included.
    void reset() noexcept {
        if (auto client = client_.lock(); client && id_ != 0) {
            wps_client_remove_listener(client.get(), id_);  // NOT_FOUND if removed meanwhile: fine
        }
        client_.reset();
        id_ = 0;
    }

    /// Gives up ownership: the listener stays until the client ends (or
    /// Client::remove_listener(id)). Returns its id.
    ListenerId detach() noexcept {
        client_.reset();
        return std::exchange(id_, 0);
    }

    ListenerId id() const noexcept { return id_; }
    explicit operator bool() const noexcept { return id_ != 0; }

private:
    std::weak_ptr<wps_client> client_;
    ListenerId id_ = 0;
};

}  // namespace webpubsub
