// webpubsub_client.h: the C interface of webpubsub-client, a native, reliable Azure Web
// PubSub client (the reliable JSON subprotocol: recovery without message loss, acks with
// deduplication, reconnect and rejoin).
//
// OVERVIEW
//
//   wps_options  a builder: the client access URL (or a credential callback) and options.
//   wps_client   one client. Create it with wps_client_new, register listeners with
//                wps_client_add_listener, connect with wps_client_start, then join groups,
//                send, and receive events in listeners. Stop with wps_client_stop, release
//                with wps_client_free. wps_shutdown before exit stops everything.
//   wps_error    the details of a failure; results are wps_result codes (WPS_RESULT_*).
//
// RESULTS AND ERRORS
//
//   Every fallible function returns a wps_result: WPS_RESULT_OK (0) or a failure code.
//   Functions with a `wps_error **error_out` parameter also write, on failure and only when
//   error_out is not NULL, a wps_error with a message (and, where they apply, the ack id,
//   the service's error name and the HTTP status) that the caller frees with
//   wps_error_free. Out-parameters are written only on success. Enum-like values are
//   uint32_t typedefs with #define'd constants (no C enum types), numbered for good.
//
// OWNERSHIP
//
//   - Objects returned through `**out` parameters belong to the caller, who frees them with
//     the matching wps_<object>_free. Every _free function accepts NULL. Never free twice.
//   - Strings and byte ranges passed in are borrowed for the duration of the call and
//     copied when kept. Strings in are NUL-terminated and must be valid UTF-8 (they are
//     never repaired: WPS_RESULT_INVALID_UTF8). Bytes are (const uint8_t *data, size_t len);
//     data may be NULL when len is 0.
//   - Everything passed to a callback (wps_event, wps_str, wps_op_result, wps_error) is
//     borrowed for the duration of that call; copy what you keep. A wps_str is `len` bytes
//     of UTF-8 followed by a NUL (so ptr works as a C string); ptr is NULL when absent.
//     Message payloads are also followed by a NUL not counted in data_len.
//   - A `void *user_data` given together with a `wps_free_fn free_user_data` belongs to the
//     library from the successful call on: free_user_data (may be NULL) is called exactly
//     once, after the last invocation of the callback that receives user_data. If the call
//     fails, nothing was taken and free_user_data is not called.
//
// THREADING
//
//   - Every function may be called from any thread. A wps_client may be used from several
//     threads at once; a wps_options object must not be.
//   - The library runs its own threads: a Tokio runtime (network, timers; started by the
//     first wps_client_new, sized by wps_runtime_configure), one dispatcher thread per
//     client (or a shared pool, see wps_options_set_dispatcher) and one log thread.
//   - Callbacks never run on runtime threads. The listeners and completion callbacks of a
//     client run on its dispatcher thread, in order, one at a time. Credential callbacks run
//     on the runtime's blocking pool; the log callback on the log thread.
//   - From inside a callback every function may be called, including wps_client_stop and
//     wps_client_free of the very client being dispatched, except those that wait for
//     something the dispatcher may have to deliver first: wps_client_start, the blocking
//     operations (wps_client_join_group, ...) and wps_shutdown return
//     WPS_RESULT_ILLEGAL_STATE there. Use the _async forms in callbacks.
//   - After wps_client_free or wps_client_remove_listener returns, no new invocation of the
//     affected callbacks starts (one already running may finish). Release user_data only in
//     its free_user_data finalizer.
//   - Keep callbacks short: while one runs, the client's other events wait; when the event
//     queue is full the client stops reading from the socket (WPS_EVENT_SLOW_CONSUMER).
//   - Callbacks must not unwind into the library (C++ exceptions, longjmp).
//
// EXAMPLE (C11; error handling shortened)
//
// EXAMPLE BEGIN
// #include <stdatomic.h>
// #include <stdio.h>
// #include <threads.h>
// #include "webpubsub_client.h"
//
// static atomic_int received;
//
// static void on_event(void *user_data, const wps_event *event) {
//     (void)user_data;
//     if (event->kind == WPS_EVENT_CONNECTED) {
//         printf("connected as %s\n", event->connection_id.ptr);
//     } else if (event->kind == WPS_EVENT_GROUP_MESSAGE) {
//         printf("[%s] %s\n", event->group.ptr, (const char *)event->data);
//         atomic_store(&received, 1);
//     }
// }
//
// int main(int argc, char **argv) {
//     wps_options *options = NULL;
//     wps_client *client = NULL;
//     wps_error *error = NULL;
//     if (argc < 2) return 2; // a client access URL, ws:// or wss://
//     wps_options_new(&options);
//     if (wps_options_set_url(options, argv[1]) != WPS_RESULT_OK
//         || wps_client_new(options, &client, &error) != WPS_RESULT_OK) {
//         fprintf(stderr, "cannot create the client: %s\n", error ? wps_error_message(error) : "bad URL");
//         return 1;
//     }
//     wps_options_free(options); // the client keeps a copy
//     wps_client_add_listener(client, WPS_EVENT_CONNECTED | WPS_EVENT_GROUP_MESSAGE, on_event, NULL, NULL, NULL);
//     const char *text = "hello world";
//     if (wps_client_start(client, &error) != WPS_RESULT_OK
//         || wps_client_join_group(client, "group1", 0, 0, NULL, &error) != WPS_RESULT_OK
//         || wps_client_send_to_group(client, "group1", WPS_DATA_TYPE_TEXT, (const uint8_t *)text, 11, 0, 0, 0, NULL, &error) != WPS_RESULT_OK) {
//         fprintf(stderr, "failed: %s\n", wps_error_message(error));
//         wps_error_free(error);
//     }
//     for (int i = 0; i < 500 && !atomic_load(&received); i++) {
//         thrd_sleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL); // the echo arrives on the dispatcher
//     }
//     wps_client_stop(client);
//     wps_client_free(client);
//     wps_shutdown(5000);
//     return atomic_load(&received) ? 0 : 1;
// }
// EXAMPLE END


