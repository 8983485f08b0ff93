/* pcapng writer and pcap/pcapng reader: round trips, exact layout, foreign
 * files built by hand, error paths, and a small truncate/bit-flip fuzz. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "hook.h"
#include "log.h"
#include "pcapng.h"
#include "legacy_meta.h"

#define NPKT 8
#define BIG_LEN 70000

static uint8_t big[BIG_LEN];

static void tmp_path(char *buf, size_t len, const char *suffix)
{
	int fd;

	snprintf(buf, len, "/tmp/test_pcapng_XXXXXX%s", suffix);
	fd = mkstemps(buf, (int)strlen(suffix));
	if (fd >= 0)
		close(fd);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	*len = 0;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n)
		*len = (size_t)n;
	fclose(f);
	return buf;
}

static int spew(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(buf, 1, len, f) == len;

	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

static uint32_t nat32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* Little builders for hand-made foreign files in either byte order. */
struct bld {
	uint8_t buf[4096];
	size_t n;
	int be;
};

static void b8(struct bld *b, uint8_t v) { b->buf[b->n++] = v; }
static void b16(struct bld *b, uint16_t v)
{
	b8(b, b->be ? v >> 8 : v & 0xff);
	b8(b, b->be ? v & 0xff : v >> 8);
}
static void b32(struct bld *b, uint32_t v)
{
	b16(b, b->be ? v >> 16 : v & 0xffff);
	b16(b, b->be ? v & 0xffff : v >> 16);
}
static void bbytes(struct bld *b, const void *p, size_t n)
{
	memcpy(b->buf + b->n, p, n);
	b->n += n;
	while (b->n % 4)
		b8(b, 0);
}
static void bopt(struct bld *b, uint16_t code, const void *p, uint16_t n)
{
	b16(b, code);
	b16(b, n);
	bbytes(b, p, n);
}
static size_t bstart(struct bld *b, uint32_t type)
{
	size_t at = b->n;

	b32(b, type);
	b32(b, 0);
	return at;
}
static void bend(struct bld *b, size_t at)
{
	uint32_t len = (uint32_t)(b->n + 4 - at);
	size_t save;

	b32(b, len);
	save = b->n;
	b->n = at + 4;
	b32(b, len);
	b->n = save;
}

static struct oc_iface mk_iface(const char *name, const char *descr, uint16_t lt, uint32_t snap)
{
	struct oc_iface f;

	memset(&f, 0, sizeof(f));
	snprintf(f.name, sizeof(f.name), "%s", name);
	snprintf(f.descr, sizeof(f.descr), "%s", descr);
	f.linktype = lt;
	f.snaplen = snap;
	return f;
}

