/* offcap view: what the two passes over the file collect for the page. */
#ifndef OFFCAP_VIEWDATA_H
#define OFFCAP_VIEWDATA_H

#include <stdint.h>
#include <stdio.h>

#include "analysis.h"
#include "pcapng.h"
#include "view.h"

struct vw_bin {
	uint32_t n, nbig;	/* frames, of them super-frames and merges */
	uint32_t smin, smax;	/* data side: relative sequence range sent (UDP: lengths) */
	uint32_t amax;		/* the other side: highest relative ack */
	uint8_t has_seq, has_ack;
};

struct vw_lane {		/* one interface block of a flow */
	struct vw_bin *bins;
	uint32_t hi[2];		/* highest relative sequence end per side (retransmissions) */
	uint8_t known[2];
};

struct vw_flow {
	struct oc_flow_key key;
	char name[160];
	uint8_t tcp, data_side, has_base[2];
	uint16_t mss[2];	/* announced by each side; 0 unknown */
	uint32_t base[2];	/* first sequence seen per side */
	uint64_t first_ns, last_ns, bin_ns, bytes, total;
	struct oc_view_frame *fr;
	char **lines;
	size_t nfr;
	uint32_t *links;
	size_t nlinks;
	struct vw_lane *lanes;
	uint32_t nlanes;
};

struct vw_point {		/* one interface block: length bins by category */
	uint64_t (*hist)[1 + OC_CAUSE_MAX];	/* [OC_VIEW_LEN_BINS]: within MTU, then by cause */
	uint64_t roles[5];	/* frames by oc_frame_role */
	uint32_t dev;
};

struct vw_finding_line {
	uint64_t frame;
	char *line;
};

struct vw_data {
	const char *file;
	uint32_t nflows_max, frames_max, nbins;
	struct vw_flow *flows;
	uint32_t nflows, flows_total;
	struct vw_point *points;
	uint32_t npoints;
	struct vw_finding_line finding[OC_MAX_PROBLEMS_KEPT];
	unsigned nfinding;
	uint64_t frames, lines_kept;
	int read_error;		/* the file ends in an error: the page covers what came before */
	struct oc_analysis *a;	/* the first pass's: the report's numbers */
	struct cap_reader *r;	/* the second pass's reader: interface names */
};

/* The page: data as JSON inside the HTML template, to f. -1 on a write error. */
int vw_write_page(FILE *f, const struct vw_data *d);

#endif
