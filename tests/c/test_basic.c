// The C ABI suite, part 1: connecting, operations in both forms, errors from the service.
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tests.h"

static const uint8_t *bytes(const char *s) { return (const uint8_t *)s; }

void test_version_and_results(void) {
    CHECK(strcmp(wps_version(), WPS_VERSION) == 0);
    CHECK(WPS_VERSION_NUMBER == WPS_VERSION_MAJOR * 1000000 + WPS_VERSION_MINOR * 1000 + WPS_VERSION_PATCH);
    for (wps_result r = WPS_RESULT_OK; r <= WPS_RESULT_INTERNAL; r++) {
        const char *text = wps_result_str(r);
        CHECK(text != NULL && strlen(text) > 0 && strcmp(text, "unknown result") != 0);
    }
    CHECK(strcmp(wps_result_str(WPS_RESULT_TIMEOUT), "timed out") == 0);
    CHECK(strcmp(wps_result_str(12345), "unknown result") == 0);
}

void test_connect_join_send_receive(void) {
    recorder rec;
    recorder_init(&rec);
    char *url = mint_url("basic", "alice", true);
    CHECK(url != NULL);
    wps_client *client = new_client(url, &rec, WPS_DISPATCHER_DEDICATED, true);
    CHECK(client != NULL);
    if (!client) goto out;
    wps_state state = 99;
    CHECK(wait_state(client, WPS_STATE_CONNECTED, 1000));
    CHECK(recorder_wait_count(&rec, WPS_EVENT_CONNECTED, 1, 5000));
    char id[128];
    recorder_connection_id(&rec, id, sizeof id);
    CHECK(strlen(id) > 0);
    CHECK(strcmp(rec.user_id, "alice") == 0);

    wps_error *error = NULL;
    wps_op_result res = {0, true};
    CHECK_OK_ERR(wps_client_join_group(client, "group1", 0, 0, &res, &error), error);
    CHECK(res.ack_id > 0 && !res.duplicated);
    CHECK_OK_ERR(wps_client_send_to_group(client, "group1", WPS_DATA_TYPE_TEXT, bytes("hello world"), 11, 0, 0, 0, &res, &error), error);
    CHECK_OK_ERR(wps_client_send_to_group(client, "group1", WPS_DATA_TYPE_JSON, bytes("{\"n\":[1,2]}"), 11, 0, 0, 0, NULL, &error), error);
    const uint8_t binary[4] = {0, 255, 0, 7};
    CHECK_OK_ERR(wps_client_send_to_group(client, "group1", WPS_DATA_TYPE_BINARY, binary, 4, 0, 0, 0, NULL, &error), error);
    CHECK_OK_ERR(wps_client_send_to_group(client, "group1", WPS_DATA_TYPE_PROTOBUF, binary, 4, 0, 0, 0, NULL, &error), error);
    CHECK(recorder_wait_messages(&rec, 4, 5000));
    pthread_mutex_lock(&rec.lock);
    if (rec.message_count >= 4) {
        recorded_message *m = rec.messages;
        CHECK(m[0].kind == WPS_EVENT_GROUP_MESSAGE && strcmp(m[0].group, "group1") == 0);
        CHECK(m[0].data_type == WPS_DATA_TYPE_TEXT && m[0].len == 11 && strcmp(m[0].data, "hello world") == 0);
        CHECK(strcmp(m[0].from_user, "alice") == 0);
        CHECK(m[0].has_sequence_id && m[0].sequence_id > 0);
        CHECK(m[1].data_type == WPS_DATA_TYPE_JSON && strstr(m[1].data, "\"n\"") != NULL);
        CHECK(m[2].data_type == WPS_DATA_TYPE_BINARY && m[2].len == 4 && memcmp(m[2].data, binary, 4) == 0);
        CHECK(m[3].data_type == WPS_DATA_TYPE_PROTOBUF && m[3].len == 4 && memcmp(m[3].data, binary, 4) == 0);
        CHECK(m[1].sequence_id > m[0].sequence_id);
    }
    CHECK(rec.bad_strings == 0);
    CHECK(!rec.wrong_thread);
    CHECK(!pthread_equal(rec.thread, pthread_self()));
    pthread_mutex_unlock(&rec.lock);

    CHECK_RESULT(wps_client_stop(client), WPS_RESULT_OK);
    CHECK_RESULT(wps_client_state(client, &state), WPS_RESULT_OK);
    CHECK(state == WPS_STATE_STOPPED);
    CHECK(recorder_wait_count(&rec, WPS_EVENT_STOPPED, 1, 5000));
    CHECK(recorder_wait_count(&rec, WPS_EVENT_DISCONNECTED, 1, 5000));
    CHECK(rec.last_state == WPS_STATE_STOPPED);
    CHECK(rec.finalized == 0);
    wps_client_free(client);
    CHECK(recorder_wait_finalized(&rec, 1, 5000));
    sleep_ms(50);
    CHECK(rec.finalized == 1);
out:
    free(url);
    recorder_destroy(&rec);
}

