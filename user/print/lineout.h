/* Lines to a terminal or pipe that may be slower than the packets: the
 * capture queues each line and goes on; a thread writes them.  When the
 * queue is full the line is skipped and counted: the ring consumer never
 * waits on the terminal. */
#ifndef OFFCAP_LINEOUT_H
#define OFFCAP_LINEOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct oc_lineout;

/* Writes to fd through a queue of queue_bytes (two buffers that size). */
struct oc_lineout *oc_lineout_new(int fd, size_t queue_bytes);
/* Queues len bytes (whole lines); false when skipped (queue full: counted)
 * or the output failed (not counted). Never blocks on the output. */
bool oc_lineout_put(struct oc_lineout *o, const char *line, size_t len);
uint64_t oc_lineout_skipped(const struct oc_lineout *o);
/* The output failed (EPIPE: the reader went away): errno value, or 0. */
int oc_lineout_error(const struct oc_lineout *o);
/* Writes what is queued (waiting for the reader), ends the thread, frees.
 * Returns the output's error, or 0. */
int oc_lineout_close(struct oc_lineout *o);

#endif
