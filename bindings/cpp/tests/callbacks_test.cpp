// Listeners across the C ABI: removal, exactly-once destruction of the stored callable,
// exceptions that must not cross into C, and calls into the client from its own callbacks.
#include "support/clients.hpp"

#include <gtest/gtest.h>

#include <future>

using namespace webpubsub;
using namespace std::chrono_literals;
using support::collect;
using support::DestructionCounter;
using support::Emulator;
using support::eventually;
using support::Inbox;

namespace {

/// A started client joined to group "g" of a fresh hub.
Client joined_client(const Options& options) {
    Client client(options);
    client.start();
    client.join_group("g");
    return client;
}

Options options_for_new_hub() { return support::test_options(Emulator::get().client_url(support::unique_hub())); }

}  // namespace

TEST(Callbacks, ResetSubscriptionStopsDeliveryAndDestroysTheCallableOnce) {
    Client client = joined_client(options_for_new_hub());
    DestructionCounter destroyed;
    auto first = std::make_shared<Inbox<GroupMessage>>();
    auto witness = std::make_shared<Inbox<GroupMessage>>();
    Subscription sub = client.on_group_message([first, token = destroyed.token()](const GroupMessage& m) { first->push(m); });
    auto witness_sub = client.on_group_message(collect(witness));

    client.send_to_group("g", Data::text("1"));
    ASSERT_TRUE(first->wait_for(1));
    sub.reset();
    EXPECT_FALSE(sub);
    EXPECT_TRUE(eventually([&] { return destroyed.count() == 1; }));  // at once unless it was running

    client.send_to_group("g", Data::text("2"));
    ASSERT_TRUE(witness->wait_for(2));
    EXPECT_EQ(first->size(), 1u);
    sub.reset();  // idempotent
    client.stop();
    client = Client(options_for_new_hub());  // frees the first client: nothing left to destroy
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(destroyed.count(), 1);
}

TEST(Callbacks, DestroyingTheClientDestroysEveryCallableExactlyOnce) {
    DestructionCounter destroyed;
    {
        Client client = joined_client(options_for_new_hub());
        for (int i = 0; i < 5; ++i) {
            client.on_group_message([token = destroyed.token()](const GroupMessage&) {}).detach();
        }
        client.on_stopped([token = destroyed.token()](const Stopped&) {}).detach();
        EXPECT_EQ(destroyed.count(), 0);
    }
    EXPECT_TRUE(eventually([&] { return destroyed.count() == 6; }));  // on the dispatcher, after ~Client
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(destroyed.count(), 6);
}

TEST(Callbacks, DetachedListenersAreRemovedById) {
    Client client(options_for_new_hub());
    DestructionCounter destroyed;
    const ListenerId id = client.on_connected([token = destroyed.token()](const Connected&) {}).detach();
    EXPECT_GT(id, 0u);
    EXPECT_EQ(destroyed.count(), 0) << "a detached listener stays";
    client.remove_listener(id);
    EXPECT_EQ(destroyed.count(), 1);
    try {
        client.remove_listener(id);
        FAIL() << "removed twice";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::NotFound);
    }
}

TEST(Callbacks, SubscriptionsMayOutliveTheirClient) {
    DestructionCounter destroyed;
    Subscription sub;
    {
        Client client(options_for_new_hub());
        sub = client.on_connected([token = destroyed.token()](const Connected&) {});
    }
    EXPECT_TRUE(eventually([&] { return destroyed.count() == 1; }));
    sub.reset();  // the client is gone: nothing to do, nothing to crash
    EXPECT_EQ(destroyed.count(), 1);
}

TEST(Callbacks, AThrowingListenerNeitherCrashesNorStopsLaterCallbacks) {
    auto reported = std::make_shared<Inbox<std::string>>();
    Options options = options_for_new_hub();
    options.on_listener_error([reported](std::exception_ptr error) {
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            reported->push(e.what());
        } catch (...) {
            reported->push("non-standard");
        }
        throw std::runtime_error("the handler fails too");  // must be dropped, not crash
    });
    Client client = joined_client(options);
    auto count = std::make_shared<std::atomic<int>>(0);
    auto thrower = client.on_group_message([count](const GroupMessage& m) {
        if (++*count % 2 == 0) throw 42;
        throw std::runtime_error("listener failed on " + std::string(m.data.text()));
    });
    auto later = std::make_shared<Inbox<GroupMessage>>();
    auto later_sub = client.on_group_message(collect(later));

    for (int i = 0; i < 4; ++i) client.send_to_group("g", Data::text(std::to_string(i)));
    ASSERT_TRUE(later->wait_for(4)) << "the listener after the thrower missed events";
    ASSERT_TRUE(reported->wait_for(4));
    const auto errors = reported->items();
    EXPECT_EQ(errors[0], "listener failed on 0");
    EXPECT_EQ(errors[1], "non-standard");
    EXPECT_EQ(count->load(), 4) << "the throwing listener stays registered";
    client.stop();
}

