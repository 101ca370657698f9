// The C ABI suite, part 4: logs, many clients on the shared dispatcher pool, shutdown.
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tests.h"

static const uint8_t *bytes(const char *s) { return (const uint8_t *)s; }

typedef struct log_sink {
    pthread_mutex_t lock;
    unsigned records;
    unsigned foreign_target;
    unsigned bad_strings;
    unsigned leaked_token;
    unsigned finalized;
    unsigned above_level;
    char token[64];
} log_sink;

static void on_log(void *user_data, uint32_t level, wps_str target, wps_str message) {
    log_sink *s = user_data;
    pthread_mutex_lock(&s->lock);
    s->records++;
    if (strncmp(target.ptr, "webpubsub_client", 16) != 0) s->foreign_target++;
    if (target.ptr[target.len] != 0 || message.ptr[message.len] != 0) s->bad_strings++;
    if (s->token[0] && strstr(message.ptr, s->token) != NULL) s->leaked_token++;
    if (level < WPS_LOG_LEVEL_ERROR || level > WPS_LOG_LEVEL_DEBUG) s->above_level++;
    pthread_mutex_unlock(&s->lock);
}

static void on_log_free(void *user_data) {
    log_sink *s = user_data;
    pthread_mutex_lock(&s->lock);
    s->finalized++;
    pthread_mutex_unlock(&s->lock);
}

