// The test functions of the C ABI suite, run by main.c.
#ifndef WPS_TESTS_H
#define WPS_TESTS_H

void test_version_and_results(void);
void test_connect_join_send_receive(void);
void test_operations_both_forms(void);
void test_service_errors(void);
void test_connect_failures(void);
void test_credential_callback(void);
void test_recovery_without_loss(void);
void test_listener_removal_and_finalizers(void);
void test_free_inside_callback(void);
void test_free_with_pending_operation(void);
void test_stop_inside_callback(void);
void test_blocking_call_from_callback(void);
void test_null_arguments(void);
void test_invalid_utf8(void);
void test_invalid_json(void);
void test_oversize_payloads(void);
void test_calls_after_stop(void);
void test_http_urls(void);
void test_group_name_characters(void);
void test_start_async_then_operations(void);
void test_options_validation(void);
void test_log_callback(void);
void test_shared_dispatcher_many_clients(void);
void test_concurrent_sends(void);
void test_shutdown_times_out(void);
void test_shutdown_and_restart(void);

#endif
