/* The filter expression offline (read, report, split, stats): tcpdump's
 * language through libpcap, compiled once per link type the file holds, so a
 * file mixing Ethernet, raw IP and Linux cooked interfaces filters each as
 * tcpdump would. */
#ifndef OFFCAP_EXPR_H
#define OFFCAP_EXPR_H

#include <stddef.h>
#include "packet.h"

struct oc_expr;

/* The expression of a command line: the words argv[0..argc) joined by
 * spaces, or the contents of file (-F; then no words may follow).  Returns
 * 0 with *out malloc'd, or NULL when there is none; a negative errno, said
 * with oc_err(), when it cannot. */
int oc_expr_text(char **argv, int argc, const char *file, char **out);
/* NULL text: every packet matches.  Compiles for Ethernet at once so a
 * syntax error is found before any packet is read (NULL after libpcap's
 * message, log.h). */
struct oc_expr *oc_expr_new(const char *text);
/* 1: p (of interface f) matches, 0: it does not, a negative errno: the
 * expression is not valid for f's link type (after libpcap's message). */
int oc_expr_match(struct oc_expr *e, const struct oc_iface *f, const struct oc_packet *p);
void oc_expr_free(struct oc_expr *e);
/* "libpcap version 1.10.3 (with TPACKET_V3)" */
const char *oc_pcap_version(void);

#endif