#ifndef WEBPUBSUB_CLIENT_H
#define WEBPUBSUB_CLIENT_H

// Generated by build.rs with cbindgen 0.29.4 from src/ffi/. Do not edit: change the doc
// comments in src/ffi/ (or cbindgen.toml) and rebuild.

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// The version of the library this header belongs to; `wps_version()` returns the version of
// the library actually loaded, which a binding should compare with these.
#define WPS_VERSION "0.1.0"
#define WPS_VERSION_MAJOR 0
#define WPS_VERSION_MINOR 1
#define WPS_VERSION_PATCH 0
// MAJOR * 1000000 + MINOR * 1000 + PATCH, for `#if` comparisons.
#define WPS_VERSION_NUMBER (0 * 1000000 + 1 * 1000 + 0)


// Take the level from the `AZURE_LOG_LEVEL` environment variable (`error`, `warning`,
// `info`, `verbose`); logging is off when it is unset or unknown.
#define WPS_LOG_LEVEL_FROM_ENV 0

// Errors only.
#define WPS_LOG_LEVEL_ERROR 1

// Warnings and errors.
#define WPS_LOG_LEVEL_WARN 2

// Informational records (connects, drops, recoveries) and above.
#define WPS_LOG_LEVEL_INFO 3

// Debug records and above.
#define WPS_LOG_LEVEL_DEBUG 4

// Everything.
#define WPS_LOG_LEVEL_TRACE 5

// A new connection is established (not raised by a recovery): `connection_id`, `user_id`
// (absent for anonymous connections).
#define WPS_EVENT_CONNECTED (1 << 0)

// The connection is lost for good (recovery impossible or failed, or `stop` closed it):
// `connection_id` (absent if never established), `message`, `close_code` when a close
// frame arrived.
#define WPS_EVENT_DISCONNECTED (1 << 1)

// The client stopped and will not reconnect until started again. No fields.
#define WPS_EVENT_STOPPED (1 << 2)

// A message from the application server: `data_type`, `data`, `data_len`,
// `sequence_id` (reliable protocol).
#define WPS_EVENT_SERVER_MESSAGE (1 << 3)

// A message from a joined group: `group`, `from_user_id` (absent if the publisher has no
// user id), `data_type`, `data`, `data_len`, `sequence_id` (reliable protocol).
#define WPS_EVENT_GROUP_MESSAGE (1 << 4)

// Joining a group again on a new connection failed: `group`, `error`.
#define WPS_EVENT_REJOIN_GROUP_FAILED (1 << 5)

// The public state changed: `previous_state`, `current_state`.
#define WPS_EVENT_STATE_CHANGED (1 << 6)

// The reliable connection dropped and recovery began: `connection_id`, `close_code` when a
// close frame arrived.
#define WPS_EVENT_RECOVERING (1 << 7)

// The connection was recovered; nothing sent to it is lost: `connection_id`, `elapsed_ms`
// (from the drop to the recovered socket).
#define WPS_EVENT_RECOVERED (1 << 8)

// Callbacks fell behind: the event queue is full and the client paused reading from the
// socket until it drains: `queued`.
#define WPS_EVENT_SLOW_CONSUMER (1 << 9)

// Every event kind this version knows.
#define WPS_EVENT_ALL ((1 << 10) - 1)

// `wps_client_send_to_group` flag: the sending connection itself does not receive the
// message.
#define WPS_SEND_NO_ECHO (1 << 0)

// Send flag: send without an ack id; the call completes once the message is queued, with
// no delivery guarantee (`ack_id` 0 in the result).
#define WPS_SEND_FIRE_AND_FORGET (1 << 1)

// A Web PubSub client. Opaque; create with `wps_client_new`, free with `wps_client_free`.
//
// Threads: every function taking a `wps_client *` may be called from any thread, also
// concurrently, and from inside the client's own callbacks (except the blocking ones, see
// each function), until `wps_client_free` is called.
typedef struct wps_client wps_client;

// The details of a failed call or operation: its `wps_result` code, a message, and, when
// they apply, the operation's ack id, the service's error name and an HTTP status.
//
// Ownership: a `wps_error` written to an `error_out` parameter belongs to the caller, who
// frees it with `wps_error_free`. One passed to a callback (`wps_completion_fn`, the
// `error` field of `wps_event`) is borrowed for the duration of the call only.
// Threads: immutable; its accessors may be called from any thread.
typedef struct wps_error wps_error;

// A builder of client options. Create with `wps_options_new`, set what differs from the
// defaults, pass to `wps_client_new` (which copies it), free with `wps_options_free`.
//
// Every `wps_options_set_*` / `wps_options_add_*` function: `options` is borrowed and must
// not be NULL (`WPS_RESULT_NULL_ARGUMENT`); strings and bytes are copied; values are
// checked when set, and a refused value (`WPS_RESULT_INVALID_ARGUMENT`, ...) leaves the
// options unchanged; no callback is triggered; clients already built are not affected.
//
// Threads: any, but one options object must not be used by two threads at once.
typedef struct wps_options wps_options;

// Where a credential callback puts the client access URL it produced. Opaque; only valid
// during the callback that received it.
typedef struct wps_url_out wps_url_out;

// The status of a call: `WPS_RESULT_OK` (0) or one of the `WPS_RESULT_*` failures.
// Details of a failure, when the function has a `wps_error **error_out` parameter, are in
// the `wps_error` written there.
typedef uint32_t wps_result;

// A borrowed UTF-8 string: `len` bytes at `ptr`, followed by a NUL that `len` does not
// count. `ptr` is NULL when the value is absent (then `len` is 0); an empty but present
// string has a non-NULL `ptr` pointing at a NUL.
//
// Ownership: borrowed, valid only during the callback that received it; copy what you keep.
typedef struct wps_str {
  // The first byte, or NULL when absent.
  const char *ptr;
  // The length in bytes, without the trailing NUL.
  size_t len;
} wps_str;

