/* offcap capture: attach at the chosen hook points, stream to one pcapng. */
#include <errno.h>
#include <getopt.h>
#include <linux/capability.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "loader.h"
#include "cmd.h"
#include "expr.h"
#include "kfilter.h"
#include "gsolimits.h"
#include "lineout.h"
#include "params.h"
#include "pcapng.h"
#include "print.h"

#define ALL_POINTS ((1u << OC_POINT_MAX) - 1)

struct cap_opts {
	const char *ifspec[OC_MAX_DEVS];
	unsigned nif;
	const char *netns;
	const char *out;
	char *filter;		/* the pcap-filter expression (arguments or -F), or NULL */
	const char *filter_file;	/* -F */
	unsigned long snaplen, count, duration, ring_mb;
	unsigned points;
	int quiet, verbose, report, tc_clsact, payload_once, ring_full_drop;
	int print, eflag, Sflag;	/* lines on stdout (without -w, or --print); -e, -S */
};

struct cap_state {
	struct cap_opts *o;
	struct oc_netdev devs[OC_MAX_DEVS];
	struct pcapng_writer *w;
	struct oc_kfilter *filter;
	int idb[OC_MAX_DEVS][OC_POINT_MAX];
	uint64_t captured[OC_MAX_DEVS][OC_POINT_MAX];
	uint64_t total;
	uint64_t start_ns;
	uint64_t last_status[OC_POINT_MAX];	/* counts at the previous status line */
	uint8_t gone[OC_MAX_DEVS];	/* vanished while capturing */
	int created;		/* the output file is ours: removed if the start fails */
	struct oc_printer pr;
	struct oc_lineout *lines;
	uint64_t lines_skipped;
	struct oc_iface line_if[OC_MAX_DEVS][OC_POINT_MAX];	/* names the lines show */
	char xdp_mode[OC_MAX_DEVS][16];	/* "native", "generic" */
	char effect[OC_MAX_DEVS][160];	/* observer_effect codes (user/file/meta.h) */
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* -p's help: the default, then one line per point, from oc_hooks[] */
static const char *points_help(void)
{
	static char buf[1024];
	size_t n = snprintf(buf, sizeof(buf), "%26s%s; 'all' adds", "", oc_hooks_default_list());

	for (unsigned p = 0, k = 0; p < OC_POINT_MAX && n < sizeof(buf); p++)
		if (!oc_hooks[p].dflt)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s %s", k++ ? "," : "", oc_hooks[p].name);
	n += (size_t)snprintf(buf + n, n < sizeof(buf) ? sizeof(buf) - n : 0, "):\n");
	for (unsigned p = 0; p < OC_POINT_MAX && n < sizeof(buf); p++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%26s%-11s %s\n", "",
				      oc_hooks[p].name, oc_hooks[p].shows);
	return buf;
}

/* getopt ids of the long-only options */
enum { O_NETNS = 256, O_DURATION, O_FILTER, O_REPORT, O_CLSACT, O_PRINT, O_VERSION, O_ONCE, O_RING_FULL };

const struct oc_params oc_params_capture = {
	.cmd = "capture",
	.usage =
"Usage: offcap capture -i IFACE [-i IFACE ...] [OPTIONS] [EXPRESSION]\n"
"\n"
"Capture in the kernel at the points where offloads change packets, without\n"
"changing any interface setting, into one pcapng (one interface block per\n"
"interface and hook point).\n"
"\n",
	.after =
"\n"
"XDP is not on by default: on a veth, attaching it turns off the peer's GSO\n"
"pass-through, so the sender segments in software (offcap warns when that happens).\n"
"At xdp offcap joins libxdp's dispatcher, first: your XDP programs keep deciding\n"
"every frame and can be attached (xdp-loader) while it runs; the file holds each\n"
"frame as it arrived, with the chain's verdict in epb_verdict. A program attached\n"
"alone, which libxdp cannot share, is traced instead (fentry/fexit, xdpdump's way).\n"
"On kernels older than a point's best variant, offcap says at start what it\n"
"cannot record there (e.g. csum=unknown at tc before Linux 6.2).\n",
	.p = (const struct oc_param[]){
		{ 'i', "interface", .arg = OC_ARG_REQUIRED, .metavar = "IFACE", .complete = OC_COMP_IFACE,
		  .help = "interface to watch; NETNS/IFACE for one in a named\nnetwork namespace (repeatable, up to " OC_STR(OC_MAX_DEVS) ")",
		  .man = "interface to watch;\n.IR NETNS / IFACE\nfor one in a named network namespace (repeatable)." },
		{ 0, "netns", O_NETNS, OC_ARG_REQUIRED, "NAME", "network namespace of plain IFACE names",
		  .man = "network namespace of plain\n.I IFACE\nnames.", .complete = OC_COMP_NETNS },
		{ 'w', "write", .arg = OC_ARG_REQUIRED, .metavar = "FILE", .complete = OC_COMP_FILE,
		  .help = "pcapng output; '-' for stdout, *.gz for gzip.\nWithout -w, one line per packet on stdout (as\ntcpdump -n, then gso/csum/vlan offload metadata)",
		  .man = "pcapng output;\n.B \\-\nfor stdout, a name ending in\n.B .gz\nfor gzip. Without\n.BR \\-w ,\n"
			 "one line per packet on stdout, as\n.B offcap read\nprints them (see there). The lines go through a queue to a writer thread: the capture never\n"
			 "waits for the terminal; when the queue is full a line is skipped and counted, and the count is\n"
			 "shown in the status line (which is not shown when the lines go to the same terminal) and at exit\nas\n.IR \"N lines skipped (terminal too slow)\" ." },
		{ 0, "print", O_PRINT, .help = "with -w, print the lines too",
		  .man = "with\n.BR \\-w ,\nprint the lines too (as tcpdump's\n.BR \\-\\-print )." },
		{ 'e', .help = "lines: link level (MACs, EtherType, VLAN tags)",
		  .man = "lines: the link level (MAC addresses, EtherType, VLAN tags)." },
		{ 'S', .help = "lines: absolute TCP sequence numbers", .man = "lines: absolute TCP sequence numbers." },
		{ 'n', .show = "-n, -nn", .help = "accepted: never any name resolution",
		  .man = "accepted for tcpdump's users: offcap never resolves names." },
		{ 's', "snapshot-length", .arg = OC_ARG_REQUIRED, .metavar = "N",
		  .help = "bytes kept per packet (default " OC_STR(OC_DEF_SNAPLEN) "; 0 = whole packet)",
		  .man = "bytes kept per packet (default " OC_STR(OC_DEF_SNAPLEN) "; 0 = the whole packet, up to 262144)." },
		{ 0, "snaplen", 's', OC_ARG_REQUIRED, "N", .hidden = 1 },	/* the old spelling */
		{ 'c', "count", .arg = OC_ARG_REQUIRED, .metavar = "N", .help = "stop after N packets",
		  .man = "stop after N packets." },
		{ 0, "duration", O_DURATION, OC_ARG_REQUIRED, "SEC", "stop after SEC seconds", .man = "stop after SEC seconds." },
		{ .operand = 1, .metavar = "EXPRESSION",
		  .help = "keep only packets matching this pcap-filter(7)\nexpression, as tcpdump does; it runs in the kernel\n"
			  "before a packet takes ring space. 'len > 1514'\nkeeps exactly the frames over a 1500 MTU: super-\nframes and merges (len is the true length)",
		  .man = "keep only packets matching the\n.BR pcap-filter (7)\n"
"expression, as tcpdump does. It is compiled by libpcap (for Ethernet, and for raw IP on\n"
"devices without a link-layer header: tun, wireguard, ipip), translated to eBPF and run in\n"
"the kernel at every hook point before a packet takes ring space: a packet that does not match\n"
"costs no ring space, no copy and no wakeup. It sees the bytes the file gets: an offloaded\n"
"VLAN tag is back in place (so\n.B \"vlan 100\"\nmatches it, as on the wire), and\n.BR len \", \" greater \", \" less\n"
"see the true length:\n.B \"len > 1514\"\n"
"keeps exactly the frames over a 1500-byte MTU: the super-frames and merged frames (and any real\noversize frame).\n"
".B \"greater N\"\nis libpcap's length >= N, so\n.B \"greater 1514\"\nalso keeps full-size 1514-byte frames.\n"
".BR inbound \", \" outbound\ntake the hook point's direction and\n.B \"ifindex N\"\n"
"the device's. A load past the 1024 bytes the kernel copies leaves a longer packet to libpcap\n"
"in user space. At exit, each hook point's\n.B \"filter in the kernel: N kept, N rejected, N undecided\"\n"
"is printed and written into its statistics blocks; \\-v names the parts left to user space.\n"
"A bad expression gets libpcap's message and\nexit status 1 before anything is attached; where the expression cannot match (libpcap's\n"
"\"expression rejects all packets\", or\n.B arp\non a tun device) nothing is attached, and offcap says so." },
		OC_PARAM_FILTER_FILE,
		{ 'f', "filter", O_FILTER, OC_ARG_REQUIRED, "EXPRESSION", .hidden = 1 },	/* the old spelling, kept hidden */
		{ 'p', "points", .arg = OC_ARG_REQUIRED, .metavar = "LIST", .complete = OC_COMP_POINTS,
		  .help = "comma-separated hook points (default", .more = points_help,
		  .man = "comma-separated hook points, or\n.BR all ;\nthe default points are marked (default) under HOOK POINTS." },
		{ 'B', "buffer-size", .arg = OC_ARG_REQUIRED, .metavar = "MIB",
		  .help = "ring buffer memory in MiB, power of two, shared by one\nring per CPU, at least 1 MiB each (default 8, 32 at\nfour points or more; with -s 0 or a snaplen over 1024,\n16 per hook point, from 64 to 128)",
		  .man = "ring buffer memory in MiB, a power of two (default 8, 32 at four hook points or more; with\n.B \\-s 0\nor a snaplen over 1024, room for 256 whole packets at every hook point:\n16 MiB per point, rounded up to a power of two, from 64 to 128; said at start)." },
		{ 0, "buffer", 'B', OC_ARG_REQUIRED, "MIB", .hidden = 1 },	/* the old spelling */
		{ 0, "payload-once", O_ONCE,
		  .help = "a super-frame's payload once: post-gso keeps only the\nheaders of the super-frames the device segments\n"
			  "itself (tc-egress has their bytes whole; needs\ntc-egress among the points and -s 0)",
		  .man = "keep a super-frame's payload once. Where the device segments a super-frame itself (TSO, or a veth\n"
"passing it on whole), post-gso sees the very skb tc-egress recorded: with this option post-gso keeps only\n"
"its headers, from the link-layer header to the end of the TCP or UDP header (the inner one in a tunnel;\n"
"256 bytes where the kernel's offsets do not tell), and its original length stays whole, so readers show it\n"
"cut. Frames post-gso sees that are not super-frames (software GSO's segments, ordinary packets) keep\n"
"their bytes. The post-gso interface block says so\n.RB ( gso_payload=tc-egress\n"
"and its description's text), and offcap says it at start. Needs tc-egress among the points (exit status\n"
"1 without); without post-gso, or with a snaplen other than 0 (tc-egress does not keep the payload\n"
"either), it changes nothing and says so. Partial and fraglist GSO stay whole, and a capture filter\n"
"decides before the cut. The payload is the same at both points unless\n"
"something between them rewrites it (a later tc program, a netem qdisc corrupting packets), and a\n"
"super-frame tc-egress lost or cut by a nearly full ring (--ring-full) has no payload in the file." },
		{ 0, "ring-full", O_RING_FULL, OC_ARG_REQUIRED, "cut|drop",
		  .help = "a packet that finds its ring buffer nearly full:\ncut keeps its first 256 bytes (default), drop loses it",
		  .man = "what a packet gets when it finds its CPU's ring buffer nearly full (the last eighth taken: the\n"
"consumer fell behind, or the disk is slow).\n.B cut\n(the default) keeps its first 256 bytes, its headers, and\n"
"its length, so the file still has every packet and a reader shows it cut; each such packet's comment\n"
"says\n.BR cut=ring_full ,\nthe exit summary, the statistics blocks and\n.B report\ncount them.\n"
".B drop\nloses the packet, as tcpdump does (counted as dropped). Packets of 256 bytes or less are never cut." },
		{ 'q', "quiet", .help = "no live status line; short lines (tcp 1448)",
		  .man = "no live status line; short lines\n.RI ( \"tcp 1448\" )." },
		{ 'v', "verbose", .help = "lines with all the metadata; libbpf's and the\nverifier's messages",
		  .man = "lines with IP header details and all of the packet's metadata; libbpf's and the verifier's\nmessages." },
		{ 0, "version", O_VERSION, .help = "offcap's, libpcap's and libbpf's versions",
		  .man = "offcap's, libpcap's and libbpf's versions." },
		{ 0, "report", O_REPORT, .help = "at the end, print 'offcap report' of the file",
		  .man = "at the end, print\n.B offcap report\nof the file (needs\n.BR \\-w \" FILE).\"" },
		{ 0, "tc-clsact", O_CLSACT,
		  .help = "tc programs as clsact filters, as on kernels before 6.6\n(default: tcx links). Filters outlive a SIGKILL; the\nnext run removes them and says so",
		  .man = "attach the tc programs as clsact filters, as on kernels before 6.6 (default: tcx links)." },
		{ 'h', "help", .help = "", .man = "" },
		{ 0 },
	},
};

static const char *point_names(void)
{
	static char buf[128];
	size_t n = 0;

	for (unsigned p = 0; p < OC_POINT_MAX && n < sizeof(buf); p++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", p ? ", " : "", oc_hooks[p].name);
	return buf;
}

static int parse_points(const char *list, unsigned *out)
{
	char buf[256], *save = NULL;

	*out = 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int p = oc_point_parse(t);

		if (!strcmp(t, "all"))
			*out |= ALL_POINTS;
		else if (p < 0)
			return oc_fail(-EINVAL, "unknown hook point '%s' (%s, all)", t, point_names());
		else
			*out |= 1u << p;
	}
	return *out ? 0 : (oc_err("--points: empty list"), -1);
}

static int parse_args(int argc, char **argv, struct cap_opts *o)
{
	struct oc_getopt g = { 0 };
	int ret;
	int c;

	*o = (struct cap_opts){ .snaplen = OC_DEF_SNAPLEN, .points = oc_hooks_default(), .ring_mb = 0 };
	optind = 1;
	while ((c = oc_params_next(&oc_params_capture, &g, argc, argv)) != -1) {
		switch (c) {
		case 'i':
			if (o->nif == OC_MAX_DEVS)
				return oc_fail(-EINVAL, "at most %d interfaces", OC_MAX_DEVS);
			o->ifspec[o->nif++] = optarg;
			break;
		case O_NETNS: o->netns = optarg; break;
		case 'w': o->out = optarg; break;
		case O_FILTER: o->filter = optarg; break;	/* the old spelling, kept hidden */
		case 'F': o->filter_file = optarg; break;
		case 's':
			if (oc_parse_uint(optarg, 0, OC_MAX_CAPLEN, &o->snaplen))
				return oc_fail(-EINVAL, "-s: snaplen must be 0..%d", OC_MAX_CAPLEN);
			break;
		case 'c':
			if (oc_parse_uint(optarg, 1, ~0ul, &o->count))
				return oc_fail(-EINVAL, "-c: count must be a positive number");
			break;
		case O_DURATION:
			if (oc_parse_uint(optarg, 1, 86400 * 365, &o->duration))
				return oc_fail(-EINVAL, "--duration: seconds must be a positive number");
			break;
		case 'p':
			if (parse_points(optarg, &o->points))
				return -1;
			break;
		case 'B':
			if (oc_parse_uint(optarg, 1, 4096, &o->ring_mb) || (o->ring_mb & (o->ring_mb - 1)))
				return oc_fail(-EINVAL, "-B: ring size must be a power of two MiB, 1..4096");
			break;
		case 'q': o->quiet = 1; break;
		case 'v': o->verbose = 1; break;
		case O_REPORT: o->report = 1; break;
		case O_CLSACT: o->tc_clsact = 1; break;
		case O_ONCE: o->payload_once = 1; break;
		case O_RING_FULL:
			if (strcmp(optarg, "cut") && strcmp(optarg, "drop"))
				return oc_fail(-EINVAL, "--ring-full: '%s' is neither cut nor drop", optarg);
			o->ring_full_drop = !strcmp(optarg, "drop");
			break;
		case O_PRINT: o->print = 1; break;
		case 'e': o->eflag = 1; break;
		case 'n': break;
		case 'S': o->Sflag = 1; break;
		case O_VERSION: oc_print_version(); exit(0);
		case 'h': oc_params_usage(&oc_params_capture, stdout); exit(0);
		default: oc_params_usage(&oc_params_capture, stderr); return -1;
		}
	}
	if (optind < argc && o->filter)
		return oc_fail(-EINVAL, "unexpected argument '%s' (the expression is given already)", argv[optind]);
	if (!o->filter && (ret = oc_expr_text(argv + optind, argc - optind, o->filter_file, &o->filter)))
		return ret;
	if (!o->nif) {
		oc_err("capture: name at least one interface with -i");
		oc_params_usage(&oc_params_capture, stderr);
		return -EINVAL;
	}
	if (o->print && o->out && !strcmp(o->out, "-"))
		return oc_fail(-EINVAL, "--print: the lines and -w - would share stdout");
	o->print |= !o->out;
	if (o->report && (!o->out || !strcmp(o->out, "-")))
		return oc_fail(-EINVAL, "--report needs a file to read back: -w FILE");
	return 0;
}

/* --payload-once cuts post-gso's super-frames only where tc-egress keeps them. */
static int check_payload_once(struct cap_opts *o)
{
	if (!o->payload_once)
		return 0;
	if (!(o->points & (1u << OC_POINT_TC_EGRESS)))
		return oc_fail(-EINVAL, "--payload-once needs tc-egress among the points (-p): the "
			       "super-frames' payload is kept there");
	if (!(o->points & (1u << OC_POINT_POST_GSO))) {
		oc_warn("--payload-once changes nothing without post-gso among the points");
		o->payload_once = 0;
	} else if (o->snaplen && o->snaplen < OC_MAX_CAPLEN) {
		oc_warn("--payload-once changes nothing at -s %lu: tc-egress does not keep a super-frame's "
			"payload either (use -s 0)", o->snaplen);
		o->payload_once = 0;
	}
	return 0;
}

/* root, or the capabilities BPF, tc and XDP attachment need */
static int check_privileges(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };
	const int need[] = { CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON };

	if (geteuid() == 0)
		return 0;
	if (syscall(SYS_capget, &h, d) == 0) {
		int ok = 1;

		for (unsigned i = 0; i < 3; i++)
			ok &= !!(d[need[i] / 32].effective & (1u << (need[i] % 32)));
		if (ok)
			return 0;
	}
	oc_err("capture needs root, or CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON");
	return -1;
}

static void join_args(int argc, char **argv, char *buf, size_t len)
{
	size_t n = snprintf(buf, len, "offcap");

	for (int i = 0; i < argc && n < len; i++)
		n += snprintf(buf + n, len - n, " %s", argv[i]);
}

static int open_output(struct cap_state *s, int argc, char **argv)
{
	struct utsname u;
	char os[256] = "Linux", cmdline[1024];
	struct pcapng_shb_info shb = { .app = "offcap " OFFCAP_VERSION, .os = os, .comment = cmdline };

	if (!uname(&u)) {
		snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
		shb.hardware = u.machine;
	}
	join_args(argc, argv, cmdline, sizeof(cmdline));
	s->created = strcmp(s->o->out, "-") && access(s->o->out, F_OK);
	s->w = pcapng_open(s->o->out, &shb);
	if (!s->w)
		return -1;
	return 0;
}

#define ONCE_TEXT "super-frames (gso_size set) cut to their headers by --payload-once: their " \
		  "payload is in the tc-egress block"