TEST(Callbacks, WithoutAHandlerListenerExceptionsAreReportedOnStderr) {
    Client client = joined_client(options_for_new_hub());
    auto thrower = client.on_group_message([](const GroupMessage&) { throw std::logic_error("unhandled in listener"); });
    auto later = std::make_shared<Inbox<GroupMessage>>();
    auto later_sub = client.on_group_message(collect(later));
    ::testing::internal::CaptureStderr();
    client.send_to_group("g", Data::text("x"));
    const bool delivered = later->wait_for(1);
    const std::string err = ::testing::internal::GetCapturedStderr();
    ASSERT_TRUE(delivered);
    EXPECT_NE(err.find("unhandled in listener"), std::string::npos) << err;
    client.stop();
}

TEST(Callbacks, AsyncOperationsAndStopWorkFromInsideCallbacks) {
    const std::string hub = support::unique_hub();
    Client client(support::test_options(Emulator::get().client_url(hub)));
    auto blocking_error = std::make_shared<std::promise<ErrorCode>>();
    auto chained = std::make_shared<std::promise<Result>>();
    auto stopped = std::make_shared<Inbox<Stopped>>();
    // From the connected event: a blocking call must refuse (it would wait for this very
    // dispatcher), the async form must work; the message it sends is then answered by a
    // stop() from inside the group-message listener.
    auto on_connected = client.on_connected([&client, blocking_error](const Connected&) {
        try {
            client.join_group("g");
            blocking_error->set_value(ErrorCode::Internal);
        } catch (const Error& e) {
            blocking_error->set_value(e.code());
        }
        // The futures resolve on this same dispatcher thread, so nothing here waits on them.
        client.join_group_async("g");
        client.send_to_group_async("g", Data::text("from a callback"));
    });
    auto on_message = client.on_group_message([&client, chained](const GroupMessage& m) {
        chained->set_value(Result{m.sequence_id.value_or(0), false});
        client.stop();
    });
    auto on_stopped = client.on_stopped(collect(stopped));

    client.start();
    auto code = blocking_error->get_future();
    ASSERT_EQ(code.wait_for(10s), std::future_status::ready);
    EXPECT_EQ(code.get(), ErrorCode::IllegalState);
    auto message = chained->get_future();
    ASSERT_EQ(message.wait_for(10s), std::future_status::ready) << "the async join/send from a callback did not run";
    ASSERT_TRUE(stopped->wait_for(1)) << "stop() from a callback did not stop the client";
    EXPECT_EQ(client.state(), State::Stopped);
    on_connected.reset();  // the listeners capture &client: remove them before it goes
    on_message.reset();
}

TEST(Callbacks, AListenerMayRemoveItself) {
    Client client = joined_client(options_for_new_hub());
    DestructionCounter destroyed;
    auto calls = std::make_shared<std::atomic<int>>(0);
    auto self = std::make_shared<Subscription>();
    *self = client.on_group_message([calls, self, token = destroyed.token()](const GroupMessage&) {
        ++*calls;
        self->reset();  // removes this very listener while it runs
    });
    auto witness = std::make_shared<Inbox<GroupMessage>>();
    auto witness_sub = client.on_group_message(collect(witness));
    client.send_to_group("g", Data::text("1"));
    client.send_to_group("g", Data::text("2"));
    ASSERT_TRUE(witness->wait_for(2));
    EXPECT_EQ(calls->load(), 1);
    // The callable owns `self` (a cycle the removal breaks): it is destroyed once.
    self.reset();
    EXPECT_TRUE(eventually([&] { return destroyed.count() == 1; }));
    client.stop();
}