// Receives one log record: `level` is a `WPS_LOG_LEVEL_*` value (1-5), `target` the
// module that logged (e.g. `webpubsub_client::client::driver`), `message` the text with
// its fields (`key=value`). Both strings are borrowed for the call. Runs on the library's
// log thread, one record at a time; the rules for callbacks apply (no blocking calls of
// the library, no unwinding).
typedef void (*wps_log_fn)(void *user_data,
                           uint32_t level,
                           struct wps_str target,
                           struct wps_str message);

// A finalizer for a `user_data` pointer, called exactly once when the library no longer
// needs it. Where it runs is documented by the function that took it.
typedef void (*wps_free_fn)(void *user_data);

// Produces a client access URL (with a fresh access token; `ws://`, `wss://`, `http://` or
// `https://`): it calls `wps_url_out_set(out, url)` and returns true, or returns false (optionally after
// `wps_url_out_set_error(out, message)`) to fail the connection attempt.
//
// Called on every start and every reconnect (not on recovery, which reuses the last URL),
// on a library thread (the runtime's blocking pool), never concurrently with itself for one
// client; it may be called concurrently for different clients built from the same options.
// It may block (e.g. on an HTTP request to the application server), which delays only that
// client's connection attempt.
typedef bool (*wps_credential_fn)(void *user_data, struct wps_url_out *out);

// The subprotocol, one of the `WPS_PROTOCOL_*` values.
typedef uint32_t wps_protocol;

// How retry delays grow, one of the `WPS_RETRY_MODE_*` values.
typedef uint32_t wps_retry_mode;

// Where a client's callbacks run, one of the `WPS_DISPATCHER_*` values.
typedef uint32_t wps_dispatcher;

// The outcome of a successful operation.
typedef struct wps_op_result {
  // The ack id the operation used; 0 for fire-and-forget sends.
  uint64_t ack_id;
  // The service answered `Duplicate`: this ack id had been executed already (e.g. by an
  // attempt whose ack was lost). The operation took effect exactly once.
  bool duplicated;
} wps_op_result;

// The completion callback of an `_async` call, fired exactly once on the client's
// dispatcher thread (never inside the `_async` call itself). `result` is `WPS_RESULT_OK`
// with `op_result` set (NULL for start and stop) and `error` NULL, or a failure with
// `error` set and `op_result` NULL. Both pointers are borrowed for the duration of the
// call. The same rules as for listeners apply (see `wps_event_fn`).
typedef void (*wps_completion_fn)(void *user_data,
                                  wps_result result,
                                  const struct wps_op_result *op_result,
                                  const struct wps_error *error);

// A client state, one of the `WPS_STATE_*` values.
typedef uint32_t wps_state;

// The type of a message payload, one of the `WPS_DATA_TYPE_*` values.
typedef uint32_t wps_data_type;

// An event, as passed to a `wps_event_fn`. Which fields are set depends on `kind` (see the
// `WPS_EVENT_*` constants); the others are zero, NULL or absent. Fields are only ever
// appended in later versions, never reordered.
//
// Ownership: the struct and everything it points to are borrowed for the duration of the
// callback; copy what you keep.
typedef struct wps_event {
  // One `WPS_EVENT_*` bit.
  uint32_t kind;
  // The connection's id (connected, disconnected, recovering, recovered).
  struct wps_str connection_id;
  // The user id of the connection (connected).
  struct wps_str user_id;
  // The service's or the client's explanation (disconnected).
  struct wps_str message;
  // The group (group message, rejoin failed).
  struct wps_str group;
  // The publisher's user id (group message).
  struct wps_str from_user_id;
  // `WPS_DATA_TYPE_*` of `data` (messages), else 0.
  wps_data_type data_type;
  // The payload (messages): UTF-8 for text and JSON, raw bytes otherwise, followed by a
  // NUL not counted in `data_len`. NULL for other events.
  const uint8_t *data;
  // The payload's length in bytes.
  size_t data_len;
  // The service's sequence id of the message, if `has_sequence_id`.
  uint64_t sequence_id;
  // Whether `sequence_id` is set (messages on the reliable protocol).
  bool has_sequence_id;
  // The WebSocket close code, if `has_close_code` (disconnected, recovering).
  uint16_t close_code;
  // Whether `close_code` is set.
  bool has_close_code;
  // The state before (state changed).
  wps_state previous_state;
  // The state now (state changed).
  wps_state current_state;
  // Milliseconds from the drop to the recovered socket (recovered).
  uint64_t elapsed_ms;
  // Events queued when reading paused (slow consumer).
  size_t queued;
  // Why rejoining failed (rejoin group failed), else NULL. Borrowed.
  const struct wps_error *error;
} wps_event;

// A listener callback. `event` is borrowed for the duration of the call.
//
// Runs on the client's dispatcher thread, in event order, never concurrently with another
// callback of the same client. It may call any function of the library, including
// `wps_client_stop`, `wps_client_free` and the `_async` operations, except the blocking
// ones (`wps_client_start`, blocking operations, `wps_shutdown`), which return
// `WPS_RESULT_ILLEGAL_STATE` here. It must not unwind (C++ exceptions, longjmp) into the
// library.
typedef void (*wps_event_fn)(void *user_data, const struct wps_event *event);

// Success.
#define WPS_RESULT_OK 0

// A required pointer argument was NULL. Nothing was done.
#define WPS_RESULT_NULL_ARGUMENT 1

// A string argument is not valid UTF-8 (strings are never repaired). Nothing was done.
#define WPS_RESULT_INVALID_UTF8 2

// An argument is out of range or malformed (empty group name, invalid JSON, unknown flag,
// zero timeout where one is required, ...). Nothing was done.
#define WPS_RESULT_INVALID_ARGUMENT 3

