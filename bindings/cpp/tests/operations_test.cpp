// Operations: ack ids, duplicates, service refusals, timeouts, local validation, and the
// _async futures.
#include "support/clients.hpp"

#include <gtest/gtest.h>

#include <future>

using namespace webpubsub;
using namespace std::chrono_literals;
using support::collect;
using support::Emulator;
using support::Inbox;

namespace {

OpOptions with_ack_id(std::uint64_t ack_id) {
    OpOptions o;
    o.ack_id = ack_id;
    return o;
}

template <class F>
Error error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e;
    }
    ADD_FAILURE() << "no webpubsub::Error thrown";
    return Error(ErrorCode::Internal, "none");
}

}  // namespace

TEST(Operations, AckIdsAreChosenOrTakenFromTheCaller) {
    Client client(support::test_options(Emulator::get().client_url(support::unique_hub())));
    client.start();
    const Result first = client.join_group("g");
    const Result second = client.send_to_group("g", Data::text("a"));
    EXPECT_GT(first.ack_id, 0u);
    EXPECT_GT(second.ack_id, first.ack_id);
    EXPECT_FALSE(second.duplicated);
    const Result chosen = client.send_to_group("g", Data::text("b"), with_ack_id(1000));
    EXPECT_EQ(chosen.ack_id, 1000u);
    EXPECT_FALSE(chosen.duplicated);
    client.stop();
}

TEST(Operations, ReusedAckIdIsReportedAsDuplicateAndPublishedOnce) {
    Client client(support::test_options(Emulator::get().client_url(support::unique_hub())));
    auto received = std::make_shared<Inbox<GroupMessage>>();
    auto sub = client.on_group_message(collect(received));
    client.start();
    client.join_group("g");
    const Result once = client.send_to_group("g", Data::text("once"), with_ack_id(77));
    const Result again = client.send_to_group("g", Data::text("once"), with_ack_id(77));
    EXPECT_FALSE(once.duplicated);
    EXPECT_TRUE(again.duplicated);
    EXPECT_EQ(again.ack_id, 77u);
    client.send_to_group("g", Data::text("marker"));
    ASSERT_TRUE(received->wait_for(2));
    std::this_thread::sleep_for(50ms);
    ASSERT_EQ(received->size(), 2u);
    EXPECT_EQ(received->items()[1].data.text(), "marker");
    client.stop();
}

TEST(Operations, RefusalsThrowSendMessageErrorForbidden) {
    Client client(support::test_options(Emulator::get().client_url(support::unique_hub(), "nobody", {})));
    client.start();
    try {
        client.join_group("group1");
        FAIL() << "join_group succeeded without permission";
    } catch (const SendMessageError& e) {
        EXPECT_EQ(e.code(), ErrorCode::ServiceError);
        EXPECT_EQ(e.name(), "Forbidden");
        ASSERT_TRUE(e.ack_id().has_value());
        // The seed's retry pattern: the same ack id again (still refused, same id).
        const Error retry = error_of([&] { client.join_group("group1", with_ack_id(*e.ack_id())); });
        EXPECT_EQ(retry.name(), "Forbidden");
        EXPECT_EQ(retry.ack_id(), e.ack_id());
    }
    EXPECT_THROW(client.send_to_group("group1", Data::text("x")), SendMessageError);
    EXPECT_EQ(error_of([&] { client.send_to_group("group1", Data::text("x")); }).name(), "Forbidden");
    client.stop();
}

TEST(Operations, AnUnansweredOperationTimesOutWithItsAckId) {
    Client client(support::test_options(Emulator::get().client_url(support::unique_hub())));
    const std::string id = support::start(client);
    Emulator::get().blackhole(id);
    OpOptions quick;
    quick.timeout = 300ms;
    const Error e = error_of([&] { client.join_group("g", quick); });
    EXPECT_EQ(e.code(), ErrorCode::Timeout);
    EXPECT_TRUE(e.ack_id().has_value());
    client.stop();
}

TEST(Operations, StopFailsPendingOperationsWithStopped) {
    Client client(support::test_options(Emulator::get().client_url(support::unique_hub())));
    const std::string id = support::start(client);
    Emulator::get().blackhole(id);
    std::future<Result> pending = client.join_group_async("g");
    client.stop();
    ASSERT_EQ(pending.wait_for(5s), std::future_status::ready);
    const Error e = error_of([&] { pending.get(); });
    EXPECT_EQ(e.code(), ErrorCode::Stopped);
}

TEST(Operations, InvalidInputIsRefusedBeforeAnythingIsSent) {
    Client client(support::test_options(Emulator::get().client_url(support::unique_hub())));
    EXPECT_EQ(error_of([&] { client.join_group("g"); }).code(), ErrorCode::Stopped) << "not started";
    client.start();
    EXPECT_EQ(error_of([&] { client.send_to_group("g", Data::json("{not json")); }).code(), ErrorCode::InvalidArgument);
    EXPECT_EQ(error_of([&] { client.send_to_group("g", Data::text(std::string(2'000'000, 'x'))); }).code(),
              ErrorCode::MessageTooLarge);
    EXPECT_EQ(error_of([&] { client.join_group(""); }).code(), ErrorCode::InvalidArgument);
    EXPECT_EQ(error_of([&] { client.join_group(std::string("a\0b", 3)); }).code(), ErrorCode::InvalidArgument);
    OpOptions no_echo;
    no_echo.no_echo = true;
    EXPECT_EQ(error_of([&] { client.join_group("g", no_echo); }).code(), ErrorCode::InvalidArgument);
    EXPECT_EQ(error_of([&] { client.send_event("e", Data::text("x"), no_echo); }).code(), ErrorCode::InvalidArgument);
    // The async forms report the same failures through their future.
    EXPECT_EQ(error_of([&] { client.join_group_async("", {}).get(); }).code(), ErrorCode::InvalidArgument);
    client.stop();
}

TEST(Operations, AsyncFormsResolveWithTheirResultsInOrder) {
    Client client(support::test_options(Emulator::get().client_url(support::unique_hub())));
    auto received = std::make_shared<Inbox<GroupMessage>>();
    auto sub = client.on_group_message(collect(received));
    client.start_async().get();
    EXPECT_GT(client.join_group_async("g").get().ack_id, 0u);
    std::vector<std::future<Result>> sends;
    for (int i = 0; i < 50; ++i) sends.push_back(client.send_to_group_async("g", Data::text(std::to_string(i))));
    std::uint64_t previous = 0;
    for (auto& f : sends) {
        const Result r = f.get();
        EXPECT_GT(r.ack_id, previous);
        previous = r.ack_id;
    }
    EXPECT_GT(client.send_event_async("e", Data::text("x")).get().ack_id, 0u);
    ASSERT_TRUE(received->wait_for(50));
    const auto messages = received->items();
    for (int i = 0; i < 50; ++i) EXPECT_EQ(messages[static_cast<std::size_t>(i)].data.text(), std::to_string(i));
    EXPECT_GT(client.leave_group_async("g").get().ack_id, 0u);
    client.stop_async().get();
    EXPECT_EQ(client.state(), State::Stopped);
}
