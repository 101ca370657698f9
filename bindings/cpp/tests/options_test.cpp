// Options: every setter reaches the C ABI, invalid values throw where they are set, and the
// credential callback and log handler cross the ABI safely.
#include "support/clients.hpp"

#include <gtest/gtest.h>

using namespace webpubsub;
using namespace std::chrono_literals;

namespace {

template <class F>
ErrorCode code_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "no webpubsub::Error thrown";
    return ErrorCode::Internal;
}

}  // namespace

TEST(Options, InvalidValuesThrowInvalidArgumentWhereSet) {
    Options o;
    EXPECT_EQ(code_of([&] { o.connect_timeout(0ms); }), ErrorCode::InvalidArgument);
    EXPECT_EQ(code_of([&] { o.operation_timeout(-1ms); }), ErrorCode::InvalidArgument);
    EXPECT_EQ(code_of([&] { o.recovery_window(std::chrono::hours(24 * 365)); }), ErrorCode::InvalidArgument);
    EXPECT_EQ(code_of([&] { o.sequence_ack_threshold(0); }), ErrorCode::InvalidArgument);
    EXPECT_EQ(code_of([&] { o.event_queue_capacity(0); }), ErrorCode::InvalidArgument);
    EXPECT_EQ(code_of([&] { o.add_header("bad header", "x"); }), ErrorCode::InvalidArgument);
    EXPECT_EQ(code_of([&] { o.extra_ca_pem("not a certificate"); }), ErrorCode::InvalidArgument);
    RetryPolicy backwards;
    backwards.initial_delay = 10s;
    backwards.max_delay = 1s;
    EXPECT_EQ(code_of([&] { o.message_retry(backwards); }), ErrorCode::InvalidArgument);
}

TEST(Options, BadUrlsAreRefused) {
    Options o;
    EXPECT_EQ(code_of([&] { o.url("not a url"); }), ErrorCode::InvalidUrl);
    EXPECT_EQ(code_of([&] { o.url(std::string("ws://a\0b", 8)); }), ErrorCode::InvalidArgument);
    EXPECT_EQ(code_of([&] { Client{Options()}; }), ErrorCode::InvalidArgument) << "no credential";
}

TEST(Options, EverySetterAcceptsValidValuesAndTheClientConnects) {
    const std::string url = support::Emulator::get().client_url(support::unique_hub(), "opt-user");
    RetryPolicy fixed;
    fixed.max_retries = 5;
    fixed.initial_delay = 100ms;
    fixed.max_delay = 100ms;
    fixed.mode = RetryMode::Fixed;
    fixed.jitter = false;
    Options o;
    o.url(url)
        .protocol(Protocol::JsonReliable)
        .auto_reconnect(true)
        .auto_rejoin_groups(true)
        .message_retry(fixed)
        .reconnect_retry(RetryPolicy::reconnect_default())
        .recovery_window(10s)
        .recovery_interval(200ms)
        .connect_timeout(5s)
        .operation_timeout(5s)
        .keep_alive_interval(5s)
        .keep_alive_timeout(60s)
        .sequence_ack_interval(500ms)
        .sequence_ack_threshold(50)
        .event_queue_capacity(128)
        .operation_queue_capacity(64)
        .add_header("x-test", "1")
        .clear_headers()
        .add_header("x-test", "2")
        .user_agent("webpubsub-cpp-tests")
        .extra_ca_pem("")
        .dispatcher(Dispatcher::Dedicated);
    Client client(o);
    const std::string id = support::start(client);
    EXPECT_FALSE(id.empty());
    EXPECT_EQ(client.state(), State::Connected);
    client.stop();
}

TEST(Options, CredentialIsCalledOnStartAndDestroyedOnce) {
    const std::string url = support::Emulator::get().client_url(support::unique_hub(), "cred-user");
    support::DestructionCounter destroyed;
    auto calls = std::make_shared<std::atomic<int>>(0);
    {
        Options o = support::test_options(url);
        o.credential([url, calls, token = destroyed.token()] {
            ++*calls;
            return url;
        });
        Client client(o);
        client.start();
        EXPECT_EQ(calls->load(), 1);
        client.stop();
    }
    EXPECT_TRUE(support::eventually([&] { return destroyed.count() == 1; }));
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(destroyed.count(), 1);
}

TEST(Options, ThrowingCredentialFailsStartWithItsMessage) {
    Options o;
    o.credential([]() -> std::string { throw std::runtime_error("no token today"); });
    Client client(o);
    try {
        client.start();
        FAIL() << "start() succeeded";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::CredentialFailed);
        EXPECT_NE(std::string(e.what()).find("no token today"), std::string::npos) << e.what();
    }
}

TEST(Options, RefusedTokenReportsTheHttpStatus) {
    std::string url = support::Emulator::get().client_url(support::unique_hub());
    url += "x";  // breaks the token's signature
    Client client(support::test_options(url));
    try {
        client.start();
        FAIL() << "start() succeeded";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::ConnectFailed);
        EXPECT_EQ(e.http_status(), 401);
    }
}

TEST(Runtime, HeaderAndLibraryVersionsMatch) {
    EXPECT_TRUE(version_matches()) << library_version() << " vs " << WPS_VERSION;
}

TEST(Runtime, LogHandlerReceivesRecordsUntilRemoved) {
    struct Record {
        LogLevel level;
        std::string target;
    };
    auto records = std::make_shared<support::Inbox<Record>>();
    support::DestructionCounter destroyed;
    set_log_handler(
        [records, token = destroyed.token()](LogLevel level, std::string_view target, std::string_view) {
            records->push({level, std::string(target)});
        },
        LogLevel::Info);
    {
        Client client(support::test_options(support::Emulator::get().client_url(support::unique_hub())));
        client.start();
        client.stop();
    }
    ASSERT_TRUE(records->wait_for(1)) << "no log record at level info";
    const auto first = records->items().front();
    EXPECT_LE(static_cast<std::uint32_t>(first.level), static_cast<std::uint32_t>(LogLevel::Info));
    EXPECT_NE(first.target.find("webpubsub"), std::string::npos) << first.target;
    set_log_handler(nullptr);
    EXPECT_TRUE(support::eventually([&] { return destroyed.count() == 1; }));
}

TEST(Runtime, ConfiguringARunningRuntimeIsRefused) {
    Client client(support::test_options(support::Emulator::get().client_url(support::unique_hub())));  // runtime up
    EXPECT_EQ(code_of([] { configure_runtime(2, 2); }), ErrorCode::IllegalState);
}
