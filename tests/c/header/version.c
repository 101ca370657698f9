// Prints the version the header declares and the one the loaded library reports, for
// scripts/test/30-c-abi.sh to compare with Cargo.toml.
#include <stdio.h>
#include <string.h>

#include "webpubsub_client.h"

int main(void) {
    char parts[64];
    snprintf(parts, sizeof parts, "%d.%d.%d", WPS_VERSION_MAJOR, WPS_VERSION_MINOR, WPS_VERSION_PATCH);
    printf("header=%s parts=%s library=%s\n", WPS_VERSION, parts, wps_version());
    return strcmp(WPS_VERSION, wps_version()) == 0 && strcmp(parts, WPS_VERSION) == 0 ? 0 : 1;
}