// The library hit an internal bug (a Rust panic) and stopped it at the boundary. The
// object involved should be considered unusable.
#define WPS_RESULT_PANIC 4

// The call does not fit the current state: `wps_client_start` on a started client, a
// blocking call on a dispatcher thread, `wps_runtime_configure` after the runtime started.
#define WPS_RESULT_ILLEGAL_STATE 5

// The operation did not complete within its timeout. Retrying with the same ack id (see
// `wps_error_ack_id`) is safe: the service deduplicates.
#define WPS_RESULT_TIMEOUT 6

// The client is stopped, was stopped (or freed) while the operation was pending, or the
// library was shut down.
#define WPS_RESULT_STOPPED 7

// The service refused the operation: its ack carried an error. `wps_error_name` gives the
// service's error name (e.g. `Forbidden`), `wps_error_ack_id` the ack id.
#define WPS_RESULT_SERVICE_ERROR 8

// The connection was replaced by a new one (not recovered) before the ack arrived, so
// whether the service executed the message is unknown. It is not retried automatically.
#define WPS_RESULT_CONNECTION_LOST 9

// Opening the connection failed (network, TLS, HTTP refusal: see `wps_error_http_status`).
#define WPS_RESULT_CONNECT_FAILED 10

// The encoded message is larger than the service accepts (1 MB). Nothing was sent.
#define WPS_RESULT_MESSAGE_TOO_LARGE 11

// The client access URL cannot be used.
#define WPS_RESULT_INVALID_URL 12

// The credential callback failed to provide a client access URL.
#define WPS_RESULT_CREDENTIAL_FAILED 13

// No such item (e.g. an unknown listener id).
#define WPS_RESULT_NOT_FOUND 14

// An unexpected failure inside the library (e.g. a thread could not be started).
#define WPS_RESULT_INTERNAL 15

// `json.reliable.webpubsub.azure.v1` (the default): sequence ids, acks and connection
// recovery without message loss.
#define WPS_PROTOCOL_JSON_RELIABLE 1

// `json.webpubsub.azure.v1`: no recovery; a dropped connection means a new connection.
#define WPS_PROTOCOL_JSON 2

// Every delay is the initial delay.
#define WPS_RETRY_MODE_FIXED 1

// The initial delay, doubled for each attempt, capped at the maximum delay.
#define WPS_RETRY_MODE_EXPONENTIAL 2

// A thread of its own for each client (the default).
#define WPS_DISPATCHER_DEDICATED 0

// One thread of the process-wide shared pool (sized by `wps_runtime_configure`), assigned
// to the client for its whole life, so its callbacks still run in order. For many clients
// in one process (thousands) without a thread each. A slow callback delays the other
// clients on the same pool thread.
#define WPS_DISPATCHER_SHARED 1

// Not started, or stopped; `wps_client_start` may be called.
#define WPS_STATE_STOPPED 0

// Opening the first connection.
#define WPS_STATE_CONNECTING 1

// Connected; operations are sent at once.
#define WPS_STATE_CONNECTED 2

// The reliable connection dropped and is being recovered (same connection id, nothing
// lost); operations wait.
#define WPS_STATE_RECOVERING 3

// The connection was lost for good; a new one is being opened; operations wait.
#define WPS_STATE_RECONNECTING 4

// `stop` is closing the connection.
#define WPS_STATE_STOPPING 5

// UTF-8 text.
#define WPS_DATA_TYPE_TEXT 1

// One JSON value, as UTF-8 text.
#define WPS_DATA_TYPE_JSON 2

// Raw bytes.
#define WPS_DATA_TYPE_BINARY 3

// A serialized `google.protobuf.Any`, as raw bytes.
#define WPS_DATA_TYPE_PROTOBUF 4

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

// A short, static, English description of `result`, e.g. `"timed out"`, for logs. Unknown
// codes (from a newer library) give `"unknown result"`.
//
// Ownership: the string is static; never free it. Threads: any. Never NULL.
const char *wps_result_str(wps_result result);

// The `wps_result` code of `error` (never `WPS_RESULT_OK`).
//
// Ownership: `error` is borrowed. Threads: any. NULL: returns `WPS_RESULT_NULL_ARGUMENT`.
wps_result wps_error_code(const struct wps_error *error);

// A human-readable, NUL-terminated UTF-8 message describing `error`. It never contains an
// access token.
//
// Ownership: the string belongs to `error` and lives as long as it; do not free it.
// Threads: any. NULL: returns NULL.
const char *wps_error_message(const struct wps_error *error);

// The ack id of the operation that failed, when it had one (fire-and-forget sends and
// non-operation failures have none). Retrying an operation with this ack id is idempotent:
// the service deduplicates by ack id.
//
// `*ack_id_out` is written only when this returns true. Ownership: both pointers borrowed.
// Threads: any. NULL: returns false (and writes nothing) if either pointer is NULL.
bool wps_error_ack_id(const struct wps_error *error, uint64_t *ack_id_out);

// The service's error name when the service refused the operation
// (`WPS_RESULT_SERVICE_ERROR`), e.g. `"Forbidden"` or `"InternalServerError"`; NULL for
// every other error.
//
// Ownership: the string belongs to `error`; do not free it. Threads: any. NULL: returns NULL.
const char *wps_error_name(const struct wps_error *error);

// The HTTP status with which the service refused the WebSocket upgrade (e.g. 401 for a
// bad token) for `WPS_RESULT_CONNECT_FAILED`; 0 when there is none.
//
// Ownership: borrowed. Threads: any. NULL: returns 0.
uint16_t wps_error_http_status(const struct wps_error *error);

// Frees an error written to an `error_out` parameter. NULL is ignored. Never free an error
// received in a callback (it is borrowed), and never free one twice.
//
// Threads: any.
void wps_error_free(struct wps_error *error);

