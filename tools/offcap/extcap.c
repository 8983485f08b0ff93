/* offcap extcap: Wireshark's extcap protocol, so Wireshark and tshark list
 * offcap's interfaces and capture through it (tshark -i offcap:ns1/veth0).
 * The capture itself is `offcap capture`, run on the fifo Wireshark reads. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "loader.h"
#include "cmd.h"
#include "kfilter.h"
#include "hook.h"
#include "netdev.h"
#include "params.h"
#include "packet.h"

#define IFACE_PREFIX "offcap:"	/* extcap interface values: "offcap:IF", "offcap:NS/IF" */
#define NETNS_DIR "/run/netns"	/* where `ip netns` names namespaces */

enum ext_mode { EXT_NONE, EXT_INTERFACES, EXT_DLTS, EXT_CONFIG, EXT_CAPTURE, EXT_FILTER_CHECK };

struct ext_opts {
	enum ext_mode mode;
	const char *iface, *fifo, *filter, *points, *snaplen;
	int tc_clsact;
};

enum { O_IFACES = 256, O_IFACE, O_DLTS, O_CONFIG, O_CAPTURE, O_FIFO, O_FILTER, O_VERSION,
       O_POINTS, O_SNAPLEN, O_CLSACT, O_HELP, O_IGNORED };

const struct oc_params oc_params_extcap = {
	.cmd = "extcap",
	.usage =
"Usage: offcap extcap --extcap-interfaces [--extcap-version=V]\n"
"       offcap extcap --extcap-interface offcap:[NETNS/]IFACE --extcap-dlts | --extcap-config\n"
"       offcap extcap --extcap-interface offcap:[NETNS/]IFACE --capture --fifo PATH\n"
"                     [--points LIST] [--snapshot-length N] [--tc-clsact] [--extcap-capture-filter F]\n"
"\n"
"Wireshark's extcap interface to offcap capture: installed as a link named\n"
"offcap in Wireshark's extcap folder (make install), Wireshark and tshark list\n"
"every interface of every network namespace as offcap:NETNS/IFACE and capture\n"
"through it at the chosen hook points. The capture stops on SIGTERM or when\n"
"the reader closes the fifo, and leaves nothing attached. The capture filter\n"
"is tcpdump's language, applied by offcap capture -f.\n",
	.p = (const struct oc_param[]){
		/* Wireshark's extcap protocol; --help lists none of them (the usage above says how) */
		{ 0, "extcap-interfaces", O_IFACES, .man = "the interfaces, one line each." },
		{ 0, "extcap-interface", O_IFACE, OC_ARG_REQUIRED, "NAME",
		  .man = "the interface: with\n.BR \\-\\-extcap\\-dlts ,\nits link type (Ethernet); with\n"
			 ".BR \\-\\-extcap\\-config ,\nthe options: hook points (multicheck), snapshot length, tc as clsact filters." },
		{ 0, "extcap-dlts", O_DLTS, .man = "" }, { 0, "extcap-config", O_CONFIG, .man = "" },
		{ 0, "extcap-capture-filter", O_FILTER, OC_ARG_REQUIRED, "FILTER",
		  .man = "without\n.BR \\-\\-capture :\nchecks the filter: nothing printed when it is valid, else libpcap's reason." },
		{ 0, "capture", O_CAPTURE,
		  .man = "with\n.BI \\-\\-extcap\\-interface \" NAME \" \\-\\-fifo \" PATH\",\ncapture into the fifo (with the capture filter, as\n"
			 ".B offcap capture\nruns its expression), with\n.BI \\-\\-points \" LIST\" ,\n.BI \\-\\-snapshot\\-length \" N\"\nand\n.BR \\-\\-tc\\-clsact .\n"
			 "Stops on SIGTERM or when the fifo's reader goes away; nothing stays attached." },
		{ 0, "fifo", O_FIFO, OC_ARG_REQUIRED, "PATH", .man = "", .complete = OC_COMP_FILE },
		{ 0, "extcap-version", O_VERSION, OC_ARG_OPTIONAL, "V", .man = "" },
		/* offcap capture's options, the same spelling and defaults */
		{ 0, "points", O_POINTS, OC_ARG_REQUIRED, "LIST", .complete = OC_COMP_POINTS,
		  .man = "hook points, as capture's \\-p." },
		{ 0, "snapshot-length", O_SNAPLEN, OC_ARG_REQUIRED, "N",
		  .man = "bytes kept per packet, as capture's \\-s (default " OC_STR(OC_DEF_SNAPLEN) ")." },
		{ 0, "snaplen", O_SNAPLEN, OC_ARG_REQUIRED, "N", .hidden = 1 },	/* the old spelling */
		{ 0, "tc-clsact", O_CLSACT, .man = "as capture's \\-\\-tc\\-clsact." },
		{ 0, "help", O_HELP, .man = "" },
		{ 0, "extcap-control-in", O_IGNORED, OC_ARG_REQUIRED, "FIFO", .man = "" },
		{ 0, "extcap-control-out", O_IGNORED, OC_ARG_REQUIRED, "FIFO", .man = "" },
		{ 0, "extcap-reload-option", O_IGNORED, OC_ARG_REQUIRED, "OPTION", .man = "" },
		{ 0 },
	},
};

