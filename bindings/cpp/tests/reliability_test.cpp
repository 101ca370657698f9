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
    auto recovered = std::make_shared<Inbox<Recovered>>();
    auto s1 = receiver.on_group_message(collect(received));
    auto s2 = receiver.on_recovered(collect(recovered));
    auto s3 = receiver.on_connected(collect(connects));
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
    EXPECT_EQ(connects->size(), 1u) << "every drop was recovered: no new connection";
    receiver.stop();
    sender.stop();
}