// Every operation in its blocking and its _async form, their flags, ack ids and results.
void test_operations_both_forms(void) {
    recorder rec;
    recorder_init(&rec);
    char *url = mint_url("ops", "bob", true);
    wps_client *client = new_client(url, &rec, WPS_DISPATCHER_DEDICATED, true);
    CHECK(client != NULL);
    if (!client) goto out;
    wps_error *error = NULL;
    wps_op_result res;

    // join: async, then blocking leave/join again.
    completion c;
    completion_init(&c);
    CHECK_OK_ERR(wps_client_join_group_async(client, "g-ops", 0, 0, completion_fn, &c, &error), error);
    CHECK(completion_wait(&c, 5000));
    CHECK(c.calls == 1 && c.result == WPS_RESULT_OK && c.had_op && !c.had_error && c.op.ack_id > 0);
    CHECK(!pthread_equal(c.thread, pthread_self()));
    completion_destroy(&c);

    // send_to_group async, fire-and-forget async, no-echo blocking.
    completion_init(&c);
    CHECK_OK_ERR(wps_client_send_to_group_async(client, "g-ops", WPS_DATA_TYPE_TEXT, bytes("one"), 3, 0, 0, 0, completion_fn, &c, &error), error);
    CHECK(completion_wait(&c, 5000));
    CHECK(c.calls == 1 && c.result == WPS_RESULT_OK && c.op.ack_id > 0);
    completion_destroy(&c);
    completion_init(&c);
    CHECK_OK_ERR(wps_client_send_to_group_async(client, "g-ops", WPS_DATA_TYPE_TEXT, bytes("two"), 3, WPS_SEND_FIRE_AND_FORGET, 0, 0,
                                                completion_fn, &c, &error),
                 error);
    CHECK(completion_wait(&c, 5000));
    CHECK(c.calls == 1 && c.result == WPS_RESULT_OK && c.had_op && c.op.ack_id == 0);
    completion_destroy(&c);
    CHECK_OK_ERR(wps_client_send_to_group(client, "g-ops", WPS_DATA_TYPE_TEXT, bytes("hidden"), 6, WPS_SEND_NO_ECHO, 0, 0, &res, &error), error);
    CHECK_OK_ERR(wps_client_send_to_group(client, "g-ops", WPS_DATA_TYPE_TEXT, bytes("three"), 5, WPS_SEND_FIRE_AND_FORGET, 0, 0, &res, &error),
                 error);
    CHECK(res.ack_id == 0);
    CHECK(recorder_wait_messages(&rec, 3, 5000));
    sleep_ms(200);
    pthread_mutex_lock(&rec.lock);
    CHECK(rec.message_count == 3);
    if (rec.message_count == 3) {
        CHECK(strcmp(rec.messages[0].data, "one") == 0);
        CHECK(strcmp(rec.messages[1].data, "two") == 0);
        CHECK(strcmp(rec.messages[2].data, "three") == 0); // "hidden" was not echoed
    }
    pthread_mutex_unlock(&rec.lock);

    // An explicit ack id, reused: the service deduplicates and the result says so.
    CHECK_OK_ERR(wps_client_send_to_group(client, "g-ops", WPS_DATA_TYPE_TEXT, bytes("once"), 4, 0, 7000, 0, &res, &error), error);
    CHECK(res.ack_id == 7000 && !res.duplicated);
    CHECK_OK_ERR(wps_client_send_to_group(client, "g-ops", WPS_DATA_TYPE_TEXT, bytes("once"), 4, 0, 7000, 0, &res, &error), error);
    CHECK(res.ack_id == 7000 && res.duplicated);
    // The first "once" comes back to this member of g-ops (its ack may overtake it); the
    // duplicate is not executed. Counted before the events below, so they do not mix.
    CHECK(recorder_wait_messages(&rec, 4, 5000));

    // send_event, both forms, the emulator echoing events back as server messages.
    char body[256];
    CHECK(http_request("PUT", "/_emulator/echo?enabled=true", NULL, NULL, 0, body, sizeof body) == 200);
    size_t before = recorder_messages(&rec);
    CHECK_OK_ERR(wps_client_send_event(client, "ev", WPS_DATA_TYPE_JSON, bytes("{\"x\":1}"), 7, 0, 0, 0, &res, &error), error);
    CHECK(res.ack_id > 0);
    completion_init(&c);
    CHECK_OK_ERR(wps_client_send_event_async(client, "ev", WPS_DATA_TYPE_TEXT, bytes("evtext"), 6, 0, 0, 3000, completion_fn, &c, &error), error);
    CHECK(completion_wait(&c, 5000));
    CHECK(c.calls == 1 && c.result == WPS_RESULT_OK && c.op.ack_id > 0);
    completion_destroy(&c);
    CHECK_OK_ERR(wps_client_send_event(client, "ev", WPS_DATA_TYPE_TEXT, bytes("ff"), 2, WPS_SEND_FIRE_AND_FORGET, 0, 0, &res, &error), error);
    CHECK(res.ack_id == 0);
    CHECK(recorder_wait_messages(&rec, before + 3, 5000));
    pthread_mutex_lock(&rec.lock);
    if (rec.message_count >= before + 3) {
        CHECK(rec.messages[before].kind == WPS_EVENT_SERVER_MESSAGE);
        CHECK(strstr(rec.messages[before].data, "\"x\"") != NULL);
        CHECK(strcmp(rec.messages[before + 1].data, "evtext") == 0);
    }
    pthread_mutex_unlock(&rec.lock);
    CHECK(http_request("PUT", "/_emulator/echo?enabled=false", NULL, NULL, 0, body, sizeof body) == 200);
    CHECK_RESULT(wps_client_send_event(client, "ev", WPS_DATA_TYPE_TEXT, bytes("x"), 1, WPS_SEND_NO_ECHO, 0, 0, NULL, NULL),
                 WPS_RESULT_INVALID_ARGUMENT);

    // leave: blocking then async; messages to the group no longer arrive.
    CHECK_OK_ERR(wps_client_leave_group(client, "g-ops", 0, 0, &res, &error), error);
    completion_init(&c);
    CHECK_OK_ERR(wps_client_leave_group_async(client, "g-ops", 0, 0, completion_fn, &c, &error), error);
    CHECK(completion_wait(&c, 5000));
    CHECK(c.calls == 1 && c.result == WPS_RESULT_OK);
    completion_destroy(&c);
    before = recorder_messages(&rec);
    CHECK_OK_ERR(wps_client_send_to_group(client, "g-ops", WPS_DATA_TYPE_TEXT, bytes("gone"), 4, 0, 0, 0, NULL, &error), error);
    sleep_ms(200);
    CHECK(recorder_messages(&rec) == before);

    // A NULL callback is allowed: nothing is called.
    CHECK_OK_ERR(wps_client_join_group_async(client, "g-null-cb", 0, 0, NULL, NULL, &error), error);

    wps_client_free(client);
    CHECK(recorder_wait_finalized(&rec, 1, 5000));
out:
    free(url);
    recorder_destroy(&rec);
}

