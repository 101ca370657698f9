// support/emulator.hpp: the emulator the test script started, reached through its HTTP
// control surface (`/_emulator/...`). The script passes its base URL in
// WPS_EMULATOR_ENDPOINT and the ready-made client access URL in WPS_EMULATOR_CLIENT_URL.
#pragma once

#include "support/http.hpp"

#include <webpubsub/data.hpp>

#include <string>
#include <vector>

namespace support {

/// Roles that allow joining, leaving and sending to every group.
const std::vector<std::string>& all_group_roles();

class Emulator {
public:
    /// The emulator of this test run; throws if the environment does not name one.
    static const Emulator& get();

    const std::string& endpoint() const { return endpoint_; }
    /// The client access URL the emulator printed at start (hub sample_hub, user user1).
    const std::string& printed_client_url() const { return printed_url_; }

    /// Mints a client access URL for `hub` with `user_id` (none if empty) and `roles`.
    std::string client_url(const std::string& hub, const std::string& user_id = "",
                           const std::vector<std::string>& roles = all_group_roles()) const;

    /// Drops the connection's transport abruptly (TCP reset), leaving it recoverable.
    void drop(const std::string& connection_id) const;
    /// Closes the connection with a close code (1008 ends it: the client needs a new one).
    void close(const std::string& connection_id, int code) const;
    /// Keeps the transport open but silently discards everything in both directions.
    void blackhole(const std::string& connection_id) const;
    /// Sends a server message to one connection.
    void send_server_message(const std::string& hub, const std::string& connection_id,
                             const webpubsub::Data& data) const;
    /// Publishes to a group as an application server would (no sender).
    void send_group_message(const std::string& hub, const std::string& group, const webpubsub::Data& data) const;
    /// The emulator's view of one connection (JSON text: groups, attached, ...).
    std::string connection_info(const std::string& connection_id) const;
    /// The client events the emulator recorded for `hub`, as its JSON array text.
    std::string recorded_events(const std::string& hub) const;

    HttpResponse request(const std::string& method, const std::string& path, const std::string& body = "",
                         const std::string& content_type = "") const;

private:
    Emulator(std::string endpoint, std::string printed_url);
    /// POSTs and throws unless the status is 200.
    void post_ok(const std::string& path, const std::string& body = "", const std::string& content_type = "") const;

    std::string endpoint_;
    std::string printed_url_;
};

/// A hub name unique to the running test and process, so tests never see each other's traffic.
std::string unique_hub();

}  // namespace support
