// support/clients.hpp: clients configured for tests against the emulator.
#pragma once

#include "support/emulator.hpp"
#include "support/inbox.hpp"

#include <webpubsub/client.hpp>

#include <stdexcept>
#include <string>

namespace support {

/// Options for `url` with a quick recovery and bounded operations, so a failing test fails
/// in seconds instead of hanging.
inline webpubsub::Options test_options(const std::string& url) {
    webpubsub::Options options;
    options.url(url).recovery_interval(100ms).operation_timeout(10s).connect_timeout(5s);
    return options;
}

/// Starts `client` and returns its connection id, taken from its Connected event.
inline std::string start(webpubsub::Client& client) {
    auto connected = std::make_shared<Inbox<webpubsub::Connected>>();
    auto subscription = client.on_connected(collect(connected));
    client.start();
    if (!connected->wait_for(1)) throw std::runtime_error("no Connected event after start()");
    return connected->items().front().connection_id;
}

}  // namespace support