// The service refuses an operation: SERVICE_ERROR with the service's error name and ack id.
void test_service_errors(void) {
    recorder rec;
    recorder_init(&rec);
    char *url = mint_url("svc", "carol", false); // no roles: joins and group sends are forbidden
    wps_client *client = new_client(url, &rec, WPS_DISPATCHER_DEDICATED, true);
    CHECK(client != NULL);
    if (!client) goto out;
    wps_error *error = NULL;
    CHECK_RESULT(wps_client_join_group(client, "locked", 0, 0, NULL, &error), WPS_RESULT_SERVICE_ERROR);
    CHECK(error != NULL);
    if (error) {
        CHECK(wps_error_code(error) == WPS_RESULT_SERVICE_ERROR);
        CHECK(wps_error_name(error) != NULL && strcmp(wps_error_name(error), "Forbidden") == 0);
        uint64_t ack = 0;
        CHECK(wps_error_ack_id(error, &ack) && ack > 0);
        CHECK(strlen(wps_error_message(error)) > 0);
        CHECK(wps_error_http_status(error) == 0);
        wps_error_free(error);
    }
    completion c;
    completion_init(&c);
    CHECK_OK_ERR(wps_client_send_to_group_async(client, "locked", WPS_DATA_TYPE_TEXT, bytes("x"), 1, 0, 0, 0, completion_fn, &c, &error), error);
    CHECK(completion_wait(&c, 5000));
    CHECK(c.calls == 1 && c.result == WPS_RESULT_SERVICE_ERROR && c.had_error && !c.had_op);
    CHECK(strcmp(c.error_name, "Forbidden") == 0 && c.error_has_ack && c.error_ack_id > 0);
    completion_destroy(&c);

    // Transient failures are retried with the same ack id and succeed.
    char *good = mint_url("svc", "carol", true);
    wps_client *other = new_client(good, NULL, WPS_DISPATCHER_DEDICATED, true);
    CHECK(other != NULL);
    if (other) {
        CHECK(control_post("/_emulator/fail-acks?count=2"));
        wps_op_result res;
        CHECK_OK_ERR(wps_client_join_group(other, "retry", 0, 0, &res, &error), error);
        wps_client_free(other);
    }
    free(good);
    wps_client_free(client);
    CHECK(recorder_wait_finalized(&rec, 1, 5000));
out:
    free(url);
    recorder_destroy(&rec);
}

