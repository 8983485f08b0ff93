/* offcap merge: captures from several hosts in one pcapng, clocks aligned;
 * and the report of the path between two of them (offcap report A B). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "params.h"
#include "json.h"
#include "pcapng.h"
#include "vantage.h"
#include "wire.h"

struct merge_opts {
	const char *out;
	const char *files[OC_VANTAGE_MAX], *labels[OC_VANTAGE_MAX];
	unsigned nfiles;
	int align;
	unsigned long window_ms;
};

struct merge_out {
	struct pcapng_writer *w;
	struct oc_vantages *v;
	uint32_t *map[OC_VANTAGE_MAX];	/* merged interface id + 1 per (file, if_id) */
	uint32_t nmap[OC_VANTAGE_MAX];
};

#define DEF_WINDOW_MS 5000	/* --window */

const struct oc_params oc_params_merge = {
	.cmd = "merge",
	.files = 1,
	.usage =
"Usage: offcap merge [OPTIONS] -w OUT FILE FILE...\n"
"       offcap report [--json] FILE FILE...   (the path between the first two)\n"
"\n"
"Merge captures taken on several hosts -- offcap's or tcpdump's, pcap or pcapng,\n"
"gzip too -- into one pcapng in time order. Every interface block keeps its name\n"
"behind a host label (\"hostB:eth0@tc-ingress\"). The clocks are aligned from the\n"
"traffic itself: packets both captures saw, each way, bound the offset between\n"
"the clocks as NTP's minimum delays do; the offset, its uncertainty and the drift\n"
"are printed and written in the file's comment, and every timestamp is corrected\n"
"to the first file's clock. Packets are matched across GSO and GRO: a super-frame\n"
"sent is the segments received.\n"
"\n",
	.p = (const struct oc_param[]){
		{ 'w', "write", .arg = OC_ARG_REQUIRED, .metavar = "OUT", .complete = OC_COMP_FILE,
		  .help = "the merged pcapng (*.gz: gzip)" },
		{ 'l', "label", .arg = OC_ARG_REQUIRED, .metavar = "LABEL=FILE",
		  .help = "the host label of FILE (default: its name without extension)" },
		{ 0, "no-align", 'A', .help = "keep the clocks as they are" },
		{ 0, "window", 'W', OC_ARG_REQUIRED, "MS", "how long a packet waits for its other end (default " OC_STR(DEF_WINDOW_MS) ")",
		  .complete = OC_COMP_NONE },
		{ 'h', "help", .help = "", .man = "" },
		{ 0 },
	},
};

static int add_label(const char *arg, const char **pending_labels, const char **pending_files, unsigned *np)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg || !eq[1] || eq - arg >= 48 || *np >= OC_VANTAGE_MAX)
		return oc_fail(-EINVAL, "-l: LABEL=FILE, a label of 1 to 47 characters");
	pending_labels[*np] = strndup(arg, (size_t)(eq - arg));
	pending_files[(*np)++] = eq + 1;
	return pending_labels[*np - 1] ? 0 : -1;
}

/* -l LABEL=FILE names a file given as an argument, or adds it. */
static int place_labels(struct merge_opts *o, const char **lab, const char **file, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		unsigned i;

		for (i = 0; i < o->nfiles && strcmp(o->files[i], file[k]); i++)
			;
		if (i == o->nfiles) {
			if (o->nfiles == OC_VANTAGE_MAX)
				return oc_fail(-EINVAL, "at most %d captures", OC_VANTAGE_MAX);
			o->files[o->nfiles++] = file[k];
		}
		o->labels[i] = lab[k];
	}
	return 0;
}