static void mk_packets(struct oc_packet *p)
{
	static const uint8_t d[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint32_t lens[NPKT] = { 1, 2, 3, 5, BIG_LEN, 0, 4, 8 };

	for (size_t i = 0; i < BIG_LEN; i++)
		big[i] = (uint8_t)(i * 7 + 3);
	memset(p, 0, NPKT * sizeof(*p));
	for (int i = 0; i < NPKT; i++) {
		p[i].ts_ns = 1700000000123456789ull + i * 1001ull;
		p[i].if_id = i % 2;
		p[i].caplen = lens[i];
		p[i].len = lens[i] + (i == 1 ? 100 : 0);
		p[i].data = lens[i] == BIG_LEN ? big : d;
		p[i].meta.point = OC_POINT_NONE;
		p[i].meta.csum = OC_CSUM_UNKNOWN;
	}
	p[1].comment = "hello, world";
	p[1].epb_flags = OC_EPB_DIR_IN;
	p[2].meta = (struct oc_meta){ .point = OC_POINT_TC_EGRESS, .dir = OC_DIR_OUT,
		.csum = OC_CSUM_PARTIAL, .flags = OC_META_VALID, .gso_size = 1448, .gso_segs = 45,
		.gso_type = OC_GSO_TCPV4 | OC_GSO_TCP_FIXEDID, .rx_queue = 3, .ifindex = 7,
		.netns = 4026531840u, .len = 65226 };
	p[2].queue = 3;
	p[2].dropcount = 7;
	p[3].meta = (struct oc_meta){ .point = OC_POINT_TC_INGRESS, .dir = OC_DIR_IN,
		.csum = OC_CSUM_COMPLETE, .flags = OC_META_VALID | OC_META_VLAN, .vlan_tci = 100,
		.vlan_proto = 0x8100, .len = 5 };
	p[4].meta = p[2].meta;
	p[4].queue = 3;
	p[4].comment = "BIG TCP frame";
	p[4].epb_flags = OC_EPB_DIR_OUT | OC_EPB_TSO | OC_EPB_CSUM_NOT_READY;
	p[4].dropcount = 1ull << 40;
	p[7].epb_flags = OC_EPB_DIR_OUT;
	p[3].has_xdp_verdict = 1;	/* epb_verdict, eBPF XDP: XDP_DROP */
	p[3].xdp_verdict = 1;
	p[5].has_xdp_verdict = 1;
	p[5].xdp_verdict = 0x0102030405060708ull;
}

static const struct pcapng_shb_info shb_info = {
	.hardware = "x86_64", .os = "Linux 6.1", .app = "offcap 0.1.0",
	.comment = "offcap -i veth0 -w test.pcapng",
};

static int write_sample(const char *path, const struct oc_packet *p, uint64_t *bytes)
{
	struct pcapng_writer *w = pcapng_open(path, &shb_info);
	struct oc_iface f0 = mk_iface("veth0@tc-egress", "offcap veth0 tc-egress mtu=1500",
				      OC_LINKTYPE_ETHERNET, 262144);
	struct oc_iface f1 = mk_iface("eth1", "", OC_LINKTYPE_RAW, 65535);
	int rc = 0;

	if (!w)
		return -1;
	rc |= pcapng_add_iface(w, &f0) != 0;
	rc |= pcapng_add_iface(w, &f1) != 1;
	for (int i = 0; i < NPKT; i++)
		rc |= pcapng_write_packet(w, &p[i]) != 0;
	rc |= pcapng_write_stats(w, 0, 1700000000000000000ull, 1700000001000000000ull, 1234, 5) != 0;
	rc |= pcapng_flush(w) != 0;
	if (bytes)
		*bytes = pcapng_bytes_written(w);
	rc |= pcapng_close(w) != 0;
	return rc ? -1 : 0;
}

static int same_packet(const struct oc_packet *a, const struct oc_packet *b)
{
	char fmt[512];
	const char *want = b->comment;

	if (!want && (b->meta.flags & OC_META_VALID)) {
		oc_meta_format(&b->meta, fmt, sizeof(fmt));
		want = fmt;
	}
	return a->ts_ns == b->ts_ns && a->if_id == b->if_id && a->caplen == b->caplen &&
	       a->len == b->len && !memcmp(a->data, b->data, b->caplen) &&
	       a->epb_flags == b->epb_flags && a->dropcount == b->dropcount &&
	       a->has_xdp_verdict == b->has_xdp_verdict && a->xdp_verdict == b->xdp_verdict &&
	       a->queue == ((b->meta.flags & OC_META_VALID) ? b->queue : 0) &&
	       !memcmp(&a->meta, &b->meta, sizeof(a->meta)) &&
	       (want ? a->comment && !strcmp(a->comment, want) : !a->comment);
}

/* Reads every packet and compares it with p; returns the number that matched. */
static int read_compare(const char *path, const struct oc_packet *p, char *err, size_t errlen)
{
	struct cap_reader *r = cap_open(path);
	struct oc_packet got;
	int n = 0, rc;

	if (!r) {
		snprintf(err, errlen, "%s", oc_log_last_err());
		return -1;
	}
	while ((rc = cap_next(r, &got)) == 1 && n < NPKT && same_packet(&got, &p[n]))
		n++;
	if (rc == 1)
		snprintf(err, errlen, "packet %d differs", n);
	if (rc < 0)
		snprintf(err, errlen, "%s", cap_error(r));
	cap_close(r);
	return n;
}

static void test_roundtrip(void)
{
	struct oc_packet p[NPKT], got;
	char path[64], err[256] = "";
	uint64_t bytes = 0;
	size_t flen;
	uint8_t *file;
	struct cap_reader *r;
	const struct oc_iface *f;
	int n;

	mk_packets(p);
	tmp_path(path, sizeof(path), ".pcapng");
	CHECK(write_sample(path, p, &bytes) == 0, "round trip: sample written");
	file = slurp(path, &flen);
	CHECK_EQ(flen, bytes, "round trip: pcapng_bytes_written matches the file size");
	free(file);
	n = read_compare(path, p, err, sizeof(err));
	CHECK_EQ(n, NPKT, "round trip: every packet field reads back (%s)", err);

	r = cap_open(path);
	CHECK(r != NULL, "round trip: reopen");
	if (!r)
		return;
	CHECK(cap_is_pcapng(r), "round trip: detected as pcapng");
	CHECK(cap_niface(r) == 2 && cap_iface(r, 1) && !strcmp(cap_iface(r, 1)->name, "eth1"),
	      "round trip: both interfaces known right after cap_open");
	CHECK(cap_shb_comment(r) && !strcmp(cap_shb_comment(r), shb_info.comment),
	      "round trip: SHB comment is the command line");
	while (cap_next(r, &got) == 1)
		;
	CHECK_EQ(cap_niface(r), 2, "round trip: two interfaces");
	f = cap_iface(r, 0);
	CHECK(f && !strcmp(f->name, "veth0@tc-egress") && !strcmp(f->ifname, "veth0") &&
	      f->point == OC_POINT_TC_EGRESS, "round trip: iface 0 name decodes to veth0 at tc-egress");
	CHECK(f && f->mtu == 1500 && !strcmp(f->descr, "offcap veth0 tc-egress mtu=1500"),
	      "round trip: iface 0 descr and mtu=1500");
	CHECK(f && f->linktype == OC_LINKTYPE_ETHERNET && f->snaplen == 262144 && f->tsresol == 9,
	      "round trip: iface 0 linktype, snaplen, tsresol 9");
	CHECK(f && f->has_isb && f->isb_recv == 1234 && f->isb_drop == 5,
	      "round trip: ISB counters land on iface 0");
	CHECK(f && f->isb_start_ns == 1700000000000000000ull && f->isb_end_ns == 1700000001000000000ull,
	      "round trip: ISB start and end times (the capture's span)");
	f = cap_iface(r, 1);
	CHECK(f && !strcmp(f->ifname, "eth1") && f->point == OC_POINT_NONE && f->mtu == 0 &&
	      f->linktype == OC_LINKTYPE_RAW && !f->has_isb,
	      "round trip: iface 1 plain name, no point, no mtu, no ISB");
	CHECK(cap_iface(r, 2) == NULL, "round trip: cap_iface out of range is NULL");
	CHECK_EQ(cap_next(r, &got), 0, "round trip: EOF stays EOF");
	cap_close(r);
	unlink(path);
}

static void test_layout(void)
{
	static const uint8_t data[3] = { 0xaa, 0xbb, 0xcc };
	struct pcapng_shb_info info = { .app = "offcap 0.1.0" };
	struct oc_iface f = mk_iface("lo", "", OC_LINKTYPE_ETHERNET, 65535);
	struct oc_packet p = { .ts_ns = 0x0000000512345678ull, .caplen = 3, .len = 3, .data = data };
	char path[64];
	struct pcapng_writer *w;
	size_t len;
	uint8_t *file, *b;

	tmp_path(path, sizeof(path), ".pcapng");
	w = pcapng_open(path, &info);
	CHECK(w != NULL, "layout: open");
	if (!w)
		return;
	pcapng_add_iface(w, &f);
	pcapng_write_packet(w, &p);
	p.epb_flags = OC_EPB_DIR_OUT;
	pcapng_write_packet(w, &p);
	CHECK_EQ(pcapng_close(w), 0, "layout: close");
	b = file = slurp(path, &len);
	CHECK_EQ(len, 48 + 40 + 36 + 48, "layout: file is SHB 48 + IDB 40 + EPB 36 + EPB 48 bytes");
	if (!b || len != 172)
		return;
	CHECK(nat32(b) == 0x0A0D0D0A && nat32(b + 4) == 48 && nat32(b + 8) == 0x1A2B3C4D &&
	      b[12] == 1 && b[14] == 0 && nat32(b + 16) == 0xffffffff && nat32(b + 20) == 0xffffffff,
	      "layout: SHB type, length, byte-order magic, version 1.0, section length -1");
	CHECK(nat32(b + 24) == (12u << 16 | 4) && !memcmp(b + 28, "offcap 0.1.0", 12) &&
	      nat32(b + 40) == 0 && nat32(b + 44) == 48, "layout: SHB shb_userappl, endofopt, trailer");
	b += 48;
	CHECK(nat32(b) == 1 && nat32(b + 4) == 40 && nat32(b + 8) == 1 && nat32(b + 12) == 65535,
	      "layout: IDB type, length, linktype, snaplen");
	CHECK(nat32(b + 16) == (2u << 16 | 2) && !memcmp(b + 20, "lo\0\0", 4) &&
	      nat32(b + 24) == (1u << 16 | 9) && !memcmp(b + 28, "\x09\0\0\0", 4) &&
	      nat32(b + 32) == 0 && nat32(b + 36) == 40,
	      "layout: IDB if_name padded, if_tsresol 9 padded, endofopt, trailer");
	b += 40;
	CHECK(nat32(b) == 6 && nat32(b + 4) == 36 && nat32(b + 8) == 0 && nat32(b + 12) == 5 &&
	      nat32(b + 16) == 0x12345678 && nat32(b + 20) == 3 && nat32(b + 24) == 3,
	      "layout: EPB type, length, if id, ts high/low, lengths");
	CHECK(!memcmp(b + 28, "\xaa\xbb\xcc\0", 4) && nat32(b + 32) == 36,
	      "layout: EPB data padded to 4 and no options at all when none are set");
	b += 36;
	CHECK(nat32(b + 4) == 48 && nat32(b + 32) == (4u << 16 | 2) && nat32(b + 36) == 2 &&
	      nat32(b + 40) == 0 && nat32(b + 44) == 48,
	      "layout: EPB epb_flags option, endofopt, trailer");
	free(file);
	unlink(path);
}

/* pcapng_write_packet_ref: the bytes are written from the caller's memory at
 * the sync, so changing them afterwards changes nothing in the file. */
static void test_ref(void)
{
	struct oc_packet p[NPKT], w_p[NPKT];
	struct oc_iface f0 = mk_iface("veth0@tc-egress", "offcap veth0 tc-egress mtu=1500",
				      OC_LINKTYPE_ETHERNET, 262144);
	struct oc_iface f1 = mk_iface("eth1", "", OC_LINKTYPE_RAW, 65535);
	char path[64], err[256] = "";
	struct pcapng_writer *w;
	uint8_t *copy = malloc(BIG_LEN);
	int rc = 0;

	mk_packets(p);
	memcpy(w_p, p, sizeof(p));
	if (copy) {
		memcpy(copy, big, BIG_LEN);
		w_p[4].data = copy;
	}
	tmp_path(path, sizeof(path), ".pcapng");
	w = pcapng_open(path, &shb_info);
	CHECK(w && copy, "ref: writer open (%s)", oc_log_last_err());
	if (!w || !copy) {
		free(copy);
		return;
	}
	rc |= pcapng_add_iface(w, &f0) != 0;
	rc |= pcapng_add_iface(w, &f1) != 1;
	for (int i = 0; i < NPKT; i++)
		rc |= pcapng_write_packet_ref(w, &w_p[i]) != 0;
	rc |= pcapng_sync(w) != 0;
	memset(copy, 0xaa, BIG_LEN);	/* the caller's ring moves on */
	rc |= pcapng_write_stats(w, 0, 1700000000000000000ull, 1700000001000000000ull, 1234, 5) != 0;
	CHECK_EQ(pcapng_bytes_written(w) % 4, 0, "ref: block lengths are multiples of 4");
	rc |= pcapng_close(w) != 0;
	CHECK_EQ(rc, 0, "ref: written with references and a sync");
	CHECK_EQ(read_compare(path, p, err, sizeof(err)), NPKT, "ref: reads back identically (%s)", err);
	free(copy);
	unlink(path);
}

/* pcapng_write_packet_parts: each packet in three parts, a scratch head
 * reused at once (copied) and two that stay (referred to when large enough);
 * the file reads back as the whole packets; parts that do not add up fail. */
static void test_parts(const char *ext)
{
	struct oc_packet p[NPKT];
	struct oc_iface f0 = mk_iface("veth0@tc-egress", "offcap veth0 tc-egress mtu=1500",
				      OC_LINKTYPE_ETHERNET, 262144);
	struct oc_iface f1 = mk_iface("eth1", "", OC_LINKTYPE_RAW, 65535);
	char path[64], err[256] = "";
	uint8_t head[64];
	struct pcapng_writer *w;
	int rc = 0;

	mk_packets(p);
	tmp_path(path, sizeof(path), ext);
	w = pcapng_open(path, &shb_info);
	CHECK(w != NULL, "parts%s: writer open", ext);
	if (!w)
		return;
	rc |= pcapng_add_iface(w, &f0) != 0;
	rc |= pcapng_add_iface(w, &f1) != 1;
	for (int i = 0; i < NPKT; i++) {
		uint32_t a = p[i].caplen < sizeof(head) ? p[i].caplen : sizeof(head), b = a + (p[i].caplen - a) / 3;
		struct pcapng_part parts[3] = { { head, a, 0 }, { p[i].data + a, b - a, 1 },
						{ p[i].data + b, p[i].caplen - b, 1 } };

		memcpy(head, p[i].data, a);
		rc |= pcapng_write_packet_parts(w, &p[i], parts, 3) != 0;
		memset(head, 0xaa, sizeof(head));
	}
	{
		struct pcapng_part part = { p[0].data, p[0].caplen - 1, 1 };

		CHECK(pcapng_write_packet_parts(w, &p[0], &part, 1) != 0,
		      "parts%s: parts one byte short of caplen are refused", ext);
	}
	rc |= pcapng_close(w) != 0;
	CHECK_EQ(rc, 0, "parts%s: written", ext);
	CHECK_EQ(read_compare(path, p, err, sizeof(err)), NPKT, "parts%s: reads back as the whole packets (%s)",
		 ext, err);
	unlink(path);
}

static void count_release(void *ctx)
{
	++*(int *)ctx;
}

/* cap_on_release: called before the mapped window moves on, and only then do
 * packets come with data_in_record. */
static void test_reader_release(void)
{
	struct oc_iface f = mk_iface("lo", "", OC_LINKTYPE_ETHERNET, 0);
	struct oc_packet pk = { .caplen = 1000, .len = 1000, .data = big }, got;
	struct pcapng_writer *w;
	struct cap_reader *r;
	char path[64];
	int n = 0, in_record = 0, releases = 0, rc = 0;

	tmp_path(path, sizeof(path), ".pcapng");
	w = pcapng_open(path, &shb_info);
	rc |= !w || pcapng_add_iface(w, &f) != 0;
	for (int i = 0; i < 20000 && !rc; i++)
		rc |= pcapng_write_packet(w, &pk) != 0;
	rc |= pcapng_close(w) != 0;
	for (int hook = 0; hook < 2 && !rc; hook++) {
		r = cap_open(path);
		if (r && hook)
			cap_on_release(r, count_release, &releases);
		for (n = in_record = 0; r && cap_next(r, &got) == 1; n++)
			in_record += got.data_in_record;
		cap_close(r);
		CHECK(n == 20000 && in_record == (hook ? n : 0),
		      "release: %d packets, %d with data_in_record (hook %d)", n, in_record, hook);
	}
	CHECK(releases >= 2, "release: called as the window moved over a 20 MB file (%d times)", releases);
	unlink(path);
}

/* A writer on a new file that may grow to 1.5 MB only (RLIMIT_FSIZE, as a full
 * disk would stop it); old gets the limit to put back. */
static struct pcapng_writer *open_capped(char *path, size_t n, const struct oc_iface *f, struct rlimit *old)
{
	struct pcapng_writer *w;
	struct rlimit lim;

	tmp_path(path, n, ".pcapng");
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, old);
	lim = *old;
	lim.rlim_cur = 1500000;
	setrlimit(RLIMIT_FSIZE, &lim);
	w = pcapng_open(path, &shb_info);
	pcapng_add_iface(w, f);
	return w;
}