// Connecting fails cleanly: a bad token (HTTP 401), nothing listening, starting twice.
void test_connect_failures(void) {
    wps_error *error = NULL;
    char body[256];
    (void)body;
    char *url = mint_url("cf", "dave", true);
    // Corrupt the token's signature.
    char *bad = malloc(strlen(url) + 2);
    strcpy(bad, url);
    bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'A' ? 'B' : 'A';
    wps_client *client = new_client(bad, NULL, WPS_DISPATCHER_DEDICATED, false);
    CHECK(client != NULL);
    if (client) {
        CHECK_RESULT(wps_client_start(client, &error), WPS_RESULT_CONNECT_FAILED);
        CHECK(error && wps_error_http_status(error) == 401);
        CHECK(error && strstr(wps_error_message(error), "access_token=ey") == NULL);
        wps_error_free(error);
        error = NULL;
        CHECK(wait_state(client, WPS_STATE_STOPPED, 1000));
        wps_client_free(client);
    }
    client = new_client("ws://127.0.0.1:1/client/hubs/x?access_token=t", NULL, WPS_DISPATCHER_DEDICATED, false);
    CHECK(client != NULL);
    if (client) {
        CHECK_RESULT(wps_client_start(client, &error), WPS_RESULT_CONNECT_FAILED);
        CHECK(error && wps_error_http_status(error) == 0);
        wps_error_free(error);
        error = NULL;
        wps_client_free(client);
    }
    client = new_client(url, NULL, WPS_DISPATCHER_DEDICATED, true);
    CHECK(client != NULL);
    if (client) {
        CHECK_RESULT(wps_client_start(client, &error), WPS_RESULT_ILLEGAL_STATE);
        wps_error_free(error);
        error = NULL;
        // start_async reports the same through its callback.
        completion c;
        completion_init(&c);
        CHECK_RESULT(wps_client_start_async(client, completion_fn, &c), WPS_RESULT_OK);
        CHECK(completion_wait(&c, 5000));
        CHECK(c.calls == 1 && c.result == WPS_RESULT_ILLEGAL_STATE && !c.had_op && c.had_error);
        completion_destroy(&c);
        wps_client_free(client);
    }
    free(bad);
    free(url);
}

