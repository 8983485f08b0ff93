/* Internal to the line printer: one line in progress and the per-protocol
 * printers.  Packet bytes are read only through x->c (extract.h); the
 * structure comes from oc_parse(). */
#ifndef OFFCAP_PR_H
#define OFFCAP_PR_H

#include <stdarg.h>
#include "extract.h"
#include "parse.h"
#include "print.h"
#include "proto.h"

struct pr {
	char *b;
	size_t n, cap;		/* cap excludes room for the final '\n' and NUL */
	const struct oc_print_opts *o;
	struct oc_cur c;	/* the captured bytes */
	const struct oc_parsed *P;
	const char *after_addr;	/* "HBH ": said after the addresses, as tcpdump */
	struct oc_printer *pr;
};

void pr_puts(struct pr *x, const char *s);
void pr_printf(struct pr *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pr_u(struct pr *x, uint64_t v);
void pr_addr(struct pr *x, unsigned version, const uint8_t *a);
void pr_mac(struct pr *x, const uint8_t *m);
void pr_trunc(struct pr *x, const char *proto);	/* " [|tcp]" */
void pr_colon(struct pr *x);	/* ": " after the addresses */
void pr_ends(struct pr *x, const struct oc_ip *ip);	/* "SRC > DST: " */
void pr_ports(struct pr *x, const struct oc_ip *ip, uint16_t sport, uint16_t dport);

/* link.c: link level for -e, then the network layer */
void pr_link(struct pr *x);
const char *pr_ethertype_name(uint16_t type);
/* ip.c: one IP layer and what it carries (tunnels: the inner layer too) */
void pr_ip(struct pr *x, const struct oc_layer *L, int inner);
void pr_inner(struct pr *x, const struct oc_tunnel *t);
/* seq.c: the conversation's bases (tcpdump's tcp_seq_hash); NULL when out of memory */
struct oc_seq_entry {
	uint32_t seq, ack;	/* initial seq and ack - 1 of the conversation's forward side */
};
struct oc_seq_entry *pr_seq_find(struct oc_printer *pr, const struct oc_ip *ip, uint16_t sport,
				 uint16_t dport, int *rev, int *found);
/* tcp.c, udp.c, icmp.c, arp.c */
void pr_tcp(struct pr *x, const struct oc_layer *L);
void pr_udp(struct pr *x, const struct oc_layer *L);
void pr_icmp(struct pr *x, const struct oc_layer *L);
void pr_icmp6(struct pr *x, const struct oc_layer *L);
void pr_arp(struct pr *x, uint32_t off);

#endif
