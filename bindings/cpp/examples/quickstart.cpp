// Quickstart: the walk-through of the Web PubSub client SDK page, in C++.
//
//   quickstart [client-access-url]    (or WEBPUBSUB_CLIENT_ACCESS_URL)
//
// Connects, registers callbacks for connected, disconnected, stopped, server and group
// messages, joins "group1", sends "hello world" as text, waits until it comes back, stops.
// run-quickstart.sh starts a local emulator and passes its URL when none is given.
#include <webpubsub/client.hpp>

#include <atomic>
#include <cstdlib>
#include <future>
#include <iostream>

int main(int argc, char** argv) {
    const char* env_url = std::getenv("WEBPUBSUB_CLIENT_ACCESS_URL");
    const std::string url = argc > 1 ? argv[1] : env_url ? env_url : "";
    if (url.empty()) {
        std::cerr << "usage: quickstart <client-access-url> (or set WEBPUBSUB_CLIENT_ACCESS_URL)\n";
        return 2;
    }

    // Logs follow AZURE_LOG_LEVEL (verbose, info, warning, error), as the seed page says.
    webpubsub::set_log_handler([](webpubsub::LogLevel, std::string_view target, std::string_view message) {
        std::cerr << "[" << target << "] " << message << "\n";
    });

    std::promise<void> echoed;
    std::atomic<bool> echo_seen{false};
    int exit_code = 0;
    try {
        // 2. Connect with your Web PubSub resource (auto_rejoin_groups is on by default).
        webpubsub::Client client(url);

        // Callbacks for connected, disconnected and stopped events.
        auto on_connected = client.on_connected([](const webpubsub::Connected& e) {
            std::cout << "Connection " << e.connection_id << " is connected\n";
        });
        auto on_disconnected = client.on_disconnected([](const webpubsub::Disconnected& e) {
            std::cout << "Connection disconnected: " << e.message << "\n";
        });
        auto on_stopped = client.on_stopped([](const webpubsub::Stopped&) { std::cout << "Client has stopped\n"; });
        auto on_rejoin_failed = client.on_rejoin_group_failed([](const webpubsub::RejoinGroupFailed& e) {
            std::cout << "Rejoin group " << e.group << " failed: " << e.error.what() << "\n";
        });

        // Messages from the application server and from joined groups. Register the group
        // listener before joining so no message is missed.
        auto on_server_message = client.on_server_message([](const webpubsub::ServerMessage& e) {
            std::cout << "Received message " << e.data.text() << "\n";
        });
        const std::string group_name = "group1";
        auto on_group_message = client.on_group_message([&](const webpubsub::GroupMessage& e) {
            std::cout << "Received message from " << e.group << ": " << e.data.text() << "\n";
            if (!echo_seen.exchange(true)) echoed.set_value();
        });

        client.start();

        // 3. Join groups.
        try {
            client.join_group(group_name);
        } catch (const webpubsub::SendMessageError& e) {
            // Retrying with the same ack id lets the service deduplicate the operation.
            webpubsub::OpOptions retry;
            retry.ack_id = e.ack_id().value_or(0);
            client.join_group(group_name, retry);
        }

        // 4. Send messages to a group.
        client.send_to_group(group_name, webpubsub::Data::text("hello world"));

        if (echoed.get_future().wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
            std::cerr << "the message did not come back within 10 s\n";
            exit_code = 1;
        }
        client.stop();
    } catch (const webpubsub::Error& e) {
        std::cerr << "error: " << e.what() << " (" << webpubsub::describe(e.code()) << ")\n";
        exit_code = 1;
    }
    webpubsub::shutdown();
    return exit_code;
}
