// The C ABI suite, part 2: recovery without loss, listeners and finalizers, reentrancy.
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tests.h"

static const uint8_t *bytes(const char *s) { return (const uint8_t *)s; }

static bool drop_connection(recorder *rec) {
    char id[128], path[256];
    recorder_connection_id(rec, id, sizeof id);
    snprintf(path, sizeof path, "/_emulator/connections/%s/drop", id);
    return control_post(path);
}

// A numbered stream survives several abrupt drops of both ends: every message arrives
// exactly once, in order, and every send succeeds.
void test_recovery_without_loss(void) {
    enum { N = 300, DROPS = 3 };
    recorder rx_rec, tx_rec;
    recorder_init(&rx_rec);
    recorder_init(&tx_rec);
    char *rx_url = mint_url("recover", "rx", true);
    char *tx_url = mint_url("recover", "tx", true);
    wps_client *rx = new_client(rx_url, &rx_rec, WPS_DISPATCHER_DEDICATED, true);
    wps_client *tx = new_client(tx_url, &tx_rec, WPS_DISPATCHER_DEDICATED, true);
    CHECK(rx && tx);
    if (!rx || !tx) goto out;
    wps_error *error = NULL;
    CHECK(recorder_wait_count(&rx_rec, WPS_EVENT_CONNECTED, 1, 5000));
    CHECK(recorder_wait_count(&tx_rec, WPS_EVENT_CONNECTED, 1, 5000));
    CHECK_OK_ERR(wps_client_join_group(rx, "stream", 0, 0, NULL, &error), error);
    completion *done = calloc(N, sizeof *done);
    unsigned rx_drops = 0;
    for (int i = 0; i < N; i++) {
        completion_init(&done[i]);
        char text[32];
        int len = snprintf(text, sizeof text, "%d", i);
        CHECK_OK_ERR(wps_client_send_to_group_async(tx, "stream", WPS_DATA_TYPE_TEXT, bytes(text), (size_t)len, 0, 0, 20000,
                                                    completion_fn, &done[i], &error),
                     error);
        if (i % (N / (DROPS + 1)) == N / (DROPS + 1) - 1 && i < N - 1) {
            // Only a live socket can be dropped: a recovered socket that dies young is
            // recovered again after the recovery interval (pacing), so wait for it first.
            CHECK(recorder_wait_count(&rx_rec, WPS_EVENT_RECOVERED, rx_drops, 5000));
            CHECK(drop_connection(&rx_rec));
            rx_drops++;
            if (i > N / 2) CHECK(drop_connection(&tx_rec));
        }
        if (i % 10 == 0) sleep_ms(5);
    }
    for (int i = 0; i < N; i++) {
        CHECK(completion_wait(&done[i], 20000));
        if (done[i].result != WPS_RESULT_OK) {
            fprintf(stderr, "    send %d: %s\n", i, done[i].error_message);
            CHECK(done[i].result == WPS_RESULT_OK);
        }
        CHECK(done[i].calls == 1);
    }
    CHECK(recorder_wait_messages(&rx_rec, N, 20000));
    sleep_ms(300);
    pthread_mutex_lock(&rx_rec.lock);
    CHECK(rx_rec.message_count == N);
    int in_order = 0;
    for (size_t i = 0; i < rx_rec.message_count && i < N; i++) {
        if (atoi(rx_rec.messages[i].data) == (int)i) in_order++;
    }
    CHECK(in_order == N);
    CHECK(rx_rec.counts[7] >= DROPS); // WPS_EVENT_RECOVERING is bit 7
    CHECK(rx_rec.counts[8] >= DROPS); // WPS_EVENT_RECOVERED
    CHECK(rx_rec.counts[0] == 1);     // one connection: recovered, never replaced
    pthread_mutex_unlock(&rx_rec.lock);
    for (int i = 0; i < N; i++) completion_destroy(&done[i]);
    free(done);
out:
    wps_client_free(rx);
    wps_client_free(tx);
    CHECK(recorder_wait_finalized(&rx_rec, rx ? 1 : 0, 5000));
    CHECK(recorder_wait_finalized(&tx_rec, tx ? 1 : 0, 5000));
    free(rx_url);
    free(tx_url);
    recorder_destroy(&rx_rec);
    recorder_destroy(&tx_rec);
}

