// webpubsub/runtime.hpp: process-wide functions: version, runtime sizing, logs, shutdown.
#pragma once

#include <webpubsub/detail/convert.hpp>
#include <webpubsub/error.hpp>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>

namespace webpubsub {

/// The version of the loaded library, e.g. "0.1.0".
inline std::string_view library_version() noexcept { return wps_version(); }

/// Whether the loaded library is the version this header was written against (WPS_VERSION).
inline bool version_matches() noexcept { return std::strcmp(wps_version(), WPS_VERSION) == 0; }

/// Sizes the runtime created with the first client: Tokio worker threads and shared
/// dispatcher threads (0: one per CPU). Throws Error(IllegalState) once the runtime exists.
inline void configure_runtime(std::uint32_t worker_threads, std::uint32_t shared_dispatcher_threads) {
    detail::check(wps_runtime_configure(worker_threads, shared_dispatcher_threads));
}

/// Stops everything the library runs, for a clean exit: every client is stopped, pending
/// futures complete with ErrorCode::Stopped, listener finalizers run, threads are joined.
/// Live Client objects stay safe to destroy. Throws Error(Timeout) if that took longer than
/// `timeout`, Error(IllegalState) when called from a callback.
inline void shutdown(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    detail::check(wps_shutdown(detail::millis(timeout, "timeout")));
}

/// A log level (`WPS_LOG_LEVEL_*`).
enum class LogLevel : std::uint32_t {
    /// Follow the AZURE_LOG_LEVEL environment variable (verbose, info, warning, error).
    FromEnv = WPS_LOG_LEVEL_FROM_ENV,
    Error = WPS_LOG_LEVEL_ERROR,
    Warn = WPS_LOG_LEVEL_WARN,
    Info = WPS_LOG_LEVEL_INFO,
    Debug = WPS_LOG_LEVEL_DEBUG,
    Trace = WPS_LOG_LEVEL_TRACE,
};

/// Receives a log record: its level, the module that logged it, and the text. Runs on the
/// library's log thread; must not call blocking functions of the library.
using LogHandler = std::function<void(LogLevel level, std::string_view target, std::string_view message)>;

namespace detail {

struct LogBox {
    LogHandler fn;

    static void invoke(void* user_data, std::uint32_t level, wps_str target, wps_str message) noexcept {
        try {
            static_cast<LogBox*>(user_data)->fn(static_cast<LogLevel>(level), std::string_view(target.ptr, target.len),
                                                std::string_view(message.ptr, message.len));
        } catch (...) {
            // A log handler that throws loses that record; there is nowhere else to report it.
        }
    }

    static void destroy(void* user_data) noexcept { delete static_cast<LogBox*>(user_data); }
};

}  // namespace detail

/// Sends the library's log records up to `max_level` to `handler`, replacing any earlier
/// handler; an empty handler removes it. Tokens never appear in the records.
inline void set_log_handler(LogHandler handler, LogLevel max_level = LogLevel::FromEnv) {
    if (!handler) {
        detail::check(wps_set_log_callback(nullptr, nullptr, nullptr, 0));
        return;
    }
    auto box = std::make_unique<detail::LogBox>(detail::LogBox{std::move(handler)});
    detail::check(wps_set_log_callback(&detail::LogBox::invoke, box.get(), &detail::LogBox::destroy,
                                       static_cast<std::uint32_t>(max_level)));
    box.release();  // owned by the library from the successful call on
}

}  // namespace webpubsub