// The library's version, e.g. `"0.1.0"`: the package version in Cargo.toml, the same as
// the `WPS_VERSION` macro of the header it was built with. Bindings compare the two to
// detect a header/library mismatch.
//
// Ownership: static; never free it. Threads: any. Never NULL.
const char *wps_version(void);

// Sets the sizes of the runtime the library creates with the first client:
// `worker_threads` Tokio worker threads (0: one per CPU) and `shared_dispatcher_threads`
// threads in the shared dispatcher pool used by clients with `WPS_DISPATCHER_SHARED`
// (0: one per CPU).
//
// Returns `WPS_RESULT_ILLEGAL_STATE` once the runtime exists (after the first
// `wps_client_new`, until `wps_shutdown`). Threads: any, but not concurrently with
// `wps_client_new` or `wps_shutdown`.
wps_result wps_runtime_configure(uint32_t worker_threads, uint32_t shared_dispatcher_threads);

// Stops everything the library runs, for a clean exit or before unloading the library:
// stops every live client (as `wps_client_stop` would), shuts the runtime down, lets every
// dispatcher deliver what is queued (pending asynchronous calls complete with
// `WPS_RESULT_STOPPED`), calls every listener's finalizer for clients already freed or
// still alive, joins the dispatcher threads, and ends the log thread (removing the log
// callback and calling its finalizer).
//
// Clients not yet freed stay valid handles: they report `WPS_RESULT_STOPPED` for every
// call, and must still be freed with `wps_client_free`. A later `wps_client_new` starts a
// new runtime.
//
// Returns `WPS_RESULT_TIMEOUT` if all this could not finish within `timeout_ms`
// milliseconds (for example a callback that does not return); what did not finish is left
// to end on its own. Returns `WPS_RESULT_ILLEGAL_STATE` when called from a callback (a
// dispatcher thread), which it would wait for.
//
// Threads: any thread that is not a dispatcher; not concurrently with other calls of the
// library. Callbacks it can trigger: completions (`WPS_RESULT_STOPPED`), pending events
// (disconnected, state-changed, stopped), listener and log finalizers.
wps_result wps_shutdown(uint32_t timeout_ms);

// Sends the library's log records to `callback` (see `wps_log_fn`), replacing any earlier
// callback, or removes the callback when `callback` is NULL (then `user_data` and
// `free_user_data` are ignored). `max_level`: the most verbose `WPS_LOG_LEVEL_*` to
// forward (1-5), or `WPS_LOG_LEVEL_FROM_ENV` (0) to follow `AZURE_LOG_LEVEL`. Only records
// of this library are forwarded; access and reconnection tokens never appear in them.
//
// The first call installs the library's `tracing` subscriber as the process's global one;
// if the host process already installed another (a Rust host), this returns
// `WPS_RESULT_ILLEGAL_STATE`. Returns `WPS_RESULT_INVALID_ARGUMENT` for a level above 5.
//
// On success the library owns `user_data`: `free_user_data` (may be NULL) is called
// exactly once after the callback's last invocation, when it is replaced or removed (on
// the calling thread or the log thread) or at `wps_shutdown`. When this fails, nothing is
// taken. Threads: any; the callback runs on the library's log thread.
wps_result wps_set_log_callback(wps_log_fn callback,
                                void *user_data,
                                wps_free_fn free_user_data,
                                uint32_t max_level);

// Creates options with the defaults of the official SDKs (reliable JSON protocol,
// auto-reconnect and auto-rejoin on, 30 s operation timeout, ...) and no credential.
//
// `*options_out` is written only on success; the caller owns the result and frees it with
// `wps_options_free`. Threads: any. NULL: `WPS_RESULT_NULL_ARGUMENT`.
wps_result wps_options_new(struct wps_options **options_out);

// Frees options. Clients built from them are not affected (they hold copies). A credential
// callback's finalizer runs here if no client uses it any more. NULL is ignored.
//
// Threads: any.
void wps_options_free(struct wps_options *options);

// Uses a fixed client access URL (`ws://`, `wss://`, `http://` or `https://`, usually
// with an `access_token`; `http(s)://` connects as `ws(s)://`), replacing any earlier URL or
// credential callback. The string is copied. The token is never logged.
//
// Returns `WPS_RESULT_NULL_ARGUMENT`, `WPS_RESULT_INVALID_UTF8`, or
// `WPS_RESULT_INVALID_URL` when it does not parse as such a URL.
wps_result wps_options_set_url(struct wps_options *options, const char *url);

// Uses a callback that produces a fresh client access URL on every start and reconnect
// (see `wps_credential_fn`), replacing any earlier URL or callback.
//
// On success the library owns `user_data`: `free_user_data` (may be NULL) is called exactly
// once, after the callback's last invocation, when neither these options nor any client
// built from them needs it any more (on the thread calling `wps_options_free` /
// `wps_client_free` / `wps_shutdown`, or a library thread). When this fails nothing is
// taken. Returns `WPS_RESULT_NULL_ARGUMENT` if `options` or `callback` is NULL.
wps_result wps_options_set_credential(struct wps_options *options,
                                      wps_credential_fn callback,
                                      void *user_data,
                                      wps_free_fn free_user_data);

// Sets the credential callback's URL. The string is copied; a second call replaces the
// first. Only valid inside the credential callback that received `out`.
//
// Returns `WPS_RESULT_NULL_ARGUMENT` or `WPS_RESULT_INVALID_UTF8`.
wps_result wps_url_out_set(struct wps_url_out *out, const char *url);

// Explains why the credential callback fails (it then returns false). The message becomes
// part of the `WPS_RESULT_CREDENTIAL_FAILED` error. Only valid inside the callback.
//
// Returns `WPS_RESULT_NULL_ARGUMENT` or `WPS_RESULT_INVALID_UTF8`.
wps_result wps_url_out_set_error(struct wps_url_out *out, const char *message);