struct cred_state {
    pthread_mutex_t lock;
    unsigned calls;
    unsigned finalized;
    bool fail;
    bool ran_on_main;
    pthread_t main_thread;
};

static bool credential(void *user_data, wps_url_out *out) {
    struct cred_state *s = user_data;
    pthread_mutex_lock(&s->lock);
    s->calls++;
    bool fail = s->fail;
    if (pthread_equal(pthread_self(), s->main_thread)) s->ran_on_main = true;
    pthread_mutex_unlock(&s->lock);
    if (fail) {
        wps_url_out_set_error(out, "the token service is down");
        return false;
    }
    char *url = mint_url("cred", "erin", true); // an HTTP request, as a real callback would do
    if (!url) return false;
    wps_result r = wps_url_out_set(out, url);
    free(url);
    return r == WPS_RESULT_OK;
}

static void credential_free(void *user_data) {
    struct cred_state *s = user_data;
    pthread_mutex_lock(&s->lock);
    s->finalized++;
    pthread_mutex_unlock(&s->lock);
}

// The finalizer runs on a library thread: read its count under the lock.
static unsigned finalized_count(struct cred_state *s) {
    pthread_mutex_lock(&s->lock);
    unsigned n = s->finalized;
    pthread_mutex_unlock(&s->lock);
    return n;
}

// The credential callback is called on every start and reconnect, and finalized once.
void test_credential_callback(void) {
    struct cred_state s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    s.main_thread = pthread_self();
    recorder rec;
    recorder_init(&rec);
    wps_options *options = NULL;
    wps_client *client = NULL;
    wps_error *error = NULL;
    CHECK_RESULT(wps_options_new(&options), WPS_RESULT_OK);
    CHECK_RESULT(wps_options_set_credential(options, credential, &s, credential_free), WPS_RESULT_OK);
    wps_options_set_recovery_window_ms(options, 1000);
    wps_options_set_recovery_interval_ms(options, 100);
    wps_options_set_reconnect_retry(options, -1, 100, 500, WPS_RETRY_MODE_FIXED, false);
    CHECK_OK_ERR(wps_client_new(options, &client, &error), error);
    wps_options_free(options);
    CHECK(s.finalized == 0); // the client still holds it
    if (!client) goto out;
    CHECK_RESULT(wps_client_add_listener(client, WPS_EVENT_ALL, recorder_on_event, &rec, recorder_on_free, NULL), WPS_RESULT_OK);
    CHECK_OK_ERR(wps_client_start(client, &error), error);
    CHECK(s.calls == 1);
    // A drop whose recovery is refused: the client reconnects with a fresh URL.
    CHECK(recorder_wait_count(&rec, WPS_EVENT_CONNECTED, 1, 5000));
    char id[128], path[256];
    recorder_connection_id(&rec, id, sizeof id);
    CHECK(control_post("/_emulator/refuse-recoveries?count=100"));
    snprintf(path, sizeof path, "/_emulator/connections/%s/drop", id);
    CHECK(control_post(path));
    CHECK(recorder_wait_count(&rec, WPS_EVENT_CONNECTED, 2, 10000));
    CHECK(control_post("/_emulator/refuse-recoveries?count=0"));
    pthread_mutex_lock(&s.lock);
    CHECK(s.calls == 2);
    CHECK(!s.ran_on_main);
    pthread_mutex_unlock(&s.lock);
    CHECK_RESULT(wps_client_stop(client), WPS_RESULT_OK);
    // A failing callback: start fails with its message.
    pthread_mutex_lock(&s.lock);
    s.fail = true;
    pthread_mutex_unlock(&s.lock);
    CHECK_RESULT(wps_client_start(client, &error), WPS_RESULT_CREDENTIAL_FAILED);
    CHECK(error && strstr(wps_error_message(error), "the token service is down") != NULL);
    wps_error_free(error);
    wps_client_free(client);
    CHECK(recorder_wait_finalized(&rec, 1, 5000));
    for (int i = 0; i < 200 && finalized_count(&s) == 0; i++) sleep_ms(10);
    pthread_mutex_lock(&s.lock);
    CHECK(s.finalized == 1);
    pthread_mutex_unlock(&s.lock);
out:
    recorder_destroy(&rec);
    pthread_mutex_destroy(&s.lock);
}
