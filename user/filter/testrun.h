/* offcap filter -r: the capture's own programs, filter spliced in, run by
 * BPF_PROG_TEST_RUN on packets from a file, their verdicts read back. Every
 * program kind the test run supports: tc at ingress and egress (an offloaded
 * VLAN tag as metadata too), XDP multi-buffer and linear, in the variant the
 * kernel's features select. */
#ifndef OFFCAP_TESTRUN_H
#define OFFCAP_TESTRUN_H

#include <stddef.h>
#include <stdint.h>
#include "cbpf.h"
#include "kfilter.h"

enum oc_tr_prog { OC_TR_TC_INGRESS, OC_TR_TC_EGRESS, OC_TR_XDP, OC_TR_XDP_LINEAR, OC_TR_PROGS };

struct oc_testrun;

/* l3: the packets start at the IP header (a raw-IP file; tc only). have:
 * the OC_FEAT_* bits the programs may use (the older kernels' variants
 * without some). NULL, said with oc_err(), when it cannot. */
struct oc_testrun *oc_testrun_open(const struct oc_kfilter *f, int l3, uint32_t have, int verbose);
/* 1 if the run has program p (XDP multi-buffer needs the kernel's frags). */
int oc_testrun_has(const struct oc_testrun *t, enum oc_tr_prog p);
/* The verdict of program p (OC_CBPF_REJECT, _MATCH or _UNDECIDED) on a
 * packet; vlan_meta: an 802.1Q/802.1ad tag at byte 12 goes to the skb's
 * metadata, as a NIC's offload puts it. A negative errno, said with oc_err()
 * with ctx first ("ctx: why", ctx NULL: none), when the program is not
 * loaded (-ENOENT), the kernel refused the run, or the program left no
 * verdict (-EPROTO). */
int oc_testrun_packet(struct oc_testrun *t, enum oc_tr_prog p, const uint8_t *data, uint32_t caplen,
		      uint32_t len, int vlan_meta, const char *ctx);
/* What the filter sees as the packet's direction (SKF_AD_PKTTYPE) and ifindex. */
struct oc_cbpf_aux oc_testrun_aux(const struct oc_testrun *t, enum oc_tr_prog p);
const char *oc_testrun_name(enum oc_tr_prog p);
void oc_testrun_close(struct oc_testrun *t);

#endif
