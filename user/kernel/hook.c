#include "hook.h"

#include <linux/types.h>
#include "capture.h"

_Static_assert(OC_HOOK_XDP == OC_POINT_XDP && OC_HOOK_TC_INGRESS == OC_POINT_TC_INGRESS &&
	       OC_HOOK_TC_EGRESS == OC_POINT_TC_EGRESS && OC_HOOK_POST_GSO == OC_POINT_POST_GSO &&
	       OC_HOOK_PRE_GRO == OC_POINT_PRE_GRO && OC_HOOK_MAX == OC_POINT_MAX,
	       "BPF hook numbers follow enum oc_point");
_Static_assert(OC_HAVE_KERN_CTX == OC_FEAT_KERN_CTX && OC_HAVE_TRACE_DYNPTR == OC_FEAT_TRACE_DYNPTR,
	       "the BPF side's feature bits are the loader's");

#define LOST_TRACE_BYTES "packets with bytes in page fragments are copied through a perf " \
			 "buffer (bpf_skb_output), at most 65463 bytes each"
#define LOST_SKB_STATE "the checksum state and gso_type are recorded as unknown"

const struct oc_hook oc_hooks[OC_POINT_MAX] = {
	[OC_POINT_XDP] = {
		.name = "xdp", .prog = "oc_xdp", .prog_old = "oc_xdp_linear",
		.attach = OC_ATTACH_XDP, .dir = OC_DIR_IN,
		.where = "XDP at the driver, first in libxdp's dispatcher next to other XDP programs "
			 "(fentry/fexit on a program attached alone)",
		.shows = "received frames as they arrived, before GRO, with the XDP chain's verdict",
		.needs = {
			{ OC_FEAT_XDP_FRAGS, "XDP is attached in linear mode (one buffer per frame, "
					     "at most 4096 bytes kept)" },
			{ OC_FEAT_KERN_CTX, NULL },	/* the namespace: one program copy per namespace */
		},
	},
	[OC_POINT_TC_INGRESS] = {
		.name = "tc-ingress", .prog = "oc_tc_ingress", .attach = OC_ATTACH_TC, .ingress = 1,
		.dir = OC_DIR_IN, .dflt = 1, .where = "tc ingress (tcx; clsact before 6.6)",
		.shows = "received skbs after GRO: merged frames carry gso_size/gso_segs",
		.needs = { { OC_FEAT_KERN_CTX, LOST_SKB_STATE }, { OC_FEAT_TCX, NULL } },
	},
	[OC_POINT_TC_EGRESS] = {
		.name = "tc-egress", .prog = "oc_tc_egress", .attach = OC_ATTACH_TC,
		.dir = OC_DIR_OUT, .dflt = 1, .where = "tc egress (tcx; clsact before 6.6)",
		.shows = "transmitted skbs before GSO: super-frames",
		.needs = { { OC_FEAT_KERN_CTX, LOST_SKB_STATE }, { OC_FEAT_TCX, NULL } },
	},
	[OC_POINT_POST_GSO] = {
		.name = "post-gso", .prog = "oc_post_gso", .attach = OC_ATTACH_TRACE,
		.dir = OC_DIR_OUT, .dflt = 1, .where = "tracepoint net_dev_start_xmit (tp_btf)",
		.shows = "what the driver is handed: segments where software GSO ran, "
			 "super-frames on TSO devices",
		.needs = { { OC_FEAT_TRACE_DYNPTR, LOST_TRACE_BYTES } },
	},
	[OC_POINT_PRE_GRO] = {
		.name = "pre-gro", .prog = "oc_pre_gro", .attach = OC_ATTACH_TRACE,
		.dir = OC_DIR_IN, .where = "tracepoints napi_gro_receive_entry, napi_gro_frags_entry, "
			"netif_receive_skb_entry, netif_receive_skb_list_entry, netif_rx_entry (tp_btf)",
		.shows = "what the driver hands the stack, before GRO; changes no device setting",
		.needs = { { OC_FEAT_TRACE_DYNPTR, LOST_TRACE_BYTES } },
	},
};

const char *oc_feature_name(uint32_t feature)
{
	switch (feature) {
	case OC_FEAT_KERN_CTX: return "bpf_cast_to_kern_ctx (Linux 6.2)";
	case OC_FEAT_TRACE_DYNPTR: return "bpf_dynptr_from_skb in tracing programs (Linux 6.12)";
	case OC_FEAT_XDP_FRAGS: return "multi-buffer XDP (Linux 5.18)";
	case OC_FEAT_TCX: return "tcx links (Linux 6.6)";
	case OC_FEAT_PROG_TRACE: return "BPF programs on BPF programs (freplace, fexit)";
	default: return "?";
	}
}

unsigned oc_hooks_of(enum oc_attach_kind k)
{
	unsigned m = 0;

	for (unsigned p = 0; p < OC_POINT_MAX; p++)
		if (oc_hooks[p].attach == k)
			m |= 1u << p;
	return m;
}

unsigned oc_hooks_default(void)
{
	unsigned m = 0;

	for (unsigned p = 0; p < OC_POINT_MAX; p++)
		if (oc_hooks[p].dflt)
			m |= 1u << p;
	return m;
}

const char *oc_hooks_default_list(void)
{
	static char buf[128];
	size_t n = 0;

	buf[0] = 0;
	for (unsigned p = 0; p < OC_POINT_MAX && n < sizeof(buf); p++)
		if (oc_hooks[p].dflt)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "", oc_hooks[p].name);
	return buf;
}

void oc_hooks_list(FILE *f)
{
	static const char *const kind[] = { [OC_ATTACH_XDP] = "xdp", [OC_ATTACH_TC] = "tc",
					     [OC_ATTACH_TRACE] = "trace" };

	for (unsigned p = 0; p < OC_POINT_MAX; p++)
		fprintf(f, "%s %s %s %s %s\n", oc_hooks[p].name, oc_hooks[p].dir == OC_DIR_IN ? "in" : "out",
			kind[oc_hooks[p].attach], oc_hooks[p].dflt ? "default" : "-", oc_hooks[p].prog);
}