static void usage(FILE *f)
{
	oc_params_usage(&oc_params_extcap, f);
}

static int parse_args(int argc, char **argv, struct ext_opts *o)
{
	struct oc_getopt g = { 0 };
	int c;

	*o = (struct ext_opts){ .mode = EXT_NONE };
	optind = 1;
	opterr = 0;
	while ((c = oc_params_next(&oc_params_extcap, &g, argc, argv)) != -1) {
		switch (c) {
		case O_IFACES: o->mode = EXT_INTERFACES; break;
		case O_IFACE: o->iface = optarg; break;
		case O_DLTS: o->mode = EXT_DLTS; break;
		case O_CONFIG: o->mode = EXT_CONFIG; break;
		case O_CAPTURE: o->mode = EXT_CAPTURE; break;
		case O_FIFO: o->fifo = optarg; break;
		case O_FILTER: o->filter = optarg; break;
		case O_POINTS: o->points = optarg; break;
		case O_SNAPLEN: o->snaplen = optarg; break;
		case O_CLSACT: o->tc_clsact = 1; break;
		case O_VERSION: case O_IGNORED: break;
		case O_HELP: usage(stdout); exit(0);
		default: oc_err("extcap: unknown option '%s'", argv[optind - 1]); return -1;
		}
	}
	if (o->mode == EXT_NONE && o->filter)
		o->mode = EXT_FILTER_CHECK;
	return 0;
}

/* ---- --extcap-interfaces: every interface of every network namespace ---- */

static void print_iface(const char *netns, const char *ifname)
{
	char spec[160];
	struct oc_netdev dev;
	int level = oc_log_level(), ret;

	snprintf(spec, sizeof(spec), "%s%s%s", netns ? netns : "", netns ? "/" : "", ifname);
	oc_log_setup(NULL, OC_LOG_QUIET);	/* one that vanished meanwhile is left out, unsaid */
	ret = oc_netdev_open(&dev, spec, NULL);
	oc_log_setup(NULL, level);
	if (ret)
		return;
	printf("interface {value=" IFACE_PREFIX "%s}{display=offcap: %s in %s (%s, MTU %u)}\n", spec,
	       ifname, netns ? netns : "this namespace", dev.driver[0] ? dev.driver : "?", dev.mtu);
	oc_netdev_close(&dev);
}

/* The interfaces of the namespace the thread is in, loopback aside. */
static int list_names(char names[][IF_NAMESIZE], int max)
{
	struct if_nameindex *ni = if_nameindex(), *p;
	int n = 0;

	for (p = ni; p && p->if_index && n < max; p++)
		if (strcmp(p->if_name, "lo"))
			snprintf(names[n++], IF_NAMESIZE, "%s", p->if_name);
	if (ni)
		if_freenameindex(ni);
	return n;
}

#define MAX_LISTED 256

static void list_netns(const char *netns, int home)
{
	char path[300], names[MAX_LISTED][IF_NAMESIZE];
	int fd, n;

	snprintf(path, sizeof(path), NETNS_DIR "/%s", netns);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	if (setns(fd, CLONE_NEWNET) == 0) {
		n = list_names(names, MAX_LISTED);
		setns(home, CLONE_NEWNET);
		for (int i = 0; i < n; i++)
			print_iface(netns, names[i]);
	}
	close(fd);
}

static int cmd_interfaces(void)
{
	char names[MAX_LISTED][IF_NAMESIZE];
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), n;
	DIR *d;
	struct dirent *e;

	printf("extcap {version=%s}{display=offcap: capture at the points where offloads change packets}\n", OFFCAP_VERSION);
	n = list_names(names, MAX_LISTED);
	for (int i = 0; i < n; i++)
		print_iface(NULL, names[i]);
	if (home >= 0 && (d = opendir(NETNS_DIR))) {
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				list_netns(e->d_name, home);
		closedir(d);
	}
	if (home >= 0)
		close(home);
	return 0;
}

/* ---- --extcap-dlts, --extcap-config ---- */

static int cmd_dlts(void)
{
	printf("dlt {number=%d}{name=EN10MB}{display=Ethernet}\n", OC_LINKTYPE_ETHERNET);
	return 0;
}

static int cmd_config(void)
{
	printf("arg {number=0}{call=--points}{display=Hook points}{type=multicheck}"
	       "{tooltip=Where in the kernel to capture; one interface block per point}{required=true}\n");
	for (unsigned p = 0; p < OC_POINT_MAX; p++)
		printf("value {arg=0}{value=%s}{display=%s: %s}{default=%s}\n", oc_hooks[p].name,
		       oc_hooks[p].name, oc_hooks[p].shows, oc_hooks[p].dflt ? "true" : "false");
	printf("arg {number=1}{call=--snapshot-length}{display=Snapshot length}{type=integer}{range=0,%d}"
	       "{default=%d}{tooltip=Bytes kept per packet; 0 keeps whole packets}\n",
	       OC_MAX_CAPLEN, OC_DEF_SNAPLEN);
	printf("arg {number=2}{call=--tc-clsact}{display=tc as clsact filters}{type=boolflag}"
	       "{default=false}{tooltip=Attach tc programs as clsact filters, as on kernels before 6.6}\n");
	return 0;
}