/* A write cut short with references pending leaves whole blocks only. */
static void test_ref_short_write(void)
{
	struct oc_iface f = mk_iface("lo", "", OC_LINKTYPE_ETHERNET, 0);
	struct oc_packet pk = { .caplen = 1000, .len = 1000, .data = big }, got;
	struct rlimit old;
	char path[64];
	struct pcapng_writer *w;
	struct cap_reader *r;
	int n = 0, rc = 0;
	size_t len;
	uint8_t *b;

	w = open_capped(path, sizeof(path), &f, &old);
	for (int i = 0; i < 2000 && !rc; i++)
		rc = pcapng_write_packet_ref(w, &pk) || (i % 100 == 99 && pcapng_sync(w));
	if (!rc)
		rc = pcapng_flush(w);
	setrlimit(RLIMIT_FSIZE, &old);
	CHECK(rc != 0, "ref short write: a write fails");
	CHECK_EQ(pcapng_close(w), -EFBIG, "ref short write: close returns -EFBIG");
	b = slurp(path, &len);
	free(b);
	r = cap_open(path);
	while (r && (rc = cap_next(r, &got)) == 1)
		n++;
	CHECK(r && rc == 0 && n > 0 && len < 1500000,
	      "ref short write: %zu bytes left hold %d whole packets and end at a block boundary", len, n);
	cap_close(r);
	unlink(path);
}