// ---- Listener removal and finalizers ----

typedef struct counting_listener {
    pthread_mutex_t lock;
    unsigned calls;
    unsigned finalized;
    bool in_call;
    bool finalized_during_call;
    bool called_after_finalize;
    wps_client *client;
    uint64_t id;
    bool remove_self;
} counting_listener;

static void counting_on_event(void *user_data, const wps_event *event) {
    counting_listener *l = user_data;
    (void)event;
    pthread_mutex_lock(&l->lock);
    if (l->finalized) l->called_after_finalize = true;
    l->calls++;
    l->in_call = true;
    bool remove_self = l->remove_self && l->calls == 1;
    pthread_mutex_unlock(&l->lock);
    if (remove_self) {
        CHECK_RESULT(wps_client_remove_listener(l->client, l->id), WPS_RESULT_OK);
        sleep_ms(50); // the finalizer must wait for this invocation to return
    }
    pthread_mutex_lock(&l->lock);
    l->in_call = false;
    pthread_mutex_unlock(&l->lock);
}

static void counting_free(void *user_data) {
    counting_listener *l = user_data;
    pthread_mutex_lock(&l->lock);
    if (l->in_call) l->finalized_during_call = true;
    l->finalized++;
    pthread_mutex_unlock(&l->lock);
}

static unsigned locked_read(counting_listener *l, unsigned *field) {
    pthread_mutex_lock(&l->lock);
    unsigned v = *field;
    pthread_mutex_unlock(&l->lock);
    return v;
}

