/*
 * checkin.h - patient self check-in: staff create a one-time, expiring link
 * (and a short code for a waiting-room tablet); the patient answers the
 * assigned instruments without an account and reaches nothing else. Only
 * hashes of the token and code are stored. The answers land on the chart as
 * assessments answered by the patient and raise the same alerts.
 */
#ifndef TDM_CHECKIN_H
#define TDM_CHECKIN_H

#include <stdint.h>

#include "domain/access.h"
#include "domain/assessment.h"
#include "store/store.h"
#include "util/crypto.h"

#define CHECKIN_MAX_INSTRUMENTS 6
#define CHECKIN_CODE_LEN 10        /* 9 characters + NUL, e.g. "K7M-Q2X-9P" without dashes */
#define CHECKIN_MIN_MINUTES 5
#define CHECKIN_MAX_MINUTES (24 * 60)

struct checkin {
	int64_t id, patient_id, site_id;
	int n_instruments;
	const struct instrument *instruments[CHECKIN_MAX_INSTRUMENTS];
	char expires_at[INSTANT_LEN];
	char used_at[INSTANT_LEN];
	char token[TOKEN_LEN];          /* only right after creation */
	char code[CHECKIN_CODE_LEN];    /* only right after creation */
	char given_name[TDM_LEN_NAME + 1]; /* greeting on the page, nothing more */
};

/* Staff create a check-in for codes (self-report instruments only). */
enum tdm_status checkin_create(struct db *db, const struct actor *a, int64_t patient_id,
			       const char *const *codes, int n_codes, int expires_minutes,
			       struct checkin *out, struct tdm_err *err);
/* Opens a check-in by its link token or its code (exactly one non-NULL).
 * TDM_ENOTFOUND when unknown or tampered, TDM_ECONFLICT when already used,
 * TDM_EGONE when expired; TDM_ETHROTTLED after too many unknown links or
 * codes from client_addr (each is recorded). Refusals are audited under
 * `action` (against the patient when the link was real); a success too when
 * audit_success is set. */
enum tdm_status checkin_open(struct db *db, const char *token, const char *code,
			     const char *client_addr, const char *request_id, const char *action,
			     int audit_success, struct checkin *out, struct tdm_err *err);
/* Records the answers (values[i][item], one array per instrument in the
 * check-in's order) as assessments, raises alerts, uses the check-in up; all
 * in one transaction. client_addr and request_id go to the audit row. */
enum tdm_status checkin_submit(struct db *db, const char *token, const char *code,
			       int (*values)[INSTR_MAX_ITEMS], int n, const char *client_addr,
			       const char *request_id, struct assessment *results,
			       struct tdm_err *err);

#endif
