/* An interface's GSO/GRO/TSO size limits, read-only over rtnetlink. */
#ifndef OFFCAP_GSOLIMITS_H
#define OFFCAP_GSOLIMITS_H

#include <stdint.h>

struct oc_gso_limits {
	uint32_t gso_max_size, gso_max_segs, gro_max_size, tso_max_size;	/* 0: not reported */
};

/* RTM_GETLINK for ifindex in the calling thread's network namespace.
 * 0 on success; -1 (limits zeroed) if the kernel did not answer. */
int oc_gso_limits_read(int ifindex, struct oc_gso_limits *l);

#endif