void test_listener_removal_and_finalizers(void) {
    counting_listener a, b, self_removing;
    counting_listener *all[3] = {&a, &b, &self_removing};
    for (int i = 0; i < 3; i++) {
        memset(all[i], 0, sizeof *all[i]);
        pthread_mutex_init(&all[i]->lock, NULL);
    }
    recorder rec;
    recorder_init(&rec);
    char *url = mint_url("listeners", "frank", true);
    wps_client *client = new_client(url, &rec, WPS_DISPATCHER_DEDICATED, true);
    CHECK(client != NULL);
    if (!client) goto out;
    wps_error *error = NULL;
    CHECK_OK_ERR(wps_client_join_group(client, "l", 0, 0, NULL, &error), error);
    uint64_t id_a = 0, id_b = 0;
    CHECK_RESULT(wps_client_add_listener(client, WPS_EVENT_GROUP_MESSAGE, counting_on_event, &a, counting_free, &id_a), WPS_RESULT_OK);
    CHECK_RESULT(wps_client_add_listener(client, WPS_EVENT_GROUP_MESSAGE, counting_on_event, &b, counting_free, &id_b), WPS_RESULT_OK);
    self_removing.client = client;
    self_removing.remove_self = true;
    CHECK_RESULT(wps_client_add_listener(client, WPS_EVENT_GROUP_MESSAGE, counting_on_event, &self_removing, counting_free, &self_removing.id),
                 WPS_RESULT_OK);
    CHECK(id_a > 0 && id_b > id_a && self_removing.id > id_b);
    // Bad masks take nothing.
    CHECK_RESULT(wps_client_add_listener(client, 0, counting_on_event, &a, counting_free, NULL), WPS_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(wps_client_add_listener(client, 1u << 31, counting_on_event, &a, counting_free, NULL), WPS_RESULT_INVALID_ARGUMENT);

    CHECK_OK_ERR(wps_client_send_to_group(client, "l", WPS_DATA_TYPE_TEXT, bytes("1"), 1, 0, 0, 0, NULL, &error), error);
    CHECK(recorder_wait_messages(&rec, 1, 5000));
    sleep_ms(100);
    CHECK(locked_read(&a, &a.calls) == 1 && locked_read(&b, &b.calls) == 1);
    // The self-removing listener ran once and was finalized after that call returned.
    CHECK(locked_read(&self_removing, &self_removing.calls) == 1);
    CHECK(locked_read(&self_removing, &self_removing.finalized) == 1);
    CHECK(!self_removing.finalized_during_call);

    // Removing `a` from this thread finalizes it here (it is not running).
    CHECK_RESULT(wps_client_remove_listener(client, id_a), WPS_RESULT_OK);
    CHECK(locked_read(&a, &a.finalized) == 1);
    CHECK_RESULT(wps_client_remove_listener(client, id_a), WPS_RESULT_NOT_FOUND);
    CHECK_RESULT(wps_client_remove_listener(client, 999999), WPS_RESULT_NOT_FOUND);
    CHECK_RESULT(wps_client_remove_listener(client, self_removing.id), WPS_RESULT_NOT_FOUND);

    CHECK_OK_ERR(wps_client_send_to_group(client, "l", WPS_DATA_TYPE_TEXT, bytes("2"), 1, 0, 0, 0, NULL, &error), error);
    CHECK(recorder_wait_messages(&rec, 2, 5000));
    sleep_ms(100);
    CHECK(locked_read(&a, &a.calls) == 1);
    CHECK(locked_read(&b, &b.calls) == 2);
    CHECK(locked_read(&self_removing, &self_removing.calls) == 1);

    // Freeing the client finalizes the rest exactly once.
    wps_client_free(client);
    CHECK(recorder_wait_finalized(&rec, 1, 5000));
    for (int i = 0; i < 100 && locked_read(&b, &b.finalized) == 0; i++) sleep_ms(10);
    sleep_ms(50);
    for (int i = 0; i < 3; i++) {
        CHECK(locked_read(all[i], &all[i]->finalized) == 1);
        CHECK(!all[i]->called_after_finalize);
    }
out:
    free(url);
    recorder_destroy(&rec);
    for (int i = 0; i < 3; i++) pthread_mutex_destroy(&all[i]->lock);
}

// ---- Reentrancy: free, stop and blocking calls from inside callbacks ----

typedef struct reentrant {
    pthread_mutex_t lock;
    wps_client *client;
    unsigned calls;
    unsigned finalized;
    unsigned calls_after_free;
    bool freed;
    wps_result results[8];
    completion pending; // an operation pending when the client is freed
} reentrant;

static void free_on_message(void *user_data, const wps_event *event) {
    reentrant *r = user_data;
    (void)event;
    pthread_mutex_lock(&r->lock);
    r->calls++;
    if (r->freed) r->calls_after_free++;
    bool first = r->calls == 1;
    pthread_mutex_unlock(&r->lock);
    if (!first) return;
    // Started here and pending (or just completed) when the client is freed: its completion
    // must still fire exactly once.
    r->results[0] = wps_client_send_to_group_async(r->client, "f", WPS_DATA_TYPE_TEXT, bytes("pending"), 7, 0, 0, 60000, completion_fn,
                                                   &r->pending, NULL);
    wps_client_free(r->client);
    pthread_mutex_lock(&r->lock);
    r->freed = true;
    pthread_mutex_unlock(&r->lock);
}

static void reentrant_free(void *user_data) {
    reentrant *r = user_data;
    pthread_mutex_lock(&r->lock);
    r->finalized++;
    pthread_mutex_unlock(&r->lock);
}

void test_free_inside_callback(void) {
    reentrant r;
    memset(&r, 0, sizeof r);
    pthread_mutex_init(&r.lock, NULL);
    completion_init(&r.pending);
    recorder rec;
    recorder_init(&rec);
    char *url = mint_url("freecb", "gina", true);
    wps_client *client = new_client(url, &rec, WPS_DISPATCHER_DEDICATED, true);
    CHECK(client != NULL);
    if (!client) goto out;
    r.client = client;
    wps_error *error = NULL;
    CHECK_OK_ERR(wps_client_join_group(client, "f", 0, 0, NULL, &error), error);
    CHECK(recorder_wait_count(&rec, WPS_EVENT_CONNECTED, 1, 5000));
    CHECK_RESULT(wps_client_add_listener(client, WPS_EVENT_GROUP_MESSAGE, free_on_message, &r, reentrant_free, NULL), WPS_RESULT_OK);
    // Three messages from another client: the callback frees this client on the first, and
    // no callback may start for the others. (This thread must not touch `client` again.)
    char *tx_url = mint_url("freecb", "gina-tx", true);
    wps_client *tx = new_client(tx_url, NULL, WPS_DISPATCHER_DEDICATED, true);
    CHECK(tx != NULL);
    for (int i = 0; tx && i < 3; i++) {
        CHECK_OK_ERR(wps_client_send_to_group(tx, "f", WPS_DATA_TYPE_TEXT, bytes("m"), 1, 0, 0, 0, NULL, &error), error);
    }
    wps_client_free(tx);
    free(tx_url);
    CHECK(recorder_wait_finalized(&rec, 1, 10000));
    // The listeners are finalized one after the other on the dispatcher.
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&r.lock);
        unsigned f = r.finalized;
        pthread_mutex_unlock(&r.lock);
        if (f) break;
        sleep_ms(10);
    }
    pthread_mutex_lock(&r.lock);
    CHECK(r.freed);
    CHECK(r.calls == 1 && r.calls_after_free == 0);
    CHECK(r.finalized == 1);
    pthread_mutex_unlock(&r.lock);
    // The operation started in the callback completed exactly once (OK if its ack beat the
    // stop, else STOPPED).
    CHECK(completion_wait(&r.pending, 10000));
    CHECK(r.results[0] == WPS_RESULT_OK);
    CHECK(r.pending.calls == 1);
    CHECK(r.pending.result == WPS_RESULT_OK || r.pending.result == WPS_RESULT_STOPPED);
    // The recorder saw at most the messages before the free.
    CHECK(recorder_messages(&rec) <= 3);
