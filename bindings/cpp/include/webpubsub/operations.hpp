// webpubsub/operations.hpp: what one operation call takes and what it returns.
#pragma once

#include <chrono>
#include <cstdint>

namespace webpubsub {

/// Per-call options of an operation, in the order of the sketch:
/// `OpOptions{no_echo, fire_and_forget, ack_id, timeout}`.
struct OpOptions {
    /// send_to_group only: the sending connection does not receive its own message.
    bool no_echo = false;
    /// Sends only: complete once queued, without an ack (Result::ack_id is then 0).
    bool fire_and_forget = false;
    /// 0: the client's next ack id; else an id to reuse (retrying with the ack id of a failed
    /// attempt is idempotent: the service deduplicates).
    std::uint64_t ack_id = 0;
    /// 0: the client's operation timeout (Options::operation_timeout).
    std::chrono::milliseconds timeout{0};
};

/// The outcome of a successful operation.
struct Result {
    /// The ack id the operation used; 0 for fire-and-forget sends.
    std::uint64_t ack_id = 0;
    /// The service had executed this ack id already (e.g. an attempt whose ack was lost);
    /// the operation took effect exactly once, so this counts as success.
    bool duplicated = false;
};

}  // namespace webpubsub