static int merge_parse(int argc, char **argv, struct merge_opts *o)
{
	struct oc_getopt g = { 0 };
	const char *lab[OC_VANTAGE_MAX], *file[OC_VANTAGE_MAX];
	unsigned nl = 0;
	int c;

	*o = (struct merge_opts){ .align = 1, .window_ms = DEF_WINDOW_MS };
	optind = 1;
	while ((c = oc_params_next(&oc_params_merge, &g, argc, argv)) != -1) {
		switch (c) {
		case 'w': o->out = optarg; break;
		case 'l': if (add_label(optarg, lab, file, &nl)) return -1; break;
		case 'A': o->align = 0; break;
		case 'W':
			if (oc_parse_uint(optarg, 1, 3600000, &o->window_ms))
				return oc_fail(-EINVAL, "--window: milliseconds, 1 to 3600000");
			break;
		case 'h': oc_params_usage(&oc_params_merge, stdout); exit(0);
		default: oc_params_usage(&oc_params_merge, stderr); return -1;
		}
	}
	for (; optind < argc; optind++) {
		if (o->nfiles == OC_VANTAGE_MAX)
			return oc_fail(-EINVAL, "at most %d captures", OC_VANTAGE_MAX);
		o->files[o->nfiles++] = argv[optind];
	}
	if (place_labels(o, lab, file, nl))
		return -1;
	if (!o->out) {
		oc_err("merge: -w OUT names the merged file");
		oc_params_usage(&oc_params_merge, stderr);
		return -EINVAL;
	}
	if (!o->nfiles) {
		oc_err("merge: name the capture files");
		oc_params_usage(&oc_params_merge, stderr);
		return -EINVAL;
	}
	return 0;
}

static uint32_t merged_iface(struct merge_out *m, unsigned file, const struct oc_iface *f, uint32_t if_id)
{
	struct oc_iface copy;
	char descr[sizeof(copy.descr)];
	size_t magic = strlen(OC_IDB_MAGIC);
	int id;

	if (if_id >= m->nmap[file] && oc_iface_slots((void **)&m->map[file], &m->nmap[file], if_id, sizeof(uint32_t)))
		return 0;
	if (m->map[file][if_id])
		return m->map[file][if_id];
	copy = *f;
	oc_vantage_iface_name(oc_vantage(m->v, file), f, copy.name, sizeof(copy.name));
	if (!strncmp(f->descr, OC_IDB_MAGIC, magic)) {
		snprintf(descr, sizeof(descr), "%s host=%s%s", OC_IDB_MAGIC, oc_vantage(m->v, file)->label,
			 f->descr + magic);
		memcpy(copy.descr, descr, sizeof(copy.descr));
	}
	if ((id = pcapng_add_iface(m->w, &copy)) < 0)
		return 0;
	return m->map[file][if_id] = (uint32_t)id + 1;
}

static int write_packet(void *ctx, unsigned file, const struct oc_iface *f, const struct oc_packet *pkt)
{
	struct merge_out *m = ctx;
	struct oc_packet p = *pkt;
	uint32_t id = merged_iface(m, file, f, pkt->if_id);

	if (!id)
		return -1;
	p.if_id = id - 1;
	if (p.comment && (p.meta.flags & OC_META_VALID))
		p.comment = NULL;	/* the writer writes the metadata's own comment */
	return pcapng_write_packet(m->w, &p);
}

static void write_stats(struct merge_out *m)
{
	for (unsigned file = 0; file < oc_vantages_count(m->v); file++) {
		const struct oc_vantage *v = oc_vantage(m->v, file);

		for (uint32_t i = 0; i < m->nmap[file]; i++) {
			const struct oc_iface *f = oc_vantages_iface(m->v, file, i);

			if (m->map[file][i] && f && f->has_isb)
				pcapng_write_stats_comment(m->w, m->map[file][i] - 1, v->first_ns, v->last_ns,
							   f->isb_recv, f->isb_drop, f->isb_comment[0] ? f->isb_comment : NULL);
		}
	}
}

