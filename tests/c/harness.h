// A small test harness for the C ABI suite: checks that count instead of aborting, an
// event recorder fed by listeners, and an HTTP client for the emulator's control surface.
#ifndef WPS_TEST_HARNESS_H
#define WPS_TEST_HARNESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "webpubsub_client.h"

extern int g_failures;

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "    CHECK failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);     \
            g_failures++;                                                                     \
        }                                                                                     \
    } while (0)

#define CHECK_RESULT(expr, expected)                                                          \
    do {                                                                                      \
        wps_result check_r_ = (expr);                                                         \
        if (check_r_ != (expected)) {                                                         \
            fprintf(stderr, "    CHECK failed at %s:%d: %s returned %u (%s), expected %s\n",   \
                    __FILE__, __LINE__, #expr, (unsigned)check_r_, wps_result_str(check_r_),   \
                    #expected);                                                               \
            g_failures++;                                                                     \
        }                                                                                     \
    } while (0)

// Checks `expr` returned OK; on failure prints the error's message and frees it.
#define CHECK_OK_ERR(expr, errvar)                                                            \
    do {                                                                                      \
        errvar = NULL;                                                                        \
        wps_result check_r_ = (expr);                                                         \
        if (check_r_ != WPS_RESULT_OK) {                                                      \
            fprintf(stderr, "    CHECK failed at %s:%d: %s returned %u: %s\n", __FILE__,       \
                    __LINE__, #expr, (unsigned)check_r_,                                      \
                    errvar ? wps_error_message(errvar) : "(no error)");                       \
            g_failures++;                                                                     \
        }                                                                                     \
        wps_error_free(errvar);                                                               \
        errvar = NULL;                                                                        \
    } while (0)

// Milliseconds on a monotonic clock.
uint64_t now_ms(void);
void sleep_ms(unsigned ms);

// ---- The emulator's control surface (HTTP on 127.0.0.1) ----

// Performs a request; returns the HTTP status (or -1) and the body (NUL-terminated, cut to
// `cap`). `content_type` and `body` may be NULL.
int http_request(const char *method, const char *path, const char *content_type, const char *body, size_t body_len,
                 char *response, size_t cap);
// A client access URL for `hub`, with user id `user` (NULL: anonymous) and, when `roles` is
// true, permission to join/leave and send to any group. Returns a malloc'ed string.
char *mint_url(const char *hub, const char *user, bool roles);
// POST to a control path; true on HTTP 200.
bool control_post(const char *path);

// ---- Event recorder ----

#define REC_MAX_MESSAGES 4096

typedef struct recorded_message {
    uint32_t kind;
    char group[64];
    char from_user[64];
    uint32_t data_type;
    size_t len;
    char *data; // malloc'ed copy, NUL-terminated
    uint64_t sequence_id;
    bool has_sequence_id;
} recorded_message;

typedef struct recorder {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    unsigned counts[16]; // by bit index of the event kind
    char connection_id[128];
    char user_id[64];
    char last_message[256];
    uint16_t last_close_code;
    uint32_t last_state;
    recorded_message *messages; // REC_MAX_MESSAGES of them, on the heap (valgrind dislikes
                                // megabyte stack frames)
    size_t message_count;
    pthread_t thread; // the last dispatcher thread seen
    bool thread_seen;
    bool wrong_thread; // a callback ran on a different thread than before
    unsigned bad_strings; // wps_str without a trailing NUL, or NULL with len > 0
    unsigned finalized;
} recorder;

void recorder_init(recorder *r);
void recorder_destroy(recorder *r);
// The wps_event_fn that records into a recorder (user_data).
void recorder_on_event(void *user_data, const wps_event *event);
// The wps_free_fn that counts finalizations of a recorder (user_data).
void recorder_on_free(void *user_data);
unsigned recorder_count(recorder *r, uint32_t kind);
size_t recorder_messages(recorder *r);
// Waits until the count of `kind` reaches `n`; false on timeout.
bool recorder_wait_count(recorder *r, uint32_t kind, unsigned n, unsigned timeout_ms);
bool recorder_wait_messages(recorder *r, size_t n, unsigned timeout_ms);
bool recorder_wait_finalized(recorder *r, unsigned n, unsigned timeout_ms);
void recorder_connection_id(recorder *r, char *out, size_t cap);

// ---- Completion recorder ----

typedef struct completion {
    pthread_mutex_t lock;
    pthread_cond_t done_cv;
    unsigned calls;
    wps_result result;
    wps_op_result op;
    bool had_op;
    bool had_error;
    char error_name[64];
    char error_message[256];
    bool error_has_ack;
    uint64_t error_ack_id;
    pthread_t thread;
} completion;

void completion_init(completion *c);
void completion_destroy(completion *c);
void completion_fn(void *user_data, wps_result result, const wps_op_result *op, const wps_error *error);
// Waits for the first call; false on timeout.
bool completion_wait(completion *c, unsigned timeout_ms);

// ---- Clients ----

// Waits until the client's state is `state`; false on timeout. (The core publishes a state
// a moment after it answers start, so tests wait rather than read once.)
bool wait_state(wps_client *client, wps_state state, unsigned timeout_ms);

// A client for `url` with short timeouts suitable for tests, a recorder listening to every
// event (finalizer counts into the recorder), started. NULL on failure.
wps_client *new_client(const char *url, recorder *rec, uint32_t dispatcher, bool start);

#endif
