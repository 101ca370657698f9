// The C side of the Go binding: the library's callback types bound to the Go trampolines
// (trampolines.go), with user_data carried as a runtime/cgo.Handle (an integer), never a Go
// pointer. Go code calls these instead of the wps_* functions that take callbacks.
#ifndef WEBPUBSUB_GO_SHIM_H
#define WEBPUBSUB_GO_SHIM_H

#include <stdint.h>
#include "webpubsub_client.h"

// Whether the calling thread is inside a listener callback, where waiting for a completion
// of the same dispatcher would deadlock.
int wpsgo_in_listener(void);

// WPS_VERSION of the header this binding was compiled with.
const char *wpsgo_header_version(void);

wps_result wpsgo_add_listener(wps_client *client, uint32_t mask, uintptr_t handle, uint64_t *id_out);
wps_result wpsgo_set_credential(wps_options *options, uintptr_t handle);
wps_result wpsgo_set_log_callback(uintptr_t handle, uint32_t max_level);

wps_result wpsgo_start_async(wps_client *client, uintptr_t handle);
// handle 0: no completion callback (the outcome is not reported).
wps_result wpsgo_stop_async(wps_client *client, uintptr_t handle);

// op: one of the WPSGO_OP_* values. name: the group or the event name. Data only for sends.
enum { WPSGO_OP_JOIN = 1, WPSGO_OP_LEAVE = 2, WPSGO_OP_SEND_TO_GROUP = 3, WPSGO_OP_SEND_EVENT = 4 };
wps_result wpsgo_operation_async(wps_client *client, int op, const char *name,
                                 wps_data_type data_type, const uint8_t *data, size_t len,
                                 uint32_t flags, uint64_t ack_id, uint32_t timeout_ms,
                                 uintptr_t handle, wps_error **error_out);

#endif
