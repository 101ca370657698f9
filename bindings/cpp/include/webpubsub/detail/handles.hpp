// webpubsub/detail/handles.hpp: owning pointers to the C ABI's opaque objects, each freed by
// its `_free` function (all of which accept NULL, so a moved-from pointer is harmless).
#pragma once

#include <webpubsub_client.h>

#include <memory>

namespace webpubsub {
namespace detail {

struct OptionsDeleter {
    void operator()(wps_options* options) const noexcept { wps_options_free(options); }
};
struct ErrorDeleter {
    void operator()(wps_error* error) const noexcept { wps_error_free(error); }
};
struct ClientDeleter {
    void operator()(wps_client* client) const noexcept { wps_client_free(client); }
};

using OptionsPtr = std::unique_ptr<wps_options, OptionsDeleter>;
using ErrorPtr = std::unique_ptr<wps_error, ErrorDeleter>;
using ClientPtr = std::unique_ptr<wps_client, ClientDeleter>;

}  // namespace detail
}  // namespace webpubsub