// Sets the subprotocol: `WPS_PROTOCOL_JSON_RELIABLE` (default) or `WPS_PROTOCOL_JSON`.
// Returns `WPS_RESULT_INVALID_ARGUMENT` for other values.
wps_result wps_options_set_protocol(struct wps_options *options, wps_protocol protocol);

// Whether to open a new connection when the old one is lost for good (default true).
wps_result wps_options_set_auto_reconnect(struct wps_options *options, bool enabled);

// Whether to join again, on a new connection, the groups this client joined (default true).
wps_result wps_options_set_auto_rejoin_groups(struct wps_options *options, bool enabled);

// The retry policy of operations that failed transiently (the service answered e.g.
// `InternalServerError`); retries always reuse the operation's ack id, so they never
// publish twice. `max_retries`: -1 for unlimited (still bounded by the operation timeout),
// else the number of retries after the first attempt. `mode`: `WPS_RETRY_MODE_*`. `jitter`
// randomizes each delay within 50-100 %. Default: 3 retries, exponential from 800 ms to
// 30 s, jittered.
//
// Returns `WPS_RESULT_INVALID_ARGUMENT` for `max_retries < -1`, an unknown mode, or
// `max_delay_ms < initial_delay_ms`.
wps_result wps_options_set_message_retry(struct wps_options *options,
                                         int64_t max_retries,
                                         uint32_t initial_delay_ms,
                                         uint32_t max_delay_ms,
                                         wps_retry_mode mode,
                                         bool jitter);

// The retry policy of reconnecting after a connection was lost for good; parameters as for
// `wps_options_set_message_retry`. Default: unlimited, exponential from 1 s to 30 s,
// jittered.
wps_result wps_options_set_reconnect_retry(struct wps_options *options,
                                           int64_t max_retries,
                                           uint32_t initial_delay_ms,
                                           uint32_t max_delay_ms,
                                           wps_retry_mode mode,
                                           bool jitter);

// How long to try recovering a dropped reliable connection before giving up and
// reconnecting (default 30000 ms). 0 disables recovery.
wps_result wps_options_set_recovery_window_ms(struct wps_options *options, uint32_t ms);

// The pause between recovery attempts (default 1000 ms).
wps_result wps_options_set_recovery_interval_ms(struct wps_options *options, uint32_t ms);

// The bound of one connection attempt: TCP, TLS, upgrade and the service's `connected`
// message (default 10000 ms). Must be > 0, else `WPS_RESULT_INVALID_ARGUMENT`.
wps_result wps_options_set_connect_timeout_ms(struct wps_options *options, uint32_t ms);

// The default bound of one operation, from the call to its ack, retries and recovery
// included (default 30000 ms); a call's own `timeout_ms` overrides it. Must be > 0.
wps_result wps_options_set_operation_timeout_ms(struct wps_options *options, uint32_t ms);

// The interval of application-level pings while connected (default 20000 ms); 0 disables.
wps_result wps_options_set_keep_alive_interval_ms(struct wps_options *options, uint32_t ms);

// Treat the connection as dropped (and recover it) when nothing arrived for this long,
// which detects half-open sockets (default 120000 ms); 0 disables.
wps_result wps_options_set_keep_alive_timeout_ms(struct wps_options *options, uint32_t ms);

// The interval of cumulative sequence acks, sent only when something new arrived
// (default 1000 ms). Must be > 0.
wps_result wps_options_set_sequence_ack_interval_ms(struct wps_options *options, uint32_t ms);

// Send a sequence ack at once after this many unacknowledged messages (default 300).
// Must be > 0.
wps_result wps_options_set_sequence_ack_threshold(struct wps_options *options, uint32_t messages);

// How many events may wait for the dispatcher before the client stops reading from the
// socket (backpressure; a `WPS_EVENT_SLOW_CONSUMER` event reports it) (default 4096).
// Must be > 0.
wps_result wps_options_set_event_queue_capacity(struct wps_options *options, size_t capacity);

// How many operations may wait for the connection before callers wait (default 1024).
// Must be > 0.
wps_result wps_options_set_operation_queue_capacity(struct wps_options *options, size_t capacity);

// Adds an HTTP header to the WebSocket upgrade request. Both strings are copied. Returns
// `WPS_RESULT_INVALID_ARGUMENT` when they are not a valid header name and value.
wps_result wps_options_add_header(struct wps_options *options, const char *name, const char *value);

// Removes every header added with `wps_options_add_header`.
wps_result wps_options_clear_headers(struct wps_options *options);

// Sets the `User-Agent` header (default `webpubsub-client-rust/<version>`). Copied.
// Returns `WPS_RESULT_INVALID_ARGUMENT` when it is not a valid header value.
wps_result wps_options_set_user_agent(struct wps_options *options, const char *user_agent);

// Trusts these CA certificates (PEM, one or more) for `wss://` on top of the system's
// roots. The bytes are copied; `len` 0 removes them. Returns `WPS_RESULT_INVALID_ARGUMENT`
// when the bytes hold no valid PEM certificate.
wps_result wps_options_set_extra_ca_pem(struct wps_options *options,
                                        const uint8_t *pem,
                                        size_t len);

// Chooses where the client's callbacks run: `WPS_DISPATCHER_DEDICATED` (default) or
// `WPS_DISPATCHER_SHARED`. Returns `WPS_RESULT_INVALID_ARGUMENT` for other values.
wps_result wps_options_set_dispatcher(struct wps_options *options, wps_dispatcher dispatcher);

// Creates a client (stopped) from `options`, which are copied: they may be changed or freed
// afterwards and may build more clients. Starts the library's runtime on first use, and the
// client's dispatcher thread (or assigns it to the shared pool, see
// `wps_options_set_dispatcher`).
//
// `*client_out` is written only on success; the caller owns the client and frees it with
// `wps_client_free`. On failure, `*error_out` (if not NULL) receives an error the caller
// frees with `wps_error_free`.
//
// Returns `WPS_RESULT_NULL_ARGUMENT`, `WPS_RESULT_INVALID_ARGUMENT` (no credential, an
// invalid option), `WPS_RESULT_INTERNAL` (no thread or runtime could be started).
// Threads: any, including callbacks. Callbacks triggered: none.
wps_result wps_client_new(const struct wps_options *options,
                          struct wps_client **client_out,
                          struct wps_error **error_out);

