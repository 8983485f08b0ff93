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

static void vlog(int level, const char *what, const char *fmt, va_list ap)
{
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
