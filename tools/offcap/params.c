/* The option tables (params.h) turned into getopt_long's arguments, --help,
 * offcap(8)'s option lists and the bash completion. */
#include "params.h"

#include <string.h>

#include "hook.h"

static int id_of(const struct oc_param *p)
{
	return p->id ? p->id : p->letter;
}

void oc_params_getopt(const struct oc_params *t, struct oc_getopt *g)
{
	size_t s = 0, l = 0;

	memset(g, 0, sizeof(*g));
	if (t->posix)
		g->shorts[s++] = '+';
	for (const struct oc_param *p = t->p; p->letter || p->name || p->operand; p++) {
		if (p->operand)
			continue;
		if (p->letter && s + 3 < sizeof(g->shorts)) {
			g->shorts[s++] = p->letter;
			if (p->arg != OC_ARG_NONE)
				g->shorts[s++] = ':';
			if (p->arg == OC_ARG_OPTIONAL)
				g->shorts[s++] = ':';
		}
		if (p->name && l < OC_PARAMS_MAX)
			g->longs[l++] = (struct option){ p->name, p->arg == OC_ARG_NONE ? no_argument :
							 p->arg == OC_ARG_REQUIRED ? required_argument :
							 optional_argument, 0, id_of(p) };
	}
}

int oc_params_next(const struct oc_params *t, struct oc_getopt *g, int argc, char **argv)
{
	int c;

	if (!g->shorts[0] && !g->longs[0].name)
		oc_params_getopt(t, g);
	c = getopt_long(argc, argv, g->shorts, g->longs, NULL);
	/* a short option whose row has an id of its own returns that id, as its long one does */
	for (const struct oc_param *p = t->p; c > 0 && c < 256 && (p->letter || p->name || p->operand); p++)
		if (!p->operand && p->letter == c)
			return id_of(p);
	return c;
}

int oc_params_takes_arg(const struct oc_params *t, char c)
{
	for (const struct oc_param *p = t->p; p->letter || p->name || p->operand; p++)
		if (!p->operand && p->letter == c)
			return p->arg != OC_ARG_NONE;
	return 0;
}

/* "-i, --interface IFACE", "    --netns NAME", "-r FILE" */
static void shown(const struct oc_param *p, char *buf, size_t len)
{
	const char *m = p->metavar ? p->metavar : "";
	const char *sep = !*m ? "" : p->arg == OC_ARG_OPTIONAL && p->name ? "[=" : " ";

	if (p->show)
		snprintf(buf, len, "%s", p->show);
	else if (p->operand)
		snprintf(buf, len, "%s", m);
	else if (p->letter && p->name)
		snprintf(buf, len, "-%c, --%s%s%s%s", p->letter, p->name, sep, m, *sep == '[' ? "]" : "");
	else if (p->letter)
		snprintf(buf, len, "-%c%s%s", p->letter, sep, m);
	else
		snprintf(buf, len, "    --%s%s%s%s", p->name, sep, m, *sep == '[' ? "]" : "");
}

#define USAGE_COL_MAX 26

void oc_params_usage(const struct oc_params *t, FILE *f)
{
	char s[96];
	size_t col = 0;

	fputs(t->usage, f);
	for (const struct oc_param *p = t->p; p->letter || p->name || p->operand; p++) {
		if (!p->help)
			continue;
		shown(p, s, sizeof(s));
		if (strlen(s) + 4 > col)
			col = strlen(s) + 4;
	}
	if (col > USAGE_COL_MAX)
		col = USAGE_COL_MAX;
	for (const struct oc_param *p = t->p; p->letter || p->name || p->operand; p++) {
		const char *h = p->help, *nl;

		if (!h || p->hidden)
			continue;
		shown(p, s, sizeof(s));
		fprintf(f, "  %s", s);
		if (!*h) {
			fputc('\n', f);
		} else if (strlen(s) + 4 > col) {
			fprintf(f, "\n%*s", (int)col, "");
		} else {
			fprintf(f, "%*s", (int)(col - 2 - strlen(s)), "");
		}
		for (; *h; h = nl + 1) {
			nl = strchr(h, '\n');
			if (!nl) {
				fprintf(f, "%s\n", h);
				break;
			}
			fprintf(f, "%.*s\n%*s", (int)(nl - h), h, nl[1] ? (int)col : 0, "");
		}
		if (p->more)
			fputs(p->more(), f);
	}
	if (t->after)
		fputs(t->after, f);
}

/* ---- offcap(8) ---- */

/* Text for troff: '-' as '\-' where it starts a word (an option), '\' kept. */
static void troff(FILE *f, const char *s, int escape_all)
{
	for (const char *c = s; *c; c++) {
		if (*c == '-' && (escape_all || c == s || c[-1] == ' ' || c[-1] == '-' || c[-1] == '"'))
			fputs("\\-", f);
		else if (*c == '\n')
			fputc(' ', f);
		else
			fputc(*c, f);
	}
}