out:
    free(url);
    recorder_destroy(&rec);
    completion_destroy(&r.pending);
    pthread_mutex_destroy(&r.lock);
}

// A pending operation gets STOPPED exactly once when its client is freed.
void test_free_with_pending_operation(void) {
    recorder rec;
    recorder_init(&rec);
    char *url = mint_url("pending", "hank", true);
    wps_client *client = new_client(url, &rec, WPS_DISPATCHER_SHARED, true);
    CHECK(client != NULL);
    if (!client) goto out;
    CHECK(recorder_wait_count(&rec, WPS_EVENT_CONNECTED, 1, 5000));
    char id[128], path[256];
    recorder_connection_id(&rec, id, sizeof id);
    snprintf(path, sizeof path, "/_emulator/connections/%s/blackhole", id);
    CHECK(control_post(path));
    completion c;
    completion_init(&c);
    wps_error *error = NULL;
    CHECK_OK_ERR(wps_client_join_group_async(client, "p", 0, 0, completion_fn, &c, &error), error);
    sleep_ms(100);
    CHECK(c.calls == 0);
    wps_client_free(client);
    CHECK(completion_wait(&c, 10000));
    CHECK(recorder_wait_finalized(&rec, 1, 10000));
    sleep_ms(50);
    CHECK(c.calls == 1 && c.result == WPS_RESULT_STOPPED && c.had_error);
    completion_destroy(&c);
out:
    free(url);
    recorder_destroy(&rec);
}

typedef struct stopper {
    pthread_mutex_t lock;
    wps_client *client;
    wps_result stop_result;
    wps_state state_after;
    unsigned connected;
    completion restart;
    wps_result restart_result;
} stopper;

static void stop_on_connected(void *user_data, const wps_event *event) {
    stopper *s = user_data;
    (void)event;
    pthread_mutex_lock(&s->lock);
    unsigned n = ++s->connected;
    pthread_mutex_unlock(&s->lock);
    if (n != 1) return;
    s->stop_result = wps_client_stop(s->client);
    wps_client_state(s->client, &s->state_after);
    // And start it again, without blocking.
    s->restart_result = wps_client_start_async(s->client, completion_fn, &s->restart);
}