static void clock_words(const struct oc_vantage *v, const char *ref, char *buf, size_t len)
{
	const struct oc_clock *c = &v->clock;
	double off = (double)c->offset_ns / 1e9;

	if (!c->found) {
		snprintf(buf, len, "no packet in common with %s: clock left as it is", ref);
		return;
	}
	if (c->both_ways)
		snprintf(buf, len, "clock %.6f s %s %s's, +-%.0f us, drift %+.2f ppm (%llu packets seen at both ends, "
			 "both ways)", off < 0 ? -off : off, off < 0 ? "behind" : "ahead of", ref,
			 (double)c->uncertainty_ns / 1e3, c->drift * 1e6, (unsigned long long)c->pairs);
	else
		snprintf(buf, len, "clock %.6f s %s %s's, traffic one way only: the offset takes the smallest delay "
			 "as zero (%llu packets seen at both ends)", off < 0 ? -off : off, off < 0 ? "behind" : "ahead of",
			 ref, (unsigned long long)c->pairs);
}

static void print_vantages(const struct oc_vantages *vs, FILE *f)
{
	const char *ref = oc_vantage(vs, 0)->label;
	char words[320];

	for (unsigned i = 0; i < oc_vantages_count(vs); i++) {
		const struct oc_vantage *v = oc_vantage(vs, i);

		if (i)
			clock_words(v, ref, words, sizeof(words));
		fprintf(f, "  %-10s %s, %llu packets%s%s\n", v->label, v->path, (unsigned long long)v->packets,
			i ? "; " : " (the reference clock)", i ? words : "");
		if (v->error[0])
			fprintf(f, "  %-10s %s (what came before it counts)\n", "", v->error);
		if (v->capture_drops)
			fprintf(f, "  %-10s the capture itself dropped %llu packets: what it lacks is no loss of the "
				"path's (see 'at one end only')\n", "", (unsigned long long)v->capture_drops);
	}
}

static void shb_comment(const struct oc_vantages *vs, char *buf, size_t len)
{
	size_t at = (size_t)snprintf(buf, len, "offcap merge:");

	for (unsigned i = 0; i < oc_vantages_count(vs) && at < len; i++) {
		const struct oc_vantage *v = oc_vantage(vs, i);

		at += (size_t)snprintf(buf + at, len - at, " %s=%s", v->label, v->path);
		if (i && v->clock.found && at < len)
			at += (size_t)snprintf(buf + at, len - at, " (clock corrected by %+.9f s +-%lld ns, drift %+.3f ppm)",
					       -(double)v->clock.offset_ns / 1e9, (long long)v->clock.uncertainty_ns,
					       v->clock.drift * 1e6);
	}
}

static struct oc_vantages *open_vantages(const struct merge_opts *o, struct oc_vantage_opts *vo)
{
	vo->align = o->align;
	vo->flow_limit = 65536;
	vo->path.window_ns = o->window_ms * 1000000ull;
	return oc_vantages_open(o->files, o->labels, o->nfiles, vo);
}

int cmd_merge(int argc, char **argv)
{
	struct merge_opts o;
	struct merge_out m = { 0 };
	struct oc_vantage_opts vo = { .packet = write_packet, .ctx = &m };
	struct pcapng_shb_info shb = { .app = "offcap " OFFCAP_VERSION };
	char err[512] = "", comment[2048];	/* err: pcapng_close's; the others say their own */
	int ret = 1;

	if (merge_parse(argc, argv, &o))
		return 2;
	if (!(m.v = open_vantages(&o, &vo)))
		return 1;
	/* the comment names the clock corrections, known only after the first pass:
	 * the writer opens when the first packet comes */
	if (oc_vantages_align(m.v))
		goto out;
	shb_comment(m.v, comment, sizeof(comment));
	shb.comment = comment;
	if (!(m.w = pcapng_open(o.out, &shb)))
		goto out;
	if (oc_vantages_run(m.v))
		goto out;
	write_stats(&m);
	if (pcapng_close(m.w)) {
		snprintf(err, sizeof(err), "%s: %s", o.out, pcapng_error(m.w));
		m.w = NULL;
		goto out;
	}
	m.w = NULL;
	printf("offcap merge: %u captures into %s\n", oc_vantages_count(m.v), o.out);
	print_vantages(m.v, stdout);
	ret = 0;
out:
	if (ret && err[0])
		oc_err("%s", err);
	if (m.w)
		pcapng_close(m.w);
	for (unsigned i = 0; i < OC_VANTAGE_MAX; i++)
		free(m.map[i]);
	oc_vantages_free(m.v);
	return ret;
}

