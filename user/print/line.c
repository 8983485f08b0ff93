/* The line: time, interface@point, direction, the protocols (link.c on),
 * then offcap's columns at a common start. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "pr.h"

#define MAX_WIDTH 120u	/* offcap's columns start here at the latest */

void pr_puts(struct pr *x, const char *s)
{
	size_t l = strlen(s);

	if (l > x->cap - x->n)
		l = x->cap - x->n;
	memcpy(x->b + x->n, s, l);
	x->n += l;
}

void pr_printf(struct pr *x, const char *fmt, ...)
{
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(x->b + x->n, x->cap - x->n + 1, fmt, ap);
	va_end(ap);
	if (w > 0)
		x->n += (size_t)w < x->cap - x->n ? (size_t)w : x->cap - x->n;
}

void pr_u(struct pr *x, uint64_t v)
{
	char t[24];
	int i = sizeof(t);

	t[--i] = '\0';
	do
		t[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i > 0);
	pr_puts(x, t + i);
}

void pr_addr(struct pr *x, unsigned version, const uint8_t *a)
{
	char s[INET6_ADDRSTRLEN];

	if (version == 4) {
		pr_u(x, a[0]), pr_puts(x, "."), pr_u(x, a[1]), pr_puts(x, ".");
		pr_u(x, a[2]), pr_puts(x, "."), pr_u(x, a[3]);
		return;
	}
	pr_puts(x, inet_ntop(AF_INET6, a, s, sizeof(s)) ? s : "?");
}

void pr_mac(struct pr *x, const uint8_t *m)
{
	pr_printf(x, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

void pr_colon(struct pr *x)
{
	pr_puts(x, ": ");
	if (x->after_addr)
		pr_puts(x, x->after_addr);
	x->after_addr = NULL;
}

void pr_trunc(struct pr *x, const char *proto)
{
	pr_printf(x, " [|%s]", proto);
}

void oc_printer_init(struct oc_printer *pr, const struct oc_print_opts *o)
{
	memset(pr, 0, sizeof(*pr));
	if (o)
		pr->o = *o;
	pr->sec = (time_t)-1;
}

static void timestamp(struct oc_printer *pr, struct pr *x, uint64_t ts_ns)
{
	time_t sec = (time_t)(ts_ns / 1000000000ull);
	unsigned us = (unsigned)(ts_ns % 1000000000ull / 1000);

	if (sec != pr->sec) {
		struct tm tm;

		localtime_r(&sec, &tm);
		snprintf(pr->tstr, sizeof(pr->tstr), "%02d:%02d:%02d.", tm.tm_hour, tm.tm_min, tm.tm_sec);
		pr->sec = sec;
	}
	pr_puts(x, pr->tstr);
	pr_printf(x, "%06u ", us);
}

static const char *direction(const struct oc_packet *p, const struct oc_parsed *P)
{
	uint16_t lt = P->link.linktype;

	if (p->meta.flags & OC_META_VALID && p->meta.dir)
		return p->meta.dir == OC_DIR_IN ? "In  " : "Out ";
	if (p->epb_flags & 3)
		return (p->epb_flags & 3) == OC_EPB_DIR_IN ? "In  " : "Out ";
	if (lt == OC_LINKTYPE_LINUX_SLL || lt == OC_LINKTYPE_LINUX_SLL2)
		return P->link.sll_pkttype == 4 ? "Out " : "In  ";	/* PACKET_OUTGOING */
	return "";
}

/* "gso 1448x45 tcpv4  csum partial  vlan 100 (offloaded)  xdp drop" */
static void offcap_columns(struct pr *x, const struct oc_packet *p)
{
	const struct oc_meta *m = &p->meta;
	char t[160];

	if (m->flags & OC_META_VALID) {
		if (oc_meta_has_gso(m)) {
			if (m->flags & OC_META_NO_GSO_TYPE)
				snprintf(t, sizeof(t), "?");
			else
				oc_gso_format(m->gso_type, t, sizeof(t));
			pr_printf(x, "  gso %ux%u %s", m->gso_size, m->gso_segs, t);
		}
		if (m->csum != OC_CSUM_UNKNOWN && m->csum != OC_CSUM_NONE)
			pr_printf(x, "  csum %s", oc_csum_name(m->csum));
		if (m->flags & OC_META_VLAN)
			pr_printf(x, "  vlan %u (offloaded)", m->vlan_tci & 0x0fff);
		if (m->len && m->len != p->len)
			pr_printf(x, "  skb-len %u", m->len);
	}
	if (p->has_xdp_verdict)
		pr_printf(x, "  xdp %s", oc_xdp_action_name(p->xdp_verdict));
	if (p->dropcount)
		pr_printf(x, "  drops %" PRIu64, p->dropcount);
}

/* -v: all of the metadata, as the packet's comment has it. */
static void verbose_meta(struct pr *x, const struct oc_packet *p)
{
	char t[512];

	if (p->meta.flags & OC_META_VALID) {
		oc_meta_format(&p->meta, t, sizeof(t));
		pr_printf(x, "  [%s queue=%u", t, p->meta.rx_queue);
		if (p->epb_flags)
			pr_printf(x, " epb_flags=0x%x", p->epb_flags);
		pr_puts(x, "]");
	} else if (p->comment) {
		pr_printf(x, "  [%.400s]", p->comment);
	}
}

size_t oc_print_line(struct oc_printer *pr, const struct oc_iface *f, const struct oc_packet *p,
		     char *buf, size_t len)
{
	struct oc_parsed P;
	struct pr x = { .b = buf, .cap = len >= 2 ? len - 2 : 0, .o = &pr->o, .P = &P, .pr = pr };
	uint16_t lt = f ? f->linktype : OC_LINKTYPE_ETHERNET;
	size_t main_end;

	if (len < 2)
		return 0;
	x.c = oc_cur_make(p->data, p->caplen);
	oc_parse(p->data, p->caplen, p->len, lt, &P);
	timestamp(pr, &x, p->ts_ns);
	if (f && f->name[0] && !pr->o.no_ifname)
		pr_printf(&x, "%s ", f->name);
	pr_puts(&x, direction(p, &P));
	pr_link(&x);
	main_end = x.n;
	offcap_columns(&x, p);
	if (pr->o.vflag)
		verbose_meta(&x, p);
	if (x.n > main_end) {	/* align the columns: move them to pr->width */
		size_t cols = x.n - main_end;

		if (main_end > pr->width)
			pr->width = main_end < MAX_WIDTH ? (unsigned)main_end : MAX_WIDTH;
		if (main_end < pr->width) {
			size_t pad = pr->width - main_end;

			if (pad > x.cap - x.n)
				pad = x.cap - x.n;
			memmove(buf + main_end + pad, buf + main_end, cols);
			memset(buf + main_end, ' ', pad);
			x.n += pad;
		}
	}
	buf[x.n++] = '\n';
	buf[x.n] = '\0';
	return x.n;
}
