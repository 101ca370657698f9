// The C ABI suite, part 5: one client used by several application threads at once (the
// ThreadSanitizer part, scripts/test/50-tsan.sh, runs this with every access checked).
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tests.h"

#define SENDERS 4
#define SENDS_EACH 25

typedef struct sender {
    wps_client *client;
    unsigned index;
    unsigned sent;
} sender;

// Half of the sends block for the ack, half complete on the dispatcher.
static void *send_many(void *arg) {
    sender *s = arg;
    completion async[SENDS_EACH];
    char text[32];
    for (unsigned i = 0; i < SENDS_EACH; i++) {
        completion_init(&async[i]);
        int n = snprintf(text, sizeof text, "t%u-%u", s->index, i);
        const uint8_t *data = (const uint8_t *)text;
        if (i % 2 == 0) {
            if (wps_client_send_to_group(s->client, "together", WPS_DATA_TYPE_TEXT, data, (size_t)n, 0, 0, 0, NULL, NULL) ==
                WPS_RESULT_OK)
                s->sent++;
        } else {
            wps_client_send_to_group_async(s->client, "together", WPS_DATA_TYPE_TEXT, data, (size_t)n, 0, 0, 0, completion_fn,
                                           &async[i], NULL);
        }
    }
    for (unsigned i = 0; i < SENDS_EACH; i++) {
        if (i % 2 == 1 && completion_wait(&async[i], 15000) && async[i].result == WPS_RESULT_OK) s->sent++;
        completion_destroy(&async[i]);
    }
    return NULL;
}

static void ignore_event(void *user_data, const wps_event *event) {
    (void)user_data;
    (void)event;
}

// Adds and removes listeners while messages are being dispatched.
static void *churn_listeners(void *arg) {
    wps_client *client = arg;
    for (int i = 0; i < 100; i++) {
        uint64_t id = 0;
        if (wps_client_add_listener(client, WPS_EVENT_GROUP_MESSAGE, ignore_event, NULL, NULL, &id) != WPS_RESULT_OK) break;
        wps_client_remove_listener(client, id);
    }
    return NULL;
}

// Sends from several threads, with listeners coming and going, arrive each exactly once.
void test_concurrent_sends(void) {
    recorder rec;
    recorder_init(&rec);
    char *url = mint_url("concurrent", "carol", true);
    wps_client *client = url ? new_client(url, &rec, WPS_DISPATCHER_DEDICATED, true) : NULL;
    CHECK(client != NULL);
    if (!client) goto out;
    wps_error *error = NULL;
    CHECK_OK_ERR(wps_client_join_group(client, "together", 0, 0, NULL, &error), error);

    sender senders[SENDERS];
    pthread_t threads[SENDERS + 1];
    for (unsigned t = 0; t < SENDERS; t++) {
        senders[t] = (sender){client, t, 0};
        CHECK(pthread_create(&threads[t], NULL, send_many, &senders[t]) == 0);
    }
    CHECK(pthread_create(&threads[SENDERS], NULL, churn_listeners, client) == 0);
    for (unsigned t = 0; t <= SENDERS; t++) pthread_join(threads[t], NULL);
    unsigned sent = 0;
    for (unsigned t = 0; t < SENDERS; t++) sent += senders[t].sent;
    CHECK(sent == SENDERS * SENDS_EACH);

    CHECK(recorder_wait_messages(&rec, SENDERS * SENDS_EACH, 10000));
    sleep_ms(100);
    unsigned seen[SENDERS][SENDS_EACH];
    memset(seen, 0, sizeof seen);
    pthread_mutex_lock(&rec.lock);
    CHECK(rec.message_count == SENDERS * SENDS_EACH);
    for (size_t m = 0; m < rec.message_count; m++) {
        unsigned t, i;
        if (sscanf(rec.messages[m].data, "t%u-%u", &t, &i) == 2 && t < SENDERS && i < SENDS_EACH) seen[t][i]++;
    }
    pthread_mutex_unlock(&rec.lock);
    unsigned once = 0;
    for (unsigned t = 0; t < SENDERS; t++)
        for (unsigned i = 0; i < SENDS_EACH; i++) once += seen[t][i] == 1;
    CHECK(once == SENDERS * SENDS_EACH);

    wps_client_free(client);
    CHECK(recorder_wait_finalized(&rec, 1, 5000));
out:
    free(url);
    recorder_destroy(&rec);
}
