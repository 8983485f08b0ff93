/* JSON writer: strict parsers must accept whatever bytes a capture file holds. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"

/* The document written for one string member {"k":VAL}. */
static char *doc(const char *val)
{
	struct oc_json j;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	oc_json_init(&j, f);
	oc_json_open(&j, NULL, '{');
	oc_json_str(&j, "k", val);
	oc_json_close(&j, '}');
	fclose(f);
	return buf;
}

static void expect(const char *val, const char *want, const char *what)
{
	char *got = doc(val);

	CHECK(!strcmp(got, want), "%s", what);
	if (strcmp(got, want))
		printf("#   got %s#   want %s", got, want);
	free(got);
}

static void test_bad_utf8(void)
{
	expect("veth0@tc-egress", "{\"k\":\"veth0@tc-egress\"}\n", "ASCII passes as it is");
	expect("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa6", "{\"k\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa6\"}\n",
	       "well-formed 2-, 3- and 4-byte sequences pass as they are");
	expect("eth\xff" "0", "{\"k\":\"eth\\ufffd0\"}\n", "a byte 0xff becomes U+FFFD");
	expect("a\xc3(b", "{\"k\":\"a\\ufffd(b\"}\n", "a lead byte without its continuation becomes U+FFFD");
	expect("\xc0\xaf", "{\"k\":\"\\ufffd\\ufffd\"}\n", "an overlong '/' is two replaced bytes");
	expect("\xed\xa0\x80", "{\"k\":\"\\ufffd\\ufffd\\ufffd\"}\n", "a UTF-16 surrogate is not UTF-8");
	expect("\xf4\x90\x80\x80", "{\"k\":\"\\ufffd\\ufffd\\ufffd\\ufffd\"}\n", "above U+10FFFF is not UTF-8");
	expect("x\xe2\x82", "{\"k\":\"x\\ufffd\\ufffd\"}\n", "a sequence cut by the end of the string");
	expect("q\"b\\s\n\x01\x7f", "{\"k\":\"q\\\"b\\\\s\\u000a\\u0001\\u007f\"}\n", "quotes, backslashes, controls escaped");
}

int main(void)
{
	test_bad_utf8();
	return check_done();
}
