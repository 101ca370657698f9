// The C ABI contender: libwebpubsub_client through include/webpubsub_client.h, with default
// options, against the emulator. Blocking calls where a C program would block (sequential
// sends), `_async` calls with a completion callback where it would pipeline, listeners for
// receiving. Many-client workloads use the shared dispatcher pool (WPS_DISPATCHER_SHARED),
// as the header recommends for thousands of clients.
//
// Usage: bench-c <seq|pipe|faf|latency|recovery|memory|scale> --endpoint http://HOST:PORT
//        [--server-pid PID] [--reps N] [--duration S] [--size BYTES] [--count N]
//        [--window N] [--clients N] [--drops N] [--hub NAME]
// Prints one JSON line (see bench/README.md).

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "webpubsub_client.h"

#define GROUP "bench"
#define WAIT_S 20.0

// ---------------------------------------------------------------------------------------------
// Command line, time, /proc meters

static int g_argc;
static char **g_argv;

static const char *arg_str(const char *name, const char *fallback) {
    for (int i = 2; i + 1 < g_argc; i += 2) {
        if (strncmp(g_argv[i], "--", 2) == 0 && strcmp(g_argv[i] + 2, name) == 0) return g_argv[i + 1];
    }
    return fallback;
}

static double arg_num(const char *name, double fallback) {
    const char *v = arg_str(name, NULL);
    return v ? atof(v) : fallback;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

// CPU seconds (user + system) of `pid`, or of this process when pid is 0; -1 if unknown.
static double cpu_seconds(long pid) {
    char path[64], buf[1024];
    if (pid > 0) snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    else snprintf(path, sizeof path, "/proc/self/stat");
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    p += 2;
    unsigned long long utime = 0, stime = 0;
    // Fields 3..13 are skipped; utime and stime are fields 14 and 15.
    if (sscanf(p, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static long rss_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) kib = atol(line + 6);
    }
    fclose(f);
    return kib;
}

static void raise_fd_limit(void) {
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        setrlimit(RLIMIT_NOFILE, &r);
    }
}

// ---------------------------------------------------------------------------------------------
// Output: one JSON line. Reps are appended as JSON objects into one buffer.

static char g_reps[1 << 16];
static size_t g_reps_len;
static const char *g_workload = "";

static void rep_begin(void) {
    g_reps_len += (size_t)snprintf(g_reps + g_reps_len, sizeof g_reps - g_reps_len, "%s{", g_reps_len ? "," : "");
}

static void rep_num(const char *key, double value) {
    char *last = g_reps + g_reps_len - 1;
    g_reps_len += (size_t)snprintf(g_reps + g_reps_len, sizeof g_reps - g_reps_len, "%s\"%s\":%.9g", *last == '{' ? "" : ",", key, value);
}

static void rep_raw(const char *key, const char *json) {
    char *last = g_reps + g_reps_len - 1;
    g_reps_len += (size_t)snprintf(g_reps + g_reps_len, sizeof g_reps - g_reps_len, "%s\"%s\":%s", *last == '{' ? "" : ",", key, json);
}

static void rep_end(void) {
    g_reps_len += (size_t)snprintf(g_reps + g_reps_len, sizeof g_reps - g_reps_len, "}");
}

static void fail(const char *fmt, ...) {
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    for (char *c = message; *c; c++) {
        if (*c == '"' || *c == '\\') *c = '\'';
    }
    printf("{\"contender\":\"c\",\"workload\":\"%s\",\"error\":\"%s\"}\n", g_workload, message);
    fflush(stdout);
    _exit(0);
}

// Wall time and CPU of this process and of the server over one repetition.
typedef struct {
    double t0, self0, server0;
    long server_pid;
} meter;

static meter meter_start(void) {
    long pid = (long)arg_num("server-pid", 0);
    meter m = {now_s(), cpu_seconds(0), pid ? cpu_seconds(pid) : -1, pid};
    return m;
}

// Writes elapsed_s, client_cpu and server_cpu into the open rep; returns the elapsed time.
static double meter_finish(meter *m) {
    double elapsed = now_s() - m->t0;
    rep_num("elapsed_s", elapsed);
    rep_num("client_cpu", (cpu_seconds(0) - m->self0) / elapsed);
    if (m->server_pid && m->server0 >= 0) rep_num("server_cpu", (cpu_seconds(m->server_pid) - m->server0) / elapsed);
    return elapsed;
}

// ---------------------------------------------------------------------------------------------
// The emulator's control surface over plain HTTP/1.1 (one request per connection).

