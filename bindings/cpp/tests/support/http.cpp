#include "support/http.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace support {
namespace {

/// Closes the socket on every exit path.
struct Socket {
    int fd;
    ~Socket() {
        if (fd >= 0) ::close(fd);
    }
};

void split_base(const std::string& base, std::string& host, std::string& port) {
    const std::string scheme = "http://";
    if (base.compare(0, scheme.size(), scheme) != 0) throw std::runtime_error("not an http:// URL: " + base);
    const std::string authority = base.substr(scheme.size(), base.find('/', scheme.size()) - scheme.size());
    const auto colon = authority.rfind(':');
    if (colon == std::string::npos) throw std::runtime_error("no port in " + base);
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
}

int connect_to(const std::string& host, const std::string& port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || !found) {
        throw std::runtime_error("cannot resolve " + host);
    }
    int fd = -1;
    for (addrinfo* a = found; a; a = a->ai_next) {
        fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
    ::freeaddrinfo(found);
    if (fd < 0) throw std::runtime_error("cannot connect to " + host + ":" + port + ": " + std::strerror(errno));
    return fd;
}

void send_all(int fd, const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error(std::string("send failed: ") + std::strerror(errno));
        sent += static_cast<std::size_t>(n);
    }
}

std::string receive_all(int fd) {
    std::string out;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::runtime_error(std::string("recv failed: ") + std::strerror(errno));
        if (n == 0) return out;
        out.append(buffer, static_cast<std::size_t>(n));
    }
}

}  // namespace

HttpResponse http_request(const std::string& base, const std::string& method, const std::string& path,
                          const std::string& body, const std::string& content_type) {
    std::string host, port;
    split_base(base, host, port);
    Socket socket{connect_to(host, port)};
    std::string request = method + " " + path + " HTTP/1.1\r\nHost: " + host + ":" + port +
                          "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    if (!content_type.empty()) request += "Content-Type: " + content_type + "\r\n";
    request += "\r\n" + body;
    send_all(socket.fd, request);
    const std::string raw = receive_all(socket.fd);

    // "HTTP/1.1 200 OK\r\n<headers>\r\n\r\n<body>"; the emulator always sends Content-Length
    // bodies, and Connection: close makes EOF the end of the body.
    const auto head_end = raw.find("\r\n\r\n");
    if (raw.compare(0, 5, "HTTP/") != 0 || head_end == std::string::npos) {
        throw std::runtime_error("not an HTTP response: " + raw.substr(0, 80));
    }
    HttpResponse response;
    response.status = std::stoi(raw.substr(raw.find(' ') + 1, 3));
    response.body = raw.substr(head_end + 4);
    return response;
}

}  // namespace support
