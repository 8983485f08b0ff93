#include "expr.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define MAX_LINKTYPES 16
#define EXPR_FILE_MAX (1 << 20)

struct prog {
	uint16_t linktype;
	struct bpf_program bpf;
};

struct oc_expr {
	char *text;
	unsigned n;
	struct prog progs[MAX_LINKTYPES];
};

int oc_expr_text(char **argv, int argc, const char *file, char **out)
{
	size_t len = 0;
	char *s;

	*out = NULL;
	if (file) {
		FILE *f;
		size_t n;

		if (argc > 0)
			return oc_fail(-EINVAL, "-F %s: no filter expression may follow", file);
		if (!(f = fopen(file, "r")))
			return oc_fail(-errno, "-F %s: %s", file, strerror(errno));
		s = malloc(EXPR_FILE_MAX + 1);
		n = s ? fread(s, 1, EXPR_FILE_MAX + 1, f) : 0;
		fclose(f);
		if (!s || n > EXPR_FILE_MAX) {
			int e = s ? -EFBIG : -ENOMEM;

			free(s);
			return oc_fail(e, "-F %s: too large", file);
		}
		s[n] = '\0';
		for (char *c = s, in_comment = 0; *c; c++) {	/* tcpdump: one expression, # comments */
			in_comment = *c == '#' || (in_comment && *c != '\n');
			if (in_comment || *c == '\n' || *c == '\r' || *c == '\t')
				*c = ' ';
		}
		*out = s;
		return 0;
	}
	if (argc <= 0)
		return 0;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if (!(s = malloc(len)))
		return oc_fail(-ENOMEM, "out of memory");
	s[0] = '\0';
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	*out = s;
	return 0;
}

/* pcap file link types are libpcap's DLT values but for raw IP. */
static int dlt_of(uint16_t linktype)
{
	return linktype == OC_LINKTYPE_RAW ? DLT_RAW : linktype;
}

static int compile(struct oc_expr *e, uint16_t linktype)
{
	pcap_t *p;
	struct prog *g = &e->progs[e->n];

	if (e->n == MAX_LINKTYPES)
		return oc_fail(-E2BIG, "more than %d link types", MAX_LINKTYPES);
	if (!(p = pcap_open_dead(dlt_of(linktype), 262144)))
		return oc_fail(-ENOMEM, "out of memory");
	if (pcap_compile(p, &g->bpf, e->text, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		oc_err("filter expression \"%s\" (link type %s): %s", e->text,
		       pcap_datalink_val_to_name(dlt_of(linktype)) ? pcap_datalink_val_to_name(dlt_of(linktype)) : "?",
		       pcap_geterr(p));
		pcap_close(p);
		return -EINVAL;
	}
	pcap_close(p);
	g->linktype = linktype;
	e->n++;
	return 0;
}

struct oc_expr *oc_expr_new(const char *text)
{
	struct oc_expr *e;

	if (!text)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e || !(e->text = strdup(text))) {
		free(e);
		oc_err("out of memory");
		return NULL;
	}
	if (compile(e, OC_LINKTYPE_ETHERNET)) {
		oc_expr_free(e);
		return NULL;
	}
	return e;
}

int oc_expr_match(struct oc_expr *e, const struct oc_iface *f, const struct oc_packet *p)
{
	uint16_t lt = f ? f->linktype : OC_LINKTYPE_ETHERNET;
	int rc;
	struct pcap_pkthdr h = { .caplen = p->caplen, .len = p->len };
	unsigned i;

	if (!e)
		return 1;
	for (i = 0; i < e->n && e->progs[i].linktype != lt; i++)
		;
	if (i == e->n && (rc = compile(e, lt)))
		return rc;
	return pcap_offline_filter(&e->progs[i].bpf, &h, p->data) != 0;
}

void oc_expr_free(struct oc_expr *e)
{
	if (!e)
		return;
	for (unsigned i = 0; i < e->n; i++)
		pcap_freecode(&e->progs[i].bpf);
	free(e->text);
	free(e);
}

const char *oc_pcap_version(void)
{
	return pcap_lib_version();
}
