/* libpcap's compiler and interpreter behind plain types (pcap/bpf.h and
 * linux/bpf.h both define struct bpf_insn: they cannot meet in one file). */
#ifndef OFFCAP_PCAPC_H
#define OFFCAP_PCAPC_H

#include <stddef.h>
#include <stdint.h>

/* pcap_compile(optimize, PCAP_NETMASK_UNKNOWN) for a DLT; the classic
 * program in *insns (8-byte sock_filter records, malloc'd), or -EINVAL
 * (libpcap refuses the expression for this DLT) or -ENOMEM. It says nothing
 * itself, as an expression some link type cannot take is no error by itself:
 * *reason is libpcap's message (or "out of memory"), valid until the thread's
 * next call, for the caller to tell or keep. */
int oc_pcap_compile(int dlt, const char *expr, void **insns, unsigned *n, const char **reason);
/* pcap_offline_filter: nonzero when the packet matches. */
int oc_pcap_match(const void *insns, unsigned n, const uint8_t *data, uint32_t caplen, uint32_t len);
/* Instruction i as tcpdump -d prints it ("(003) ldb      [1024]"). */
void oc_pcap_image(const void *insns, unsigned i, char *buf, size_t len);
/* The program as tcpdump -d prints it, on stdout. */
void oc_pcap_dump(const void *insns, unsigned n);

#endif
