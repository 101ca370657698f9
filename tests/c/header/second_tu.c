// A second translation unit including the header, linked with twice.c: no definitions
// may collide.
#include <stdio.h>

#include "webpubsub_client.h"

int header_twice_tu(void);

int main(void) {
    printf("%s %d %d\n", WPS_VERSION, header_twice_tu() > 0, (int)(WPS_EVENT_ALL & WPS_EVENT_GROUP_MESSAGE));
    return 0;
}