// Frees a client: stops it (in the background: this does not block) and releases it.
//
// After this returns no new event callback of the client starts (one already running may
// finish); completion callbacks of operations still pending fire exactly once, with
// `WPS_RESULT_STOPPED` (or their result, if it arrived first); then every listener's
// finalizer is called exactly once, on the client's dispatcher thread. May be called from
// inside a callback of this very client: the teardown then finishes after that callback
// returns. The pointer must not be used afterwards. NULL is ignored.
//
// Threads: any, including callbacks.
void wps_client_free(struct wps_client *client);

// Connects, and blocks until the service confirmed the connection or this attempt failed
// (it does not retry by itself; once connected, drops are recovered or reconnected
// automatically).
//
// Returns `WPS_RESULT_OK`, `WPS_RESULT_CONNECT_FAILED` (`wps_error_http_status` tells an
// HTTP refusal, e.g. 401), `WPS_RESULT_INVALID_URL`, `WPS_RESULT_CREDENTIAL_FAILED`,
// `WPS_RESULT_ILLEGAL_STATE` (already started, or called on a dispatcher thread: use
// `wps_client_start_async` in callbacks), `WPS_RESULT_STOPPED` (stopped meanwhile, or the
// library was shut down). `*error_out` as for `wps_client_new`.
//
// Threads: any thread except dispatcher threads. Callbacks triggered (on the dispatcher):
// state-changed, connected.
wps_result wps_client_start(struct wps_client *client, struct wps_error **error_out);

// Connects without blocking; `callback` (may be NULL) fires exactly once on the client's
// dispatcher thread with the outcome `wps_client_start` would return (`op_result` NULL).
// If this returns an error, the callback is never called.
//
// The start takes effect when this is called: once it returns OK, a stopped client reads
// `WPS_STATE_CONNECTING`, and operations issued next (blocking or not) wait for the
// connection as during a blocking start, instead of failing with `WPS_RESULT_STOPPED`.
//
// Returns `WPS_RESULT_NULL_ARGUMENT` or `WPS_RESULT_STOPPED` (library shut down).
// `user_data` is passed to the callback untouched. Threads: any, including callbacks.
wps_result wps_client_start_async(struct wps_client *client,
                                  wps_completion_fn callback,
                                  void *user_data);

// Stops: closes the connection, cancels any recovery or reconnect, fails pending
// operations with `WPS_RESULT_STOPPED`, and blocks until the client is stopped. Works in
// every state and is idempotent; `wps_client_start` may be called again afterwards.
//
// May be called from inside a callback (it does not wait for the dispatcher; the
// resulting events are delivered after the callback returns). Returns `WPS_RESULT_OK`,
// `WPS_RESULT_NULL_ARGUMENT`, or `WPS_RESULT_ILLEGAL_STATE` inside a credential callback
// (a runtime thread). After `wps_shutdown` it returns `WPS_RESULT_OK` at once (the client
// is stopped already). Threads: any, including callbacks. Callbacks triggered (on the
// dispatcher, after this returns or after the current callback): completions of pending
// operations, disconnected, state-changed, stopped.
wps_result wps_client_stop(struct wps_client *client);

// Stops without blocking; `callback` (may be NULL) fires exactly once on the dispatcher
// with `WPS_RESULT_OK` once the client is stopped. If this returns an error, the callback
// is never called. Returns `WPS_RESULT_NULL_ARGUMENT` or `WPS_RESULT_STOPPED` (library
// shut down). Threads: any, including callbacks.
wps_result wps_client_stop_async(struct wps_client *client,
                                 wps_completion_fn callback,
                                 void *user_data);

// The client's current state (`WPS_STATE_*`), written to `*state_out` on success.
// Returns `WPS_RESULT_NULL_ARGUMENT`. Threads: any, including callbacks.
wps_result wps_client_state(const struct wps_client *client, wps_state *state_out);

// Registers a listener for the events whose `WPS_EVENT_*` bits are in `event_mask`
// (`WPS_EVENT_ALL` for every kind). Listeners may be added at any time, also from inside a
// callback; a listener added from a callback receives the events after the current one.
// Listeners of one event are called in the order they were added.
//
// On success the library owns `user_data` until `free_user_data` (may be NULL) is called:
// exactly once, after the listener's last invocation, when it is removed
// (`wps_client_remove_listener`), or when the client ends after `wps_client_free` (on the
// dispatcher thread), or at `wps_shutdown`. `*listener_id_out` (may be NULL) receives an
// id > 0 for `wps_client_remove_listener`, written only on success. When this fails nothing
// is taken and the finalizer is not called.
//
// Returns `WPS_RESULT_NULL_ARGUMENT` (client or callback NULL),
// `WPS_RESULT_INVALID_ARGUMENT` (mask 0 or unknown bits), `WPS_RESULT_STOPPED` (the library
// was shut down). Threads: any, including callbacks.
wps_result wps_client_add_listener(struct wps_client *client,
                                   uint32_t event_mask,
                                   wps_event_fn callback,
                                   void *user_data,
                                   wps_free_fn free_user_data,
                                   uint64_t *listener_id_out);

// Removes a listener. After this returns no new invocation of it starts (one already
// running on the dispatcher may finish); its finalizer is called exactly once after its
// last invocation: here, if it is not running, else on the dispatcher when that
// invocation returns. May be called from inside a callback, also the listener's own.
//
// Returns `WPS_RESULT_NOT_FOUND` for an unknown or already removed id,
// `WPS_RESULT_NULL_ARGUMENT` for a NULL client. Threads: any, including callbacks.
wps_result wps_client_remove_listener(struct wps_client *client, uint64_t listener_id);