static void test_gzip(void)
{
	struct oc_packet p[NPKT];
	char path[64], err[256] = "";
	uint8_t *b;
	size_t len;

	mk_packets(p);
	tmp_path(path, sizeof(path), ".pcapng.gz");
	CHECK(write_sample(path, p, NULL) == 0, "gzip: written");
	b = slurp(path, &len);
	CHECK(b && len > 2 && b[0] == 0x1f && b[1] == 0x8b, "gzip: file starts with 1f 8b");
	free(b);
	CHECK_EQ(read_compare(path, p, err, sizeof(err)), NPKT, "gzip: reads back identically (%s)", err);
	unlink(path);
}

static void test_stdin(void)
{
	struct oc_packet p[NPKT];
	char path[64], err[256] = "";
	int fd, saved;

	mk_packets(p);
	tmp_path(path, sizeof(path), ".pcapng");
	write_sample(path, p, NULL);
	fd = open(path, O_RDONLY);
	saved = dup(0);
	dup2(fd, 0);
	close(fd);
	CHECK_EQ(read_compare("-", p, err, sizeof(err)), NPKT, "stdin: \"-\" reads stdin (%s)", err);
	dup2(saved, 0);
	close(saved);
	unlink(path);
}

static void pcap_header(struct bld *b, uint32_t magic, uint32_t linktype)
{
	b32(b, magic);
	b16(b, 2);
	b16(b, 4);
	b32(b, 0);
	b32(b, 0);
	b32(b, 65535);
	b32(b, linktype);
}

static void pcap_record(struct bld *b, uint32_t sec, uint32_t frac, const char *data, uint32_t len)
{
	b32(b, sec);
	b32(b, frac);
	b32(b, (uint32_t)strlen(data));
	b32(b, len);
	memcpy(b->buf + b->n, data, strlen(data));
	b->n += strlen(data);
}

static void test_pcap(int be)
{
	struct bld b = { .be = be };
	char path[64];
	struct cap_reader *r;
	struct oc_packet p;
	const char *what = be ? "pcap big-endian ns" : "pcap little-endian us";

	pcap_header(&b, be ? 0xa1b23c4d : 0xa1b2c3d4, be ? OC_LINKTYPE_RAW : OC_LINKTYPE_ETHERNET);
	pcap_record(&b, 1700000000, 123456, "abcde", 60);
	pcap_record(&b, 1700000001, 999999, "xyz", 3);
	tmp_path(path, sizeof(path), ".pcap");
	spew(path, b.buf, b.n);
	r = cap_open(path);
	CHECK(r != NULL, "%s: opens", what);
	if (!r)
		return;
	CHECK(!cap_is_pcapng(r) && cap_niface(r) == 1 && !strcmp(cap_iface(r, 0)->name, "pcap") &&
	      cap_iface(r, 0)->linktype == (be ? OC_LINKTYPE_RAW : OC_LINKTYPE_ETHERNET) &&
	      cap_iface(r, 0)->point == OC_POINT_NONE && cap_iface(r, 0)->tsresol == (be ? 9 : 6),
	      "%s: one iface \"pcap\" with the header's linktype", what);
	CHECK(cap_next(r, &p) == 1 && p.caplen == 5 && p.len == 60 && !memcmp(p.data, "abcde", 5) &&
	      p.ts_ns == 1700000000000000000ull + 123456ull * (be ? 1 : 1000) &&
	      p.meta.point == OC_POINT_NONE && p.meta.csum == OC_CSUM_UNKNOWN && !p.comment,
	      "%s: first record", what);
	CHECK(cap_next(r, &p) == 1 && p.caplen == 3 && !memcmp(p.data, "xyz", 3) &&
	      p.ts_ns == 1700000001000000000ull + 999999ull * (be ? 1 : 1000), "%s: second record", what);
	CHECK_EQ(cap_next(r, &p), 0, "%s: clean EOF", what);
	cap_close(r);
	unlink(path);
}

/* A hand-made big-endian section with EPB, SPB, obsolete PB, an unknown block
 * and an ISB, followed by one of our own little-endian files. */