static int http_request(const char *method, const char *path, char *body, size_t body_size) {
    const char *endpoint = arg_str("endpoint", "http://127.0.0.1:8080");
    const char *hostport = strstr(endpoint, "://") ? strstr(endpoint, "://") + 3 : endpoint;
    char host[64];
    const char *colon = strchr(hostport, ':');
    if (!colon || (size_t)(colon - hostport) >= sizeof host) fail("bad endpoint %s", endpoint);
    memcpy(host, hostport, (size_t)(colon - hostport));
    host[colon - hostport] = 0;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    inet_pton(AF_INET, host, &addr.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) fail("cannot connect to %s", endpoint);
    char request[1024];
    int n = snprintf(request, sizeof request,
                     "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", method, path, hostport);
    if (write(fd, request, (size_t)n) != n) fail("cannot send to %s", endpoint);
    static char response[16384];
    size_t len = 0;
    ssize_t got;
    while ((got = read(fd, response + len, sizeof response - 1 - len)) > 0) len += (size_t)got;
    close(fd);
    response[len] = 0;
    int status = 0;
    sscanf(response, "HTTP/1.1 %d", &status);
    char *start = strstr(response, "\r\n\r\n");
    if (body && start) snprintf(body, body_size, "%s", start + 4);
    return status;
}

// A client access URL with the roles to join and publish to any group; caller frees.
static char *mint_url(const char *user) {
    char path[512], body[8192];
    snprintf(path, sizeof path,
             "/_emulator/client-access-url?hub=%s&userId=%s&role=webpubsub.joinLeaveGroup&role=webpubsub.sendToGroup",
             arg_str("hub", "bench"), user);
    if (http_request("GET", path, body, sizeof body) != 200) fail("cannot mint a client access URL: %s", body);
    char *start = strstr(body, "\"url\":\"");
    if (!start) fail("no url in %s", body);
    start += 7;
    char *end = strchr(start, '"');
    return strndup(start, (size_t)(end - start));
}

static void drop_connection(const char *connection_id) {
    char path[256];
    snprintf(path, sizeof path, "/_emulator/connections/%s/drop", connection_id);
    if (http_request("POST", path, NULL, 0) != 200) fail("drop of %s refused", connection_id);
}

// ---------------------------------------------------------------------------------------------
// Payloads and receivers

// A payload of `size` bytes starting with its index as 12 zero-padded digits.
static void make_payload(char *out, uint64_t index, size_t size) {
    char digits[16];
    snprintf(digits, sizeof digits, "%012llu", (unsigned long long)index);
    memcpy(out, digits, 12);
    memset(out + 12, 'x', size - 12);
    out[size] = 0;
}

static int64_t payload_index(const uint8_t *data, size_t len) {
    if (len < 12) return -1;
    int64_t v = 0;
    for (int i = 0; i < 12; i++) {
        if (data[i] < '0' || data[i] > '9') return -1;
        v = v * 10 + (data[i] - '0');
    }
    return v;
}

// What a receiving client saw; guarded by `mu`, `cv` signalled when `received` reaches
// `target` or a new message arrives while `notify_each` is set.
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t received, next, out_of_order, target;
    int64_t last_index;
    int notify_each;
    char connection_id[128];
} receiver;

static receiver *receiver_new(void) {
    receiver *r = calloc(1, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    r->last_index = -1;
    return r;
}

static void on_event(void *user_data, const wps_event *event) {
    receiver *r = user_data;
    pthread_mutex_lock(&r->mu);
    if (event->kind == WPS_EVENT_GROUP_MESSAGE) {
        int64_t index = payload_index(event->data, event->data_len);
        if (index >= 0) {
            r->received++;
            if ((uint64_t)index == r->next) r->next++;
            else {
                r->out_of_order++;
                if ((uint64_t)index + 1 > r->next) r->next = (uint64_t)index + 1;
            }
            r->last_index = index;
            if (r->notify_each || (r->target && r->received == r->target)) pthread_cond_signal(&r->cv);
        }
    } else if (event->kind == WPS_EVENT_CONNECTED) {
        snprintf(r->connection_id, sizeof r->connection_id, "%s", event->connection_id.ptr);
    }
    pthread_mutex_unlock(&r->mu);
}

// Waits until `received >= target` (or, with index >= 0, until that index arrived).
static void receiver_wait(receiver *r, uint64_t target, int64_t index) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += (time_t)WAIT_S;
    pthread_mutex_lock(&r->mu);
    r->target = target;
    while (index >= 0 ? r->last_index != index : r->received < target) {
        if (pthread_cond_timedwait(&r->cv, &r->mu, &deadline) != 0) {
            pthread_mutex_unlock(&r->mu);
            fail("timed out: received %llu of %llu messages", (unsigned long long)r->received, (unsigned long long)target);
        }
    }
    pthread_mutex_unlock(&r->mu);
}