static void man_options(const struct oc_params *t, FILE *f)
{
	for (const struct oc_param *p = t->p; p->letter || p->name || p->operand; p++) {
		char s[96];
		const char *body = p->man ? p->man : p->help;

		if (!body || !*body || p->hidden)
			continue;	/* hidden, or --help's only */
		fputs(".TP\n", f);
		if (p->operand) {
			fprintf(f, ".I %s\n", p->metavar);
		} else {
			if (p->show)
				snprintf(s, sizeof(s), "%s", p->show);
			else if (p->letter && p->name)
				snprintf(s, sizeof(s), "-%c, --%s", p->letter, p->name);
			else if (p->letter)
				snprintf(s, sizeof(s), "-%c", p->letter);
			else
				snprintf(s, sizeof(s), "--%s", p->name);
			fputs(p->metavar && p->arg != OC_ARG_NONE ? ".BI \"" : ".B \"", f);
			troff(f, s, 1);
			if (p->metavar && p->arg != OC_ARG_NONE)
				fprintf(f, "%s\" %s\n", p->arg == OC_ARG_OPTIONAL && p->name ? "[=" : " ", p->metavar);
			else
				fputs("\"\n", f);
		}
		if (p->man) {
			fprintf(f, "%s\n", p->man);
		} else {
			troff(f, body, 0);
			fputc('\n', f);
		}
	}
}

/* ---- bash completion ---- */

static void bash_words(const struct oc_params *t, FILE *f)
{
	int first = 1;

	for (const struct oc_param *p = t->p; p->letter || p->name || p->operand; p++) {
		if (p->hidden || p->operand)
			continue;
		if (p->letter)
			fprintf(f, "%s-%c", first ? "" : " ", p->letter), first = 0;
		if (p->name)
			fprintf(f, "%s--%s", first ? "" : " ", p->name), first = 0;
	}
}

static void bash_values(const struct oc_params *t, FILE *f)
{
	static const char *const reply[] = {
		[OC_COMP_NONE] = "return",
		[OC_COMP_FILE] = "COMPREPLY=($(compgen -f -- \"$cur\")); return",
		[OC_COMP_IFACE] = "COMPREPLY=($(compgen -W \"$(_offcap_ifaces)\" -- \"$cur\")); return",
		[OC_COMP_NETNS] = "COMPREPLY=($(compgen -W \"$(ls /run/netns 2>/dev/null)\" -- \"$cur\")); return",
		[OC_COMP_POINTS] = "COMPREPLY=($(compgen -P \"${cur%${cur##*,}}\" -W \"$_offcap_points\" -- \"${cur##*,}\")); return",
	};

	for (unsigned k = 0; k < sizeof(reply) / sizeof(reply[0]); k++) {
		int any = 0;

		for (const struct oc_param *p = t->p; p->letter || p->name || p->operand; p++) {
			if (p->hidden || p->operand || p->arg != OC_ARG_REQUIRED || p->complete != k)
				continue;
			if (p->letter)
				fprintf(f, "%s-%c", any ? "|" : "\t\t", p->letter), any = 1;
			if (p->name)
				fprintf(f, "%s--%s", any ? "|" : "\t\t", p->name), any = 1;
		}
		if (any)
			fprintf(f, ") %s;;\n", reply[k]);
	}
}

static void bash(FILE *f, const char *const *cmds, const struct oc_params *const *tables, unsigned n)
{
	fputs("# bash completion for offcap(8); generated by 'offcap --dump-options bash'\n"
	      "# from the option tables (tools/offcap/params.h) and oc_hooks[]: do not edit\n"
	      "_offcap_points=\"", f);
	for (unsigned p = 0; p < OC_POINT_MAX; p++)
		fprintf(f, "%s ", oc_hooks[p].name);
	fputs("all\"\n"
	      "_offcap_ifaces()\n{\n"
	      "\tls /sys/class/net 2>/dev/null\n"
	      "\tfor n in $(ls /run/netns 2>/dev/null); do\n"
	      "\t\tip -n \"$n\" -o link 2>/dev/null | awk -F': ' -v n=\"$n\" '{ sub(/@.*/, \"\", $2); print n \"/\" $2 }'\n"
	      "\tdone\n}\n"
	      "_offcap()\n{\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd=${COMP_WORDS[1]}\n"
	      "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"", f);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s ", cmds[i]);
	fputs("-r -i --help --version\" -- \"$cur\"))\n\t\treturn\n\tfi\n"
	      "\tcase $cmd in -r|-*r) cmd=read;; -i|-*i) cmd=capture;; esac\n"
	      "\tcase $cmd in\n", f);
	for (unsigned i = 0; i < n; i++) {
		fprintf(f, "\t%s)\n\t\tcase $prev in\n", cmds[i]);
		bash_values(tables[i], f);
		fputs("\t\tesac\n\t\tCOMPREPLY=($(compgen -W \"", f);
		bash_words(tables[i], f);
		fprintf(f, "\" -- \"$cur\")%s);;\n",
			tables[i]->files ? " $(compgen -f -- \"$cur\")" : "");
	}
	fputs("\tesac\n}\ncomplete -F _offcap offcap\n", f);
}

int oc_params_dump(int argc, char **argv, const char *const *cmds,
		   const struct oc_params *const *tables, unsigned n)
{
	if (argc == 2 && !strcmp(argv[1], "bash")) {
		bash(stdout, cmds, tables, n);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "man"))
		for (unsigned i = 0; i < n; i++)
			if (!strcmp(argv[2], cmds[i])) {
				man_options(tables[i], stdout);
				return 0;
			}
	fputs("usage: offcap --dump-options bash | man COMMAND\n", stderr);
	return 2;
}