static void test_pcapng_be(void)
{
	static struct bld b = { .be = 1 };
	struct oc_packet p[NPKT], got;
	char path[64];
	uint8_t *own;
	size_t at, len;
	struct cap_reader *r;
	uint8_t res = 3;	/* ms */
	int ok;

	at = bstart(&b, 0x0A0D0D0A);
	b32(&b, 0x1A2B3C4D);
	b16(&b, 1);
	b16(&b, 0);
	b32(&b, 0xffffffff);
	b32(&b, 0xffffffff);
	bopt(&b, 1, "be section", 10);
	b32(&b, 0);
	bend(&b, at);
	at = bstart(&b, 1);
	b16(&b, OC_LINKTYPE_ETHERNET);
	b16(&b, 0);
	b32(&b, 4);
	bopt(&b, 2, "be0", 3);
	bopt(&b, 3, "uplink, MTU 9000", 16);
	bopt(&b, 9, &res, 1);
	b32(&b, 0);
	bend(&b, at);
	at = bstart(&b, 6);
	b32(&b, 0);
	b32(&b, 0);
	b32(&b, 1700000000);	/* ms */
	b32(&b, 5);
	b32(&b, 5);
	bbytes(&b, "hello", 5);
	bopt(&b, 2, "\0\0\0\x01", 4);	/* epb_flags: inbound */
	bopt(&b, 6, "\0\0\0\x04", 4);	/* epb_queue */
	bend(&b, at);
	at = bstart(&b, 3);
	b32(&b, 6);
	bbytes(&b, "spbdat", 4);	/* snaplen 4 */
	bend(&b, at);
	at = bstart(&b, 0x0BADCAFE);
	b32(&b, 42);
	bend(&b, at);
	at = bstart(&b, 2);
	b16(&b, 0);
	b16(&b, 9);
	b32(&b, 0);
	b32(&b, 2);
	b32(&b, 2);
	b32(&b, 2);
	bbytes(&b, "pb", 2);
	bopt(&b, 1, "old", 3);
	b32(&b, 0);
	bend(&b, at);
	at = bstart(&b, 5);
	b32(&b, 0);
	b32(&b, 0);
	b32(&b, 0);
	bopt(&b, 4, "\0\0\0\0\0\0\0\x11", 8);
	bopt(&b, 5, "\0\0\0\0\0\0\0\x02", 8);
	bend(&b, at);

	mk_packets(p);
	tmp_path(path, sizeof(path), ".pcapng");
	write_sample(path, p, NULL);
	own = slurp(path, &len);
	if (own && len < 200000) {
		FILE *f = fopen(path, "wb");

		fwrite(b.buf, 1, b.n, f);
		fwrite(own, 1, len, f);
		fclose(f);
	}
	free(own);
	r = cap_open(path);
	CHECK(r && cap_shb_comment(r) && !strcmp(cap_shb_comment(r), "be section"),
	      "pcapng BE: opens, SHB comment read in big-endian");
	if (!r)
		return;
	ok = cap_next(r, &got) == 1;
	CHECK(ok && got.if_id == 0 && got.caplen == 5 && got.len == 5 && !memcmp(got.data, "hello", 5) &&
	      got.ts_ns == 1700000000000000ull && got.epb_flags == OC_EPB_DIR_IN && got.queue == 4 &&
	      !(got.meta.flags & OC_META_VALID) && got.meta.point == OC_POINT_NONE,
	      "pcapng BE: EPB with ms resolution, epb_flags and epb_queue");
	CHECK(cap_iface(r, 0) && !strcmp(cap_iface(r, 0)->name, "be0") && cap_iface(r, 0)->mtu == 9000 &&
	      cap_iface(r, 0)->tsresol == 3 && cap_iface(r, 0)->point == OC_POINT_NONE,
	      "pcapng BE: IDB name, \"MTU 9000\" in descr, tsresol");
	ok = cap_next(r, &got) == 1;
	CHECK(ok && got.caplen == 4 && got.len == 6 && !memcmp(got.data, "spbd", 4) && got.ts_ns == 0,
	      "pcapng BE: SPB cut to the snaplen");
	ok = cap_next(r, &got) == 1;
	CHECK(ok && got.caplen == 2 && !memcmp(got.data, "pb", 2) && got.dropcount == 9 &&
	      got.comment && !strcmp(got.comment, "old"),
	      "pcapng BE: obsolete Packet Block after skipping an unknown block");
	ok = cap_next(r, &got) == 1;
	CHECK(ok && cap_iface(r, 0)->has_isb && cap_iface(r, 0)->isb_recv == 17 &&
	      cap_iface(r, 0)->isb_drop == 2, "pcapng BE: ISB counters");
	got.if_id--;
	CHECK(ok && same_packet(&got, &p[0]) && cap_niface(r) == 3 &&
	      !strcmp(cap_shb_comment(r), shb_info.comment) && !strcmp(cap_iface(r, 1)->ifname, "veth0"),
	      "pcapng BE: second (little-endian) section follows, its interfaces numbered after");
	while ((ok = cap_next(r, &got)) == 1)
		;
	CHECK_EQ(ok, 0, "pcapng BE: two sections read to a clean EOF (%s)", cap_error(r));
	cap_close(r);
	unlink(path);
}

static void bepb(struct bld *b, uint32_t id, uint64_t ts)
{
	size_t at = bstart(b, 6);

	b32(b, id);
	b32(b, (uint32_t)(ts >> 32));
	b32(b, (uint32_t)ts);
	b32(b, 1);
	b32(b, 1);
	bbytes(b, "x", 1);
	bend(b, at);
}

/* Binary and finer-than-ns resolutions, and if_tsoffset. */
static void test_tsresol(void)
{
	static struct bld b;
	uint8_t bin = 0x80 | 10, ps = 12;
	uint64_t off = 10;
	struct oc_packet p;
	struct cap_reader *r;
	char path[64];
	size_t at;

	at = bstart(&b, 0x0A0D0D0A);
	b32(&b, 0x1A2B3C4D);
	b32(&b, 1);
	b32(&b, 0xffffffff);
	b32(&b, 0xffffffff);
	bend(&b, at);
	at = bstart(&b, 1);
	b32(&b, 1);
	b32(&b, 0);
	bopt(&b, 9, &bin, 1);
	bend(&b, at);	/* no opt_endofopt: allowed to end at the block end */
	at = bstart(&b, 1);
	b32(&b, 1);
	b32(&b, 0);
	bopt(&b, 9, &ps, 1);
	bopt(&b, 14, &off, 8);
	b32(&b, 0);
	bend(&b, at);
	bepb(&b, 0, 1024 * 5 + 512);
	bepb(&b, 1, 1234567890123ull);
	tmp_path(path, sizeof(path), ".pcapng");
	spew(path, b.buf, b.n);
	r = cap_open(path);
	CHECK(r && cap_next(r, &p) == 1 && p.ts_ns == 5500000000ull &&
	      !strcmp(cap_iface(r, 0)->name, "if0"),
	      "tsresol: 2^-10 s ticks; unnamed interface is \"if0\"");
	CHECK(r && cap_next(r, &p) == 1 && p.ts_ns == 11234567890ull && cap_iface(r, 1)->tsresol == 12,
	      "tsresol: picoseconds plus if_tsoffset 10 s");
	CHECK(r && cap_next(r, &p) == 0, "tsresol: clean EOF");
	cap_close(r);
	unlink(path);
}

