/*
 * audit.h - the append-only, hash-chained audit trail.
 *
 * Every read or write of a patient's record appends one row in the same
 * transaction as the work it records. Each row carries the hash of the row
 * before it; `tandem audit verify` recomputes the chain and names the first
 * row that was edited, removed or reordered.
 */
#ifndef TDM_AUDIT_H
#define TDM_AUDIT_H

#include <stdint.h>

#include "domain/access.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/date.h"

struct audit_event {
	const char *action;      /* "patient.read", "episode.create", ... */
	int64_t site_id;         /* 0 when none */
	int64_t patient_id;      /* 0 when none */
	const char *object_type; /* "Patient", "Diagnosis", ... */
	char object_id[32];      /* "" when none */
	const char *outcome;     /* NULL: derived from the status */
	char detail[256];
};

/* Appends ev inside the caller's open write transaction. */
enum tdm_status audit_append(struct db *db, const struct actor *a,
			     const struct audit_event *ev, struct tdm_err *err);

/*
 * Ends a domain operation's transaction. rc == TDM_OK: appends ev with
 * outcome "ok" and commits. Otherwise rolls back, then records the failed
 * attempt (outcome = ev->outcome or the status name) in a transaction of its
 * own, and returns rc with err untouched.
 */
enum tdm_status audit_finish(struct db *db, const struct actor *a, enum tdm_status rc,
			     struct audit_event *ev, struct tdm_err *err);

struct audit_row {
	int64_t seq;
	char at[INSTANT_LEN];
	int64_t user_id;
	char username[80];
	char roles[80];
	int64_t site_id, patient_id;
	char action[48];
	char object_type[32];
	char object_id[32];
	char outcome[32];
	char client_addr[64];
	char request_id[40];
	char detail[256];
};

/* Lists audit rows of a patient (patient_id > 0) or all rows, newest first.
 * The listing itself is audited. *rows is caller-frees. */
enum tdm_status audit_list(struct db *db, const struct actor *a, int64_t patient_id,
			   int limit, int offset, struct audit_row **rows, int *n,
			   int64_t *total, struct tdm_err *err);

/* The patient id of an MRN, for auditors who search the trail by MRN (the
 * listing then checks the site as for an id; an unknown MRN is
 * TDM_ENOTFOUND, the same answer as a patient of a site not visible). */
enum tdm_status audit_patient_by_mrn(struct db *db, const char *mrn, int64_t *patient_id,
				     struct tdm_err *err);

struct audit_report {
	int64_t rows;        /* rows checked */
	int64_t bad_seq;     /* first bad row, 0 when the chain is intact */
	char why[200];
};

/* Verifies the whole chain. TDM_OK even when broken: read report->bad_seq. */
enum tdm_status audit_verify(struct db *db, struct audit_report *report, struct tdm_err *err);

#endif