void test_stop_inside_callback(void) {
    stopper s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    completion_init(&s.restart);
    recorder rec;
    recorder_init(&rec);
    char *url = mint_url("stopcb", "ivy", true);
    wps_client *client = new_client(url, &rec, WPS_DISPATCHER_DEDICATED, false);
    CHECK(client != NULL);
    if (!client) goto out;
    s.client = client;
    CHECK_RESULT(wps_client_add_listener(client, WPS_EVENT_CONNECTED, stop_on_connected, &s, NULL, NULL), WPS_RESULT_OK);
    wps_error *error = NULL;
    CHECK_OK_ERR(wps_client_start(client, &error), error);
    CHECK(recorder_wait_count(&rec, WPS_EVENT_STOPPED, 1, 10000));
    CHECK(completion_wait(&s.restart, 10000));
    CHECK(s.stop_result == WPS_RESULT_OK);
    CHECK(s.state_after == WPS_STATE_STOPPED);
    CHECK(s.restart_result == WPS_RESULT_OK && s.restart.result == WPS_RESULT_OK);
    CHECK(recorder_wait_count(&rec, WPS_EVENT_CONNECTED, 2, 10000));
    CHECK(wait_state(client, WPS_STATE_CONNECTED, 1000));
    wps_client_free(client);
    CHECK(recorder_wait_finalized(&rec, 1, 5000));
out:
    free(url);
    recorder_destroy(&rec);
    completion_destroy(&s.restart);
    pthread_mutex_destroy(&s.lock);
}

typedef struct blocker {
    wps_client *client;
    wps_result start, join, leave, send, event, shutdown, async_join, state;
    completion async;
    bool done;
} blocker;

static void blocking_calls_in_callback(void *user_data, const wps_event *event) {
    blocker *b = user_data;
    (void)event;
    if (b->done) return;
    b->done = true;
    wps_error *error = NULL;
    b->start = wps_client_start(b->client, &error);
    if (error && wps_error_code(error) != b->start) b->start = 999;
    wps_error_free(error);
    b->join = wps_client_join_group(b->client, "b", 0, 0, NULL, NULL);
    b->leave = wps_client_leave_group(b->client, "b", 0, 0, NULL, NULL);
    b->send = wps_client_send_to_group(b->client, "b", WPS_DATA_TYPE_TEXT, bytes("x"), 1, 0, 0, 0, NULL, NULL);
    b->event = wps_client_send_event(b->client, "e", WPS_DATA_TYPE_TEXT, bytes("x"), 1, 0, 0, 0, NULL, NULL);
    b->shutdown = wps_shutdown(1000);
    wps_state state;
    b->state = wps_client_state(b->client, &state);
    b->async_join = wps_client_join_group_async(b->client, "b", 0, 0, completion_fn, &b->async, NULL);
}

void test_blocking_call_from_callback(void) {
    blocker b;
    memset(&b, 0, sizeof b);
    completion_init(&b.async);
    recorder rec;
    recorder_init(&rec);
    char *url = mint_url("blockcb", "jack", true);
    wps_client *client = new_client(url, &rec, WPS_DISPATCHER_DEDICATED, false);
    CHECK(client != NULL);
    if (!client) goto out;
    b.client = client;
    CHECK_RESULT(wps_client_add_listener(client, WPS_EVENT_CONNECTED, blocking_calls_in_callback, &b, NULL, NULL), WPS_RESULT_OK);
    wps_error *error = NULL;
    CHECK_OK_ERR(wps_client_start(client, &error), error);
    CHECK(completion_wait(&b.async, 10000));
    CHECK(b.start == WPS_RESULT_ILLEGAL_STATE);
    CHECK(b.join == WPS_RESULT_ILLEGAL_STATE);
    CHECK(b.leave == WPS_RESULT_ILLEGAL_STATE);
    CHECK(b.send == WPS_RESULT_ILLEGAL_STATE);
    CHECK(b.event == WPS_RESULT_ILLEGAL_STATE);
    CHECK(b.shutdown == WPS_RESULT_ILLEGAL_STATE);
    CHECK(b.state == WPS_RESULT_OK);
    CHECK(b.async_join == WPS_RESULT_OK && b.async.result == WPS_RESULT_OK);
    wps_client_free(client);
    CHECK(recorder_wait_finalized(&rec, 1, 5000));
out:
    free(url);
    recorder_destroy(&rec);
    completion_destroy(&b.async);
}
