// Object lifetime: moves, restarts, many clients on the shared dispatcher, and futures that
// each resolve exactly once whatever happens to their client.
#include "support/clients.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>

using namespace webpubsub;
using namespace std::chrono_literals;
using support::collect;
using support::Emulator;
using support::Inbox;

TEST(Lifecycle, MovedClientsKeepWorkingAndMovedFromOnesAreSafe) {
    const std::string hub = support::unique_hub();
    Client original(support::test_options(Emulator::get().client_url(hub)));
    auto received = std::make_shared<Inbox<GroupMessage>>();
    auto sub = original.on_group_message(collect(received));

    Client moved(std::move(original));
    moved.start();
    moved.join_group("g");
    try {
        original.start();  // NOLINT(bugprone-use-after-move): that is the point
        FAIL() << "a moved-from client started";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::NullArgument);
    }
    EXPECT_EQ(original.native_handle(), nullptr);

    Client assigned(support::test_options(Emulator::get().client_url(hub)));
    assigned = std::move(moved);  // frees the client `assigned` held
    assigned.send_to_group("g", Data::text("after two moves"));
    ASSERT_TRUE(received->wait_for(1)) << "the subscription follows the handle, not the C++ object";
    EXPECT_EQ(received->items()[0].data.text(), "after two moves");
    assigned.stop();
    sub.reset();
    {
        Client gone = std::move(assigned);
    }
    // `original`, `moved` and `assigned` are moved-from here and destroyed at scope end.
}

TEST(Lifecycle, StartAfterStopConnectsAgain) {
    Client client(support::test_options(Emulator::get().client_url(support::unique_hub())));
    const std::string first = support::start(client);
    client.stop();
    client.stop();  // idempotent
    const std::string second = support::start(client);
    EXPECT_NE(first, second);
    EXPECT_EQ(client.state(), State::Connected);
    try {
        client.start();
        FAIL() << "started twice";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::IllegalState);
    }
    client.stop();
}

TEST(Lifecycle, TwoHundredClientsShareTheDispatcherPool) {
    constexpr int count = 200;
    const std::string hub = support::unique_hub();
    const std::string url = Emulator::get().client_url(hub);
    Options options = support::test_options(url);
    options.dispatcher(Dispatcher::Shared);

    auto received = std::make_shared<Inbox<std::string>>();
    std::vector<Client> clients;
    std::vector<Subscription> subs;
    clients.reserve(count);
    for (int i = 0; i < count; ++i) {
        clients.emplace_back(options);
        subs.push_back(clients.back().on_group_message(
            [received, i](const GroupMessage& m) { received->push(std::to_string(i) + ":" + std::string(m.data.text())); }));
    }
    std::vector<std::future<void>> started;
    for (auto& c : clients) started.push_back(c.start_async());
    for (auto& f : started) ASSERT_NO_THROW(f.get());
    std::vector<std::future<Result>> joined;
    for (auto& c : clients) joined.push_back(c.join_group_async("all"));
    for (auto& f : joined) ASSERT_NO_THROW(f.get());

    clients.front().send_to_group("all", Data::text("to everyone"));
    ASSERT_TRUE(received->wait_for(count)) << received->size() << " of " << count;
    auto items = received->items();
    std::sort(items.begin(), items.end());
    EXPECT_EQ(std::unique(items.begin(), items.end()), items.end()) << "a client got the message twice";

    std::vector<std::future<void>> stopped;
    for (auto& c : clients) stopped.push_back(c.stop_async());
    for (auto& f : stopped) ASSERT_NO_THROW(f.get());
}

TEST(Lifecycle, EveryFutureResolvesOnceEvenWhenItsClientGoesAway) {
    std::vector<std::future<Result>> pending;
    {
        Client client(support::test_options(Emulator::get().client_url(support::unique_hub())));
        const std::string id = support::start(client);
        client.join_group("g");
        for (int i = 0; i < 20; ++i) pending.push_back(client.send_to_group_async("g", Data::text("acked")));
        Emulator::get().blackhole(id);  // the rest can only end by the client going away
        for (int i = 0; i < 20; ++i) pending.push_back(client.send_to_group_async("g", Data::text("lost")));
    }  // ~Client: frees the client without waiting
    for (std::size_t i = 0; i < pending.size(); ++i) {
        ASSERT_EQ(pending[i].wait_for(10s), std::future_status::ready) << i;
        try {
            pending[i].get();
            EXPECT_LT(i, 20u) << "an operation behind the blackhole succeeded";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::Stopped) << e.what();
        }
    }
}
