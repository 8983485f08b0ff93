/* A small streaming JSON writer: objects, arrays, escaped strings, numbers. */
#ifndef OFFCAP_JSON_H
#define OFFCAP_JSON_H

#include <stdint.h>
#include <stdio.h>

struct oc_json {
	FILE *f;
	int depth;
	uint8_t need_comma[32];
};

void oc_json_init(struct oc_json *j, FILE *f);
void oc_json_open(struct oc_json *j, const char *key, char bracket);	/* '{' or '[' */
void oc_json_close(struct oc_json *j, char bracket);
void oc_json_str(struct oc_json *j, const char *key, const char *val);
void oc_json_u64(struct oc_json *j, const char *key, uint64_t val);
void oc_json_f64(struct oc_json *j, const char *key, double val);
void oc_json_bool(struct oc_json *j, const char *key, int val);

#endif
