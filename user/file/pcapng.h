/* pcapng writer, and a reader for pcapng and classic pcap (plain or gzip). */
#ifndef OFFCAP_PCAPNG_H
#define OFFCAP_PCAPNG_H

#include <stddef.h>
#include <stdint.h>
#include "packet.h"

struct pcapng_writer;

struct pcapng_shb_info {
	const char *hardware;	/* shb_hardware, may be NULL */
	const char *os;		/* shb_os */
	const char *app;	/* shb_userappl, "offcap 0.1.0" */
	const char *comment;	/* opt_comment: the command line */
};

/* path "-" writes to stdout; a path ending in ".gz" is gzip-compressed.
 * The writer only ever leaves whole blocks in the file: a failed write
 * (ENOSPC, EPIPE) truncates back to the last complete block and every later
 * call fails with the same error. NULL on error, said with oc_err(). */
struct pcapng_writer *pcapng_open(const char *path, const struct pcapng_shb_info *shb);
/* Returns the interface id (0, 1, ...) or -1. Writes name, descr, linktype,
 * snaplen, if_tsresol=9 and, when mtu != 0, nothing else: the MTU goes into
 * descr by the caller. */
int pcapng_add_iface(struct pcapng_writer *w, const struct oc_iface *iface);
/* Enhanced Packet Block. Writes opt_comment pkt->comment (when set), a second
 * opt_comment with the metadata (oc_meta_format, cached per writer) when
 * meta is valid, epb_flags (when nonzero), epb_dropcount (when nonzero) and
 * epb_queue (when meta is valid). No custom option: the reader still decodes
 * offcap 0.1.0's (PEN OC_PEN_LEGACY) and otherwise parses the comment. */
int pcapng_write_packet(struct pcapng_writer *w, const struct oc_packet *pkt);
/* The same, but a packet of REF_MIN (512) bytes or more is not copied: the
 * block refers to pkt->data, which the caller keeps unchanged until the next
 * pcapng_sync, pcapng_flush or pcapng_close (the bytes go to the file with
 * writev, straight from the caller's memory: a ring buffer's). gzip output
 * copies as pcapng_write_packet. */
int pcapng_write_packet_ref(struct pcapng_writer *w, const struct oc_packet *pkt);
/* A packet's bytes in pieces: pkt->data is not read, the caplen bytes are
 * the parts' in order (at most PCAPNG_MAX_PARTS).  A part that stays, of
 * REF_MIN bytes or more, is referred to as by pcapng_write_packet_ref; the
 * others are copied: new headers from a scratch buffer, the payload left
 * where it lies. */
#define PCAPNG_MAX_PARTS 4
struct pcapng_part {
	const uint8_t *data;
	uint32_t len;
	int stays;	/* unchanged until the next pcapng_sync, _flush or _close */
};
int pcapng_write_packet_parts(struct pcapng_writer *w, const struct oc_packet *pkt,
			      const struct pcapng_part *parts, unsigned n);
/* Writes the blocks that refer to the caller's memory (and everything
 * before them); nothing when there are none. 0, or -1 (pcapng_error). */
int pcapng_sync(struct pcapng_writer *w);
/* Interface Statistics Block: isb_starttime/endtime, isb_ifrecv, isb_ifdrop. */
int pcapng_write_stats(struct pcapng_writer *w, uint32_t if_id, uint64_t start_ns,
		       uint64_t end_ns, uint64_t recv, uint64_t drop);
/* The same with an opt_comment (offcap: "counters at end: ...", see netdev.h). */
int pcapng_write_stats_comment(struct pcapng_writer *w, uint32_t if_id, uint64_t start_ns,
			       uint64_t end_ns, uint64_t recv, uint64_t drop, const char *comment);
/* Pushes buffered whole blocks to the file (and gzip stream). */
int pcapng_flush(struct pcapng_writer *w);
/* Flushes and closes; returns 0, or -errno of the first failure. */
int pcapng_close(struct pcapng_writer *w);
const char *pcapng_error(const struct pcapng_writer *w);
uint64_t pcapng_bytes_written(const struct pcapng_writer *w);

struct cap_reader;

/* Opens pcapng (any byte order, several sections) or pcap (us or ns magic),
 * plain or gzip; "-" reads stdin. NULL on error, said with oc_err(). */
struct cap_reader *cap_open(const char *path);
/* 1: a packet in *pkt (data valid until the next call), 0: end of file,
 * -1: error (cap_error). A truncated last block is an error. */
int cap_next(struct cap_reader *r, struct oc_packet *pkt);
/* With fn set, packets of a file read in place (a plain regular file) come
 * with pkt->data_in_record: their bytes stay where they are, for
 * pcapng_write_packet_ref/_parts, until fn(ctx) is called, which the reader
 * does before it moves on (pcapng_sync there).  cap_close does not call it:
 * close the writer first. */
void cap_on_release(struct cap_reader *r, void (*fn)(void *ctx), void *ctx);
unsigned cap_niface(const struct cap_reader *r);
const struct oc_iface *cap_iface(const struct cap_reader *r, uint32_t if_id);
int cap_is_pcapng(const struct cap_reader *r);
const char *cap_shb_comment(const struct cap_reader *r);	/* NULL if none */
const char *cap_error(const struct cap_reader *r);
void cap_close(struct cap_reader *r);

#endif