static void check(wps_result result, wps_error *error, const char *what) {
    if (result != WPS_RESULT_OK) {
        fail("%s: %s (%s)", what, wps_result_str(result), error ? wps_error_message(error) : "");
    }
}

// A started client of `user` (or of `url` when given); `r` (may be NULL) receives its events.
static wps_client *client_new(const char *url, receiver *r, wps_dispatcher dispatcher) {
    wps_options *options = NULL;
    wps_client *client = NULL;
    wps_error *error = NULL;
    wps_options_new(&options);
    check(wps_options_set_url(options, url), NULL, "set url");
    check(wps_options_set_dispatcher(options, dispatcher), NULL, "set dispatcher");
    check(wps_client_new(options, &client, &error), error, "client new");
    wps_options_free(options);
    if (r) check(wps_client_add_listener(client, WPS_EVENT_ALL, on_event, r, NULL, NULL), NULL, "add listener");
    return client;
}

static wps_client *started(const char *user, receiver *r) {
    char *url = mint_url(user);
    wps_client *client = client_new(url, r, WPS_DISPATCHER_DEDICATED);
    free(url);
    wps_error *error = NULL;
    check(wps_client_start(client, &error), error, "start");
    return client;
}

static void send_text(wps_client *client, const char *group, const char *text, size_t len, uint32_t flags) {
    wps_error *error = NULL;
    check(wps_client_send_to_group(client, group, WPS_DATA_TYPE_TEXT, (const uint8_t *)text, len, flags, 0, 0, NULL, &error),
          error, "send_to_group");
}

// ---------------------------------------------------------------------------------------------
// Workloads

static void seq(void) {
    wps_client *client = started("sender", NULL);
    size_t size = (size_t)arg_num("size", 64);
    char *payload = malloc(size + 1);
    make_payload(payload, 0, size);
    int reps = (int)arg_num("reps", 5);
    double duration = arg_num("duration", 2.0);
    for (int rep = 0; rep <= reps; rep++) {
        double d = rep == 0 ? duration / 2 : duration;
        meter m = meter_start();
        uint64_t count = 0;
        while (now_s() - m.t0 < d) {
            send_text(client, GROUP, payload, size, 0);
            count++;
        }
        if (rep == 0) continue;
        rep_begin();
        double elapsed = meter_finish(&m);
        rep_num("rate", (double)count / elapsed);
        rep_num("messages", (double)count);
        rep_end();
    }
    wps_client_stop(client);
}

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t in_flight, acked, failed, window;
    int waiting;
} pipeline;

