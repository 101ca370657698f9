// support/inbox.hpp: thread-safe collection of what listeners receive, and waiting helpers.
//
// Listeners run on the dispatcher thread and may run briefly after a Client is destroyed,
// so they capture an Inbox by shared_ptr (never by reference to a test's stack).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace support {

using namespace std::chrono_literals;

template <class T>
class Inbox {
public:
    void push(T item) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            items_.push_back(std::move(item));
        }
        changed_.notify_all();
    }

    /// Waits until at least `n` items arrived; false on timeout.
    bool wait_for(std::size_t n, std::chrono::milliseconds timeout = 10s) const {
        std::unique_lock<std::mutex> lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return items_.size() >= n; });
    }

    std::vector<T> items() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return items_;
    }

    std::size_t size() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return items_.size();
    }

private:
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::vector<T> items_;
};

/// A listener that appends every event to `inbox` (sharing its ownership).
template <class T>
std::function<void(const T&)> collect(const std::shared_ptr<Inbox<T>>& inbox) {
    return [inbox](const T& item) { inbox->push(item); };
}

/// Polls `condition` until it holds; false on timeout.
inline bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

/// Counts destructions of the objects it hands out, to observe that a stored callable
/// (which captures one) is destroyed exactly once.
class DestructionCounter {
public:
    struct Token {
        std::shared_ptr<std::atomic<int>> count;
        Token(const Token&) = delete;  // a copy would be destroyed too and blur the count
        Token& operator=(const Token&) = delete;
        explicit Token(std::shared_ptr<std::atomic<int>> c) : count(std::move(c)) {}
        ~Token() { ++*count; }
    };

    /// A token to capture (by shared_ptr) in the callable under test.
    std::shared_ptr<Token> token() const { return std::make_shared<Token>(count_); }
    int count() const { return count_->load(); }

private:
    std::shared_ptr<std::atomic<int>> count_ = std::make_shared<std::atomic<int>>(0);
};

}  // namespace support