static const char *dir_kind(const struct oc_path_dir *d)
{
	return d->sent_as.proto == 6 ? "tcp" : d->sent_as.proto == 17 ? "udp" : "ip";
}

static unsigned faults_of(const struct oc_path_dir *d)
{
	unsigned n = 0;

	for (unsigned f = 0; f < OC_FIND_MAX; f++)
		n += d->count[f] && oc_finding_is_fault(f);
	return n;
}

static void print_dir(const struct oc_path_dir *d, const char *const labels[2])
{
	uint64_t med, p99;
	char t[200], line[512];

	oc_tuple_format(&d->sent_as, t, sizeof(t));
	oc_path_delay(d, &med, &p99);
	printf("  %s  %s -> %s: sent %llu, arrived %llu, lost %llu, duplicated %llu, reordered %llu", t,
	       labels[d->from], labels[d->to], (unsigned long long)d->sent, (unsigned long long)d->arrived,
	       (unsigned long long)d->lost, (unsigned long long)d->duplicated, (unsigned long long)d->reordered);
	if (d->delay_n)
		printf("; one-way delay median %.3f ms, p99 %.3f ms", (double)med / 1e6, (double)p99 / 1e6);
	if (d->hops_known)
		printf("; %u hop%s", d->hops_min, d->hops_min == 1 ? "" : "s");
	if (d->outside)
		printf("; %llu at one end only (outside the other capture's time, or dropped by it)",
		       (unsigned long long)d->outside);
	printf("\n");
	for (unsigned f = 0; f < OC_FIND_MAX; f++) {
		if (!d->count[f])
			continue;
		oc_path_detail(d, f, labels, line, sizeof(line));
		printf("      %s%s: %s\n", oc_finding_is_fault(f) ? "FAULT " : "", oc_finding_text(f), line);
	}
}

static void json_dir(struct oc_json *j, const struct oc_path_dir *d, const char *const labels[2])
{
	uint64_t med, p99;
	char t[200], line[512];

	oc_path_delay(d, &med, &p99);
	oc_json_open(j, NULL, '{');
	oc_tuple_format(&d->sent_as, t, sizeof(t));
	oc_json_str(j, "flow", t);
	oc_tuple_format(&d->arrived_as, t, sizeof(t));
	oc_json_str(j, "arrived_as", t);
	oc_json_str(j, "protocol", dir_kind(d));
	oc_json_str(j, "from", labels[d->from]);
	oc_json_str(j, "to", labels[d->to]);
	oc_json_u64(j, "sent", d->sent);
	oc_json_u64(j, "arrived", d->arrived);
	oc_json_u64(j, "lost", d->lost);
	oc_json_u64(j, "duplicated", d->duplicated);
	oc_json_u64(j, "reordered", d->reordered);
	oc_json_u64(j, "outside", d->outside);
	oc_json_u64(j, "delay_median_ns", med);
	oc_json_u64(j, "delay_p99_ns", p99);
	oc_json_u64(j, "hops", d->hops_known ? d->hops_min : 0);
	oc_json_u64(j, "max_sent_len", d->max_sent_len);
	oc_json_u64(j, "max_arrived_len", d->max_arrived_len);
	oc_json_u64(j, "mss_sent", d->mss_sent);
	oc_json_u64(j, "mss_arrived", d->mss_arrived);
	oc_json_open(j, "findings", '{');
	for (unsigned f = 0; f < OC_FIND_MAX; f++) {
		if (!d->count[f])
			continue;
		oc_path_detail(d, f, labels, line, sizeof(line));
		oc_json_open(j, oc_finding_id(f), '{');
		oc_json_u64(j, "count", d->count[f]);
		oc_json_u64(j, "frame", d->example[f]);
		oc_json_bool(j, "fault", oc_finding_is_fault(f));
		oc_json_str(j, "text", line);
		oc_json_close(j, '}');
	}
	oc_json_close(j, '}');
	oc_json_close(j, '}');
}

