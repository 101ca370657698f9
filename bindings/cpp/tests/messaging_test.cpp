// Connecting, groups, and every data type in both directions, over real WebSockets.
#include "support/clients.hpp"

#include <gtest/gtest.h>

using namespace webpubsub;
using namespace std::chrono_literals;
using support::collect;
using support::Emulator;
using support::Inbox;

namespace {

const std::vector<Data>& every_data_type() {
    static const std::vector<Data> all{
        Data::text("hello world"),
        Data::text(""),
        Data::json(R"({"greeting":"hello","n":[1,2.5,null,true]})"),
        Data::json("42"),
        Data::binary(std::vector<std::uint8_t>{0, 1, 2, 0xfe, 0xff, 0}),
    };
    return all;
}

}  // namespace

TEST(Messaging, ConnectsWithThePrintedUrlAndReportsTheLifecycle) {
    Client client(support::test_options(Emulator::get().printed_client_url()));
    auto connected = std::make_shared<Inbox<Connected>>();
    auto disconnected = std::make_shared<Inbox<Disconnected>>();
    auto stopped = std::make_shared<Inbox<Stopped>>();
    auto states = std::make_shared<Inbox<StateChanged>>();
    auto s1 = client.on_connected(collect(connected));
    auto s2 = client.on_disconnected(collect(disconnected));
    auto s3 = client.on_stopped(collect(stopped));
    auto s4 = client.on_state_changed(collect(states));

    EXPECT_EQ(client.state(), State::Stopped);
    client.start();
    EXPECT_EQ(client.state(), State::Connected);
    ASSERT_TRUE(connected->wait_for(1));
    EXPECT_FALSE(connected->items()[0].connection_id.empty());
    EXPECT_EQ(connected->items()[0].user_id, std::optional<std::string>("user1"));

    client.stop();
    EXPECT_EQ(client.state(), State::Stopped);
    ASSERT_TRUE(stopped->wait_for(1));
    ASSERT_TRUE(disconnected->wait_for(1));
    EXPECT_EQ(disconnected->items()[0].connection_id, connected->items()[0].connection_id);
    const auto changes = states->items();
    ASSERT_GE(changes.size(), 2u);
    EXPECT_EQ(changes.front().current, State::Connecting);
    EXPECT_EQ(changes.back().current, State::Stopped);
}

TEST(Messaging, GroupMessagesOfEveryDataTypeRoundTrip) {
    const std::string hub = support::unique_hub();
    Client client(support::test_options(Emulator::get().client_url(hub, "alice")));
    auto received = std::make_shared<Inbox<GroupMessage>>();
    auto sub = client.on_group_message(collect(received));
    client.start();
    client.join_group("group1");
    for (const Data& data : every_data_type()) client.send_to_group("group1", data);

    ASSERT_TRUE(received->wait_for(every_data_type().size()));
    const auto messages = received->items();
    for (std::size_t i = 0; i < messages.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(messages[i].group, "group1");
        EXPECT_EQ(messages[i].from_user_id, std::optional<std::string>("alice"));
        EXPECT_EQ(messages[i].data, every_data_type()[i]);
        EXPECT_TRUE(messages[i].sequence_id.has_value());
        if (i > 0) {
            EXPECT_GT(*messages[i].sequence_id, *messages[i - 1].sequence_id);
        }
    }
    client.stop();
}

TEST(Messaging, ServerMessagesOfEveryDataTypeArrive) {
    const std::string hub = support::unique_hub();
    Client client(support::test_options(Emulator::get().client_url(hub)));
    auto received = std::make_shared<Inbox<ServerMessage>>();
    auto sub = client.on_server_message(collect(received));
    const std::string id = support::start(client);
    for (const Data& data : every_data_type()) Emulator::get().send_server_message(hub, id, data);

    ASSERT_TRUE(received->wait_for(every_data_type().size()));
    const auto messages = received->items();
    for (std::size_t i = 0; i < messages.size(); ++i) {
        EXPECT_EQ(messages[i].data, every_data_type()[i]) << i;
        EXPECT_TRUE(messages[i].sequence_id.has_value());
    }
    client.stop();
}