static void on_acked(void *user_data, wps_result result, const wps_op_result *op, const wps_error *error) {
    (void)op;
    (void)error;
    pipeline *p = user_data;
    pthread_mutex_lock(&p->mu);
    p->in_flight--;
    if (result == WPS_RESULT_OK) p->acked++;
    else p->failed++;
    if (p->waiting) pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void pipe_workload(void) {
    wps_client *client = started("sender", NULL);
    size_t size = (size_t)arg_num("size", 64);
    char *payload = malloc(size + 1);
    make_payload(payload, 0, size);
    pipeline p = {.window = (uint64_t)arg_num("window", 1000)};
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    int reps = (int)arg_num("reps", 5);
    double duration = arg_num("duration", 2.0);
    for (int rep = 0; rep <= reps; rep++) {
        double d = rep == 0 ? duration / 2 : duration;
        meter m = meter_start();
        uint64_t acked0 = p.acked;
        while (now_s() - m.t0 < d) {
            pthread_mutex_lock(&p.mu);
            while (p.in_flight >= p.window) {
                p.waiting = 1;
                pthread_cond_wait(&p.cv, &p.mu);
            }
            p.waiting = 0;
            p.in_flight++;
            pthread_mutex_unlock(&p.mu);
            wps_error *error = NULL;
            check(wps_client_send_to_group_async(client, GROUP, WPS_DATA_TYPE_TEXT, (const uint8_t *)payload, size, 0, 0, 0,
                                                 on_acked, &p, &error),
                  error, "send_to_group_async");
        }
        pthread_mutex_lock(&p.mu);
        while (p.in_flight > 0) {
            p.waiting = 1;
            pthread_cond_wait(&p.cv, &p.mu);
        }
        p.waiting = 0;
        uint64_t acked = p.acked - acked0;
        pthread_mutex_unlock(&p.mu);
        if (p.failed) fail("%llu sends failed", (unsigned long long)p.failed);
        if (rep == 0) continue;
        rep_begin();
        double elapsed = meter_finish(&m);
        rep_num("rate", (double)acked / elapsed);
        rep_num("messages", (double)acked);
        rep_end();
    }
    wps_client_stop(client);
}

static void faf(void) {
    size_t size = (size_t)arg_num("size", 64);
    receiver *r = receiver_new();
    wps_client *rx = started("receiver", r);
    wps_error *error = NULL;
    check(wps_client_join_group(rx, GROUP, 0, 0, NULL, &error), error, "join");
    wps_client *tx = started("sender", NULL);
    char *payload = malloc(size + 1);
    uint64_t next = 0, count = (uint64_t)arg_num("count", 0);
    int reps = (int)arg_num("reps", 5);
    for (int rep = 0; rep <= reps; rep++) {
        uint64_t n = rep == 0 ? (uint64_t)arg_num("warmup", 2000) : count;
        meter m = meter_start();
        for (uint64_t i = 0; i < n; i++) {
            make_payload(payload, next++, size);
            send_text(tx, GROUP, payload, size, WPS_SEND_FIRE_AND_FORGET);
        }
        receiver_wait(r, next, -1);
        if (rep == 0) {
            if (count == 0) {
                double rate = (double)n / (now_s() - m.t0);
                count = (uint64_t)(rate * arg_num("duration", 2.0));
                count = count < 1000 ? 1000 : count > 5000000 ? 5000000 : count;
            }
            continue;
        }
        rep_begin();
        double elapsed = meter_finish(&m);
        pthread_mutex_lock(&r->mu);
        rep_num("rate", (double)n / elapsed);
        rep_num("messages", (double)n);
        rep_num("lost", (double)(next > r->received ? next - r->received : 0));
        rep_num("out_of_order", (double)r->out_of_order);
        pthread_mutex_unlock(&r->mu);
        rep_end();
    }
    wps_client_stop(tx);
    wps_client_stop(rx);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double quantile(const double *sorted, size_t n, double q) {
    size_t rank = (size_t)(q * (double)n + 0.999999999);
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return sorted[rank - 1];
}

static void latency(void) {
    size_t size = (size_t)arg_num("size", 64);
    receiver *r = receiver_new();
    r->notify_each = 1;
    wps_client *rx = started("receiver", r);
    wps_error *error = NULL;
    check(wps_client_join_group(rx, GROUP, 0, 0, NULL, &error), error, "join");
    wps_client *tx = started("sender", NULL);
    char *payload = malloc(size + 1);
    uint64_t next = 0, count = (uint64_t)arg_num("count", 10000);
    double *samples = malloc(sizeof(double) * count);
    int reps = (int)arg_num("reps", 3);
    for (int rep = 0; rep <= reps; rep++) {
        uint64_t n = rep == 0 ? count / 5 : count;
        meter m = meter_start();
        for (uint64_t i = 0; i < n; i++) {
            make_payload(payload, next, size);
            double t0 = now_s();
            send_text(tx, GROUP, payload, size, WPS_SEND_FIRE_AND_FORGET);
            receiver_wait(r, 0, (int64_t)next);
            samples[i] = now_s() - t0;
            next++;
        }
        if (rep == 0) continue;
        qsort(samples, n, sizeof(double), cmp_double);
        double sum = 0;
        for (uint64_t i = 0; i < n; i++) sum += samples[i];
        rep_begin();
        rep_num("p50_us", quantile(samples, n, 0.5) * 1e6);
        rep_num("p99_us", quantile(samples, n, 0.99) * 1e6);
        rep_num("p999_us", quantile(samples, n, 0.999) * 1e6);
        rep_num("max_us", samples[n - 1] * 1e6);
        rep_num("mean_us", sum / (double)n * 1e6);
        rep_num("samples", (double)n);
        meter_finish(&m);
        rep_end();
    }
    wps_client_stop(tx);
    wps_client_stop(rx);
}

static void recovery(void) {
    receiver *r = receiver_new();
    wps_client *rx = started("receiver", r);
    wps_error *error = NULL;
    check(wps_client_join_group(rx, GROUP, 0, 0, NULL, &error), error, "join");
    wps_client *tx = started("sender", NULL);
    char payload[65], id[128], list[4096];
    int drops = (int)arg_num("drops", 20), burst = (int)arg_num("burst", 20);
    double *samples = calloc((size_t)drops, sizeof(double));
    uint64_t next = 0;
    meter m = meter_start();
    for (int d = 0; d < drops; d++) {
        for (int i = 0; i < burst; i++) {
            make_payload(payload, next++, 64);
            send_text(tx, GROUP, payload, 64, WPS_SEND_FIRE_AND_FORGET);
        }
        receiver_wait(r, next, -1);
        pthread_mutex_lock(&r->mu);
        snprintf(id, sizeof id, "%s", r->connection_id);
        pthread_mutex_unlock(&r->mu);
        double t0 = now_s();
        drop_connection(id);
        make_payload(payload, next++, 64);
        send_text(tx, GROUP, payload, 64, WPS_SEND_FIRE_AND_FORGET);
        receiver_wait(r, next, -1);
        samples[d] = now_s() - t0;
        usleep(20000);
    }
    size_t len = 0;
    for (int d = 0; d < drops; d++) len += (size_t)snprintf(list + len, sizeof list - len, "%s%.6f", d ? "," : "[", samples[d] * 1e3);
    snprintf(list + len, sizeof list - len, "]");
    rep_begin();
    rep_raw("samples_ms", list);
    qsort(samples, (size_t)drops, sizeof(double), cmp_double);
    rep_num("p50_ms", quantile(samples, (size_t)drops, 0.5) * 1e3);
    rep_num("max_ms", samples[drops - 1] * 1e3);
    rep_num("drops", drops);
    pthread_mutex_lock(&r->mu);
    rep_num("lost", (double)(next > r->received ? next - r->received : 0));
    rep_num("out_of_order", (double)r->out_of_order);
    pthread_mutex_unlock(&r->mu);
    meter_finish(&m);
    rep_end();
}

// Many clients: started (and optionally joined to a group) with the async calls, at most
// 64 starts in flight, each counting its group messages into `many.received`.
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int in_flight, done, failed;
    const char *join;
    atomic_ullong received;
    unsigned long long target;
} many_state;

static many_state many;

static void on_many_event(void *user_data, const wps_event *event) {
    (void)user_data;
    if (event->kind == WPS_EVENT_GROUP_MESSAGE) {
        unsigned long long now = atomic_fetch_add(&many.received, 1) + 1;
        if (now == many.target) {
            pthread_mutex_lock(&many.mu);
            pthread_cond_signal(&many.cv);
            pthread_mutex_unlock(&many.mu);
        }
    }
}

static void on_many_done(void *user_data, wps_result result, const wps_op_result *op, const wps_error *error) {
    (void)user_data;
    (void)op;
    (void)error;
    pthread_mutex_lock(&many.mu);
    many.in_flight--;
    if (result == WPS_RESULT_OK) many.done++;
    else many.failed++;
    pthread_cond_signal(&many.cv);
    pthread_mutex_unlock(&many.mu);
}

static void on_many_started(void *user_data, wps_result result, const wps_op_result *op, const wps_error *error) {
    wps_client *client = user_data;
    if (result == WPS_RESULT_OK && many.join) {
        wps_error *join_error = NULL;
        if (wps_client_join_group_async(client, many.join, 0, 0, on_many_done, NULL, &join_error) == WPS_RESULT_OK) return;
        wps_error_free(join_error);
        result = WPS_RESULT_INTERNAL;
    }
    on_many_done(NULL, result, op, error);
}

static wps_client **start_many(const char *url, int n, const char *join) {
    wps_client **clients = calloc((size_t)n, sizeof *clients);
    many.join = join;
    many.done = many.failed = 0;
    for (int i = 0; i < n; i++) {
        pthread_mutex_lock(&many.mu);
        while (many.in_flight >= 64) pthread_cond_wait(&many.cv, &many.mu);
        many.in_flight++;
        pthread_mutex_unlock(&many.mu);
        clients[i] = client_new(url, NULL, WPS_DISPATCHER_SHARED);
        if (join) check(wps_client_add_listener(clients[i], WPS_EVENT_GROUP_MESSAGE, on_many_event, NULL, NULL, NULL), NULL, "add listener");
        check(wps_client_start_async(clients[i], on_many_started, clients[i]), NULL, "start_async");
    }
    pthread_mutex_lock(&many.mu);
    while (many.in_flight > 0) pthread_cond_wait(&many.cv, &many.mu);
    pthread_mutex_unlock(&many.mu);
    if (many.failed) fail("%d of %d clients failed to start", many.failed, n);
    return clients;
}

static void memory(void) {
    int n = (int)arg_num("clients", 1000);
    char *url = mint_url("many");
    start_many(url, 1, NULL);
    usleep(200000);
    long before = rss_kib();
    double t0 = now_s();
    start_many(url, n, NULL);
    double connect_s = now_s() - t0;
    usleep((useconds_t)(arg_num("settle", 2.0) * 1e6));
    long after = rss_kib();
    rep_begin();
    rep_num("kib_per_client", (double)(after - before) / n);
    rep_num("clients", n);
    rep_num("rss_before_kib", (double)before);
    rep_num("rss_after_kib", (double)after);
    rep_num("connect_s", connect_s);
    rep_end();
}

static void scale(void) {
    int n = (int)arg_num("clients", 10000), broadcasts = (int)arg_num("broadcasts", 5);
    char *url = mint_url("many");
    long before = rss_kib();
    double t0 = now_s();
    start_many(url, n, "scale");
    double connect_s = now_s() - t0;
    wps_client *tx = started("sender", NULL);
    usleep(500000);
    long after = rss_kib();
    double times[64];
    char payload[65], list[2048];
    meter m = meter_start();
    for (int b = 0; b < broadcasts && b < 64; b++) {
        make_payload(payload, (uint64_t)b, 64);
        unsigned long long target = (unsigned long long)(b + 1) * (unsigned long long)n;
        pthread_mutex_lock(&many.mu);
        many.target = target;
        pthread_mutex_unlock(&many.mu);
        double t = now_s();
        send_text(tx, "scale", payload, 64, WPS_SEND_FIRE_AND_FORGET);
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += (time_t)WAIT_S;
        pthread_mutex_lock(&many.mu);
        while (atomic_load(&many.received) < target) {
            if (pthread_cond_timedwait(&many.cv, &many.mu, &deadline) != 0) {
                pthread_mutex_unlock(&many.mu);
                fail("broadcast %d: %llu of %llu receipts", b, atomic_load(&many.received), target);
            }
        }
        pthread_mutex_unlock(&many.mu);
        times[b] = (now_s() - t) * 1e3;
    }
    size_t len = 0;
    for (int b = 0; b < broadcasts; b++) len += (size_t)snprintf(list + len, sizeof list - len, "%s%.3f", b ? "," : "[", times[b]);
    snprintf(list + len, sizeof list - len, "]");
    rep_begin();
    meter_finish(&m);
    rep_num("clients", n);
    rep_num("connect_s", connect_s);
    rep_num("connect_rate", n / connect_s);
    rep_raw("broadcast_ms", list);
    qsort(times, (size_t)broadcasts, sizeof(double), cmp_double);
    rep_num("broadcast_ms_p50", quantile(times, (size_t)broadcasts, 0.5));
    rep_num("kib_per_client", (double)(after - before) / n);
    rep_num("received", (double)atomic_load(&many.received));
    rep_end();
}

int main(int argc, char **argv) {
    g_argc = argc;
    g_argv = argv;
    if (argc < 2) {
        fprintf(stderr, "usage: bench-c <seq|pipe|faf|latency|recovery|memory|scale> --endpoint http://HOST:PORT [...]\n");
        return 2;
    }
    g_workload = argv[1];
    raise_fd_limit();
    pthread_mutex_init(&many.mu, NULL);
    pthread_cond_init(&many.cv, NULL);
    if (strcmp(g_workload, "seq") == 0) seq();
    else if (strcmp(g_workload, "pipe") == 0) pipe_workload();
    else if (strcmp(g_workload, "faf") == 0) faf();
    else if (strcmp(g_workload, "latency") == 0) latency();
    else if (strcmp(g_workload, "recovery") == 0) recovery();
    else if (strcmp(g_workload, "memory") == 0) memory();
    else if (strcmp(g_workload, "scale") == 0) scale();
    else fail("unknown workload %s", g_workload);
    printf("{\"contender\":\"c\",\"workload\":\"%s\",\"reps\":[%s],\"info\":{}}\n", g_workload, g_reps);
    fflush(stdout);
    // Clients are left to the exit: the measurement is done.
    _exit(0);
}
