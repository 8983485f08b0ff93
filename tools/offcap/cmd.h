/* offcap subcommands */
#ifndef OFFCAP_CMD_H
#define OFFCAP_CMD_H

int cmd_capture(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_split(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_extcap(int argc, char **argv);
int cmd_read(int argc, char **argv);
int cmd_view(int argc, char **argv);
/* offcap --version: offcap, libpcap and libbpf versions, as tcpdump does */
void oc_print_version(void);
int cmd_filter(int argc, char **argv);
int cmd_merge(int argc, char **argv);
/* offcap report A B: the path between two captures (merge.c) */
int oc_path_report(const char *const *files, unsigned n, char *const *label_args, unsigned nl, int json);
/* offcap report FILE with the default options, on stdout */
int oc_report_file(const char *path);

struct oc_expr;
struct oc_iface;
struct oc_packet;
/* The filter expression of report, split, stats: the words after the file
 * names, or -F ffile; compiled into *out (NULL: none).  -1 after a message. */
int oc_cmd_expr(char **words, int n, const char *ffile, struct oc_expr **out);

/* oc_err, oc_warn, oc_info: "offcap: ..." on stderr (user/print/log.h) */
#include "log.h"
/* strtoul with range check; -1 when not a number in [min, max] */
int oc_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out);

#endif
