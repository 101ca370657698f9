// Runs the C ABI suite against a running emulator (WPS_EMULATOR=http://127.0.0.1:PORT).
//
//   test_abi                 every test, in order
//   test_abi NAME...         only the named tests (e.g. under valgrind)
//
// Ends with the line "N passed, N failed" and exits non-zero when a test failed.
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "tests.h"

typedef struct test_case {
    const char *name;
    void (*run)(void);
} test_case;

#define TEST(name) {#name, test_##name}

static const test_case TESTS[] = {
    TEST(version_and_results),
    TEST(options_validation),
    TEST(connect_join_send_receive),
    TEST(operations_both_forms),
    TEST(service_errors),
    TEST(connect_failures),
    TEST(credential_callback),
    TEST(recovery_without_loss),
    TEST(listener_removal_and_finalizers),
    TEST(free_inside_callback),
    TEST(free_with_pending_operation),
    TEST(stop_inside_callback),
    TEST(blocking_call_from_callback),
    TEST(null_arguments),
    TEST(invalid_utf8),
    TEST(invalid_json),
    TEST(oversize_payloads),
    TEST(calls_after_stop),
    TEST(http_urls),
    TEST(group_name_characters),
    TEST(start_async_then_operations),
    TEST(log_callback),
    TEST(shared_dispatcher_many_clients),
    TEST(concurrent_sends),
    TEST(shutdown_times_out),
    TEST(shutdown_and_restart), // last: it shuts the library down
};

int main(int argc, char **argv) {
    // Before the first client: 2 runtime workers, a shared pool of 4 dispatcher threads.
    if (wps_runtime_configure(2, 4) != WPS_RESULT_OK) {
        fprintf(stderr, "wps_runtime_configure failed\n");
        return 1;
    }
    size_t count = sizeof TESTS / sizeof TESTS[0];
    int passed = 0, failed = 0;
    for (size_t i = 0; i < count; i++) {
        bool selected = argc < 2;
        for (int a = 1; a < argc; a++) selected |= strcmp(argv[a], TESTS[i].name) == 0;
        if (!selected) continue;
        int before = g_failures;
        uint64_t start = now_ms();
        printf("test %s ... ", TESTS[i].name);
        fflush(stdout);
        TESTS[i].run();
        bool ok = g_failures == before;
        printf("%s (%llu ms)\n", ok ? "ok" : "FAILED", (unsigned long long)(now_ms() - start));
        fflush(stdout);
        if (ok) {
            passed++;
        } else {
            failed++;
        }
    }
    // A clean exit: everything the library runs is stopped and joined.
    if (wps_shutdown(10000) != WPS_RESULT_OK) {
        fprintf(stderr, "wps_shutdown timed out\n");
        failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
