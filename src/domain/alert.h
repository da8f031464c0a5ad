/*
 * alert.h - clinical alerts raised by rules (a PHQ-9 item 9 answer, a severe
 * withdrawal score...). An alert stays on the chart and in the inbox of the
 * roles it is for until a clinician acknowledges it with an action note; one
 * left unacknowledged past the configured time (data/alerts.conf) is
 * escalated and shown to the site's admins too.
 */
#ifndef TDM_ALERT_H
#define TDM_ALERT_H

#include <stdint.h>

#include "domain/access.h"
#include "domain/instrument.h"
#include "store/store.h"
#include "util/date.h"
#include "util/limits.h"

struct alert {
	int64_t id, patient_id, site_id, assessment_id;
	char rule_id[40];
	char kind[32];
	char severity[12];
	char message[240];
	char found[240];
	char why[240];
	char source[240];
	unsigned roles;
	char raised_at[INSTANT_LEN];
	int acked;
	char ack_note[TDM_LEN_REASON + 1];
	char acked_at[INSTANT_LEN];
	char acked_by[TDM_LEN_USERNAME + 16];
	int escalated;               /* open past the escalation time */
	int64_t recipient_id;        /* addressed to one user (0: to its roles) */
	char recipient[TDM_LEN_USERNAME + 16];
	/* for the inbox */
	char mrn[TDM_LEN_MRN + 1];
	char family_name[TDM_LEN_NAME + 1];
	char given_name[TDM_LEN_NAME + 1];
};

enum tdm_status alert_load_config(const char *dir, struct tdm_err *err);

/* Inside the caller's write transaction: raises rule r for a patient. */
enum tdm_status alert_raise(struct db *db, int64_t patient_id, int64_t site_id,
			    int64_t assessment_id, const struct instr_alert *r, const char *found,
			    int64_t *id, struct tdm_err *err);

/* Inside the caller's write transaction: addresses an alert to one user.
 * Their inbox shows it (other users of its roles see it on the chart only;
 * admins when escalated). */
enum tdm_status alert_address(struct db *db, int64_t alert_id, int64_t user_id, struct tdm_err *err);

struct alert_query {
	int64_t patient_id;   /* 0: the inbox across visible patients */
	int open_only;
	int limit, offset;
};

/* Alerts the actor may see: for the roles they hold at the patient's site,
 * plus escalated ones for admins. Audited. *rows caller-frees. */
enum tdm_status alert_list(struct db *db, const struct actor *a, const struct alert_query *q,
			   struct alert **rows, int *n, int64_t *total, struct tdm_err *err);
/* Acknowledges an open alert with the action taken (note required). */
enum tdm_status alert_ack(struct db *db, const struct actor *a, int64_t alert_id,
			  const char *note, struct alert *out, struct tdm_err *err);

/* Number of open alerts across all sites (for monitoring; no audit row,
 * no patient data). */
enum tdm_status alert_count_open(struct db *db, int64_t *n, struct tdm_err *err);

#endif