/* More interfaces than one allocation chunk; earlier pointers stay valid. */
static void test_many_ifaces(void)
{
	struct oc_packet p = { .caplen = 1, .len = 1, .data = (const uint8_t *)"z" }, got;
	char path[64], name[32];
	struct pcapng_writer *w;
	struct cap_reader *r;
	const struct oc_iface *first, *f;
	struct oc_iface idb;
	int ok = 1, n = 0;

	tmp_path(path, sizeof(path), ".pcapng");
	w = pcapng_open(path, NULL);
	for (int i = 0; w && i < 150; i++) {
		snprintf(name, sizeof(name), "v%d@xdp", i);
		idb = mk_iface(name, "", OC_LINKTYPE_ETHERNET, 0);
		ok &= pcapng_add_iface(w, &idb) == i;
		p.if_id = (uint32_t)i;
		ok &= pcapng_write_packet(w, &p) == 0;
	}
	CHECK(w && ok && pcapng_close(w) == 0, "many ifaces: 150 interfaces written");
	r = cap_open(path);
	first = r ? cap_iface(r, 0) : NULL;
	while (r && cap_next(r, &got) == 1) {
		snprintf(name, sizeof(name), "v%u", got.if_id);
		f = cap_iface(r, got.if_id);
		ok &= f && !strcmp(f->ifname, name) && f->point == OC_POINT_XDP;
		n++;
	}
	CHECK(ok && n == 150 && cap_niface(r) == 150 && first == cap_iface(r, 0) &&
	      !strcmp(first->name, "v0@xdp"), "many ifaces: all read back, pointers stable");
	cap_close(r);
	unlink(path);
}

static void test_open_errors(void)
{
	char path[64], want[128];
	struct oc_packet p[NPKT], got;
	struct cap_reader *r;
	size_t len, epb = 0;
	uint8_t *b;
	int rc;

	oc_log_setup(NULL, OC_LOG_QUIET);	/* the refusals: their words are checked */
	CHECK(!pcapng_open("/nonexistent-dir/x.pcapng", NULL) &&
	      !strcmp(oc_log_last_err(), "cannot open /nonexistent-dir/x.pcapng: No such file or directory"),
	      "errors: writer open in a missing directory: %s", oc_log_last_err());
	CHECK(!cap_open("/nonexistent-dir/x.pcapng") &&
	      strstr(oc_log_last_err(), "No such file or directory"), "errors: reader open of a missing file: %s",
	      oc_log_last_err());
	tmp_path(path, sizeof(path), ".txt");
	spew(path, "This is not a capture file.\n", 28);
	CHECK(!cap_open(path) && strstr(oc_log_last_err(), "not a pcap or pcapng file"),
	      "errors: a text file is refused: %s", oc_log_last_err());
	spew(path, "", 0);
	CHECK(!cap_open(path) && strstr(oc_log_last_err(), "empty file"),
	      "errors: an empty file is refused: %s", oc_log_last_err());
	oc_log_setup(NULL, OC_LOG_WARN);

	mk_packets(p);
	write_sample(path, p, NULL);
	b = slurp(path, &len);
	if (!b || len < 1000)
		return;
	/* SHB, IDB, IDB, then the first packet's EPB */
	for (int i = 0; i < 3; i++)
		epb += nat32(b + epb + 4);
	snprintf(want, sizeof(want), "file ends inside a block at offset %zu", epb);
	spew(path, b, epb + 10);
	r = cap_open(path);
	rc = r ? cap_next(r, &got) : 99;
	CHECK(rc == -1 && !strcmp(cap_error(r), want), "errors: truncated file: %s",
	      r ? cap_error(r) : oc_log_last_err());
	CHECK(r && cap_next(r, &got) == -1, "errors: the error is sticky");
	cap_close(r);
	memcpy(b + epb + 4, "\x07\0\0\0", 4);
	spew(path, b, len);
	snprintf(want, sizeof(want), "bad block length 7 at offset %zu", epb);
	r = cap_open(path);
	rc = r ? cap_next(r, &got) : 99;
	CHECK(rc == -1 && !strcmp(cap_error(r), want), "errors: bad block length: %s",
	      r ? cap_error(r) : oc_log_last_err());
	cap_close(r);
	free(b);
	unlink(path);
}

static void test_writer_args(void)
{
	struct oc_iface f = mk_iface("lo", "", OC_LINKTYPE_ETHERNET, 0);
	struct oc_packet p = { .caplen = 5 }, got;
	char path[64];
	struct pcapng_writer *w;
	struct cap_reader *r;
	uint8_t *huge = calloc(1, (16u << 20) + 1);

	tmp_path(path, sizeof(path), ".pcapng");
	w = pcapng_open(path, NULL);
	CHECK(w != NULL, "writer args: open without SHB info");
	if (!w || !huge)
		return;
	CHECK(pcapng_write_packet(w, NULL) == -1 && pcapng_write_packet(w, &p) == -1,
	      "writer args: NULL packet and NULL data refused: %s", pcapng_error(w));
	p.data = huge;
	CHECK(pcapng_write_packet(w, &p) == -1 && strstr(pcapng_error(w), "undefined interface"),
	      "writer args: packet before any interface refused: %s", pcapng_error(w));
	pcapng_add_iface(w, &f);
	p.caplen = p.len = (16u << 20) + 1;
	CHECK(pcapng_write_packet(w, &p) == -1 && strstr(pcapng_error(w), "exceeds"),
	      "writer args: packet over 16 MiB refused: %s", pcapng_error(w));
	p.caplen = p.len = 16u << 20;
	huge[12345] = 0x5a;
	CHECK_EQ(pcapng_write_packet(w, &p), 0, "writer args: a 16 MiB packet is accepted");
	p.caplen = 2;
	p.len = 1;
	CHECK_EQ(pcapng_write_packet(w, &p), 0, "writer args: the writer still works afterwards");
	CHECK_EQ(pcapng_write_stats(w, 3, 0, 0, 0, 0), -1,
		 "writer args: stats for an undefined interface");
	CHECK_EQ(pcapng_close(w), 0, "writer args: close");
	r = cap_open(path);
	CHECK(r && cap_next(r, &got) == 1 && got.caplen == 16u << 20 && got.data[12345] == 0x5a &&
	      cap_next(r, &got) == 1 && got.caplen == 2 && got.len == 2 && cap_next(r, &got) == 0,
	      "writer args: 16 MiB packet reads back; caplen > len is written as len = caplen");
	cap_close(r);
	free(huge);
	unlink(path);
}

static int write_burst(struct pcapng_writer *w, int n)
{
	struct oc_packet p = { .caplen = 1000, .len = 1000, .data = big };
	int rc = 0;

	for (int i = 0; i < n && !rc; i++)
		rc = pcapng_write_packet(w, &p);
	return rc ? rc : pcapng_flush(w);
}

