// Inputs at the edges: operations right after start_async, deeply nested JSON, http:// URLs
// and group names of many non-ASCII characters.
#include "support/clients.hpp"

#include <gtest/gtest.h>

#include <future>

using namespace webpubsub;
using namespace std::chrono_literals;
using support::collect;
using support::Emulator;
using support::Inbox;

TEST(Edges, OperationsRightAfterStartAsyncWaitForTheConnection) {
    const std::string hub = support::unique_hub();
    for (int round = 0; round < 20; ++round) {
        Client client(support::test_options(Emulator::get().client_url(hub)));
        std::future<void> started = client.start_async();
        EXPECT_NE(client.state(), State::Stopped) << "round " << round;
        std::future<Result> joined = client.join_group_async("g");
        EXPECT_NO_THROW(client.send_to_group("g", Data::text("x"))) << "round " << round;
        EXPECT_NO_THROW(joined.get()) << "round " << round;
        EXPECT_NO_THROW(started.get()) << "round " << round;
        client.stop();
    }
}

TEST(Edges, DeeplyNestedJsonArrivesAsItsText) {
    const std::string hub = support::unique_hub();
    Client client(support::test_options(Emulator::get().client_url(hub)));
    auto received = std::make_shared<Inbox<GroupMessage>>();
    auto sub = client.on_group_message(collect(received));
    support::start(client);
    client.join_group("deep");
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    Emulator::get().send_group_message(hub, "deep", Data::json(deep));
    ASSERT_TRUE(received->wait_for(1));
    EXPECT_EQ(received->items()[0].data.type(), DataType::Json);
    EXPECT_TRUE(received->items()[0].data.text() == deep);
    client.stop();
}

TEST(Edges, HttpUrlConnectsAndLongNonAsciiGroupNamesWork) {
    std::string url = Emulator::get().client_url(support::unique_hub());
    ASSERT_EQ(url.rfind("ws://", 0), 0u);
    Client client(support::test_options("http://" + url.substr(5)));
    client.start();
    std::string name;
    for (int i = 0; i < 600; ++i) name += "\xc3\xa9";
    EXPECT_NO_THROW(client.join_group(name));
    client.stop();
}
