/* offcap: offload-aware packet capture. One binary, bpftool-style subcommands. */
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "expr.h"
#include "hook.h"
#include "params.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const struct oc_params *params;
	const char *what;
} cmds[] = {
	{ "capture", cmd_capture, &oc_params_capture, "capture at XDP, tc ingress/egress and post-GSO into one pcapng" },
	{ "read", cmd_read, &oc_params_read, "one line per packet of a capture file, as tcpdump -n -r prints them" },
	{ "report", cmd_report, &oc_params_report, "explain every frame over the MTU: offload artefact or real problem" },
	{ "view", cmd_view, &oc_params_view, "one HTML page: each flow's frames at every hook point, super-frames and their segments" },
	{ "stats", cmd_stats, &oc_params_stats, "packets, bytes and frames over the MTU per interface and hook point" },
	{ "merge", cmd_merge, &oc_params_merge, "captures from several hosts in one pcapng, clocks aligned from the traffic" },
	{ "split", cmd_split, &oc_params_split, "rewrite a capture with super-frames cut into their wire segments" },
	{ "filter", cmd_filter, &oc_params_filter, "show a capture filter's BPF; -r FILE: prove the kernel's verdicts equal libpcap's" },
	{ "extcap", cmd_extcap, &oc_params_extcap, "Wireshark's extcap interface: capture from Wireshark and tshark" },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

int oc_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int oc_cmd_expr(char **words, int n, const char *ffile, struct oc_expr **out)
{
	char *text = NULL;

	*out = NULL;
	if (oc_expr_text(words, n, ffile, &text))
		return -1;
	if (text)
		*out = oc_expr_new(text);
	n = text && !*out ? -1 : 0;
	free(text);
	return n;
}

void oc_print_version(void)
{
	printf("offcap version %s\n%s\nlibbpf version %s\n", OFFCAP_VERSION, oc_pcap_version(),
	       libbpf_version_string());
}

/* tcpdump's way, "offcap -nr FILE [expr]" / "offcap -i IF ...": the option
 * with a letter r (read) or i (capture) among leading single-dash options. */
static int tcpdump_style(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || a[1] == '-' || !a[1])
			continue;
		for (const char *c = a + 1; *c; c++) {
			if (*c == 'r')
				return cmd_read(argc, argv);
			if (*c == 'i')
				return cmd_capture(argc, argv);
			/* takes an argument (in read's or capture's table): the rest is it */
			if (oc_params_takes_arg(&oc_params_read, *c) || oc_params_takes_arg(&oc_params_capture, *c))
				break;
		}
	}
	return -1;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: offcap COMMAND [OPTIONS]\n\n"
		   "See what TSO, GSO, GRO, checksum and VLAN offloads do to packets,\n"
		   "without changing any NIC setting.\n\nCommands:\n");
	for (unsigned i = 0; i < NCMDS; i++)
		fprintf(f, "  %-9s %s\n", cmds[i].name, cmds[i].what);
	fprintf(f, "\n'offcap COMMAND --help' for a command's options; 'offcap --version'.\n"
		   "As with tcpdump: 'offcap -r FILE [EXPRESSION]', 'offcap -i IFACE ...'.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	/* run by Wireshark from its extcap folder, through the link named offcap */
	if (!strncmp(argv[1], "--extcap-", 9) || !strcmp(argv[1], "--capture"))
		return cmd_extcap(argc, argv);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		oc_print_version();
		return 0;
	}
	/* hidden, for the build: offcap(8)'s option lists, the bash completion, the hook points */
	if (!strcmp(argv[1], "--dump-options")) {
		const char *names[NCMDS];
		const struct oc_params *tables[NCMDS];

		for (unsigned i = 0; i < NCMDS; i++)
			names[i] = cmds[i].name, tables[i] = cmds[i].params;
		return oc_params_dump(argc - 1, argv + 1, names, tables, NCMDS);
	}
	if (!strcmp(argv[1], "--list-points")) {
		oc_hooks_list(stdout);
		return 0;
	}
	if (argv[1][0] == '-') {
		int ret = tcpdump_style(argc, argv);

		if (ret >= 0)
			return ret;
	}
	for (unsigned i = 0; i < NCMDS; i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].run(argc - 1, argv + 1);
	oc_err("unknown command '%s' (try 'offcap --help')", argv[1]);
	return 2;
}