/* A capture filter, checked as offcap capture compiles it for the kernel:
 * nothing printed when valid, else the reason on one line, which Wireshark
 * shows; -1 then. */
static int check_filter(const char *filter)
{
	struct oc_kfilter *f;
	int level = oc_log_level(), ret;

	oc_log_setup(NULL, OC_LOG_QUIET);	/* the reason goes to stdout, for Wireshark */
	ret = oc_kfilter_compile(filter, &f);
	oc_log_setup(NULL, level);
	if (ret) {
		printf("%s\n", oc_log_last_err());
		return -1;
	}
	oc_kfilter_free(f);
	return 0;
}

/* ---- --capture: offcap capture on the fifo ---- */

/* The fifo's reader went away: stop the capture as SIGTERM would. The open
 * waits for the reader, as the capture's own open of the fifo does. */
static volatile int reader_fd = -1;

static int reader_gone(void)
{
	struct pollfd pfd = { .fd = reader_fd, .events = 0 };

	return pfd.fd >= 0 && poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLERR | POLLHUP));
}

static void *watch_reader(void *arg)
{
	if ((reader_fd = open(arg, O_WRONLY | O_CLOEXEC)) < 0)
		return NULL;
	while (!reader_gone())
		usleep(200000);
	kill(getpid(), SIGTERM);
	return NULL;
}

static int start_watch(const char *fifo)
{
	pthread_t t;
	sigset_t all, old;
	int rc;

	/* signals go to the capture's thread, not this one */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&t, NULL, watch_reader, (void *)fifo);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return oc_fail(-rc, "extcap: %s", strerror(rc));
	pthread_detach(t);
	return 0;
}

/* Wireshark shows whatever an extcap writes on stderr as an error: the
 * capture's messages (counts at the end, warnings) are kept aside and passed
 * on only when it fails. */
static int hold_stderr(void)
{
	int saved = dup(2), mem = memfd_create("offcap-extcap-stderr", MFD_CLOEXEC);

	if (saved < 0 || mem < 0 || dup2(mem, 2) < 0) {
		if (saved >= 0)
			close(saved);
		if (mem >= 0)
			close(mem);
		return -1;
	}
	close(mem);
	return saved;
}

static void release_stderr(int saved, int failed)
{
	char buf[4096];
	ssize_t n;

	if (saved < 0)
		return;
	fflush(stderr);
	lseek(2, 0, SEEK_SET);
	while (failed && (n = read(2, buf, sizeof(buf))) > 0)
		if (write(saved, buf, (size_t)n) != n)
			break;
	dup2(saved, 2);
	close(saved);
}

static int cmd_capture_fifo(const struct ext_opts *o)
{
	int saved, rc;
	const char *spec;
	char *argv[16];
	int argc = 0;

	if (!o->iface || strncmp(o->iface, IFACE_PREFIX, strlen(IFACE_PREFIX)) || !o->fifo)
		return oc_fail(2, "extcap: --capture needs --extcap-interface " IFACE_PREFIX "[NETNS/]IFACE and --fifo");
	if (o->filter && check_filter(o->filter))
		return 2;
	spec = o->iface + strlen(IFACE_PREFIX);
	if (start_watch(o->fifo))
		return 1;
	argv[argc++] = "capture";
	argv[argc++] = "-q";
	argv[argc++] = "-i";
	argv[argc++] = (char *)spec;
	argv[argc++] = "-w";
	argv[argc++] = (char *)o->fifo;
	if (o->points && *o->points) {	/* else capture's defaults, which are the extcap's */
		argv[argc++] = "-p";
		argv[argc++] = (char *)o->points;
	}
	if (o->snaplen) {
		argv[argc++] = "-s";
		argv[argc++] = (char *)o->snaplen;
	}
	if (o->tc_clsact)
		argv[argc++] = "--tc-clsact";
	if (o->filter && *o->filter) {
		argv[argc++] = "-f";
		argv[argc++] = (char *)o->filter;
	}
	argv[argc] = NULL;
	saved = hold_stderr();
	rc = cmd_capture(argc, argv);
	if (rc == 1 && reader_gone())
		rc = 0;	/* the reader stopped first: its last writes failed with EPIPE */
	release_stderr(saved, rc != 0);
	return rc;
}

int cmd_extcap(int argc, char **argv)
{
	struct ext_opts o;

	if (parse_args(argc, argv, &o))
		return 2;
	switch (o.mode) {
	case EXT_INTERFACES: return cmd_interfaces();
	case EXT_DLTS: return cmd_dlts();
	case EXT_CONFIG: return cmd_config();
	case EXT_FILTER_CHECK: check_filter(o.filter); return 0;
	case EXT_CAPTURE: return cmd_capture_fifo(&o);
	default: usage(stderr); return 2;
	}
}
