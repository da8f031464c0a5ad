/*
 * assessment.h - administering an instrument: answers in, total, severity
 * band and interpretation stored with every item answer, critical rules
 * raised as alerts in the same transaction.
 */
#ifndef TDM_ASSESSMENT_H
#define TDM_ASSESSMENT_H

#include <stdint.h>

#include "domain/access.h"
#include "domain/instrument.h"
#include "store/store.h"
#include "util/date.h"
#include "util/limits.h"

struct assessment {
	int64_t id, patient_id, site_id;
	char instrument[17];
	char version[16];
	int total;
	char band[40];
	char severity[20];
	char interpretation[240];
	int prorated;
	char answered_by[12];            /* staff | patient */
	char administered_at[INSTANT_LEN];
	char note[TDM_LEN_REASON + 1];
	char recorded_at[INSTANT_LEN];
	char recorded_by[TDM_LEN_USERNAME + 16];
	int n_answers;
	struct {
		char item[25];
		int value;               /* INSTR_MISSING when unanswered */
	} answers[INSTR_MAX_ITEMS];
	int n_alerts;
	int64_t alert_ids[INSTR_MAX_ALERTS];
	const struct instr_alert *alerts[INSTR_MAX_ALERTS];
	char alert_found[INSTR_MAX_ALERTS][240];
};

struct assessment_input {
	const struct instrument *in;
	int values[INSTR_MAX_ITEMS];    /* per item, INSTR_MISSING when unanswered */
	char administered_at[INSTANT_LEN]; /* "" now; past allowed (entered late) */
	char answered_by[12];           /* "" staff */
	char note[TDM_LEN_REASON + 1];
	int64_t checkin_id;             /* 0 unless from a self check-in */
};

/* Scores and stores one administration; raises its alerts. */
enum tdm_status assessment_record(struct db *db, const struct actor *a, int64_t patient_id,
				  const struct assessment_input *inp, struct assessment *out,
				  struct tdm_err *err);
/* Inside an open transaction, without access checks or audit: the same
 * (used by the self check-in, which audits as itself). */
enum tdm_status assessment_insert(struct db *db, const char *who, int64_t patient_id,
				  int64_t site_id, const struct assessment_input *inp,
				  struct assessment *out, struct tdm_err *err);

/* A patient's assessments, oldest first, optionally of one instrument
 * (NULL/"" all), with answers. *rows caller-frees. Audited. */
enum tdm_status assessment_list(struct db *db, const struct actor *a, int64_t patient_id,
				const char *instrument, int limit, struct assessment **rows, int *n,
				struct tdm_err *err);

/* The same, paged from the newest: rows offset .. offset+limit-1 counted
 * from the newest, returned oldest first; *total (may be NULL) counts all. */
enum tdm_status assessment_page(struct db *db, const struct actor *a, int64_t patient_id,
				const char *instrument, int limit, int offset, struct assessment **rows,
				int *n, int64_t *total, struct tdm_err *err);

/* Most administrations a trend reads (38 years of a fortnightly PHQ-9). */
#define ASSESSMENT_TREND_MAX 1000

#endif