TEST(Messaging, EventsReachTheServer) {
    const std::string hub = support::unique_hub();
    Client client(support::test_options(Emulator::get().client_url(hub)));
    client.start();
    const Result result = client.send_event("cpp-event", Data::text("event payload"));
    EXPECT_GT(result.ack_id, 0u);
    client.send_event("cpp-json", Data::json(R"({"k":"v"})"));
    const std::string events = Emulator::get().recorded_events(hub);
    EXPECT_NE(events.find(R"("event":"cpp-event")"), std::string::npos) << events;
    EXPECT_NE(events.find(R"("data":"event payload")"), std::string::npos) << events;
    EXPECT_NE(events.find(R"("data":{"k":"v"})"), std::string::npos) << events;
    client.stop();
}

TEST(Messaging, NoEchoSkipsTheSenderOnly) {
    const std::string hub = support::unique_hub();
    Client sender(support::test_options(Emulator::get().client_url(hub, "sender")));
    Client member(support::test_options(Emulator::get().client_url(hub, "member")));
    auto at_sender = std::make_shared<Inbox<GroupMessage>>();
    auto at_member = std::make_shared<Inbox<GroupMessage>>();
    auto s1 = sender.on_group_message(collect(at_sender));
    auto s2 = member.on_group_message(collect(at_member));
    sender.start();
    member.start();
    sender.join_group("g");
    member.join_group("g");

    OpOptions no_echo;
    no_echo.no_echo = true;
    sender.send_to_group("g", Data::text("not for me"), no_echo);
    sender.send_to_group("g", Data::text("for everyone"));
    ASSERT_TRUE(at_member->wait_for(2));
    ASSERT_TRUE(at_sender->wait_for(1));
    std::this_thread::sleep_for(100ms);
    ASSERT_EQ(at_sender->size(), 1u);
    EXPECT_EQ(at_sender->items()[0].data.text(), "for everyone");
    sender.stop();
    member.stop();
}

TEST(Messaging, FireAndForgetHasNoAckIdAndStillDelivers) {
    const std::string hub = support::unique_hub();
    Client client(support::test_options(Emulator::get().client_url(hub)));
    auto received = std::make_shared<Inbox<GroupMessage>>();
    auto sub = client.on_group_message(collect(received));
    client.start();
    client.join_group("g");
    OpOptions fire;
    fire.fire_and_forget = true;
    const Result result = client.send_to_group("g", Data::text("fire"), fire);
    EXPECT_EQ(result.ack_id, 0u);
    EXPECT_FALSE(result.duplicated);
    ASSERT_TRUE(received->wait_for(1));
    EXPECT_EQ(received->items()[0].data.text(), "fire");
    client.stop();
}

TEST(Messaging, LeftGroupsNoLongerDeliver) {
    const std::string hub = support::unique_hub();
    Client client(support::test_options(Emulator::get().client_url(hub)));
    auto received = std::make_shared<Inbox<GroupMessage>>();
    auto sub = client.on_group_message(collect(received));
    client.start();
    client.join_group("left");
    client.join_group("marker");
    client.leave_group("left");
    client.send_to_group("left", Data::text("unseen"));
    client.send_to_group("marker", Data::text("seen"));
    ASSERT_TRUE(received->wait_for(1));
    std::this_thread::sleep_for(100ms);
    ASSERT_EQ(received->size(), 1u);
    EXPECT_EQ(received->items()[0].group, "marker");
    client.stop();
}

TEST(Messaging, PlainJsonProtocolHasNoSequenceIds) {
    const std::string hub = support::unique_hub();
    Options options = support::test_options(Emulator::get().client_url(hub));
    options.protocol(Protocol::Json);
    Client client(options);
    auto received = std::make_shared<Inbox<GroupMessage>>();
    auto sub = client.on_group_message(collect(received));
    client.start();
    client.join_group("g");
    client.send_to_group("g", Data::text("plain"));
    ASSERT_TRUE(received->wait_for(1));
    EXPECT_EQ(received->items()[0].data.text(), "plain");
    EXPECT_FALSE(received->items()[0].sequence_id.has_value());
    client.stop();
}
