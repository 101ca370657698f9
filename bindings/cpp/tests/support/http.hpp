// support/http.hpp: a minimal HTTP/1.1 client over POSIX sockets, enough to drive the
// emulator's control surface from the tests (one request per connection, Connection: close).
#pragma once

#include <string>

namespace support {

struct HttpResponse {
    int status = 0;
    std::string body;
};

/// Sends one request to `base` (`http://host:port`) and returns the status and body.
/// Throws std::runtime_error when the server cannot be reached or answers garbage.
HttpResponse http_request(const std::string& base, const std::string& method, const std::string& path,
                          const std::string& body = "", const std::string& content_type = "");

}  // namespace support
