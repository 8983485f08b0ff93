/* Probes the running kernel, loads offcap's BPF programs in the variant it
 * can run, attaches them to interfaces and hook points (user/kernel/hook.c), and
 * hands every ring-buffer event to a callback as a packet. */
#ifndef OFFCAP_LOADER_H
#define OFFCAP_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include "event.h"
#include "hook.h"
#include "meta.h"
#include "netdev.h"
#include "packet.h"
#include "kfilter.h"

#define OC_MAX_DEVS 16

struct oc_capture_opts {
	unsigned points;	/* bit per enum oc_point */
	uint32_t snaplen;	/* 0 = whole packet */
	uint32_t ring_mb;	/* ring memory of all CPUs, MiB (power of two); 0: default */
	int tc_clsact;		/* classic clsact filters even where tcx exists */
	int verbose;		/* libbpf's and the verifier's messages on stderr */
	int payload_once;	/* post-gso keeps a super-frame's headers only */
	int ring_full_drop;	/* --ring-full drop: a packet that finds its ring nearly full is
				 * lost, not cut to its first OC_FULL_CUT bytes */
	const struct oc_kfilter *filter;	/* in-kernel capture filter, or NULL */
};

/* One captured packet. pkt->data is valid only during the callback. */
typedef int (*oc_capture_cb)(void *ctx, const struct oc_packet *pkt, unsigned dev_idx);

struct oc_capture;

struct oc_point_count {
	uint64_t seen, dropped;
	uint64_t cut;		/* cut to OC_FULL_CUT bytes: the ring was nearly full */
	/* the capture filter's verdicts in the kernel, and what user space
	 * decided (libpcap) of the packets the kernel left undecided */
	uint64_t kept, rejected, undecided, user_kept, user_rejected;
};

/* Loads and attaches to every device; NULL, said with oc_err(), when it
 * cannot. What this kernel cannot give at a requested point is told once with
 * oc_warn(). */
struct oc_capture *oc_capture_start(struct oc_netdev *devs, unsigned ndevs,
				    const struct oc_capture_opts *opts);
/* What this kernel has (OC_FEAT_*), less OFFCAP_DISABLE's, as a capture probes it. */
uint32_t oc_probe_features(void);
/* Kernel features found at start (OC_FEAT_*). */
uint32_t oc_capture_features(const struct oc_capture *c);
/* Waits up to timeout_ms (less while packets flow: the programs wake the
 * consumer only when a ring fills up, so it polls every few ms) and delivers
 * what arrived, in timestamp order across CPUs; returns events delivered or -1
 * (callback error or ring failure). */
int oc_capture_poll(struct oc_capture *c, oc_capture_cb cb, void *ctx, int timeout_ms);
/* Ring memory of all CPUs (MiB) a capture takes without -B: up to a snaplen
 * of 1024, 8 MiB (32 at four points or more); beyond it room for 256 whole
 * records (of at most 64 KiB)
 * at every point, from 64 to 128 MiB (-s 0 at three points: 64 MiB, at all
 * five: 128). */
uint32_t oc_ring_mb_default(uint32_t snaplen, unsigned points);
/* Bytes of one CPU's ring, and how many rings. */
uint64_t oc_capture_ring_bytes(const struct oc_capture *c, unsigned *nrings);
/* Called before ring space whose records were delivered (pkt->data_in_record)
 * is handed back to the kernel: a writer referring to them must write them. */
void oc_capture_on_release(struct oc_capture *c, void (*fn)(void *ctx), void *ctx);
/* Kernel-side counters of one hook point, all CPUs. */
int oc_capture_counts(struct oc_capture *c, unsigned point, struct oc_point_count *out);
/* Records the ring delivered that were not handed on: undecodable (a
 * corrupt or short record) or from a device this capture did not attach. */
void oc_capture_records(const struct oc_capture *c, uint64_t *undecodable, uint64_t *foreign);
/* Packets one interface lost at one point (ring full): the per-point total
 * of oc_capture_counts, split by interface. */
uint64_t oc_capture_dev_drops(struct oc_capture *c, unsigned dev, unsigned point);
/* What the attach did: "tcx", "clsact", "xdp-native", "xdp-generic", "tp_btf". */
const char *oc_capture_attach_mode(struct oc_capture *c, unsigned dev, unsigned point);
/* Detaches every program; the ring can still be drained with poll. */
void oc_capture_detach(struct oc_capture *c);
/* After detaching: delivers every record left, including those of programs
 * that were still running when their links went away; 0 or -1 as poll. */
int oc_capture_drain(struct oc_capture *c, oc_capture_cb cb, void *ctx);
/* Detaches everything and frees. Safe to call with NULL. */
void oc_capture_stop(struct oc_capture *c);

#endif
