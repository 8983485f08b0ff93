/* The one logger: prefix, verbosity, stderr. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static const char *log_prog = "offcap";
static int log_level = OC_LOG_WARN;

void oc_log_setup(const char *prog, int level)
{
	if (prog)
		log_prog = prog;
	log_level = level;
}

int oc_log_level(void)
{
	return log_level;
}

static _Thread_local char last_err[1024];

const char *oc_log_last_err(void)
{
	return last_err;
}

static void vlog(int level, const char *what, const char *fmt, va_list ap)
{
	if (level == OC_LOG_ERR) {
		va_list copy;

		va_copy(copy, ap);
		vsnprintf(last_err, sizeof(last_err), fmt, copy);
		va_end(copy);
	}
	if (level > log_level)
		return;
	fprintf(stderr, "%s: %s", log_prog, what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define LOG_FN(name, level, what) \
	void name(const char *fmt, ...) \
	{ \
		va_list ap; \
		va_start(ap, fmt); \
		vlog(level, what, fmt, ap); \
		va_end(ap); \
	}

LOG_FN(oc_err, OC_LOG_ERR, "")
LOG_FN(oc_warn, OC_LOG_WARN, "warning: ")
LOG_FN(oc_info, OC_LOG_INFO, "")
LOG_FN(oc_debug, OC_LOG_DEBUG, "")

int oc_fail(int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(OC_LOG_ERR, "", fmt, ap);
	va_end(ap);
	return rc;
}

int oc_fail_in(const char *ctx, int rc, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ctx)
		oc_err("%s: %s", ctx, msg);
	else
		oc_err("%s", msg);
	return rc;
}