static int cuts_super_frames(const struct cap_state *s, unsigned p)
{
	return s->o->payload_once && p == OC_POINT_POST_GSO;
}

/* The description's text for people: what the point shows, and what it left out. */
static const char *point_role(const struct cap_state *s, unsigned p, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", p < OC_POINT_MAX ? oc_hooks[p].shows : "",
		 cuts_super_frames(s, p) ? "; " : "", cuts_super_frames(s, p) ? ONCE_TEXT : "");
	return buf;
}

/* Do the watched interfaces live in more than one network namespace? */
static int several_netns(const struct cap_state *s)
{
	for (unsigned d = 1; d < s->o->nif; d++)
		if (s->devs[d].netns_ino != s->devs[0].netns_ino)
			return 1;
	return 0;
}

/* What meta.c's IDB contract records about dev (the hook is set per block). */
static void idb_facts(const struct oc_netdev *dev, struct oc_idb_meta *m)
{
	struct oc_gso_limits lim = { 0 };

	memset(m, 0, sizeof(*m));
	snprintf(m->ifname, sizeof(m->ifname), "%s", dev->name);
	snprintf(m->netns, sizeof(m->netns), "%s", dev->netns_name);
	snprintf(m->driver, sizeof(m->driver), "%s", dev->driver);
	m->netns_ino = dev->netns_ino;
	m->ifindex = dev->ifindex;
	m->mtu = dev->mtu;
	if (!oc_netdev_enter(dev)) {
		oc_gso_limits_read(dev->ifindex, &lim);
		oc_netdev_leave();
	}
	m->gso_max_size = lim.gso_max_size;
	m->gso_max_segs = lim.gso_max_segs;
	m->gro_max_size = lim.gro_max_size;
	m->tso_max_size = lim.tso_max_size;
	oc_features_summary(&dev->feat, m->features, sizeof(m->features));
	m->peer_ifindex = dev->peer_ifindex;
	m->peer_mtu = dev->peer_mtu;
	snprintf(m->peer, sizeof(m->peer), "%s", dev->peer_ifname);
	if ((m->has_counters = dev->has_start)) {
		m->rx_dropped = dev->start.rx_dropped, m->rx_errors = dev->start.rx_errors;
		m->tx_dropped = dev->start.tx_dropped, m->tx_errors = dev->start.tx_errors;
	}
}