void test_log_callback(void) {
    log_sink s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    char *url = mint_url("logs", "pia", true);
    // The token's signature part: it must never appear in a log record.
    const char *sig = strrchr(url, '.');
    snprintf(s.token, sizeof s.token, "%.20s", sig ? sig + 1 : "");
    CHECK_RESULT(wps_set_log_callback(on_log, &s, on_log_free, 9), WPS_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(wps_set_log_callback(on_log, &s, on_log_free, WPS_LOG_LEVEL_DEBUG), WPS_RESULT_OK);
    recorder rec;
    recorder_init(&rec);
    wps_client *c = new_client(url, &rec, WPS_DISPATCHER_DEDICATED, true);
    CHECK(c != NULL);
    if (c) {
        char id[128], path[256];
        CHECK(recorder_wait_count(&rec, WPS_EVENT_CONNECTED, 1, 5000));
        recorder_connection_id(&rec, id, sizeof id);
        snprintf(path, sizeof path, "/_emulator/connections/%s/drop", id);
        CHECK(control_post(path)); // a recovery logs the recovery URL's handling
        CHECK(recorder_wait_count(&rec, WPS_EVENT_RECOVERED, 1, 10000));
        wps_client_stop(c);
        wps_client_free(c);
        CHECK(recorder_wait_finalized(&rec, 1, 5000));
    }
    sleep_ms(200);
    CHECK_RESULT(wps_set_log_callback(NULL, NULL, NULL, 0), WPS_RESULT_OK);
    for (int i = 0; i < 100; i++) {
        pthread_mutex_lock(&s.lock);
        unsigned f = s.finalized;
        pthread_mutex_unlock(&s.lock);
        if (f) break;
        sleep_ms(10);
    }
    pthread_mutex_lock(&s.lock);
    CHECK(s.records > 3);
    CHECK(s.foreign_target == 0);
    CHECK(s.bad_strings == 0);
    CHECK(s.leaked_token == 0);
    CHECK(s.above_level == 0);
    CHECK(s.finalized == 1);
    unsigned records = s.records;
    pthread_mutex_unlock(&s.lock);
    // Removed: nothing more arrives.
    c = new_client(url, NULL, WPS_DISPATCHER_DEDICATED, true);
    if (c) wps_client_free(c);
    sleep_ms(100);
    CHECK(s.records == records);
    recorder_destroy(&rec);
    free(url);
    pthread_mutex_destroy(&s.lock);
}

// ---- Many clients on the shared pool ----

typedef struct many {
    pthread_mutex_t lock;
    unsigned *received; // per client
    unsigned finalized;
    pthread_t threads[64];
    unsigned thread_count;
    bool bad;
} many;

typedef struct many_slot {
    many *m;
    unsigned index;
} many_slot;

static void many_on_message(void *user_data, const wps_event *event) {
    many_slot *slot = user_data;
    many *m = slot->m;
    pthread_mutex_lock(&m->lock);
    if (event->data_len != 9 || memcmp(event->data, "broadcast", 9) != 0) m->bad = true;
    m->received[slot->index]++;
    pthread_t self = pthread_self();
    bool known = false;
    for (unsigned i = 0; i < m->thread_count; i++) known |= pthread_equal(m->threads[i], self) != 0;
    if (!known && m->thread_count < 64) m->threads[m->thread_count++] = self;
    pthread_mutex_unlock(&m->lock);
}

static void many_free(void *user_data) {
    many_slot *slot = user_data;
    pthread_mutex_lock(&slot->m->lock);
    slot->m->finalized++;
    pthread_mutex_unlock(&slot->m->lock);
}

void test_shared_dispatcher_many_clients(void) {
    unsigned n = 200;
    if (getenv("WPS_TEST_MANY")) n = (unsigned)atoi(getenv("WPS_TEST_MANY"));
    many m;
    memset(&m, 0, sizeof m);
    pthread_mutex_init(&m.lock, NULL);
    m.received = calloc(n, sizeof *m.received);
    many_slot *slots = calloc(n, sizeof *slots);
    wps_client **clients = calloc(n, sizeof *clients);
    completion *joins = calloc(n, sizeof *joins);
    char *url = mint_url("many", NULL, true);
    wps_options *o = NULL;
    wps_options_new(&o);
    wps_options_set_url(o, url);
    wps_options_set_dispatcher(o, WPS_DISPATCHER_SHARED);
    unsigned created = 0;
    for (unsigned i = 0; i < n; i++) {
        slots[i].m = &m;
        slots[i].index = i;
        completion_init(&joins[i]);
        if (wps_client_new(o, &clients[i], NULL) != WPS_RESULT_OK) break;
        created++;
        CHECK_RESULT(wps_client_add_listener(clients[i], WPS_EVENT_GROUP_MESSAGE, many_on_message, &slots[i], many_free, NULL),
                     WPS_RESULT_OK);
        CHECK_RESULT(wps_client_start(clients[i], NULL), WPS_RESULT_OK);
        CHECK_RESULT(wps_client_join_group_async(clients[i], "everyone", 0, 0, completion_fn, &joins[i], NULL), WPS_RESULT_OK);
    }
    CHECK(created == n);
    wps_options_free(o);
    unsigned joined = 0;
    for (unsigned i = 0; i < created; i++) {
        if (completion_wait(&joins[i], 20000) && joins[i].result == WPS_RESULT_OK) joined++;
    }
    CHECK(joined == created);
    // One broadcast from the server side reaches every client exactly once.
    char body[256];
    CHECK(http_request("POST", "/_emulator/hubs/many/groups/everyone/message", "text/plain", "broadcast", 9, body, sizeof body) == 200);
    uint64_t deadline = now_ms() + 20000;
    unsigned got = 0;
    while (now_ms() < deadline) {
        got = 0;
        pthread_mutex_lock(&m.lock);
        for (unsigned i = 0; i < created; i++) got += m.received[i] == 1;
        pthread_mutex_unlock(&m.lock);
        if (got == created) break;
        sleep_ms(20);
    }
    sleep_ms(100);
    pthread_mutex_lock(&m.lock);
    got = 0;
    for (unsigned i = 0; i < created; i++) got += m.received[i] == 1;
    CHECK(got == created);
    CHECK(!m.bad);
    // Served by the pool (configured with 4 threads in main), not a thread per client.
    CHECK(m.thread_count >= 1 && m.thread_count <= 4);
    pthread_mutex_unlock(&m.lock);
    for (unsigned i = 0; i < created; i++) wps_client_free(clients[i]);
    deadline = now_ms() + 20000;
    while (now_ms() < deadline) {
        pthread_mutex_lock(&m.lock);
        unsigned f = m.finalized;
        pthread_mutex_unlock(&m.lock);
        if (f == created) break;
        sleep_ms(20);
    }
    CHECK(m.finalized == created);
    for (unsigned i = 0; i < n; i++) completion_destroy(&joins[i]);
    free(joins);
    free(clients);
    free(slots);
    free(m.received);
    free(url);
    pthread_mutex_destroy(&m.lock);
}

// ---- Shutdown ----

void test_shutdown_and_restart(void) {
    recorder live_rec, freed_rec;
    recorder_init(&live_rec);
    recorder_init(&freed_rec);
    char *url = mint_url("shutdown", "quinn", true);
    wps_client *live = new_client(url, &live_rec, WPS_DISPATCHER_DEDICATED, true);
    wps_client *shared = new_client(url, NULL, WPS_DISPATCHER_SHARED, true);
    wps_client *freed = new_client(url, &freed_rec, WPS_DISPATCHER_SHARED, true);
    CHECK(live && shared && freed);
    if (!live || !shared || !freed) goto out;
    wps_error *error = NULL;
    CHECK_OK_ERR(wps_client_join_group(live, "s", 0, 0, NULL, &error), error);
    // An operation that cannot complete (its connection is blackholed) when shutdown comes.
    char id[128], path[256];
    CHECK(recorder_wait_count(&live_rec, WPS_EVENT_CONNECTED, 1, 5000));
    recorder_connection_id(&live_rec, id, sizeof id);
    snprintf(path, sizeof path, "/_emulator/connections/%s/blackhole", id);
    CHECK(control_post(path));
    completion pending;
    completion_init(&pending);
    CHECK_OK_ERR(wps_client_send_to_group_async(live, "s", WPS_DATA_TYPE_TEXT, bytes("never acked"), 11, 0, 0, 60000, completion_fn, &pending,
                                                &error),
                 error);
    wps_client_free(freed);
    CHECK_RESULT(wps_runtime_configure(1, 1), WPS_RESULT_ILLEGAL_STATE);

    CHECK_RESULT(wps_shutdown(15000), WPS_RESULT_OK);
    // Everything was delivered and finalized before wps_shutdown returned.
    CHECK(pending.calls == 1 && pending.result == WPS_RESULT_STOPPED);
    CHECK(live_rec.finalized == 1 && freed_rec.finalized == 1);
    CHECK(live_rec.counts[2] == 1); // WPS_EVENT_STOPPED
    // The live handle still answers, with STOPPED.
    wps_state state;
    CHECK_RESULT(wps_client_state(live, &state), WPS_RESULT_OK);
    CHECK(state == WPS_STATE_STOPPED);
    wps_error *e = NULL;
    CHECK_RESULT(wps_client_start(live, &e), WPS_RESULT_STOPPED);
    wps_error_free(e);
    CHECK_RESULT(wps_client_join_group(live, "s", 0, 0, NULL, NULL), WPS_RESULT_STOPPED);
    int calls = 0;
    CHECK_RESULT(wps_client_join_group_async(live, "s", 0, 0, completion_fn, &calls, NULL), WPS_RESULT_STOPPED);
    CHECK_RESULT(wps_client_start_async(live, completion_fn, &calls), WPS_RESULT_STOPPED);
    CHECK_RESULT(wps_client_stop(live), WPS_RESULT_OK);
    CHECK_RESULT(wps_client_add_listener(live, WPS_EVENT_ALL, recorder_on_event, &live_rec, recorder_on_free, NULL), WPS_RESULT_STOPPED);
    wps_client_free(live);
    wps_client_free(shared);
    CHECK(live_rec.finalized == 1);
    // A new runtime, configurable again, serves new clients.
    CHECK_RESULT(wps_runtime_configure(2, 2), WPS_RESULT_OK);
    recorder again;
    recorder_init(&again);
    wps_client *next = new_client(url, &again, WPS_DISPATCHER_SHARED, true);
    CHECK(next != NULL);
    if (next) {
        CHECK_OK_ERR(wps_client_join_group(next, "s2", 0, 0, NULL, &error), error);
        CHECK_OK_ERR(wps_client_send_to_group(next, "s2", WPS_DATA_TYPE_TEXT, bytes("again"), 5, 0, 0, 0, NULL, &error), error);
        CHECK(recorder_wait_messages(&again, 1, 5000));
        wps_client_free(next);
        CHECK(recorder_wait_finalized(&again, 1, 5000));
    }
    CHECK_RESULT(wps_shutdown(10000), WPS_RESULT_OK);
    CHECK_RESULT(wps_shutdown(10000), WPS_RESULT_OK); // nothing left to do
    recorder_destroy(&again);
    completion_destroy(&pending);
out:
    free(url);
    recorder_destroy(&live_rec);
    recorder_destroy(&freed_rec);
}

// ---- Shutdown that cannot finish in time ----

typedef struct slow {
    pthread_mutex_t lock;
    bool entered;
    bool left;
    unsigned finalized;
} slow;

static void slow_on_connected(void *user_data, const wps_event *event) {
    slow *s = user_data;
    (void)event;
    pthread_mutex_lock(&s->lock);
    s->entered = true;
    pthread_mutex_unlock(&s->lock);
    sleep_ms(1500);
    pthread_mutex_lock(&s->lock);
    s->left = true;
    pthread_mutex_unlock(&s->lock);
}

static void slow_free(void *user_data) {
    slow *s = user_data;
    pthread_mutex_lock(&s->lock);
    s->finalized++;
    pthread_mutex_unlock(&s->lock);
}

void test_shutdown_times_out(void) {
    slow s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    char *url = mint_url("slow", "rey", true);
    wps_client *c = new_client(url, NULL, WPS_DISPATCHER_DEDICATED, false);
    CHECK(c != NULL);
    if (!c) goto out;
    CHECK_RESULT(wps_client_add_listener(c, WPS_EVENT_CONNECTED, slow_on_connected, &s, slow_free, NULL), WPS_RESULT_OK);
    CHECK_RESULT(wps_client_start(c, NULL), WPS_RESULT_OK);
    for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&s.lock);
        bool entered = s.entered;
        pthread_mutex_unlock(&s.lock);
        if (entered) break;
        sleep_ms(5);
    }
    // The dispatcher is stuck in the callback for 1.5 s: a 200 ms shutdown cannot join it.
    uint64_t start = now_ms();
    CHECK_RESULT(wps_shutdown(200), WPS_RESULT_TIMEOUT);
    CHECK(now_ms() - start < 1200);
    // What did not finish ends on its own: the callback returns, then its finalizer runs.
    for (int i = 0; i < 400; i++) {
        pthread_mutex_lock(&s.lock);
        unsigned f = s.finalized;
        pthread_mutex_unlock(&s.lock);
        if (f) break;
        sleep_ms(10);
    }
    pthread_mutex_lock(&s.lock);
    CHECK(s.left && s.finalized == 1);
    pthread_mutex_unlock(&s.lock);
    wps_client_free(c);
out:
    free(url);
    pthread_mutex_destroy(&s.lock);
}
