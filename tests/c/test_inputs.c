// The C ABI suite, part 3: bad inputs of every kind, calls after stop, option checks.
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tests.h"

static const uint8_t *bytes(const char *s) { return (const uint8_t *)s; }

static void never_called(void *user_data, wps_result result, const wps_op_result *op, const wps_error *error) {
    (void)result;
    (void)op;
    (void)error;
    (*(int *)user_data)++;
}

static void ignore_event(void *user_data, const wps_event *event) {
    (void)user_data;
    (void)event;
}

static bool fail_credential(void *user_data, wps_url_out *out) {
    (void)user_data;
    (void)out;
    return false;
}

// Expects `expr` to fail with `code` and, when it takes an error_out, to describe it.
#define CHECK_FAILS_WITH_ERROR(call_with_err, code)                                           \
    do {                                                                                      \
        wps_error *e_ = NULL;                                                                 \
        CHECK_RESULT(call_with_err, code);                                                    \
        CHECK(e_ != NULL && wps_error_code(e_) == (code) && strlen(wps_error_message(e_)) > 0); \
        wps_error_free(e_);                                                                   \
    } while (0)

void test_null_arguments(void) {
    int calls = 0;
    char *url = mint_url("nulls", "kim", true);
    wps_client *c = new_client(url, NULL, WPS_DISPATCHER_DEDICATED, true);
    CHECK(c != NULL);
    if (!c) goto out;
    wps_options *o = NULL;
    CHECK_RESULT(wps_options_new(&o), WPS_RESULT_OK);
    wps_op_result res;
    wps_state state;
    uint64_t id;

    // Errors.
    CHECK_RESULT(wps_error_code(NULL), WPS_RESULT_NULL_ARGUMENT);
    CHECK(wps_error_message(NULL) == NULL);
    CHECK(!wps_error_ack_id(NULL, &id));
    CHECK(wps_error_name(NULL) == NULL);
    CHECK(wps_error_http_status(NULL) == 0);
    wps_error_free(NULL);
    wps_error *e = NULL;
    CHECK_RESULT(wps_client_join_group(c, "", 0, 0, NULL, &e), WPS_RESULT_INVALID_ARGUMENT);
    CHECK(e != NULL && !wps_error_ack_id(e, NULL));
    wps_error_free(e);

    // Options.
    CHECK_RESULT(wps_options_new(NULL), WPS_RESULT_NULL_ARGUMENT);
    wps_options_free(NULL);
    CHECK_RESULT(wps_options_set_url(NULL, url), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_url(o, NULL), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_credential(NULL, fail_credential, NULL, NULL), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_credential(o, NULL, NULL, NULL), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_url_out_set(NULL, url), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_url_out_set_error(NULL, "x"), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_protocol(NULL, WPS_PROTOCOL_JSON), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_auto_reconnect(NULL, true), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_auto_rejoin_groups(NULL, true), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_message_retry(NULL, 1, 1, 2, WPS_RETRY_MODE_FIXED, false), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_reconnect_retry(NULL, 1, 1, 2, WPS_RETRY_MODE_FIXED, false), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_recovery_window_ms(NULL, 1), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_recovery_interval_ms(NULL, 1), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_connect_timeout_ms(NULL, 1), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_operation_timeout_ms(NULL, 1), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_keep_alive_interval_ms(NULL, 1), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_keep_alive_timeout_ms(NULL, 1), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_sequence_ack_interval_ms(NULL, 1), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_sequence_ack_threshold(NULL, 1), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_event_queue_capacity(NULL, 1), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_operation_queue_capacity(NULL, 1), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_add_header(NULL, "a", "b"), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_add_header(o, NULL, "b"), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_add_header(o, "a", NULL), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_clear_headers(NULL), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_user_agent(NULL, "ua"), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_user_agent(o, NULL), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_extra_ca_pem(NULL, NULL, 0), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_extra_ca_pem(o, NULL, 5), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_options_set_extra_ca_pem(o, NULL, 0), WPS_RESULT_OK);
    CHECK_RESULT(wps_options_set_dispatcher(NULL, WPS_DISPATCHER_SHARED), WPS_RESULT_NULL_ARGUMENT);

    // Clients.
    wps_client *out_client = (wps_client *)&calls; // must stay untouched on failure
    CHECK_FAILS_WITH_ERROR(wps_client_new(NULL, &out_client, &e_), WPS_RESULT_NULL_ARGUMENT);
    CHECK(out_client == (wps_client *)&calls);
    CHECK_RESULT(wps_options_set_url(o, url), WPS_RESULT_OK);
    CHECK_FAILS_WITH_ERROR(wps_client_new(o, NULL, &e_), WPS_RESULT_NULL_ARGUMENT);
    wps_client_free(NULL);
    CHECK_FAILS_WITH_ERROR(wps_client_start(NULL, &e_), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_client_start(NULL, NULL), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_client_start_async(NULL, never_called, &calls), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_client_stop(NULL), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_client_stop_async(NULL, never_called, &calls), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_client_state(NULL, &state), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_client_state(c, NULL), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_client_add_listener(NULL, WPS_EVENT_ALL, ignore_event, NULL, NULL, &id), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_client_add_listener(c, WPS_EVENT_ALL, NULL, NULL, NULL, &id), WPS_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(wps_client_add_listener(c, WPS_EVENT_STOPPED, ignore_event, NULL, NULL, NULL), WPS_RESULT_OK);
    CHECK_RESULT(wps_client_remove_listener(NULL, 1), WPS_RESULT_NULL_ARGUMENT);

    // Operations, both forms: NULL client, NULL names, NULL data with a length.
    CHECK_FAILS_WITH_ERROR(wps_client_join_group(NULL, "g", 0, 0, &res, &e_), WPS_RESULT_NULL_ARGUMENT);
    CHECK_FAILS_WITH_ERROR(wps_client_join_group(c, NULL, 0, 0, &res, &e_), WPS_RESULT_NULL_ARGUMENT);
    CHECK_FAILS_WITH_ERROR(wps_client_join_group_async(NULL, "g", 0, 0, never_called, &calls, &e_), WPS_RESULT_NULL_ARGUMENT);
    CHECK_FAILS_WITH_ERROR(wps_client_join_group_async(c, NULL, 0, 0, never_called, &calls, &e_), WPS_RESULT_NULL_ARGUMENT);
    CHECK_FAILS_WITH_ERROR(wps_client_leave_group(NULL, "g", 0, 0, &res, &e_), WPS_RESULT_NULL_ARGUMENT);
    CHECK_FAILS_WITH_ERROR(wps_client_leave_group(c, NULL, 0, 0, &res, &e_), WPS_RESULT_NULL_ARGUMENT);
    CHECK_FAILS_WITH_ERROR(wps_client_leave_group_async(NULL, "g", 0, 0, never_called, &calls, &e_), WPS_RESULT_NULL_ARGUMENT);
    CHECK_FAILS_WITH_ERROR(wps_client_leave_group_async(c, NULL, 0, 0, never_called, &calls, &e_), WPS_RESULT_NULL_ARGUMENT);
    CHECK_FAILS_WITH_ERROR(wps_client_send_to_group(NULL, "g", WPS_DATA_TYPE_TEXT, bytes("x"), 1, 0, 0, 0, &res, &e_), WPS_RESULT_NULL_ARGUMENT);
    CHECK_FAILS_WITH_ERROR(wps_client_send_to_group(c, NULL, WPS_DATA_TYPE_TEXT, bytes("x"), 1, 0, 0, 0, &res, &e_), WPS_RESULT_NULL_ARGUMENT);
    CHECK_FAILS_WITH_ERROR(wps_client_send_to_group(c, "g", WPS_DATA_TYPE_TEXT, NULL, 1, 0, 0, 0, &res, &e_), WPS_RESULT_NULL_ARGUMENT);
    CHECK_FAILS_WITH_ERROR(wps_client_send_to_group_async(NULL, "g", WPS_DATA_TYPE_TEXT, bytes("x"), 1, 0, 0, 0, never_called, &calls, &e_),
                           WPS_RESULT_NULL_ARGUMENT);
    CHECK_FAILS_WITH_ERROR(wps_client_send_to_group_async(c, NULL, WPS_DATA_TYPE_TEXT, bytes("x"), 1, 0, 0, 0, never_called, &calls, &e_),
                           WPS_RESULT_NULL_ARGUMENT);
    CHECK_FAILS_WITH_ERROR(wps_client_send_to_group_async(c, "g", WPS_DATA_TYPE_BINARY, NULL, 3, 0, 0, 0, never_called, &calls, &e_),
                           WPS_RESULT_NULL_ARGUMENT);
    CHECK_FAILS_WITH_ERROR(wps_client_send_event(NULL, "e", WPS_DATA_TYPE_TEXT, bytes("x"), 1, 0, 0, 0, &res, &e_), WPS_RESULT_NULL_ARGUMENT);
    CHECK_FAILS_WITH_ERROR(wps_client_send_event(c, NULL, WPS_DATA_TYPE_TEXT, bytes("x"), 1, 0, 0, 0, &res, &e_), WPS_RESULT_NULL_ARGUMENT);
    CHECK_FAILS_WITH_ERROR(wps_client_send_event(c, "e", WPS_DATA_TYPE_TEXT, NULL, 1, 0, 0, 0, &res, &e_), WPS_RESULT_NULL_ARGUMENT);
    CHECK_FAILS_WITH_ERROR(wps_client_send_event_async(NULL, "e", WPS_DATA_TYPE_TEXT, bytes("x"), 1, 0, 0, 0, never_called, &calls, &e_),
                           WPS_RESULT_NULL_ARGUMENT);
    CHECK_FAILS_WITH_ERROR(wps_client_send_event_async(c, NULL, WPS_DATA_TYPE_TEXT, bytes("x"), 1, 0, 0, 0, never_called, &calls, &e_),
                           WPS_RESULT_NULL_ARGUMENT);
    CHECK_FAILS_WITH_ERROR(wps_client_send_event_async(c, "e", WPS_DATA_TYPE_JSON, NULL, 2, 0, 0, 0, never_called, &calls, &e_),
                           WPS_RESULT_NULL_ARGUMENT);
    // NULL data with length 0 is an empty payload; NULL result_out and error_out are fine.
    CHECK_RESULT(wps_client_join_group(c, "g-null", 0, 0, NULL, NULL), WPS_RESULT_OK);
    CHECK_RESULT(wps_client_send_to_group(c, "g-null", WPS_DATA_TYPE_TEXT, NULL, 0, 0, 0, 0, NULL, NULL), WPS_RESULT_OK);
    CHECK_RESULT(wps_client_send_to_group(c, "g-null", WPS_DATA_TYPE_BINARY, NULL, 0, 0, 0, 0, NULL, NULL), WPS_RESULT_OK);
    sleep_ms(100);
    CHECK(calls == 0);
    wps_options_free(o);
    wps_client_free(c);
out:
    free(url);
}

void test_invalid_utf8(void) {
    const char *bad = "caf\xe9";
    int calls = 0;
    recorder rec;
    recorder_init(&rec);
    char *url = mint_url("utf8", "lee", true);
    wps_client *c = new_client(url, &rec, WPS_DISPATCHER_DEDICATED, true);
    CHECK(c != NULL);
    if (!c) goto out;
    wps_options *o = NULL;
    wps_options_new(&o);
    CHECK_RESULT(wps_options_set_url(o, "ws://h/\xff"), WPS_RESULT_INVALID_UTF8);
    CHECK_RESULT(wps_options_add_header(o, bad, "v"), WPS_RESULT_INVALID_UTF8);
    CHECK_RESULT(wps_options_add_header(o, "x-a", bad), WPS_RESULT_INVALID_UTF8);
    CHECK_RESULT(wps_options_set_user_agent(o, bad), WPS_RESULT_INVALID_UTF8);
    wps_options_free(o);
    wps_error *error = NULL;
    CHECK_OK_ERR(wps_client_join_group(c, "u", 0, 0, NULL, &error), error);
    CHECK_FAILS_WITH_ERROR(wps_client_join_group(c, bad, 0, 0, NULL, &e_), WPS_RESULT_INVALID_UTF8);
    CHECK_FAILS_WITH_ERROR(wps_client_join_group_async(c, bad, 0, 0, never_called, &calls, &e_), WPS_RESULT_INVALID_UTF8);
    CHECK_FAILS_WITH_ERROR(wps_client_leave_group(c, bad, 0, 0, NULL, &e_), WPS_RESULT_INVALID_UTF8);
    CHECK_FAILS_WITH_ERROR(wps_client_leave_group_async(c, bad, 0, 0, never_called, &calls, &e_), WPS_RESULT_INVALID_UTF8);
    CHECK_FAILS_WITH_ERROR(wps_client_send_to_group(c, bad, WPS_DATA_TYPE_TEXT, bytes("x"), 1, 0, 0, 0, NULL, &e_), WPS_RESULT_INVALID_UTF8);
    CHECK_FAILS_WITH_ERROR(wps_client_send_to_group(c, "u", WPS_DATA_TYPE_TEXT, bytes(bad), 4, 0, 0, 0, NULL, &e_), WPS_RESULT_INVALID_UTF8);
    CHECK_FAILS_WITH_ERROR(wps_client_send_to_group(c, "u", WPS_DATA_TYPE_JSON, bytes("\"\xff\""), 3, 0, 0, 0, NULL, &e_),
                           WPS_RESULT_INVALID_UTF8);
    CHECK_FAILS_WITH_ERROR(wps_client_send_to_group_async(c, "u", WPS_DATA_TYPE_TEXT, bytes(bad), 4, 0, 0, 0, never_called, &calls, &e_),
                           WPS_RESULT_INVALID_UTF8);
    CHECK_FAILS_WITH_ERROR(wps_client_send_event(c, bad, WPS_DATA_TYPE_TEXT, bytes("x"), 1, 0, 0, 0, NULL, &e_), WPS_RESULT_INVALID_UTF8);
    CHECK_FAILS_WITH_ERROR(wps_client_send_event_async(c, "e", WPS_DATA_TYPE_TEXT, bytes(bad), 4, 0, 0, 0, never_called, &calls, &e_),
                           WPS_RESULT_INVALID_UTF8);
    // The same bytes are fine as binary: nothing is repaired, and nothing is lost.
    CHECK_OK_ERR(wps_client_send_to_group(c, "u", WPS_DATA_TYPE_BINARY, bytes(bad), 4, 0, 0, 0, NULL, &error), error);
    CHECK(recorder_wait_messages(&rec, 1, 5000));
    sleep_ms(100);
    CHECK(recorder_messages(&rec) == 1);
    CHECK(rec.messages[0].len == 4 && memcmp(rec.messages[0].data, bad, 4) == 0);
    CHECK(calls == 0);
    wps_client_free(c);
    CHECK(recorder_wait_finalized(&rec, 1, 5000));
out:
    free(url);
    recorder_destroy(&rec);
}

void test_invalid_json(void) {
    int calls = 0;
    recorder rec;
    recorder_init(&rec);
    char *url = mint_url("json", "mia", true);
    wps_client *c = new_client(url, &rec, WPS_DISPATCHER_DEDICATED, true);
    CHECK(c != NULL);
    if (!c) goto out;
    wps_error *error = NULL;
    CHECK_OK_ERR(wps_client_join_group(c, "j", 0, 0, NULL, &error), error);
    const char *bad[] = {"{a:1}", "", "[1,]", "1 2", "{\"a\":"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        error = NULL;
        CHECK_RESULT(wps_client_send_to_group(c, "j", WPS_DATA_TYPE_JSON, bytes(bad[i]), strlen(bad[i]), 0, 0, 0, NULL, &error),
                     WPS_RESULT_INVALID_ARGUMENT);
        CHECK(error && strstr(wps_error_message(error), "JSON") != NULL);
        wps_error_free(error);
    }
    CHECK_FAILS_WITH_ERROR(wps_client_send_event(c, "e", WPS_DATA_TYPE_JSON, bytes("{a}"), 3, 0, 0, 0, NULL, &e_), WPS_RESULT_INVALID_ARGUMENT);
    CHECK_FAILS_WITH_ERROR(wps_client_send_to_group_async(c, "j", WPS_DATA_TYPE_JSON, bytes("{a}"), 3, 0, 0, 0, never_called, &calls, &e_),
                           WPS_RESULT_INVALID_ARGUMENT);
    // Unknown data types and flags are refused too.
    CHECK_FAILS_WITH_ERROR(wps_client_send_to_group(c, "j", 99, bytes("x"), 1, 0, 0, 0, NULL, &e_), WPS_RESULT_INVALID_ARGUMENT);
    CHECK_FAILS_WITH_ERROR(wps_client_send_to_group(c, "j", WPS_DATA_TYPE_TEXT, bytes("x"), 1, 1u << 7, 0, 0, NULL, &e_),
                           WPS_RESULT_INVALID_ARGUMENT);
    // Valid JSON of every kind passes and arrives unchanged.
    const char *good[] = {"{\"a\":[1,2,{\"b\":null}]}", "\"s\"", "42", "true"};
    for (size_t i = 0; i < 4; i++) {
        CHECK_OK_ERR(wps_client_send_to_group(c, "j", WPS_DATA_TYPE_JSON, bytes(good[i]), strlen(good[i]), 0, 0, 0, NULL, &error), error);
    }
    CHECK(recorder_wait_messages(&rec, 4, 5000));
    sleep_ms(100);
    CHECK(recorder_messages(&rec) == 4); // nothing of the refused sends went out
    pthread_mutex_lock(&rec.lock);
    for (size_t i = 0; i < rec.message_count && i < 4; i++) {
        CHECK(rec.messages[i].data_type == WPS_DATA_TYPE_JSON);
        CHECK(strcmp(rec.messages[i].data, good[i]) == 0);
    }
    pthread_mutex_unlock(&rec.lock);
    CHECK(calls == 0);
    wps_client_free(c);
    CHECK(recorder_wait_finalized(&rec, 1, 5000));
out:
    free(url);
    recorder_destroy(&rec);
}

void test_oversize_payloads(void) {
    int calls = 0;
    recorder rec;
    recorder_init(&rec);
    char *url = mint_url("big", "ned", true);
    wps_client *c = new_client(url, &rec, WPS_DISPATCHER_DEDICATED, true);
    CHECK(c != NULL);
    if (!c) goto out;
    wps_error *error = NULL;
    CHECK_OK_ERR(wps_client_join_group(c, "big", 0, 0, NULL, &error), error);
    size_t big = 1100 * 1024;
    uint8_t *data = malloc(big);
    for (size_t i = 0; i < big; i++) data[i] = (uint8_t)('a' + i % 26);
    CHECK_FAILS_WITH_ERROR(wps_client_send_to_group(c, "big", WPS_DATA_TYPE_TEXT, data, big, 0, 0, 0, NULL, &e_), WPS_RESULT_MESSAGE_TOO_LARGE);
    CHECK_FAILS_WITH_ERROR(wps_client_send_to_group_async(c, "big", WPS_DATA_TYPE_TEXT, data, big, 0, 0, 0, never_called, &calls, &e_),
                           WPS_RESULT_MESSAGE_TOO_LARGE);
    CHECK_FAILS_WITH_ERROR(wps_client_send_event(c, "e", WPS_DATA_TYPE_TEXT, data, big, 0, 0, 0, NULL, &e_), WPS_RESULT_MESSAGE_TOO_LARGE);
    CHECK_FAILS_WITH_ERROR(wps_client_send_event_async(c, "e", WPS_DATA_TYPE_TEXT, data, big, WPS_SEND_FIRE_AND_FORGET, 0, 0, never_called,
                                                       &calls, &e_),
                           WPS_RESULT_MESSAGE_TOO_LARGE);
    // Binary grows by a third in base64: 800 KB is too large on the wire.
    CHECK_FAILS_WITH_ERROR(wps_client_send_to_group(c, "big", WPS_DATA_TYPE_BINARY, data, 800 * 1024, 0, 0, 0, NULL, &e_),
                           WPS_RESULT_MESSAGE_TOO_LARGE);
    // 500 KB fits, and arrives intact.
    CHECK_OK_ERR(wps_client_send_to_group(c, "big", WPS_DATA_TYPE_TEXT, data, 500 * 1024, 0, 0, 0, NULL, &error), error);
    CHECK(recorder_wait_messages(&rec, 1, 10000));
    sleep_ms(100);
    CHECK(recorder_messages(&rec) == 1);
    CHECK(rec.messages[0].len == 500 * 1024 && memcmp(rec.messages[0].data, data, 500 * 1024) == 0);
    CHECK(calls == 0);
    free(data);
    wps_client_free(c);
    CHECK(recorder_wait_finalized(&rec, 1, 5000));
out:
    free(url);
    recorder_destroy(&rec);
}

void test_calls_after_stop(void) {
    int calls = 0;
    recorder rec;
    recorder_init(&rec);
    char *url = mint_url("after", "ona", true);
    wps_client *c = new_client(url, &rec, WPS_DISPATCHER_DEDICATED, true);
    CHECK(c != NULL);
    if (!c) goto out;
    CHECK_RESULT(wps_client_stop(c), WPS_RESULT_OK);
    CHECK_RESULT(wps_client_stop(c), WPS_RESULT_OK); // idempotent
    CHECK_FAILS_WITH_ERROR(wps_client_join_group(c, "g", 0, 0, NULL, &e_), WPS_RESULT_STOPPED);
    CHECK_FAILS_WITH_ERROR(wps_client_join_group_async(c, "g", 0, 0, never_called, &calls, &e_), WPS_RESULT_STOPPED);
    CHECK_FAILS_WITH_ERROR(wps_client_leave_group(c, "g", 0, 0, NULL, &e_), WPS_RESULT_STOPPED);
    CHECK_FAILS_WITH_ERROR(wps_client_send_to_group(c, "g", WPS_DATA_TYPE_TEXT, bytes("x"), 1, 0, 0, 0, NULL, &e_), WPS_RESULT_STOPPED);
    CHECK_FAILS_WITH_ERROR(wps_client_send_to_group_async(c, "g", WPS_DATA_TYPE_TEXT, bytes("x"), 1, WPS_SEND_FIRE_AND_FORGET, 0, 0,
                                                          never_called, &calls, &e_),
                           WPS_RESULT_STOPPED);
    CHECK_FAILS_WITH_ERROR(wps_client_send_event(c, "e", WPS_DATA_TYPE_TEXT, bytes("x"), 1, 0, 0, 0, NULL, &e_), WPS_RESULT_STOPPED);
    wps_state state;
    CHECK_RESULT(wps_client_state(c, &state), WPS_RESULT_OK);
    CHECK(state == WPS_STATE_STOPPED);
    completion done;
    completion_init(&done);
    CHECK_RESULT(wps_client_stop_async(c, completion_fn, &done), WPS_RESULT_OK);
    CHECK(completion_wait(&done, 5000));
    CHECK(done.calls == 1 && done.result == WPS_RESULT_OK && !done.had_op && !done.had_error);
    completion_destroy(&done);
    // Start after stop works.
    wps_error *error = NULL;
    CHECK_OK_ERR(wps_client_start(c, &error), error);
    CHECK_OK_ERR(wps_client_join_group(c, "g", 0, 0, NULL, &error), error);
    CHECK(recorder_wait_count(&rec, WPS_EVENT_CONNECTED, 2, 5000));
    sleep_ms(100);
    CHECK(calls == 0);
    wps_client_free(c);
    CHECK(recorder_wait_finalized(&rec, 1, 5000));
out:
    free(url);
    recorder_destroy(&rec);
}

void test_options_validation(void) {
    wps_options *o = NULL;
    CHECK_RESULT(wps_options_new(&o), WPS_RESULT_OK);
    wps_client *c = NULL;
    wps_error *e = NULL;
    // No credential yet.
    CHECK_RESULT(wps_client_new(o, &c, &e), WPS_RESULT_INVALID_ARGUMENT);
    CHECK(c == NULL && e != NULL && strstr(wps_error_message(e), "credential") != NULL);
    wps_error_free(e);
    CHECK_RESULT(wps_options_set_url(o, "not a url"), WPS_RESULT_INVALID_URL);
    CHECK_RESULT(wps_options_set_url(o, "ftp://example.com/x"), WPS_RESULT_INVALID_URL);
    CHECK_RESULT(wps_options_set_url(o, "wss://example.com/client/hubs/h?access_token=t"), WPS_RESULT_OK);
    CHECK_RESULT(wps_options_set_protocol(o, 0), WPS_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(wps_options_set_protocol(o, WPS_PROTOCOL_JSON), WPS_RESULT_OK);
    CHECK_RESULT(wps_options_set_protocol(o, WPS_PROTOCOL_JSON_RELIABLE), WPS_RESULT_OK);
    CHECK_RESULT(wps_options_set_auto_reconnect(o, false), WPS_RESULT_OK);
    CHECK_RESULT(wps_options_set_auto_rejoin_groups(o, false), WPS_RESULT_OK);
    CHECK_RESULT(wps_options_set_message_retry(o, -2, 10, 20, WPS_RETRY_MODE_FIXED, false), WPS_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(wps_options_set_message_retry(o, 3, 30, 20, WPS_RETRY_MODE_FIXED, false), WPS_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(wps_options_set_message_retry(o, 3, 10, 20, 0, false), WPS_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(wps_options_set_message_retry(o, 3, 10, 20, WPS_RETRY_MODE_EXPONENTIAL, true), WPS_RESULT_OK);
    CHECK_RESULT(wps_options_set_reconnect_retry(o, -1, 100, 200, WPS_RETRY_MODE_FIXED, false), WPS_RESULT_OK);
    CHECK_RESULT(wps_options_set_recovery_window_ms(o, 0), WPS_RESULT_OK);
    CHECK_RESULT(wps_options_set_recovery_interval_ms(o, 10), WPS_RESULT_OK);
    CHECK_RESULT(wps_options_set_connect_timeout_ms(o, 0), WPS_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(wps_options_set_operation_timeout_ms(o, 0), WPS_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(wps_options_set_sequence_ack_interval_ms(o, 0), WPS_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(wps_options_set_sequence_ack_threshold(o, 0), WPS_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(wps_options_set_keep_alive_interval_ms(o, 0), WPS_RESULT_OK);
    CHECK_RESULT(wps_options_set_keep_alive_timeout_ms(o, 0), WPS_RESULT_OK);
    CHECK_RESULT(wps_options_set_event_queue_capacity(o, 0), WPS_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(wps_options_set_operation_queue_capacity(o, 0), WPS_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(wps_options_add_header(o, "bad header", "v"), WPS_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(wps_options_add_header(o, "x-ok", "line\nbreak"), WPS_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(wps_options_add_header(o, "x-ok", "v"), WPS_RESULT_OK);
    CHECK_RESULT(wps_options_clear_headers(o), WPS_RESULT_OK);
    CHECK_RESULT(wps_options_set_user_agent(o, "bad\r\nua"), WPS_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(wps_options_set_user_agent(o, "my-app/1.0"), WPS_RESULT_OK);
    CHECK_RESULT(wps_options_set_extra_ca_pem(o, bytes("no pem"), 6), WPS_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(wps_options_set_dispatcher(o, 5), WPS_RESULT_INVALID_ARGUMENT);
    // All valid now: two clients from one options object.
    wps_client *c2 = NULL;
    CHECK_RESULT(wps_client_new(o, &c, NULL), WPS_RESULT_OK);
    CHECK_RESULT(wps_client_new(o, &c2, NULL), WPS_RESULT_OK);
    wps_options_free(o);
    wps_client_free(c);
    wps_client_free(c2);
}

// `url` with "ws://" replaced by "http://" (malloc'ed), as client access URLs are often written.
static char *http_form(const char *url) {
    if (!url || strncmp(url, "ws://", 5) != 0) return NULL;
    size_t len = strlen(url) + 3;
    char *out = malloc(len);
    snprintf(out, len, "http://%s", url + 5);
    return out;
}

static bool http_credential(void *user_data, wps_url_out *out) {
    (void)user_data;
    char *url = mint_url("httpcred", "hal", true);
    char *http = http_form(url);
    bool ok = http && wps_url_out_set(out, http) == WPS_RESULT_OK;
    free(http);
    free(url);
    return ok;
}

// http:// URLs are ws:// URLs, through the option and through the credential callback.
void test_http_urls(void) {
    char *url = mint_url("httpurl", "hugo", true);
    char *http = http_form(url);
    CHECK(http != NULL);
    wps_error *error = NULL;
    wps_client *c = http ? new_client(http, NULL, WPS_DISPATCHER_DEDICATED, true) : NULL;
    CHECK(c != NULL);
    if (c) {
        CHECK_OK_ERR(wps_client_join_group(c, "g", 0, 0, NULL, &error), error);
        wps_client_free(c);
    }

    wps_options *o = NULL;
    CHECK_RESULT(wps_options_new(&o), WPS_RESULT_OK);
    CHECK_RESULT(wps_options_set_credential(o, http_credential, NULL, NULL), WPS_RESULT_OK);
    c = NULL;
    CHECK_OK_ERR(wps_client_new(o, &c, &error), error);
    wps_options_free(o);
    if (c) {
        CHECK_OK_ERR(wps_client_start(c, &error), error);
        CHECK_OK_ERR(wps_client_join_group(c, "g", 0, 0, NULL, &error), error);
        wps_client_free(c);
    }
    free(http);
    free(url);
}

// `count` copies of "é" (two bytes each in UTF-8), malloc'ed.
static char *accented(size_t count) {
    char *s = malloc(2 * count + 1);
    for (size_t i = 0; i < count; i++) memcpy(s + 2 * i, "\xc3\xa9", 2);
    s[2 * count] = 0;
    return s;
}

// Group names are limited to 1024 characters (Unicode scalar values), not 1024 bytes.
void test_group_name_characters(void) {
    recorder rec;
    recorder_init(&rec);
    char *url = mint_url("names", "nina", true);
    wps_client *c = new_client(url, &rec, WPS_DISPATCHER_DEDICATED, true);
    CHECK(c != NULL);
    char *ok_name = accented(600), *long_name = accented(1025);
    if (!c) goto out;
    wps_error *error = NULL;
    CHECK_OK_ERR(wps_client_join_group(c, ok_name, 0, 0, NULL, &error), error);
    CHECK_OK_ERR(wps_client_send_to_group(c, ok_name, WPS_DATA_TYPE_TEXT, bytes("hi"), 2, 0, 0, 0, NULL, &error), error);
    CHECK(recorder_wait_messages(&rec, 1, 5000));
    CHECK_RESULT(wps_client_join_group(c, long_name, 0, 0, NULL, &error), WPS_RESULT_INVALID_ARGUMENT);
    CHECK(error && strstr(wps_error_message(error), "1024 characters") != NULL);
    wps_error_free(error);
    CHECK_FAILS_WITH_ERROR(wps_client_send_to_group(c, long_name, WPS_DATA_TYPE_TEXT, bytes("x"), 1, 0, 0, 0, NULL, &e_),
                           WPS_RESULT_INVALID_ARGUMENT);
    wps_client_free(c);
    CHECK(recorder_wait_finalized(&rec, 1, 5000));
out:
    free(ok_name);
    free(long_name);
    free(url);
    recorder_destroy(&rec);
}

// An operation right after wps_client_start_async waits for that start's connection.
void test_start_async_then_operations(void) {
    char *url = mint_url("startasync", "sam", true);
    int before = g_failures;
    for (int round = 0; round < 20; round++) {
        wps_client *c = new_client(url, NULL, round % 2 ? WPS_DISPATCHER_SHARED : WPS_DISPATCHER_DEDICATED, false);
        CHECK(c != NULL);
        if (!c) break;
        completion started, joined;
        completion_init(&started);
        completion_init(&joined);
        wps_error *error = NULL;
        CHECK_RESULT(wps_client_start_async(c, completion_fn, &started), WPS_RESULT_OK);
        wps_state state = WPS_STATE_STOPPED;
        CHECK_RESULT(wps_client_state(c, &state), WPS_RESULT_OK);
        CHECK(state != WPS_STATE_STOPPED);
        CHECK_OK_ERR(wps_client_join_group_async(c, "g", 0, 0, completion_fn, &joined, &error), error);
        CHECK_OK_ERR(wps_client_send_to_group(c, "g", WPS_DATA_TYPE_TEXT, bytes("x"), 1, 0, 0, 0, NULL, &error), error);
        CHECK(completion_wait(&joined, 10000) && joined.result == WPS_RESULT_OK);
        CHECK(completion_wait(&started, 10000) && started.result == WPS_RESULT_OK);
        wps_client_free(c);
        completion_destroy(&started);
        completion_destroy(&joined);
        if (g_failures != before) {
            fprintf(stderr, "    failed in round %d\n", round);
            break;
        }
    }
    free(url);
}
