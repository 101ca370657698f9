// Quickstart: the seed page's walk-through, in C.
//
//   1. create a client from a client access URL;
//   2. add callbacks for connected, disconnected, stopped, server and group messages
//      (and rejoin failures);
//   3. start it, join group "group1", send "hello world" to it as text;
//   4. receive the message, stop, free, shut down.
//
// Usage: quickstart [CLIENT_ACCESS_URL]   (or WEBPUBSUB_CLIENT_ACCESS_URL in the environment)
// `run.sh` beside this file builds it and, without a URL, runs it against the emulator.
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "webpubsub_client.h"

// The callbacks run on the client's dispatcher thread; main waits for the message here.
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t received_cv = PTHREAD_COND_INITIALIZER;
static int received = 0;
static int stopped = 0;

static void on_connected(void *user_data, const wps_event *e) {
    (void)user_data;
    printf("Connection %s is connected\n", e->connection_id.ptr);
}

static void on_disconnected(void *user_data, const wps_event *e) {
    (void)user_data;
    printf("Connection disconnected: %s\n", e->message.ptr ? e->message.ptr : "");
}

static void on_stopped(void *user_data, const wps_event *e) {
    (void)user_data;
    (void)e;
    printf("Client has stopped\n");
    pthread_mutex_lock(&lock);
    stopped = 1;
    pthread_cond_signal(&received_cv);
    pthread_mutex_unlock(&lock);
}

static void on_server_message(void *user_data, const wps_event *e) {
    (void)user_data;
    printf("Received message %.*s\n", (int)e->data_len, (const char *)e->data);
}

static void on_group_message(void *user_data, const wps_event *e) {
    (void)user_data;
    printf("Received message from %s: %.*s\n", e->group.ptr, (int)e->data_len, (const char *)e->data);
    pthread_mutex_lock(&lock);
    received = 1;
    pthread_cond_signal(&received_cv);
    pthread_mutex_unlock(&lock);
}

static void on_rejoin_failed(void *user_data, const wps_event *e) {
    (void)user_data;
    printf("Rejoin group %s failed: %s\n", e->group.ptr, wps_error_message(e->error));
}

// Prints a failure with its details and frees the error.
static int report(const char *what, wps_result result, wps_error *error) {
    fprintf(stderr, "%s failed: %s: %s\n", what, wps_result_str(result), error ? wps_error_message(error) : "");
    wps_error_free(error);
    return 1;
}

int main(int argc, char **argv) {
    const char *url = argc > 1 ? argv[1] : getenv("WEBPUBSUB_CLIENT_ACCESS_URL");
    if (!url || !*url) {
        fprintf(stderr, "usage: quickstart CLIENT_ACCESS_URL (or set WEBPUBSUB_CLIENT_ACCESS_URL)\n");
        return 2;
    }
    wps_set_log_callback(NULL, NULL, NULL, 0); // logs off (see wps_set_log_callback)

    // 1. The client.
    wps_options *options = NULL;
    wps_client *client = NULL;
    wps_error *error = NULL;
    wps_result r = wps_options_new(&options);
    if (r == WPS_RESULT_OK) r = wps_options_set_url(options, url);
    if (r != WPS_RESULT_OK) return report("setting the URL", r, NULL);
    r = wps_client_new(options, &client, &error);
    wps_options_free(options);
    if (r != WPS_RESULT_OK) return report("creating the client", r, error);

    // 2. Callbacks.
    wps_client_add_listener(client, WPS_EVENT_CONNECTED, on_connected, NULL, NULL, NULL);
    wps_client_add_listener(client, WPS_EVENT_DISCONNECTED, on_disconnected, NULL, NULL, NULL);
    wps_client_add_listener(client, WPS_EVENT_STOPPED, on_stopped, NULL, NULL, NULL);
    wps_client_add_listener(client, WPS_EVENT_SERVER_MESSAGE, on_server_message, NULL, NULL, NULL);
    wps_client_add_listener(client, WPS_EVENT_GROUP_MESSAGE, on_group_message, NULL, NULL, NULL);
    wps_client_add_listener(client, WPS_EVENT_REJOIN_GROUP_FAILED, on_rejoin_failed, NULL, NULL, NULL);

    // 3. Start, join, send.
    int status = 0;
    const char *group_name = "group1";
    const char *text = "hello world";
    if ((r = wps_client_start(client, &error)) != WPS_RESULT_OK) {
        status = report("start", r, error);
    } else if ((r = wps_client_join_group(client, group_name, 0, 0, NULL, &error)) != WPS_RESULT_OK) {
        status = report("join_group", r, error);
    } else if ((r = wps_client_send_to_group(client, group_name, WPS_DATA_TYPE_TEXT, (const uint8_t *)text, strlen(text), 0, 0, 0,
                                             NULL, &error)) != WPS_RESULT_OK) {
        status = report("send_to_group", r, error);
    } else {
        // 4. Wait (up to 10 s) for our own message to come back through the group.
        struct timespec until = {0, 0};
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 10;
        pthread_mutex_lock(&lock);
        while (!received && pthread_cond_timedwait(&received_cv, &lock, &until) == 0) {
        }
        int got = received;
        pthread_mutex_unlock(&lock);
        if (!got) {
            fprintf(stderr, "no message arrived within 10 s\n");
            status = 1;
        }
    }

    // Stop, and let the stopped callback run before freeing (after wps_client_free no
    // callback starts).
    wps_client_stop(client);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    pthread_mutex_lock(&lock);
    while (!stopped && pthread_cond_timedwait(&received_cv, &lock, &until) == 0) {
    }
    pthread_mutex_unlock(&lock);
    wps_client_free(client);
    wps_shutdown(5000);
    return status;
}
