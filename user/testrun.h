/* offcap filter -r: the capture's own tc program, filter spliced in, run by
 * BPF_PROG_TEST_RUN on packets from a file, its verdict read back. */
#ifndef OFFCAP_TESTRUN_H
#define OFFCAP_TESTRUN_H

#include <stddef.h>
#include <stdint.h>
#include "kfilter.h"

struct oc_testrun;

/* l3: the packets start at the IP header (a raw-IP file). */
struct oc_testrun *oc_testrun_open(const struct oc_kfilter *f, int l3, int verbose,
				   char *err, size_t errlen);
/* OC_CBPF_REJECT, _MATCH or _UNDECIDED, or -1 (the kernel refused the run). */
int oc_testrun_packet(struct oc_testrun *t, const uint8_t *data, uint32_t caplen, uint32_t len);
void oc_testrun_close(struct oc_testrun *t);

#endif
