#include "filter.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

struct oc_filter {
	struct bpf_program prog;
};

struct oc_filter *oc_filter_compile(const char *expr, char *err, size_t errlen)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 262144);
	struct oc_filter *f = calloc(1, sizeof(*f));

	if (!p || !f) {
		snprintf(err, errlen, "out of memory for the capture filter");
		goto fail;
	}
	if (pcap_compile(p, &f->prog, expr ? expr : "", 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "capture filter \"%s\": %s", expr, pcap_geterr(p));
		goto fail;
	}
	pcap_close(p);
	return f;
fail:
	if (p)
		pcap_close(p);
	free(f);
	return NULL;
}

int oc_filter_match(const struct oc_filter *f, const struct oc_packet *pkt)
{
	struct pcap_pkthdr h = { .caplen = pkt->caplen, .len = pkt->len };

	return !f || pcap_offline_filter(&f->prog, &h, pkt->data) != 0;
}

void oc_filter_free(struct oc_filter *f)
{
	if (!f)
		return;
	pcap_freecode(&f->prog);
	free(f);
}
