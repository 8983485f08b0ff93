/* Capture filters: tcpdump's filter language (libpcap), applied in user space
 * to each packet offcap captured, on the bytes it captured (the snaplen's). */
#ifndef OFFCAP_FILTER_H
#define OFFCAP_FILTER_H

#include <stddef.h>
#include "packet.h"

struct oc_filter;

/* NULL with libpcap's message in err when expr is not a valid filter for
 * Ethernet frames. An empty or blank expr compiles to "every packet". */
struct oc_filter *oc_filter_compile(const char *expr, char *err, size_t errlen);
/* 1 when the packet passes (data, caplen and len as in the file). */
int oc_filter_match(const struct oc_filter *f, const struct oc_packet *pkt);
void oc_filter_free(struct oc_filter *f);

#endif
