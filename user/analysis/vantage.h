/* Captures from several hosts as one: each file a vantage point with a host
 * label, its clock aligned to the first file's (path.h), its packets merged
 * in corrected time order, and the first two compared end to end.
 *
 * Two passes over every file: the first samples units for the clocks, the
 * second merges. Memory is bounded by the sampler and the path's window,
 * never by the files' size. */
#ifndef OFFCAP_VANTAGE_H
#define OFFCAP_VANTAGE_H

#include <stddef.h>
#include <stdint.h>
#include "packet.h"
#include "path.h"

#define OC_VANTAGE_MAX 16

struct oc_vantage {
	const char *path;
	char label[64];
	struct oc_clock clock;		/* against file 0; file 0's is zero */
	uint64_t first_ns, last_ns;	/* corrected */
	uint64_t packets, units;
	uint64_t capture_drops;		/* what the capture itself lost (statistics blocks) */
	char error[256];		/* a read error; what came before it counts */
};

struct oc_vantage_opts {
	int align;			/* estimate and correct the clocks (default on) */
	uint32_t flow_limit;
	struct oc_path_opts path;
	/* every packet in corrected order, its interface in the file it came from */
	int (*packet)(void *ctx, unsigned file, const struct oc_iface *iface, const struct oc_packet *pkt);
	void *ctx;
};

struct oc_vantages;
/* paths[i] named labels[i] (NULL: the file's name without directories and
 * extension). NULL when a file cannot be read, after saying why (log.h). */
struct oc_vantages *oc_vantages_open(const char *const *paths, const char *const *labels, unsigned n,
				     const struct oc_vantage_opts *o);
void oc_vantages_free(struct oc_vantages *v);
/* The first pass: sample every file, estimate the clocks. */
int oc_vantages_align(struct oc_vantages *v);
/* The second pass (and the first, if not done yet): packets in corrected
 * order to o->packet, the path between files 0 and 1. 0, or a negative errno
 * after saying why (log.h); so does align. */
int oc_vantages_run(struct oc_vantages *v);
unsigned oc_vantages_count(const struct oc_vantages *v);
const struct oc_vantage *oc_vantage(const struct oc_vantages *v, unsigned i);
/* The path between files 0 and 1, after run (NULL with one file). */
const struct oc_path *oc_vantages_path(const struct oc_vantages *v);
/* Capture file's interface block if_id (NULL: none), after run and before free */
const struct oc_iface *oc_vantages_iface(const struct oc_vantages *v, unsigned file, uint32_t if_id);
/* "hostA:eth0@tc-egress": an interface's name in the merged file */
void oc_vantage_iface_name(const struct oc_vantage *v, const struct oc_iface *f, char *buf, size_t len);

#endif