static int add_idbs(struct cap_state *s)
{
	int with_netns = several_netns(s);

	for (unsigned d = 0; d < s->o->nif; d++) {
		struct oc_netdev *dev = &s->devs[d];
		struct oc_idb_meta m;

		idb_facts(dev, &m);
		snprintf(m.observer_effect, sizeof(m.observer_effect), "%s", s->effect[d]);
		for (unsigned p = 0; p < OC_POINT_MAX; p++) {
			char role[256];
			struct oc_iface i = { .linktype = oc_netdev_is_l3(dev) ? OC_LINKTYPE_RAW :
						OC_LINKTYPE_ETHERNET, .point = p,
					      .mtu = dev->mtu, .tsresol = 9 };

			s->idb[d][p] = -1;
			if (!(s->o->points & (1u << p)))
				continue;
			m.point = (uint8_t)p;
			snprintf(m.xdp_mode, sizeof(m.xdp_mode), "%s", p == OC_POINT_XDP ? s->xdp_mode[d] : "");
			snprintf(m.gso_payload, sizeof(m.gso_payload), "%s",
				 cuts_super_frames(s, p) ? oc_point_name(OC_POINT_TC_EGRESS) : "");
			i.snaplen = s->o->snaplen ? s->o->snaplen : OC_MAX_CAPLEN;
			oc_idb_name(&m, with_netns, i.name, sizeof(i.name));
			snprintf(i.ifname, sizeof(i.ifname), "%s", dev->name);
			if (oc_idb_descr(&m, point_role(s, p, role, sizeof(role)), i.descr, sizeof(i.descr)) >= sizeof(i.descr))
				oc_warn("%s: the interface description was cut at %zu bytes", i.name,
					sizeof(i.descr) - 1);
			s->idb[d][p] = pcapng_add_iface(s->w, &i);
			if (s->idb[d][p] < 0)
				return oc_fail(-EIO, "%s", pcapng_error(s->w));
		}
	}
	return 0;
}

