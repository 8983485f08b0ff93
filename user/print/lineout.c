#include "lineout.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct oc_lineout {
	int fd;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char *fill, *drain;	/* the capture appends to fill; the thread writes drain */
	size_t len, cap;
	int closing;
	_Atomic int error;
	_Atomic uint64_t skipped;
};

static void write_all(struct oc_lineout *o, const char *p, size_t n)
{
	while (n && !atomic_load(&o->error)) {
		ssize_t w = write(o->fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			atomic_store(&o->error, w < 0 ? errno : EIO);
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void *writer(void *arg)
{
	struct oc_lineout *o = arg;

	pthread_mutex_lock(&o->lock);
	for (;;) {
		char *t;
		size_t n;

		while (!o->len && !o->closing)
			pthread_cond_wait(&o->cond, &o->lock);
		if (!o->len)
			break;
		t = o->drain, o->drain = o->fill, o->fill = t;
		n = o->len;
		o->len = 0;
		pthread_mutex_unlock(&o->lock);
		write_all(o, o->drain, n);
		pthread_mutex_lock(&o->lock);
	}
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

struct oc_lineout *oc_lineout_new(int fd, size_t queue_bytes)
{
	struct oc_lineout *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->fd = fd;
	o->cap = queue_bytes;
	o->fill = malloc(queue_bytes);
	o->drain = malloc(queue_bytes);
	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->cond, NULL);
	if (!o->fill || !o->drain || pthread_create(&o->thread, NULL, writer, o)) {
		free(o->fill);
		free(o->drain);
		free(o);
		return NULL;
	}
	return o;
}

bool oc_lineout_put(struct oc_lineout *o, const char *line, size_t len)
{
	bool ok = false;

	if (atomic_load(&o->error))	/* nobody reads any more: not a slow terminal */
		return false;
	pthread_mutex_lock(&o->lock);
	if (len <= o->cap - o->len) {
		memcpy(o->fill + o->len, line, len);
		if (!o->len)
			pthread_cond_signal(&o->cond);
		o->len += len;
		ok = true;
	}
	pthread_mutex_unlock(&o->lock);
	if (!ok)
		atomic_fetch_add(&o->skipped, 1);
	return ok;
}

uint64_t oc_lineout_skipped(const struct oc_lineout *o)
{
	return o ? atomic_load(&((struct oc_lineout *)o)->skipped) : 0;
}

int oc_lineout_error(const struct oc_lineout *o)
{
	return o ? atomic_load(&((struct oc_lineout *)o)->error) : 0;
}

int oc_lineout_close(struct oc_lineout *o)
{
	int err;

	if (!o)
		return 0;
	pthread_mutex_lock(&o->lock);
	o->closing = 1;
	pthread_cond_signal(&o->cond);
	pthread_mutex_unlock(&o->lock);
	pthread_join(o->thread, NULL);
	err = atomic_load(&o->error);
	pthread_mutex_destroy(&o->lock);
	pthread_cond_destroy(&o->cond);
	free(o->fill);
	free(o->drain);
	free(o);
	return err;
}
