#include "pcapc.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char why[PCAP_ERRBUF_SIZE];

int oc_pcap_compile(int dlt, const char *expr, void **insns, unsigned *n, const char **reason)
{
	pcap_t *p = pcap_open_dead(dlt, 262144);
	struct bpf_program prog;

	*reason = "out of memory";
	if (!p)
		return -ENOMEM;
	if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(why, sizeof(why), "%s", pcap_geterr(p));
		*reason = why;
		pcap_close(p);
		return -EINVAL;
	}
	pcap_close(p);
	*insns = malloc(prog.bf_len * sizeof(*prog.bf_insns));
	if (!*insns) {
		pcap_freecode(&prog);
		return -ENOMEM;
	}
	memcpy(*insns, prog.bf_insns, prog.bf_len * sizeof(*prog.bf_insns));
	*n = prog.bf_len;
	pcap_freecode(&prog);
	return 0;
}

int oc_pcap_match(const void *insns, unsigned n, const uint8_t *data, uint32_t caplen, uint32_t len)
{
	struct bpf_program prog = { .bf_len = n, .bf_insns = (struct bpf_insn *)insns };
	struct pcap_pkthdr h = { .caplen = caplen, .len = len };

	return pcap_offline_filter(&prog, &h, data) != 0;
}

void oc_pcap_dump(const void *insns, unsigned n)
{
	struct bpf_program prog = { .bf_len = n, .bf_insns = (struct bpf_insn *)insns };

	bpf_dump(&prog, 1);
}

void oc_pcap_image(const void *insns, unsigned i, char *buf, size_t len)
{
	const char *t = bpf_image((const struct bpf_insn *)insns + i, (int)i);

	snprintf(buf, len, "%s", t ? t : "?");
}
