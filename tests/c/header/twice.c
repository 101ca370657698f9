// The header compiles in C (C99 and C11), included twice in one translation unit.
#include "webpubsub_client.h"
#include "webpubsub_client.h"

// Layout facts the bindings (ctypes, P/Invoke, cgo) rely on, checked by the compiler.
typedef char assert_str_size[sizeof(wps_str) == 2 * sizeof(void *) ? 1 : -1];
typedef char assert_op_result_size[sizeof(wps_op_result) == 16 ? 1 : -1];
typedef char assert_result_is_u32[sizeof(wps_result) == 4 ? 1 : -1];

int header_twice_tu(void);
int header_twice_tu(void) { return WPS_RESULT_OK + (int)sizeof(wps_event); }