static void json_clock(struct oc_json *j, const struct oc_vantage *v, unsigned i)
{
	oc_json_open(j, NULL, '{');
	oc_json_str(j, "label", v->label);
	oc_json_str(j, "file", v->path);
	oc_json_u64(j, "packets", v->packets);
	oc_json_u64(j, "capture_drops", v->capture_drops);
	if (i) {
		oc_json_bool(j, "clock_found", v->clock.found);
		oc_json_f64(j, "clock_offset_s", (double)v->clock.offset_ns / 1e9);
		oc_json_f64(j, "clock_uncertainty_s", (double)v->clock.uncertainty_ns / 1e9);
		oc_json_f64(j, "clock_drift_ppm", v->clock.drift * 1e6);
		oc_json_bool(j, "clock_both_ways", v->clock.both_ways);
		oc_json_u64(j, "clock_pairs", v->clock.pairs);
	}
	if (v->error[0])
		oc_json_str(j, "error", v->error);
	oc_json_close(j, '}');
}

static void json_path(const struct oc_vantages *vs, const char *const labels[2])
{
	const struct oc_path *p = oc_vantages_path(vs);
	unsigned faults = 0;
	struct oc_json j;

	oc_json_init(&j, stdout);
	oc_json_open(&j, NULL, '{');
	oc_json_open(&j, "captures", '[');
	for (unsigned i = 0; i < oc_vantages_count(vs); i++)
		json_clock(&j, oc_vantage(vs, i), i);
	oc_json_close(&j, ']');
	oc_json_open(&j, "directions", '[');
	for (uint32_t i = 0; i < oc_path_ndirs(p); i++) {
		json_dir(&j, oc_path_dir(p, i), labels);
		faults += faults_of(oc_path_dir(p, i));
	}
	oc_json_close(&j, ']');
	oc_json_u64(&j, "faults", faults);
	oc_json_close(&j, '}');
	fputc('\n', stdout);
}

static void print_path(const struct oc_vantages *vs, const char *const labels[2])
{
	const struct oc_path *p = oc_vantages_path(vs);
	unsigned faults = 0;

	printf("offcap report: the path between %s and %s\n\n", labels[0], labels[1]);
	print_vantages(vs, stdout);
	printf("\nPer flow direction (frames are numbered as offcap merge writes them):\n");
	for (uint32_t i = 0; i < oc_path_ndirs(p); i++) {
		print_dir(oc_path_dir(p, i), labels);
		faults += faults_of(oc_path_dir(p, i));
	}
	if (!oc_path_ndirs(p))
		printf("  no packet was seen at both ends\n");
	printf("\n%s\n", faults ? "Faults on the path: see FAULT above." : "No fault found on the path.");
}

int oc_path_report(const char *const *files, unsigned n, char *const *label_args, unsigned nl, int json)
{
	struct merge_opts o = { .align = 1, .window_ms = DEF_WINDOW_MS };
	struct oc_vantage_opts vo = { 0 };
	const char *lab[OC_VANTAGE_MAX], *file[OC_VANTAGE_MAX], *names[2];
	struct oc_vantages *v;
	unsigned np = 0;
	int ret = 0;

	for (unsigned i = 0; i < n && i < OC_VANTAGE_MAX; i++)
		o.files[o.nfiles++] = files[i];
	for (unsigned i = 0; i < nl; i++)
		if (add_label(label_args[i], lab, file, &np))
			return 2;
	if (place_labels(&o, lab, file, np) || !(v = open_vantages(&o, &vo)))
		return 1;
	if (oc_vantages_run(v)) {
		ret = 1;
	} else {
		names[0] = oc_vantage(v, 0)->label, names[1] = oc_vantage(v, 1)->label;
		json ? json_path(v, names) : print_path(v, names);
	}
	oc_vantages_free(v);
	return ret;
}
