// Implementation of harness.h. POSIX (sockets, pthreads, clock_gettime).
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int g_failures = 0;

uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void sleep_ms(unsigned ms) {
    struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

// ---- HTTP ----

static int emulator_port(void) {
    const char *endpoint = getenv("WPS_EMULATOR");
    if (!endpoint) {
        fprintf(stderr, "WPS_EMULATOR (http://127.0.0.1:PORT) is not set\n");
        exit(2);
    }
    const char *colon = strrchr(endpoint, ':');
    return colon ? atoi(colon + 1) : 0;
}

int http_request(const char *method, const char *path, const char *content_type, const char *body, size_t body_len,
                 char *response, size_t cap) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)emulator_port());
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    char head[1024];
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\nContent-Length: %zu\r\n%s%s%s\r\n",
                     method, path, emulator_port(), body ? body_len : 0, content_type ? "Content-Type: " : "",
                     content_type ? content_type : "", content_type ? "\r\n" : "");
    if (send(fd, head, (size_t)n, 0) != n || (body && send(fd, body, body_len, 0) != (ssize_t)body_len)) {
        close(fd);
        return -1;
    }
    size_t got = 0;
    char *all = malloc(65536);
    size_t all_cap = 65536;
    for (;;) {
        if (got + 4096 > all_cap) {
            all_cap *= 2;
            all = realloc(all, all_cap);
        }
        ssize_t k = recv(fd, all + got, all_cap - got - 1, 0);
        if (k <= 0) break;
        got += (size_t)k;
    }
    close(fd);
    all[got] = 0;
    int status = -1;
    if (sscanf(all, "HTTP/1.%*d %d", &status) != 1) status = -1;
    const char *start = strstr(all, "\r\n\r\n");
    if (response && cap > 0) {
        const char *text = start ? start + 4 : "";
        size_t len = strlen(text);
        if (len >= cap) len = cap - 1;
        memcpy(response, text, len);
        response[len] = 0;
    }
    free(all);
    return status;
}

char *mint_url(const char *hub, const char *user, bool roles) {
    char path[512], body[8192];
    snprintf(path, sizeof path, "/_emulator/client-access-url?hub=%s%s%s%s", hub, user ? "&userId=" : "", user ? user : "",
             roles ? "&role=webpubsub.joinLeaveGroup&role=webpubsub.sendToGroup" : "");
    if (http_request("GET", path, NULL, NULL, 0, body, sizeof body) != 200) return NULL;
    const char *key = "\"url\":\"";
    char *at = strstr(body, key);
    if (!at) return NULL;
    at += strlen(key);
    char *end = strchr(at, '"');
    if (!end) return NULL;
    size_t len = (size_t)(end - at);
    char *url = malloc(len + 1);
    memcpy(url, at, len);
    url[len] = 0;
    return url;
}

bool control_post(const char *path) {
    char body[1024];
    int status = http_request("POST", path, NULL, NULL, 0, body, sizeof body);
    if (status != 200) fprintf(stderr, "    control POST %s -> %d %s\n", path, status, body);
    return status == 200;
}

// ---- Recorder ----

void recorder_init(recorder *r) {
    memset(r, 0, sizeof *r);
    r->messages = calloc(REC_MAX_MESSAGES, sizeof *r->messages);
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->changed, NULL);
}

void recorder_destroy(recorder *r) {
    for (size_t i = 0; i < r->message_count; i++) free(r->messages[i].data);
    free(r->messages);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->changed);
}

static unsigned bit_index(uint32_t kind) {
    unsigned i = 0;
    while (kind > 1u) {
        kind >>= 1;
        i++;
    }
    return i;
}

static bool str_ok(wps_str s) {
    if (!s.ptr) return s.len == 0;
    return s.ptr[s.len] == 0;
}

static void copy_str(char *dst, size_t cap, wps_str s) {
    size_t len = s.ptr ? s.len : 0;
    if (len >= cap) len = cap - 1;
    if (len) memcpy(dst, s.ptr, len);
    dst[len] = 0;
}

void recorder_on_event(void *user_data, const wps_event *e) {
    recorder *r = user_data;
    pthread_mutex_lock(&r->lock);
    pthread_t self = pthread_self();
    if (r->thread_seen && !pthread_equal(self, r->thread)) r->wrong_thread = true;
    r->thread = self;
    r->thread_seen = true;
    if (!str_ok(e->connection_id) || !str_ok(e->user_id) || !str_ok(e->message) || !str_ok(e->group) ||
        !str_ok(e->from_user_id))
        r->bad_strings++;
    r->counts[bit_index(e->kind)]++;
    switch (e->kind) {
    case WPS_EVENT_CONNECTED:
        copy_str(r->connection_id, sizeof r->connection_id, e->connection_id);
        copy_str(r->user_id, sizeof r->user_id, e->user_id);
        break;
    case WPS_EVENT_DISCONNECTED:
        copy_str(r->last_message, sizeof r->last_message, e->message);
        r->last_close_code = e->has_close_code ? e->close_code : 0;
        break;
    case WPS_EVENT_STATE_CHANGED:
        r->last_state = e->current_state;
        break;
    case WPS_EVENT_GROUP_MESSAGE:
    case WPS_EVENT_SERVER_MESSAGE:
        if (r->message_count < REC_MAX_MESSAGES) {
            recorded_message *m = &r->messages[r->message_count++];
            m->kind = e->kind;
            copy_str(m->group, sizeof m->group, e->group);
            copy_str(m->from_user, sizeof m->from_user, e->from_user_id);
            m->data_type = e->data_type;
            m->len = e->data_len;
            m->data = malloc(e->data_len + 1);
            if (e->data_len) memcpy(m->data, e->data, e->data_len);
            m->data[e->data_len] = 0;
            if (e->data[e->data_len] != 0) r->bad_strings++;
            m->sequence_id = e->sequence_id;
            m->has_sequence_id = e->has_sequence_id;
        }
        break;
    default:
        break;
    }
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
}

