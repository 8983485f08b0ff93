#include "json.h"

void oc_json_init(struct oc_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->need_comma[0] = 0;
}

static void escaped(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void member(struct oc_json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	j->need_comma[j->depth] = 1;
	if (key) {
		escaped(j->f, key);
		fputc(':', j->f);
	}
}

void oc_json_open(struct oc_json *j, const char *key, char bracket)
{
	member(j, key);
	fputc(bracket, j->f);
	if (j->depth < 31)
		j->depth++;
	j->need_comma[j->depth] = 0;
}

void oc_json_close(struct oc_json *j, char bracket)
{
	fputc(bracket, j->f);
	if (j->depth > 0)
		j->depth--;
	if (j->depth == 0)
		fputc('\n', j->f);
}

void oc_json_str(struct oc_json *j, const char *key, const char *val)
{
	member(j, key);
	if (val)
		escaped(j->f, val);
	else
		fputs("null", j->f);
}

void oc_json_u64(struct oc_json *j, const char *key, uint64_t val)
{
	member(j, key);
	fprintf(j->f, "%llu", (unsigned long long)val);
}

void oc_json_f64(struct oc_json *j, const char *key, double val)
{
	member(j, key);
	fprintf(j->f, "%.6g", val);
}

void oc_json_bool(struct oc_json *j, const char *key, int val)
{
	member(j, key);
	fputs(val ? "true" : "false", j->f);
}
