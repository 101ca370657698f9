// webpubsub/detail/trampolines.hpp: the C callbacks that carry C++ callables across the ABI.
//
// Each callable is moved into a heap object ("box") whose address is the C `user_data`;
// the box is deleted by the matching finalizer the library calls exactly once (listeners)
// or by the completion callback that fires exactly once (operations). Every trampoline is
// noexcept and catches everything: an exception unwinding into the Rust library would abort
// the process.
#pragma once

#include <webpubsub/events.hpp>
#include <webpubsub/operations.hpp>

#include <cstdio>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <type_traits>
#include <utility>

namespace webpubsub {
namespace detail {

/// Hands a listener's exception to the handler; without one it is reported on stderr rather
/// than lost silently. An exception thrown by the handler itself is dropped (documented).
inline void report_listener_error(const ListenerErrorHandler* handler, std::exception_ptr error) noexcept {
    if (handler && *handler) {
        try {
            (*handler)(error);
        } catch (...) {
        }
        return;
    }
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "webpubsub: a listener threw: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "webpubsub: a listener threw a non-standard exception\n");
    }
}

template <class E>
struct ListenerBox {
    std::function<void(const E&)> fn;
    std::shared_ptr<const ListenerErrorHandler> on_error;

    static void invoke(void* user_data, const wps_event* event) noexcept {
        auto* self = static_cast<ListenerBox*>(user_data);
        try {
            self->fn(EventKind<E>::from(*event));
        } catch (...) {
            report_listener_error(self->on_error.get(), std::current_exception());
        }
    }

    static void destroy(void* user_data) noexcept { delete static_cast<ListenerBox*>(user_data); }
};

/// The promise of one `_async` call. It is owned by the library from a successful call on
/// and deleted by `complete`, which the library fires exactly once.
template <class T>
struct Completion {
    std::promise<T> promise;

    static void complete(void* user_data, wps_result result, const wps_op_result* op, const wps_error* error) noexcept {
        std::unique_ptr<Completion> self(static_cast<Completion*>(user_data));
        try {
            if (result != WPS_RESULT_OK) {
                self->promise.set_exception(error_ptr(result, error));
            } else if constexpr (std::is_void_v<T>) {
                self->promise.set_value();
            } else {
                self->promise.set_value(op ? Result{op->ack_id, op->duplicated} : Result{});
            }
        } catch (...) {
            // set_value/set_exception only throw when out of memory; the future then
            // reports a broken promise when the Completion is deleted.
        }
    }
};

/// Calls an `_async` C function through `begin(callback, user_data, error_out)` and returns
/// the future of its outcome. Every failure, also one detected before anything was sent,
/// arrives through the future, so callers handle errors in one place.
template <class T, class Begin>
std::future<T> begin_async(Begin&& begin) {
    auto completion = std::make_unique<Completion<T>>();
    std::future<T> future = completion->promise.get_future();
    try {
        wps_error* raw = nullptr;
        const wps_result result = begin(&Completion<T>::complete, completion.get(), &raw);
        ErrorPtr error(raw);
        if (result == WPS_RESULT_OK) {
            completion.release();  // the library owns it now; complete() deletes it
        } else {
            completion->promise.set_exception(error_ptr(result, error.get()));
        }
    } catch (...) {
        completion->promise.set_exception(std::current_exception());
    }
    return future;
}

}  // namespace detail
}  // namespace webpubsub
