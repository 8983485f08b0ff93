/* One line per packet in tcpdump -n's manner (addresses, ports, TCP flags,
 * seq/ack/win/options, length; sequence numbers relative to the first seen in
 * each conversation unless -S), followed by what only offcap knows:
 * "gso 1448x45 tcpv4  csum partial  vlan 100 (offloaded)". */
#ifndef OFFCAP_PRINT_H
#define OFFCAP_PRINT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "packet.h"

struct oc_print_opts {
	int eflag;	/* -e: link level (MACs, EtherType, VLAN tags) */
	int vflag;	/* -v: IP header details and all of offcap's metadata */
	int qflag;	/* -q: short protocol summary */
	int no_ifname;	/* classic pcap: no interface names to show */
	int Sflag;	/* -S: absolute TCP sequence numbers (default: relative, as tcpdump) */
};

struct oc_seq_table;

struct oc_printer {
	struct oc_print_opts o;
	unsigned width;		/* where offcap's columns start (the widest line so far) */
	time_t sec;		/* the second tstr was made for */
	char tstr[16];		/* "HH:MM:SS." */
	struct oc_seq_table *seqs;	/* each TCP conversation's initial seq/ack */
};

void oc_printer_init(struct oc_printer *pr, const struct oc_print_opts *o);
void oc_printer_free(struct oc_printer *pr);
/* Formats p (of interface f, may be NULL) as one line ending in '\n' into
 * buf; a line longer than len is cut (still ending in '\n').  Returns its
 * length (0 only when len < 2). */
size_t oc_print_line(struct oc_printer *pr, const struct oc_iface *f, const struct oc_packet *p,
		     char *buf, size_t len);

#endif
