// The header compiles as C++17 (extern "C" linkage, no C-only constructs).
#include "webpubsub_client.h"
#include "webpubsub_client.h"

#include <cstdio>
#include <type_traits>

static_assert(std::is_same<wps_result, uint32_t>::value, "wps_result is a uint32_t");
static_assert(sizeof(wps_op_result) == 16, "wps_op_result layout");

int main() {
    wps_event event{};
    event.kind = WPS_EVENT_CONNECTED;
    std::printf("%s %u\n", wps_version(), static_cast<unsigned>(event.kind));
    return 0;
}