/* The lines name interfaces as the file would: IF@HOOK, NETNS/IF@HOOK. */
static int start_lines(struct cap_state *s)
{
	struct oc_print_opts po = { .eflag = s->o->eflag, .vflag = s->o->verbose, .qflag = s->o->quiet,
				    .Sflag = s->o->Sflag };
	int with_netns = several_netns(s);

	for (unsigned d = 0; d < s->o->nif; d++) {
		struct oc_idb_meta m = { 0 };

		snprintf(m.ifname, sizeof(m.ifname), "%s", s->devs[d].name);
		snprintf(m.netns, sizeof(m.netns), "%s", s->devs[d].netns_name);
		for (unsigned p = 0; p < OC_POINT_MAX; p++) {
			m.point = (uint8_t)p;
			s->line_if[d][p].linktype = oc_netdev_is_l3(&s->devs[d]) ? OC_LINKTYPE_RAW :
						    OC_LINKTYPE_ETHERNET;
			oc_idb_name(&m, with_netns, s->line_if[d][p].name, sizeof(s->line_if[d][p].name));
		}
	}
	oc_printer_init(&s->pr, &po);
	s->lines = oc_lineout_new(1, 1u << 20);
	return s->lines ? 0 : (oc_err("out of memory for the lines"), -1);
}

/* Writes the queued lines (waiting for the reader); EPIPE is no error: the
 * reader had seen enough (| head). */
static int stop_lines(struct cap_state *s)
{
	int err;

	if (!s->lines)
		return 0;
	s->lines_skipped = oc_lineout_skipped(s->lines);
	err = oc_lineout_close(s->lines);
	s->lines = NULL;
	oc_printer_free(&s->pr);
	if (err && err != EPIPE)
		return oc_fail(-err, "writing the lines: %s", strerror(err));
	return 0;
}

static void print_line(struct cap_state *s, const struct oc_packet *p, unsigned d)
{
	char line[4096];
	size_t n = oc_print_line(&s->pr, &s->line_if[d][p->meta.point % OC_POINT_MAX], p, line,
				 sizeof(line));

	oc_lineout_put(s->lines, line, n);
}

/* Before the rings' space is handed back: the blocks that refer to it are written. */
static void sync_writer(void *ctx)
{
	struct cap_state *s = ctx;

	pcapng_sync(s->w);	/* a failure is sticky: the next write reports it */
}

