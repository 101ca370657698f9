// See shim.h. The static functions below have exactly the library's callback types and
// forward to the //export'ed Go functions, turning user_data back into the handle integer.
#include "shim.h"
#include "_cgo_export.h"

// Depth of listener callbacks on this thread (a listener may trigger a nested finalizer but
// never a nested listener; a counter keeps that honest anyway).
static _Thread_local int listener_depth;

int wpsgo_in_listener(void) { return listener_depth > 0; }

const char *wpsgo_header_version(void) { return WPS_VERSION; }

static void on_event(void *user_data, const wps_event *event) {
    listener_depth++;
    wpsgoEvent((uintptr_t)user_data, (wps_event *)event);
    listener_depth--;
}

static void on_free(void *user_data) { wpsgoFree((uintptr_t)user_data); }

static void on_complete(void *user_data, wps_result result, const wps_op_result *op_result,
                        const wps_error *error) {
    wpsgoComplete((uintptr_t)user_data, result, (wps_op_result *)op_result, (wps_error *)error);
}

static bool on_credential(void *user_data, wps_url_out *out) {
    return wpsgoCredential((uintptr_t)user_data, out);
}

static void on_log(void *user_data, uint32_t level, wps_str target, wps_str message) {
    wpsgoLog((uintptr_t)user_data, level, target, message);
}

wps_result wpsgo_add_listener(wps_client *client, uint32_t mask, uintptr_t handle, uint64_t *id_out) {
    return wps_client_add_listener(client, mask, on_event, (void *)handle, on_free, id_out);
}

wps_result wpsgo_set_credential(wps_options *options, uintptr_t handle) {
    return wps_options_set_credential(options, on_credential, (void *)handle, on_free);
}

wps_result wpsgo_set_log_callback(uintptr_t handle, uint32_t max_level) {
    if (handle == 0) return wps_set_log_callback(NULL, NULL, NULL, max_level);
    return wps_set_log_callback(on_log, (void *)handle, on_free, max_level);
}

wps_result wpsgo_start_async(wps_client *client, uintptr_t handle) {
    return wps_client_start_async(client, on_complete, (void *)handle);
}

wps_result wpsgo_stop_async(wps_client *client, uintptr_t handle) {
    return wps_client_stop_async(client, handle ? on_complete : NULL, (void *)handle);
}

wps_result wpsgo_operation_async(wps_client *client, int op, const char *name,
                                 wps_data_type data_type, const uint8_t *data, size_t len,
                                 uint32_t flags, uint64_t ack_id, uint32_t timeout_ms,
                                 uintptr_t handle, wps_error **error_out) {
    void *user_data = (void *)handle;
    switch (op) {
    case WPSGO_OP_JOIN:
        return wps_client_join_group_async(client, name, ack_id, timeout_ms, on_complete, user_data, error_out);
    case WPSGO_OP_LEAVE:
        return wps_client_leave_group_async(client, name, ack_id, timeout_ms, on_complete, user_data, error_out);
    case WPSGO_OP_SEND_TO_GROUP:
        return wps_client_send_to_group_async(client, name, data_type, data, len, flags, ack_id,
                                              timeout_ms, on_complete, user_data, error_out);
    case WPSGO_OP_SEND_EVENT:
        return wps_client_send_event_async(client, name, data_type, data, len, flags, ack_id,
                                           timeout_ms, on_complete, user_data, error_out);
    default:
        return WPS_RESULT_INVALID_ARGUMENT;
    }
}
