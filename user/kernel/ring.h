/* The consumer of offcap's BPF ring buffers: one ring per CPU, read straight
 * from their mappings and merged in timestamp order. */
#ifndef OFFCAP_RING_H
#define OFFCAP_RING_H

#include <stddef.h>
#include <stdint.h>

struct oc_rings;

/* Rings for every online CPU, together about total_bytes (per CPU a power of
 * two, at least 1 MiB). NULL, said with oc_err(), when it cannot. */
struct oc_rings *oc_rings_create(uint64_t total_bytes, unsigned ncpu);
/* Bytes of one CPU's ring, and how many CPUs have one. */
uint64_t oc_rings_size(const struct oc_rings *r, unsigned *nrings);
/* The ring of a CPU, -1 for a CPU that was offline at start. */
int oc_rings_fd(const struct oc_rings *r, unsigned cpu);
/* Unread bytes at which the programs wake the consumer. */
uint64_t oc_rings_wakeup_bytes(const struct oc_rings *r);
/* After the programs are loaded: the rings into their array (outer_fd), mapped.
 * A negative errno, said with oc_err(), when it cannot. */
int oc_rings_map(struct oc_rings *r, int outer_fd);

/* Another source to wake the consumer for (an epoll or perf fd), after map. */
int oc_rings_wake_on(struct oc_rings *r, int fd);

/* A record from another source (a perf sample): copied, and handed over in
 * timestamp order with the rings' records of the rounds that follow. */
int oc_rings_stage(struct oc_rings *r, const void *rec, size_t size);

/* One event record; a non-zero return stops the round. */
typedef int (*oc_record_cb)(void *ctx, const void *rec, size_t size);
/* Waits up to timeout_ms, less while records flow, for the rings (and the
 * sources of oc_rings_wake_on). */
void oc_rings_wait(struct oc_rings *r, int timeout_ms);
/* Notes what the rings hold now, and the time. Stage the other sources'
 * records after it: any of theirs older than a ring record it holds is then
 * staged by the time the round delivers. */
void oc_rings_snapshot(struct oc_rings *r);
/* Hands over what the snapshot holds and the staged records up to its time,
 * oldest first across CPUs (a record's first u64 is its timestamp). Returns
 * records delivered, or -1 when the callback failed. */
int oc_rings_consume(struct oc_rings *r, oc_record_cb cb, void *ctx);
void oc_rings_free(struct oc_rings *r);
/* Called before the rings' space (and staged records) read so far are handed
 * back: whatever still refers to delivered records must be done with them. */
void oc_rings_on_release(struct oc_rings *r, void (*fn)(void *ctx), void *ctx);

#endif