static void test_dev_full(void)
{
	struct oc_iface f = mk_iface("lo", "", OC_LINKTYPE_ETHERNET, 0);
	struct pcapng_writer *w = pcapng_open("/dev/full", &shb_info);

	if (!w) {
		SKIP("/dev/full cannot be opened: %s", oc_log_last_err());
		return;
	}
	pcapng_add_iface(w, &f);
	CHECK_EQ(write_burst(w, 10), -1, "/dev/full: flush fails");
	CHECK(!strcmp(pcapng_error(w), "writing /dev/full: No space left on device"),
	      "/dev/full: error message: %s", pcapng_error(w));
	CHECK(write_burst(w, 1) == -1 && pcapng_add_iface(w, &f) == -1 &&
	      pcapng_write_stats(w, 0, 0, 0, 0, 0) == -1, "/dev/full: every later call fails");
	CHECK_EQ(pcapng_close(w), -ENOSPC, "/dev/full: close returns -ENOSPC");
}

/* A file size limit makes write() short on a regular file: what is left must
 * be whole blocks only. */
static void test_short_write(void)
{
	struct oc_iface f = mk_iface("lo", "", OC_LINKTYPE_ETHERNET, 0);
	struct rlimit old;
	struct oc_packet got;
	char path[64], err[256];
	struct pcapng_writer *w;
	struct cap_reader *r;
	int n = 0, rc;
	size_t len;
	uint8_t *b;

	w = open_capped(path, sizeof(path), &f, &old);
	rc = write_burst(w, 2000);
	setrlimit(RLIMIT_FSIZE, &old);
	CHECK_EQ(rc, -1, "short write: a flush fails");
	snprintf(err, sizeof(err), "writing %s: File too large", path);
	CHECK(!strcmp(pcapng_error(w), err), "short write: message: %s", pcapng_error(w));
	CHECK_EQ(pcapng_close(w), -EFBIG, "short write: close returns -EFBIG");
	b = slurp(path, &len);
	free(b);
	r = cap_open(path);
	while (r && (rc = cap_next(r, &got)) == 1)
		n++;
	CHECK(r && rc == 0 && n > 0 && len < 1500000,
	      "short write: %zu bytes left hold %d whole packets and end at a block boundary", len, n);
	cap_close(r);
	unlink(path);
}

static void test_epipe(void)
{
	struct oc_iface f = mk_iface("lo", "", OC_LINKTYPE_ETHERNET, 0);
	char msg[256] = "";
	struct pcapng_writer *w;
	int fds[2], saved, rc = 0, closed;

	if (pipe(fds) < 0)
		return;
	signal(SIGPIPE, SIG_IGN);
	close(fds[0]);
	fflush(stdout);
	saved = dup(1);
	dup2(fds[1], 1);
	close(fds[1]);
	w = pcapng_open("-", &shb_info);
	if (w) {
		pcapng_add_iface(w, &f);
		rc = write_burst(w, 5);
		snprintf(msg, sizeof(msg), "%s", pcapng_error(w));
	}
	closed = pcapng_close(w);
	dup2(saved, 1);
	close(saved);
	CHECK(w && rc == -1 && !strcmp(msg, "writing stdout: Broken pipe") && closed == -EPIPE,
	      "EPIPE on \"-\": reported, close returns -EPIPE: %s", msg);
}

static uint32_t rng(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

/* Reads to the end: 0 clean, -1 error, -2 cap_open failed. */
static int read_all(const char *path, int *npkt)
{
	int level = oc_log_level(), rc;
	struct cap_reader *r;
	struct oc_packet p;

	*npkt = 0;
	oc_log_setup(NULL, OC_LOG_QUIET);	/* damaged files: refusals are expected */
	oc_err("%s", "");	/* none yet: a refusal must say why */
	r = cap_open(path);
	oc_log_setup(NULL, level);
	if (!r)
		return oc_log_last_err()[0] ? -2 : -3;
	while ((rc = cap_next(r, &p)) == 1)
		if (p.caplen && p.data[p.caplen - 1] == 0xfe)	/* touch the bytes for ASan */
			(*npkt)++;
	if (rc < 0 && !cap_error(r)[0])
		rc = -3;
	cap_close(r);
	return rc;
}

static void test_fuzz(void)
{
	struct oc_packet p[NPKT];
	size_t len, bounds[32], nb = 0;
	char path[64], fpath[64];
	uint64_t seed = 42;
	uint8_t *b, *m;
	int bad = 0, n;

	mk_packets(p);
	p[4].caplen = p[4].len = 300;	/* keep the file small: it is rewritten per offset */
	tmp_path(path, sizeof(path), ".pcapng");
	tmp_path(fpath, sizeof(fpath), ".pcapng");
	write_sample(path, p, NULL);
	b = slurp(path, &len);
	if (!b)
		return;
	for (size_t off = 0; off < len && nb < 32; off += nat32(b + off + 4))
		bounds[nb++] = off;
	for (size_t cut = 0; cut < len; cut++) {
		int at_bound = 0, rc;

		for (size_t i = 1; i < nb; i++)
			at_bound |= cut == bounds[i];
		spew(fpath, b, cut);
		rc = read_all(fpath, &n);
		bad += at_bound ? rc != 0 : rc != (cut < bounds[1] ? -2 : -1);
	}
	CHECK_EQ(bad, 0, "fuzz: truncation at each of %zu offsets: clean EOF at block boundaries, "
		 "an error elsewhere", len);
	m = malloc(len);
	bad = 0;
	for (int it = 0; it < 3000 && m; it++) {
		int flips = 1 + rng(&seed) % 4;

		memcpy(m, b, len);
		for (int i = 0; i < flips; i++)
			m[rng(&seed) % len] ^= (uint8_t)(1u << (rng(&seed) % 8));
		if (it % 3 == 0)	/* also hit the block lengths and option headers */
			m[(rng(&seed) % (len / 4 - 1)) * 4 + rng(&seed) % 2 * 4] = (uint8_t)rng(&seed);
		spew(fpath, m, it % 5 ? len : rng(&seed) % len);
		bad += read_all(fpath, &n) == -3;
	}
	CHECK_EQ(bad, 0, "fuzz: 3000 corrupted files read without a crash, errors have messages");
	free(m);
	free(b);
	unlink(path);
	unlink(fpath);
}

static uint8_t *put_le32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);	/* the test runs little endian, as the writer's files are */
	return p + 4;
}

static uint8_t *put_le_opt(uint8_t *p, uint16_t code, const void *val, uint16_t len)
{
	p = put_le32(p, (uint32_t)len << 16 | code);
	memcpy(p, val, len);
	memset(p + len, 0, (4 - len % 4) % 4);
	return p + len + (4 - len % 4) % 4;
}

/* A file offcap 0.1.0 wrote: the metadata in a custom option (PEN 32473) and
 * a version-1 comment that says less (no ifindex, netns, queue). */
