// webpubsub/detail/convert.hpp: checked conversions between C++ values and C ABI arguments.
#pragma once

#include <webpubsub/error.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace webpubsub {
namespace detail {

/// A std::string as a C string; refuses embedded NULs, which C would silently truncate at.
inline const char* c_str(const std::string& s, const char* what) {
    if (s.find('\0') != std::string::npos) {
        throw Error(ErrorCode::InvalidArgument, std::string(what) + " contains a NUL character");
    }
    return s.c_str();
}

/// A duration as the C ABI's uint32_t milliseconds, refusing what does not fit.
inline std::uint32_t millis(std::chrono::milliseconds d, const char* what) {
    if (d.count() < 0 || d.count() > std::numeric_limits<std::uint32_t>::max()) {
        throw Error(ErrorCode::InvalidArgument, std::string(what) + " is out of range (0 to 2^32-1 ms)");
    }
    return static_cast<std::uint32_t>(d.count());
}

/// A borrowed wps_str copied into an owned string ("" when absent).
inline std::string copy(wps_str s) { return s.ptr ? std::string(s.ptr, s.len) : std::string(); }

/// A borrowed wps_str copied into an optional string (nullopt when absent).
inline std::optional<std::string> copy_optional(wps_str s) {
    if (!s.ptr) return std::nullopt;
    return std::string(s.ptr, s.len);
}

}  // namespace detail
}  // namespace webpubsub