// Joins `group`, so this client receives its messages, and blocks until the service acks.
//
// `ack_id`: 0 for the client's next ack id, or an id to reuse (retrying a failed attempt with
// its ack id is idempotent). `timeout_ms`: 0 for the client's operation timeout. The
// operation survives connection recovery (it is resent with the same ack id).
// `*result_out` (may be NULL) is written only on success. On failure `*error_out` (may be
// NULL) receives an error to free with `wps_error_free`; it has the ack id and, for
// `WPS_RESULT_SERVICE_ERROR`, the service's error name (e.g. `Forbidden`).
//
// Returns `WPS_RESULT_OK`, `WPS_RESULT_NULL_ARGUMENT`, `WPS_RESULT_INVALID_UTF8`,
// `WPS_RESULT_INVALID_ARGUMENT` (a group name empty, whitespace only or over 1024 characters,
// counted as Unicode scalar values, not bytes; an ack id in use),
// `WPS_RESULT_SERVICE_ERROR`, `WPS_RESULT_TIMEOUT`, `WPS_RESULT_STOPPED`,
// `WPS_RESULT_ILLEGAL_STATE` (on a dispatcher thread: use the `_async` form in callbacks).
// `group` is borrowed for the call. Threads: any thread except dispatcher threads.
wps_result wps_client_join_group(struct wps_client *client,
                                 const char *group,
                                 uint64_t ack_id,
                                 uint32_t timeout_ms,
                                 struct wps_op_result *result_out,
                                 struct wps_error **error_out);

// `wps_client_join_group` without blocking: `callback` (may be NULL) fires exactly once
// on the client's dispatcher with the outcome. A request refused locally (NULL, invalid
// UTF-8 or arguments, too large, client stopped or shut down) is returned by this call,
// with `*error_out` set as for the blocking form, and then the callback is never called;
// every outcome from the service (success, service error, timeout, ...) goes through the
// callback.
// Threads: any, including callbacks.
wps_result wps_client_join_group_async(struct wps_client *client,
                                       const char *group,
                                       uint64_t ack_id,
                                       uint32_t timeout_ms,
                                       wps_completion_fn callback,
                                       void *user_data,
                                       struct wps_error **error_out);

// Leaves `group` and blocks until the service acks. Arguments, results and threads as for
// `wps_client_join_group`.
wps_result wps_client_leave_group(struct wps_client *client,
                                  const char *group,
                                  uint64_t ack_id,
                                  uint32_t timeout_ms,
                                  struct wps_op_result *result_out,
                                  struct wps_error **error_out);

// `wps_client_leave_group` without blocking; as `wps_client_join_group_async`.
wps_result wps_client_leave_group_async(struct wps_client *client,
                                        const char *group,
                                        uint64_t ack_id,
                                        uint32_t timeout_ms,
                                        wps_completion_fn callback,
                                        void *user_data,
                                        struct wps_error **error_out);

// Publishes `len` bytes at `data` (NULL allowed when `len` is 0; copied) of type
// `data_type` (`WPS_DATA_TYPE_*`; text and JSON must be UTF-8, JSON one valid JSON value)
// to `group`, and blocks until the service acks it (or, with `WPS_SEND_FIRE_AND_FORGET`,
// until it is queued). `flags`: `WPS_SEND_NO_ECHO`, `WPS_SEND_FIRE_AND_FORGET`.
//
// Returns, besides those of `wps_client_join_group`: `WPS_RESULT_MESSAGE_TOO_LARGE` (the
// encoded message exceeds 1 MB; nothing was sent), `WPS_RESULT_CONNECTION_LOST` (the
// connection was replaced before the ack: the outcome is unknown), and
// `WPS_RESULT_INVALID_ARGUMENT` for invalid JSON, an unknown data type or unknown flags.
// Other arguments, results and threads as for `wps_client_join_group`.
wps_result wps_client_send_to_group(struct wps_client *client,
                                    const char *group,
                                    wps_data_type data_type,
                                    const uint8_t *data,
                                    size_t len,
                                    uint32_t flags,
                                    uint64_t ack_id,
                                    uint32_t timeout_ms,
                                    struct wps_op_result *result_out,
                                    struct wps_error **error_out);

// `wps_client_send_to_group` without blocking; as `wps_client_join_group_async`. The
// payload is copied before this returns.
wps_result wps_client_send_to_group_async(struct wps_client *client,
                                          const char *group,
                                          wps_data_type data_type,
                                          const uint8_t *data,
                                          size_t len,
                                          uint32_t flags,
                                          uint64_t ack_id,
                                          uint32_t timeout_ms,
                                          wps_completion_fn callback,
                                          void *user_data,
                                          struct wps_error **error_out);

// Sends the event `event` with a payload to the application server (its event handler),
// and blocks until the service acks it (or, with `WPS_SEND_FIRE_AND_FORGET`, the only flag
// allowed here, until it is queued). Payload, arguments, results and threads as for
// `wps_client_send_to_group`.
wps_result wps_client_send_event(struct wps_client *client,
                                 const char *event,
                                 wps_data_type data_type,
                                 const uint8_t *data,
                                 size_t len,
                                 uint32_t flags,
                                 uint64_t ack_id,
                                 uint32_t timeout_ms,
                                 struct wps_op_result *result_out,
                                 struct wps_error **error_out);

// `wps_client_send_event` without blocking; as `wps_client_join_group_async`.
wps_result wps_client_send_event_async(struct wps_client *client,
                                       const char *event,
                                       wps_data_type data_type,
                                       const uint8_t *data,
                                       size_t len,
                                       uint32_t flags,
                                       uint64_t ack_id,
                                       uint32_t timeout_ms,
                                       wps_completion_fn callback,
                                       void *user_data,
                                       struct wps_error **error_out);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* WEBPUBSUB_CLIENT_H */
