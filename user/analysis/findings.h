/* Findings tables (#19).  Every kind of finding offcap names -- report's
 * problems (analysis.h), the path's findings (path.h), the NIC's differing
 * fields (niccut.h), why a frame is not cut (segment.h) -- is one X-macro
 * list of rows
 *
 *   X(ENUM_NAME, "machine_id", "the words a person reads", flag)
 *
 * from which its enum and its table come: the id is what JSON, tests and
 * split match on, the words are for reports only, the flag means what that
 * table says.  Adding a finding is one row, and the code that finds it. */
#ifndef OFFCAP_FINDINGS_H
#define OFFCAP_FINDINGS_H

struct oc_finding_row {
	const char *id, *text;
	int flag;
};

#define OC_FINDING_ENUM(e, id, text, flag) e,
#define OC_FINDING_ROW(e, id, text, flag) [e] = { id, text, flag },

/* Row k of table t (n rows); beyond it a row of "?". */
static inline const struct oc_finding_row *oc_finding_row(const struct oc_finding_row *t, unsigned n, unsigned k)
{
	static const struct oc_finding_row none = { "?", "?", 0 };

	return k < n ? &t[k] : &none;
}

#endif
