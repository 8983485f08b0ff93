/* offcap subcommands */
#ifndef OFFCAP_CMD_H
#define OFFCAP_CMD_H

int cmd_capture(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_split(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_extcap(int argc, char **argv);
int cmd_filter(int argc, char **argv);
/* argv joined with spaces, as tcpdump takes its expression; malloc'd */
char *oc_join_args(int argc, char **argv);
/* offcap report FILE with the default options, on stdout */
int oc_report_file(const char *path);

/* "offcap: ..." on stderr */
void oc_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void oc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* strtoul with range check; -1 when not a number in [min, max] */
int oc_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out);

#endif
