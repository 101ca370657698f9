// Reliability through the binding: a numbered stream survives abrupt drops of both the
// receiving and the sending connection without loss, duplicates or reordering.
#include "support/clients.hpp"

#include <gtest/gtest.h>

using namespace webpubsub;
using namespace std::chrono_literals;
using support::collect;
using support::Emulator;
using support::Inbox;

TEST(Reliability, NumberedStreamSurvivesAbruptDropsWithoutLoss) {
    constexpr int total = 600;
    constexpr int drop_every = 100;
    const std::string hub = support::unique_hub();
    Client receiver(support::test_options(Emulator::get().client_url(hub, "receiver")));
    Client sender(support::test_options(Emulator::get().client_url(hub, "sender")));
    auto received = std::make_shared<Inbox<GroupMessage>>();
    auto connects = std::make_shared<Inbox<Connected>>();
    auto recovering = std::make_shared<Inbox<Recovering>>();
    auto recovered = std::make_shared<Inbox<Recovered>>();
    auto s1 = receiver.on_group_message(collect(received));
    auto s2 = receiver.on_recovered(collect(recovered));
    auto s3 = receiver.on_connected(collect(connects));
    auto s5 = receiver.on_recovering(collect(recovering));
    auto sender_recovered = std::make_shared<Inbox<Recovered>>();
    auto s4 = sender.on_recovered(collect(sender_recovered));

    const std::string receiver_id = support::start(receiver);
    const std::string sender_id = support::start(sender);
    receiver.join_group("stream");

    // Drops alternate between the receiver (messages must be replayed to it) and the sender
    // (its pending sends must survive recovery), each time waiting until recovered.
    std::size_t receiver_drops = 0;
    std::size_t sender_drops = 0;
    for (int i = 1; i <= total; ++i) {
        if (i % drop_every == 0) {
            if ((i / drop_every) % 2 == 1) {
                Emulator::get().drop(receiver_id);
                ++receiver_drops;
            } else {
                Emulator::get().drop(sender_id);
                ++sender_drops;
            }
        }
        ASSERT_NO_THROW(sender.send_to_group("stream", Data::text(std::to_string(i)))) << "send " << i;
        if (i % drop_every == 0) {
            ASSERT_TRUE(recovered->wait_for(receiver_drops)) << "receiver did not recover";
            ASSERT_TRUE(sender_recovered->wait_for(sender_drops)) << "sender did not recover";
        }
    }

    ASSERT_TRUE(received->wait_for(total, 20s)) << received->size() << " of " << total;
    std::this_thread::sleep_for(100ms);  // a duplicate would arrive now
    const auto messages = received->items();
    ASSERT_EQ(messages.size(), static_cast<std::size_t>(total));
    for (int i = 0; i < total; ++i) {
        ASSERT_EQ(messages[static_cast<std::size_t>(i)].data.text(), std::to_string(i + 1)) << "position " << i;
    }
    EXPECT_GE(receiver_drops, 3u);
    ASSERT_EQ(recovering->size(), receiver_drops);
    for (const auto& r : recovering->items()) EXPECT_EQ(r.connection_id, receiver_id);
    for (const auto& r : recovered->items()) EXPECT_EQ(r.connection_id, receiver_id);
    EXPECT_EQ(connects->size(), 1u) << "every drop was recovered: no new connection";
    receiver.stop();
    sender.stop();
}

TEST(Reliability, ANewConnectionRejoinsGroupsAndReportsRefusedRejoins) {
    const std::string hub = support::unique_hub();
    // The first URL may join any group; after the reconnect only "kept" may be (re)joined.
    const std::string first_url = Emulator::get().client_url(hub, "rejoiner");
    const std::string later_url = Emulator::get().client_url(hub, "rejoiner", {"webpubsub.joinLeaveGroup.kept"});
    auto credential_calls = std::make_shared<std::atomic<int>>(0);
    Options options = support::test_options(first_url);
    options.credential([=] { return credential_calls->fetch_add(1) == 0 ? first_url : later_url; });
    Client client(options);
    auto connects = std::make_shared<Inbox<Connected>>();
    auto failures = std::make_shared<Inbox<RejoinGroupFailed>>();
    auto messages = std::make_shared<Inbox<GroupMessage>>();
    auto s1 = client.on_connected(collect(connects));
    auto s2 = client.on_rejoin_group_failed(collect(failures));
    auto s3 = client.on_group_message(collect(messages));

    client.start();
    ASSERT_TRUE(connects->wait_for(1));
    client.join_group("kept");
    client.join_group("refused");
    Emulator::get().close(connects->items()[0].connection_id, 1008);  // 1008: no recovery

    ASSERT_TRUE(connects->wait_for(2)) << "no new connection";
    ASSERT_TRUE(failures->wait_for(1)) << "no rejoin-group-failed event";
    const RejoinGroupFailed failure = failures->items()[0];
    EXPECT_EQ(failure.group, "refused");
    EXPECT_EQ(failure.error.code(), ErrorCode::ServiceError);
    EXPECT_EQ(failure.error.name(), "Forbidden");
    EXPECT_EQ(credential_calls->load(), 2);

    const std::string second_id = connects->items()[1].connection_id;
    ASSERT_TRUE(support::eventually(
        [&] { return Emulator::get().connection_info(second_id).find(R"("kept")") != std::string::npos; }));
    Emulator::get().send_group_message(hub, "kept", Data::text("after rejoin"));
    ASSERT_TRUE(messages->wait_for(1));
    EXPECT_EQ(messages->items()[0].data.text(), "after rejoin");
    EXPECT_FALSE(messages->items()[0].from_user_id.has_value()) << "sent by the server";
    client.stop();
}