static int on_packet(void *ctx, const struct oc_packet *pkt, unsigned d)
{
	struct cap_state *s = ctx;
	struct oc_packet p = *pkt;
	unsigned point = p.meta.point;

	if (s->o->count && s->total >= s->o->count)
		return 0;
	if (s->w) {
		p.if_id = (uint32_t)s->idb[d][point];
		/* whole packets go to the file straight from the ring (writev) */
		if (p.data_in_record ? pcapng_write_packet_ref(s->w, &p) : pcapng_write_packet(s->w, &p))
			return -1;
	}
	if (s->lines)
		print_line(s, &p, d);
	s->captured[d][point]++;
	s->total++;
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t point_captured(const struct cap_state *s, unsigned p)
{
	uint64_t n = 0;

	for (unsigned d = 0; d < s->o->nif; d++)
		n += s->captured[d][p];
	return n;
}

static void status_line(struct cap_state *s, struct oc_capture *c)
{
	char line[512];
	size_t n = 0;

	for (unsigned p = 0; p < OC_POINT_MAX; p++) {
		struct oc_point_count k;
		uint64_t now;

		if (!(s->o->points & (1u << p)))
			continue;
		oc_capture_counts(c, p, &k);
		now = point_captured(s, p);
		n += snprintf(line + n, sizeof(line) - n, "%s%s %llu (%llu/s, %llu dropped", n ? "  " : "",
			      oc_point_name(p), (unsigned long long)now,
			      (unsigned long long)(now - s->last_status[p]), (unsigned long long)k.dropped);
		if (n < sizeof(line))
			n += snprintf(line + n, sizeof(line) - n, k.cut ? ", %llu cut)" : ")",
				      (unsigned long long)k.cut);
		s->last_status[p] = now;
		if (n >= sizeof(line))
			break;
	}
	if (oc_lineout_skipped(s->lines) && n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, "  %llu lines skipped",
			 (unsigned long long)oc_lineout_skipped(s->lines));
	fprintf(stderr, "\r\033[K%s", line);
}

/* An interface that disappears ends the capture cleanly. */
/* An interface that went away stops only its own capture; returns 1 when
 * none is left. */
static int vanished(struct cap_state *s)
{
	unsigned left = 0;

	for (unsigned d = 0; d < s->o->nif; d++) {
		struct oc_netdev *dev = &s->devs[d];
		int gone;

		if (s->gone[d])
			continue;
		gone = oc_netdev_enter(dev) || (int)if_nametoindex(dev->name) != dev->ifindex;
		oc_netdev_leave();
		if (!gone) {
			left++;
			continue;
		}
		s->gone[d] = 1;
		oc_warn("interface %s%s%s vanished after %.1f s%s", dev->netns_name,
			dev->netns_name[0] ? "/" : "", dev->name, (mono_ns() - s->start_ns) / 1e9,
			s->o->nif > 1 ? "; its packets until then are in the file" : "");
	}
	if (!left && s->o->nif > 1)
		oc_warn("every interface vanished; stopping");
	return !left;
}

static void add_effect(struct cap_state *s, unsigned d, const char *code)
{
	size_t n = strlen(s->effect[d]);

	if (!strstr(s->effect[d], code))
		snprintf(s->effect[d] + n, sizeof(s->effect[d]) - n, "%s%s", n ? "," : "", code);
}

/* Receive merging a device stopped doing because offcap attached. */
static void note_merging_off(struct cap_state *s, unsigned d, const struct oc_features *now)
{
	static const char *const merging[] = { "rx-lro", "rx-gro-hw" };

	for (unsigned i = 0; i < 2; i++) {
		char code[32];

		snprintf(code, sizeof(code), "%s:off", merging[i]);
		if (oc_feature(&s->devs[d].feat, merging[i]) == 1 && oc_feature(now, merging[i]) == 0)
			add_effect(s, d, code);
	}
}

static void warn_feature_changes(struct cap_state *s)
{
	for (unsigned d = 0; d < s->o->nif; d++) {
		struct oc_netdev *dev = &s->devs[d];
		struct oc_features now;
		char diff[1024];

		if (oc_netdev_enter(dev))
			continue;
		if (!oc_netdev_read_features(dev, &now))
			note_merging_off(s, d, &now);
		if (!oc_netdev_read_features(dev, &now) && oc_features_diff(&dev->feat, &now, diff, sizeof(diff)))
			oc_warn("attaching changed %s's features (%s): what you capture is not what runs "
				"without offcap", dev->name, diff);
		if (!oc_netdev_read_peer_features(dev, &now) &&
		    oc_features_diff(&dev->peer_feat, &now, diff, sizeof(diff)))
			oc_warn("attaching changed the features of %s's veth peer %s (%s)", dev->name,
				dev->peer_name, diff);
		oc_netdev_leave();
		if ((s->o->points & (1u << OC_POINT_XDP)) && !strcmp(dev->driver, "veth"))
			oc_warn("XDP on veth %s turns off GSO pass-through on its peer: the peer now segments "
				"in software and its post-gso point shows MTU-sized segments", dev->name);
	}
}

/* XDP the driver refuses in its present state: offcap changes no setting to
 * make it attach, so the capture does not start. */
static int xdp_refusals(struct cap_state *s)
{
	int refused = 0;

	for (unsigned d = 0; (s->o->points & (1u << OC_POINT_XDP)) && d < s->o->nif; d++) {
		struct oc_xdp_outlook o;

		oc_xdp_outlook(&s->devs[d], &o);
		if (o.refuse)
			oc_err("%s: no capture at xdp: %s", s->devs[d].name, o.why), refused = 1;
		snprintf(s->effect[d], sizeof(s->effect[d]), "%s", o.effect);
	}
	return refused ? -1 : 0;
}

/* Native or generic XDP, and what attaching changed in what the device does. */
static void xdp_notes(struct cap_state *s, struct oc_capture *c)
{
	for (unsigned d = 0; (s->o->points & (1u << OC_POINT_XDP)) && d < s->o->nif; d++) {
		const char *m = oc_capture_attach_mode(c, d, OC_POINT_XDP), *name = s->devs[d].name;

		if (m && !strcmp(m, "fentry/fexit")) {
			s->effect[d][0] = '\0';	/* the program already attached changed it, not offcap */
		} else if (m && strstr(m, "generic")) {
			snprintf(s->xdp_mode[d], sizeof(s->xdp_mode[d]), "generic");
			add_effect(s, d, "gro_skipped");
			fprintf(stderr, "offcap: %s: generic XDP (%s has no native XDP here): the program runs on "
				"the skb the driver built, after the driver's own work\n", name, s->devs[d].driver);
		} else if (m && strstr(m, "native")) {
			snprintf(s->xdp_mode[d], sizeof(s->xdp_mode[d]), "native");
			fprintf(stderr, "offcap: %s: native XDP (in the %s driver, before an skb is built)\n",
				name, s->devs[d].driver);
		}
	}
	for (unsigned d = 0; d < s->o->nif; d++)
		for (const char *e = s->effect[d]; *e;) {
			size_t n = strcspn(e, ",");
			const char *text = oc_observer_effect_text(e, n);

			if (text)
				oc_warn("%s: observer effect: %s", s->devs[d].name, text);
			e += n + (e[n] == ',');
		}
}

/* What a person could otherwise mistake for a difference between points. */
/* -v: how each point is attached ("ocb@xdp: libxdp-native"). */
static void tell_attachments(struct cap_state *s, struct oc_capture *c)
{
	for (unsigned d = 0; d < s->o->nif; d++)
		for (unsigned p = 0; p < OC_POINT_MAX; p++) {
			const char *m = oc_capture_attach_mode(c, d, p);

			if (m && (s->o->points & (1u << p)))
				fprintf(stderr, "offcap: %s@%s: %s\n", s->devs[d].name, oc_point_name(p), m);
		}
}

/* -v: what of the filter runs in the kernel, what is left to libpcap, and why. */
static void tell_filter(const struct cap_state *s, const struct oc_capture *c)
{
	unsigned trace = (1u << OC_POINT_POST_GSO) | (1u << OC_POINT_PRE_GRO);
	char words[768];

	for (unsigned l = 0; l < OC_KF_LINKS; l++) {
		oc_kfilter_describe(s->filter, l, words, sizeof(words));
		oc_warn("filter on %s frames: %s", l == OC_KF_L2 ? "Ethernet" : "raw IP", words);
	}
	if ((s->o->points & trace) && !(oc_capture_features(c) & OC_FEAT_TRACE_DYNPTR))
		oc_warn("filter at post-gso and pre-gro: this kernel lacks %s, so a packet whose headers "
			"reach into page fragments is left to libpcap in user space",
			oc_feature_name(OC_FEAT_TRACE_DYNPTR));
}

static void start_notes(struct cap_state *s, struct oc_capture *c)
{
	if (s->o->payload_once && !s->o->quiet)
		fprintf(stderr, "offcap: --payload-once: at post-gso, %s (each keeps its length)\n", ONCE_TEXT);
	if (s->o->verbose)
		tell_attachments(s, c);
	if (s->o->verbose && s->filter)
		tell_filter(s, c);
	if (!s->o->ring_mb && (!s->o->snaplen || s->o->snaplen > 1024) && !s->o->quiet) {
		unsigned n;
		uint64_t per = oc_capture_ring_bytes(c, &n);

		fprintf(stderr, "offcap: ring buffers %llu MiB (%u x %llu MiB, one per CPU), sized for "
			"%u whole records at each of %d points (-B sets it)\n",
			(unsigned long long)(per * n >> 20), n, (unsigned long long)(per >> 20), 256,
			__builtin_popcount(s->o->points));
	}
	if (!s->o->snaplen)
		oc_warn("-s 0 keeps at most %d bytes of a packet (tshark and tcpdump refuse larger ones)%s; "
			"a longer packet's length is kept", OC_MAX_CAPLEN,
			(s->o->points & (1u << OC_POINT_POST_GSO)) &&
			!(oc_capture_features(c) & OC_FEAT_TRACE_DYNPTR) ? ", at post-gso here 65463" : "");
	if (!(s->o->points & (1u << OC_POINT_XDP)))
		return;
	for (unsigned d = 0; d < s->o->nif; d++)
		if (oc_feature(&s->devs[d].feat, "rx-vlan-hw-parse") == 1)
			oc_warn("%s strips received VLAN tags into metadata (rx-vlan-offload on): frames "
				"at xdp lack the tag that tc-ingress shows re-inserted", s->devs[d].name);
}

static int capture_loop(struct cap_state *s, struct oc_capture *c)
{
	uint64_t end = s->o->duration ? s->start_ns + s->o->duration * 1000000000ull : 0;
	uint64_t next_tick = mono_ns() + 1000000000ull;
	/* no status line among lines on the same terminal */
	int tty = !s->o->quiet && isatty(2) && !(s->lines && isatty(1)), ret = 0;

	while (!stop_signal) {
		if (oc_capture_poll(c, on_packet, s, 100) < 0) {
			ret = -1;
			break;
		}
		if (s->o->count && s->total >= s->o->count)
			break;
		if (end && mono_ns() >= end)
			break;
		if (mono_ns() >= next_tick) {
			next_tick += 1000000000ull;
			if (tty)
				status_line(s, c);
			/* a SIGKILL loses at most a second */
			if (s->w && pcapng_flush(s->w)) {
				ret = -1;
				break;
			}
			if (vanished(s))
				break;
		}
		if (oc_lineout_error(s->lines)) {	/* the reader went away (| head) */
			ret = oc_lineout_error(s->lines) == EPIPE ? 0 : -1;
			break;
		}
	}
	if (tty)
		fprintf(stderr, "\r\033[K");
	return ret;
}

/* The capture filter's verdicts at a point: told at exit, and the words of
 * the point's statistics blocks (the kernel counts per point: with several
 * interfaces the numbers are their sum). */
static void filter_verdicts(const struct cap_state *s, unsigned p, const struct oc_point_count *k,
			    char *words, size_t len)
{
	fprintf(stderr, "%-10s filter in the kernel: %llu kept, %llu rejected, %llu undecided "
		"(libpcap in user space: %llu kept, %llu rejected)\n", oc_point_name(p),
		(unsigned long long)k->kept, (unsigned long long)k->rejected, (unsigned long long)k->undecided,
		(unsigned long long)k->user_kept, (unsigned long long)k->user_rejected);
	snprintf(words, len, "filter in the kernel%s: kept=%llu rejected=%llu undecided=%llu; "
		 "in user space: user_kept=%llu user_rejected=%llu", s->o->nif > 1 ? " (every interface at this point)" : "",
		 (unsigned long long)k->kept, (unsigned long long)k->rejected, (unsigned long long)k->undecided,
		 (unsigned long long)k->user_kept, (unsigned long long)k->user_rejected);
}

/* --ring-full cut: told at exit and added to the statistics blocks' words. */
static void ring_full_cuts(const struct cap_state *s, unsigned p, uint64_t cut, char *words, size_t len)
{
	size_t n = strlen(words);

	fprintf(stderr, "%-10s %llu of them cut to their first %d bytes: the ring buffer was nearly full "
		"(the consumer fell behind; --ring-full drop loses them instead)\n", oc_point_name(p),
		(unsigned long long)cut, OC_FULL_CUT);
	snprintf(words + n, len - n, "%sring_full_cut=%llu%s", n ? "; " : "", (unsigned long long)cut,
		 s->o->nif > 1 ? " (every interface at this point)" : "");
}

static void records_lost(struct oc_capture *c)
{
	uint64_t bad, foreign;

	oc_capture_records(c, &bad, &foreign);
	if (bad)
		fprintf(stderr, "%llu records could not be decoded and are not in the capture\n",
			(unsigned long long)bad);
	if (foreign)
		fprintf(stderr, "%llu records came from a device offcap did not attach and are not in the capture\n",
			(unsigned long long)foreign);
}

static void summary(struct cap_state *s, struct oc_capture *c)
{
	uint64_t mono = mono_ns(), now = oc_mono_to_wall(mono);
	double secs = (mono - s->start_ns) / 1e9;
	char (*end_counters)[180] = calloc(s->o->nif ? s->o->nif : 1, sizeof(*end_counters));

	for (unsigned d = 0; end_counters && d < s->o->nif; d++) {
		struct oc_counters at_end;
		size_t n = strlen(OC_COUNTERS_END);

		if (oc_netdev_read_counters(&s->devs[d], &at_end))
			continue;
		memcpy(end_counters[d], OC_COUNTERS_END, n);
		oc_counters_format(&at_end, end_counters[d] + n, sizeof(end_counters[d]) - n);
	}
	for (unsigned p = 0; p < OC_POINT_MAX; p++) {
		struct oc_point_count k;
		char words[256] = "", comment[512];

		if (!(s->o->points & (1u << p)))
			continue;
		oc_capture_counts(c, p, &k);
		fprintf(stderr, "%-10s %llu packets captured, %llu dropped (%.0f/s over %.1f s)\n",
			oc_point_name(p), (unsigned long long)point_captured(s, p),
			(unsigned long long)k.dropped, secs > 0 ? point_captured(s, p) / secs : 0, secs);
		if (s->filter)
			filter_verdicts(s, p, &k, words, sizeof(words));
		if (k.cut)
			ring_full_cuts(s, p, k.cut, words, sizeof(words));
		for (unsigned d = 0; s->w && d < s->o->nif; d++) {
			snprintf(comment, sizeof(comment), "%s%s%s", end_counters ? end_counters[d] : "",
				 end_counters && end_counters[d][0] && words[0] ? "; " : "", words);
			pcapng_write_stats_comment(s->w, (uint32_t)s->idb[d][p], oc_mono_to_wall(s->start_ns),
						   now, s->captured[d][p], oc_capture_dev_drops(c, d, p),
						   comment[0] ? comment : NULL);
		}
	}
	free(end_counters);
	records_lost(c);
	if (s->lines_skipped)
		fprintf(stderr, "%llu lines skipped (terminal too slow)\n",
			(unsigned long long)s->lines_skipped);
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a closed pipe shows up as EPIPE on write */
}

static int open_devices(struct cap_state *s)
{
	int ret;

	for (unsigned d = 0; d < s->o->nif; d++)
		if ((ret = oc_netdev_open(&s->devs[d], s->o->ifspec[d], s->o->netns)))
			return ret;
	return 0;
}

/* libpcap's message and exit status 1 before anything is attached, as tcpdump. */
static int compile_filter(struct cap_opts *o, struct oc_kfilter **out)
{
	*out = NULL;
	if (!o->filter)
		return 0;
	return oc_kfilter_compile(o->filter, out);
}

/* A device whose link type the expression cannot match on (arp on a tun, or
 * libpcap's "expression rejects all packets") gets nothing attached. */
static int filter_devices(struct cap_state *s)
{
	unsigned d = 0;

	while (s->filter && d < s->o->nif) {
		int l3 = oc_netdev_is_l3(&s->devs[d]);
		const char *why = s->filter->link[l3 ? OC_KF_L3 : OC_KF_L2].why;

		if (s->filter->link[l3 ? OC_KF_L3 : OC_KF_L2].ok) {
			d++;
			continue;
		}
		oc_warn("%s: %s on %s frames: nothing attached there", s->devs[d].name, why,
			l3 ? "raw IP" : "Ethernet");
		oc_netdev_close(&s->devs[d]);
		memmove(&s->devs[d], &s->devs[d + 1], (s->o->nif - d - 1) * sizeof(s->devs[0]));
		memmove(&s->o->ifspec[d], &s->o->ifspec[d + 1], (s->o->nif - d - 1) * sizeof(s->o->ifspec[0]));
		s->o->nif--;
	}
	if (!s->o->nif)
		return oc_fail(-EINVAL, "the filter can match on none of the interfaces");
	return 0;
}

int cmd_capture(int argc, char **argv)
{
	struct cap_opts o;
	struct cap_state *s;
	struct oc_capture *c = NULL;
	struct oc_capture_opts co;
	struct oc_kfilter *filter = NULL;
	int ret = 1, started = 0;

	if (parse_args(argc, argv, &o))
		return 2;
	if (check_payload_once(&o))
		return 1;
	if (compile_filter(&o, &filter))
		return 1;
	if (check_privileges())
		return 1;
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return oc_fail(1, "this kernel has no BTF (/sys/kernel/btf/vmlinux): CONFIG_DEBUG_INFO_BTF is needed");
	s = calloc(1, sizeof(*s));
	if (!s)
		return oc_fail(1, "out of memory");
	s->o = &o;
	s->filter = filter;
	if (open_devices(s) || filter_devices(s) || xdp_refusals(s))
		goto out;
	if (o.out && open_output(s, argc, argv))
		goto out;
	if (o.print && start_lines(s))
		goto out;
	co = (struct oc_capture_opts){ .points = o.points, .snaplen = o.snaplen,
				       .ring_mb = o.ring_mb,
				       .tc_clsact = o.tc_clsact, .verbose = o.verbose,
				       .payload_once = o.payload_once,
				       .ring_full_drop = o.ring_full_drop,
				       .filter = s->filter };
	install_signals();
	c = oc_capture_start(s->devs, o.nif, &co);
	if (!c)
		goto out;
	started = 1;
	if (s->w)
		oc_capture_on_release(c, sync_writer, s);
	warn_feature_changes(s);
	xdp_notes(s, c);
	/* after attaching: the blocks record what attaching did */
	if (o.out && add_idbs(s))
		goto out;
	start_notes(s, c);
	/* the header on disk now means: attached and capturing */
	if (s->w && pcapng_flush(s->w)) {
		oc_err("%s", pcapng_error(s->w));
		goto out;
	}
	s->start_ns = mono_ns();
	if (!o.quiet)
		fprintf(stderr, "offcap: capturing on %u interface%s; Ctrl-C to stop\n", o.nif,
			o.nif > 1 ? "s" : "");
	ret = capture_loop(s, c) ? 1 : 0;
	oc_capture_detach(c);
	if (!ret && oc_capture_drain(c, on_packet, s))
		ret = 1;
	if (stop_lines(s))
		ret = 1;
	summary(s, c);
	if (s->w && pcapng_error(s->w) && *pcapng_error(s->w))
		oc_err("%s", pcapng_error(s->w)), ret = 1;
out:
	stop_lines(s);
	oc_capture_stop(c);
	if (s->w && pcapng_close(s->w) && !ret)
		ret = 1;
	if (s->w && !started && s->created)
		unlink(o.out);	/* no capture ran: leave no empty file behind */
	for (unsigned d = 0; d < o.nif; d++)
		oc_netdev_close(&s->devs[d]);
	oc_kfilter_free(s->filter);
	free(s);
	fflush(stdout);
	if (o.report && started) {
		fprintf(stderr, "\n");
		if (oc_report_file(o.out))
			ret = 1;
	}
	return ret;
}