static void test_legacy_custom_option(void)
{
	static const char v1[] = "point=tc-egress len=65226 gso_size=1448 gso_segs=45 gso_type=tcpv4 csum=partial";
	struct oc_meta m = { .point = OC_POINT_TC_EGRESS, .dir = OC_DIR_OUT, .csum = OC_CSUM_PARTIAL,
			     .flags = OC_META_VALID, .gso_size = 1448, .gso_segs = 45, .gso_type = OC_GSO_TCPV4,
			     .rx_queue = 2, .ifindex = 9, .netns = 4026532301u, .len = 65226 };
	uint8_t epb[256], wire[4 + OC_META_WIRE_LEN], *p = epb, *file;
	struct oc_iface f = mk_iface("veth0@tc-egress", "", OC_LINKTYPE_ETHERNET, 256);
	struct oc_packet pkt = { 0 };
	char path[64];
	struct cap_reader *r;
	struct pcapng_writer *w;
	size_t len;

	tmp_path(path, sizeof(path), ".pcapng");
	w = pcapng_open(path, &shb_info);
	CHECK(w && pcapng_add_iface(w, &f) == 0 && pcapng_close(w) == 0, "legacy: SHB and IDB (%s)", oc_log_last_err());
	p = put_le32(put_le32(put_le32(put_le32(p, 6), 0), 0), 0);	/* type, length later, if 0, ts */
	p = put_le32(put_le32(put_le32(p, 1), 4), 65226);
	p = put_le32(p, 0x04030201);
	p = put_le_opt(p, 1, v1, sizeof(v1) - 1);
	put_le32(wire, OC_PEN_LEGACY);
	oc_meta_encode(&m, wire + 4);
	p = put_le_opt(p, 2989, wire, sizeof(wire));
	p = put_le32(p, 0);
	put_le32(p, (uint32_t)(p + 4 - epb));
	p += 4;
	put_le32(epb + 4, (uint32_t)(p - epb));
	file = slurp(path, &len);
	file = realloc(file, len + (size_t)(p - epb));
	CHECK(file != NULL, "legacy: buffer");
	if (!file)
		return;
	memcpy(file + len, epb, (size_t)(p - epb));
	spew(path, file, len + (size_t)(p - epb));
	free(file);
	r = cap_open(path);
	CHECK(r && cap_next(r, &pkt) == 1, "legacy: reads (%s)", r ? cap_error(r) : oc_log_last_err());
	CHECK(!memcmp(&pkt.meta, &m, sizeof(m)), "legacy: the custom option's metadata, ifindex and netns too");
	CHECK(pkt.comment && !strcmp(pkt.comment, v1), "legacy: the comment as written");
	cap_close(r);
	unlink(path);
}

static uint32_t rnd(uint64_t *state)
{
	*state = *state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*state >> 33);
}

/* Metadata as the ring decoder (event.c) makes it, with random values. */
static struct oc_meta random_meta(uint64_t *st)
{
	static const uint8_t csums[] = { OC_CSUM_NONE, OC_CSUM_UNNECESSARY, OC_CSUM_COMPLETE,
					 OC_CSUM_PARTIAL, OC_CSUM_UNKNOWN };
	struct oc_meta m = { .point = (uint8_t)(rnd(st) % OC_POINT_MAX), .flags = OC_META_VALID };

	m.dir = oc_hooks[m.point].dir;
	m.csum = csums[rnd(st) % sizeof(csums)];
	m.gso_size = (uint16_t)rnd(st);
	m.gso_segs = (uint16_t)rnd(st);
	m.len = rnd(st) << (rnd(st) % 2);
	m.rx_queue = rnd(st) % 64;
	m.ifindex = rnd(st);
	m.netns = rnd(st) | 0xf0000000u;
	if (rnd(st) % 4 == 0)
		m.flags |= OC_META_NO_GSO_TYPE;
	else
		m.gso_type = rnd(st) & 0x1fdfdfu;	/* every bit oc_gso_format names */
	if (rnd(st) % 3 == 0) {
		m.flags |= OC_META_VLAN;
		m.vlan_tci = (uint16_t)rnd(st);
		m.vlan_proto = rnd(st) % 2 ? 0x8100 : 0x88a8;
	}
	return m;
}

/* What report, split and stats get from a new file is what offcap captured:
 * the comment and standard options carry every field the custom option did. */
static void test_meta_through_comment(void)
{
	enum { N = 3000 };
	struct oc_iface f = mk_iface("veth0@tc-egress", "", OC_LINKTYPE_ETHERNET, 256);
	static const uint8_t d[4] = { 1, 2, 3, 4 };
	static struct oc_meta want[N];
	struct oc_packet p = { .data = d, .caplen = 4, .len = 4 };
	char path[64];
	uint64_t st = 42;
	struct pcapng_writer *w;
	struct cap_reader *r;
	int same = 0, n = 0;

	tmp_path(path, sizeof(path), ".pcapng");
	w = pcapng_open(path, &shb_info);
	CHECK(w && pcapng_add_iface(w, &f) == 0, "through the comment: open (%s)", oc_log_last_err());
	for (int i = 0; w && i < N; i++) {
		want[i] = p.meta = random_meta(&st);
		p.queue = p.meta.rx_queue;
		p.epb_flags = p.meta.dir == OC_DIR_IN ? OC_EPB_DIR_IN : OC_EPB_DIR_OUT;
		pcapng_write_packet(w, &p);
	}
	CHECK(w && pcapng_close(w) == 0, "through the comment: %d packets written", N);
	r = cap_open(path);
	while (r && n < N && cap_next(r, &p) == 1)
		same += !memcmp(&p.meta, &want[n++], sizeof(p.meta));
	CHECK_EQ(same, N, "through the comment: every field of every packet reads back");
	cap_close(r);
	unlink(path);
}

/* The writer carries the metadata in standard options and the comment only. */
static void test_no_custom_option(void)
{
	struct oc_packet p[NPKT];
	char path[64];
	uint8_t *file;
	size_t len;
	int found = 0;

	mk_packets(p);
	tmp_path(path, sizeof(path), ".pcapng");
	CHECK(write_sample(path, p, NULL) == 0, "no custom option: written");
	file = slurp(path, &len);
	for (size_t i = 0; file && i + 4 <= len; i++)
		found |= nat32(file + i) == OC_PEN_LEGACY;
	CHECK(file && !found, "no custom option: PEN 32473 appears nowhere in a new file");
	free(file);
	unlink(path);
}

int main(void)
{
	test_legacy_custom_option();
	test_no_custom_option();
	test_meta_through_comment();
	test_layout();
	test_roundtrip();
	test_gzip();
	test_ref();
	test_ref_short_write();
	test_parts(".pcapng");
	test_parts(".pcapng.gz");
	test_reader_release();
	test_stdin();
	test_pcap(0);
	test_pcap(1);
	test_pcapng_be();
	test_tsresol();
	test_many_ifaces();
	test_open_errors();
	test_writer_args();
	test_dev_full();
	test_short_write();
	test_epipe();
	test_fuzz();
	return check_done();
}
