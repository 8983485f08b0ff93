/* One logger (#19): every message offcap writes to a person on stderr goes
 * through here, with the program's prefix ("offcap: "; warnings "offcap:
 * warning: "), and only at or below the verbosity asked for.
 *
 * One error convention with it: a library function that fails says why with
 * oc_err() (or leaves that to its caller where the caller knows better) and
 * returns a negative errno (-EINVAL, -ENOMEM, -EIO, ...), or NULL for a
 * constructor.  Commands turn that into their exit status. */
#ifndef OFFCAP_LOG_H
#define OFFCAP_LOG_H

enum oc_log_level {
	OC_LOG_QUIET = -1,	/* nothing, not even errors: a caller that drops a failure */
	OC_LOG_ERR,		/* shown unless OC_LOG_QUIET */
	OC_LOG_WARN,		/* the default shows warnings */
	OC_LOG_INFO,		/* -v */
	OC_LOG_DEBUG,		/* -vv */
};

/* The prefix (default "offcap") and the most verbose level shown (default
 * OC_LOG_WARN). */
void oc_log_setup(const char *prog, int level);
int oc_log_level(void);

void oc_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void oc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void oc_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void oc_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The thread's last error (oc_err, oc_fail), shown or not, without the
 * prefix: for a caller that hands it on elsewhere, quiet meanwhile (extcap:
 * Wireshark reads it on stdout). */
const char *oc_log_last_err(void);

/* oc_err() then return rc: `return oc_fail(-ENOMEM, "out of memory");` */
int oc_fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same with the caller's context first, "ctx: why" (ctx NULL: none), for a
 * callee whose caller says what it was doing ("eth0: xdp: ..."). */
int oc_fail_in(const char *ctx, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