void recorder_on_free(void *user_data) {
    recorder *r = user_data;
    pthread_mutex_lock(&r->lock);
    r->finalized++;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
}

unsigned recorder_count(recorder *r, uint32_t kind) {
    pthread_mutex_lock(&r->lock);
    unsigned n = r->counts[bit_index(kind)];
    pthread_mutex_unlock(&r->lock);
    return n;
}

size_t recorder_messages(recorder *r) {
    pthread_mutex_lock(&r->lock);
    size_t n = r->message_count;
    pthread_mutex_unlock(&r->lock);
    return n;
}

static struct timespec deadline_in(unsigned timeout_ms) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(timeout_ms / 1000u);
    ts.tv_nsec += (long)(timeout_ms % 1000u) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

#define WAIT_UNTIL(r, cond, timeout_ms)                                                       \
    do {                                                                                      \
        struct timespec until_ = deadline_in(timeout_ms);                                     \
        pthread_mutex_lock(&(r)->lock);                                                       \
        while (!(cond)) {                                                                     \
            if (pthread_cond_timedwait(&(r)->changed, &(r)->lock, &until_) == ETIMEDOUT) break; \
        }                                                                                     \
        ok = (cond);                                                                          \
        pthread_mutex_unlock(&(r)->lock);                                                     \
    } while (0)

bool recorder_wait_count(recorder *r, uint32_t kind, unsigned n, unsigned timeout_ms) {
    bool ok;
    unsigned i = bit_index(kind);
    WAIT_UNTIL(r, r->counts[i] >= n, timeout_ms);
    return ok;
}

bool recorder_wait_messages(recorder *r, size_t n, unsigned timeout_ms) {
    bool ok;
    WAIT_UNTIL(r, r->message_count >= n, timeout_ms);
    return ok;
}

bool recorder_wait_finalized(recorder *r, unsigned n, unsigned timeout_ms) {
    bool ok;
    WAIT_UNTIL(r, r->finalized >= n, timeout_ms);
    return ok;
}

void recorder_connection_id(recorder *r, char *out, size_t cap) {
    pthread_mutex_lock(&r->lock);
    snprintf(out, cap, "%s", r->connection_id);
    pthread_mutex_unlock(&r->lock);
}

// ---- Completion ----

void completion_init(completion *c) {
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->done_cv, NULL);
}

void completion_destroy(completion *c) {
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->done_cv);
}

void completion_fn(void *user_data, wps_result result, const wps_op_result *op, const wps_error *error) {
    completion *c = user_data;
    pthread_mutex_lock(&c->lock);
    c->calls++;
    c->result = result;
    c->thread = pthread_self();
    c->had_op = op != NULL;
    if (op) c->op = *op;
    c->had_error = error != NULL;
    if (error) {
        const char *name = wps_error_name(error);
        snprintf(c->error_name, sizeof c->error_name, "%s", name ? name : "");
        snprintf(c->error_message, sizeof c->error_message, "%s", wps_error_message(error));
        c->error_has_ack = wps_error_ack_id(error, &c->error_ack_id);
        if (wps_error_code(error) != result) c->error_name[0] = '!'; // a mismatch the test sees
    }
    pthread_cond_broadcast(&c->done_cv);
    pthread_mutex_unlock(&c->lock);
}

bool completion_wait(completion *c, unsigned timeout_ms) {
    struct timespec until = deadline_in(timeout_ms);
    pthread_mutex_lock(&c->lock);
    while (c->calls == 0) {
        if (pthread_cond_timedwait(&c->done_cv, &c->lock, &until) == ETIMEDOUT) break;
    }
    bool ok = c->calls > 0;
    pthread_mutex_unlock(&c->lock);
    return ok;
}

// ---- Clients ----

wps_client *new_client(const char *url, recorder *rec, uint32_t dispatcher, bool start) {
    wps_options *options = NULL;
    wps_client *client = NULL;
    wps_error *error = NULL;
    if (wps_options_new(&options) != WPS_RESULT_OK) return NULL;
    wps_options_set_url(options, url);
    wps_options_set_dispatcher(options, dispatcher);
    wps_options_set_operation_timeout_ms(options, 15000);
    wps_options_set_connect_timeout_ms(options, 5000);
    wps_options_set_recovery_interval_ms(options, 100);
    wps_options_set_reconnect_retry(options, -1, 100, 1000, WPS_RETRY_MODE_EXPONENTIAL, true);
    wps_result r = wps_client_new(options, &client, &error);
    wps_options_free(options);
    if (r != WPS_RESULT_OK) {
        fprintf(stderr, "    wps_client_new: %s\n", wps_error_message(error));
        wps_error_free(error);
        return NULL;
    }
    if (rec && wps_client_add_listener(client, WPS_EVENT_ALL, recorder_on_event, rec, recorder_on_free, NULL) != WPS_RESULT_OK) {
        wps_client_free(client);
        return NULL;
    }
    if (start && wps_client_start(client, &error) != WPS_RESULT_OK) {
        fprintf(stderr, "    wps_client_start: %s\n", wps_error_message(error));
        wps_error_free(error);
        wps_client_free(client);
        return NULL;
    }
    return client;
}

bool wait_state(wps_client *client, wps_state state, unsigned timeout_ms) {
    uint64_t deadline = now_ms() + timeout_ms;
    wps_state now = 99;
    for (;;) {
        if (wps_client_state(client, &now) == WPS_RESULT_OK && now == state) return true;
        if (now_ms() >= deadline) return false;
        sleep_ms(5);
    }
}
