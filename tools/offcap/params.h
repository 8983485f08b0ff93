/* One option table per subcommand (xdp-tools' params.h, libbpf-tools'
 * argp_option): getopt_long's short string and long options, --help's option
 * list, offcap(8)'s option lists and the bash completion all come from it.
 * Adding an option = a row in the command's table and a case in its switch;
 * the man page and the completion are generated at build time
 * (offcap --dump-options, hidden; see the Makefile). */
#ifndef OFFCAP_PARAMS_H
#define OFFCAP_PARAMS_H

#include <getopt.h>
#include <stdio.h>

/* Defaults shared by several commands: one definition each. */
#define OC_DEF_SNAPLEN	256	/* capture -s, extcap --snaplen */
#define OC_STR_(x) #x
#define OC_STR(x) OC_STR_(x)

/* -F, --filter-file: the same row in every command that takes an expression */
#define OC_PARAM_FILTER_FILE \
	{ 'F', "filter-file", .arg = OC_ARG_REQUIRED, .metavar = "FILE", .complete = OC_COMP_FILE, \
	  .help = "read the filter expression from FILE", \
	  .man = "read the filter expression from FILE (text after # is a comment)." }

enum oc_param_arg { OC_ARG_NONE, OC_ARG_REQUIRED, OC_ARG_OPTIONAL };

/* What the bash completion offers for the option's value. */
enum oc_param_complete {
	OC_COMP_NONE,	/* nothing (a number, a label) */
	OC_COMP_FILE,
	OC_COMP_IFACE,	/* interfaces, NETNS/IFACE of every named namespace */
	OC_COMP_NETNS,
	OC_COMP_POINTS,	/* hook points from oc_hooks[], comma-separated, and 'all' */
};

struct oc_param {
	char letter;		/* short option, 0 for none */
	const char *name;	/* long option, NULL for none */
	int id;			/* what getopt_long returns; 0: the letter */
	enum oc_param_arg arg;
	const char *metavar;	/* "FILE" */
	/* --help's text, lines separated by '\n'; NULL: not in --help */
	const char *help;
	/* offcap(8)'s text (troff) when it says more than help; "" = not in the man page */
	const char *man;
	enum oc_param_complete complete;
	const char *show;	/* shown instead of "-x, --name META" ("-n, -nn") */
	int operand;		/* not an option: an operand described among them (EXPRESSION) */
	const char *(*more)(void);	/* --help: lines computed at run time, after help */
	int hidden;		/* an old spelling kept working: in no list */
};

struct oc_params {
	const char *cmd;	/* "capture" */
	const char *usage;	/* --help's text before the options */
	const char *after;	/* --help's text after them, or NULL */
	int files;		/* takes file operands (completion offers files) */
	int posix;		/* stop at the first operand (getopt's '+') */
	const struct oc_param *p;	/* ends with an all-zero row */
};

/* Every command's table, in main.c's order (defined next to each command). */
extern const struct oc_params oc_params_capture, oc_params_read, oc_params_report,
	oc_params_view, oc_params_stats, oc_params_merge, oc_params_split, oc_params_filter,
	oc_params_extcap;

#define OC_PARAMS_MAX 48
struct oc_getopt {
	char shorts[2 * OC_PARAMS_MAX + 2];
	struct option longs[OC_PARAMS_MAX + 1];
};
/* getopt_long's arguments from the table. */
void oc_params_getopt(const struct oc_params *t, struct oc_getopt *g);
/* getopt_long over the table; g is built on the first call (optind == 1 resets). */
int oc_params_next(const struct oc_params *t, struct oc_getopt *g, int argc, char **argv);
/* --help: the usage text, the options, the text after. */
void oc_params_usage(const struct oc_params *t, FILE *f);
/* Does the short option c take an argument in t? */
int oc_params_takes_arg(const struct oc_params *t, char c);

/* offcap --dump-options man CMD | bash: offcap(8)'s option list of CMD, the
 * bash completion (the build writes both). 0, or 2 on bad usage. */
int oc_params_dump(int argc, char **argv, const char *const *cmds,
		   const struct oc_params *const *tables, unsigned n);

#endif
