/*
 * result.h - results entered by staff: urine drug screens per substance,
 * breath alcohol, laboratory values, ECG QTc. The medication rules read
 * them; the chart shows them on a timeline. What may be entered (substances,
 * lab codes, units, input bounds) is data/results.conf.
 */
#ifndef TDM_RESULT_H
#define TDM_RESULT_H

#include <stdint.h>

#include "domain/access.h"
#include "store/store.h"
#include "util/date.h"
#include "util/limits.h"

struct result {
	int64_t id, patient_id, site_id;
	char kind[16];               /* uds | breath_alcohol | lab | ecg */
	char substance[24];          /* uds */
	char outcome[12];            /* uds: positive | negative */
	int expected;                /* uds: an expected positive (prescribed) */
	char code[32];               /* lab code; "qtc" for ecg; "" for uds */
	char value[24];              /* the number as entered, "" for uds */
	char unit[16];
	char taken_at[INSTANT_LEN];
	char note[TDM_LEN_REASON + 1];
	char status[20];             /* final | entered_in_error */
	char status_reason[TDM_LEN_REASON + 1];
	char recorded_at[INSTANT_LEN];
	char recorded_by[TDM_LEN_USERNAME + 16];
};

enum tdm_status result_load(const char *dir, struct tdm_err *err);
/* 1 when substance is a drug-screen substance of data/results.conf. */
int result_uds_substance_known(const char *substance);

/* Checks and records a result (in->id and status ignored); taken_at "" is
 * now. TDM_EINVAL names the field. */
enum tdm_status result_add(struct db *db, const struct actor *a, int64_t patient_id,
			   struct result *in, struct tdm_err *err);
/* A patient's results, newest first, of one kind or all (NULL/""). */
enum tdm_status result_list(struct db *db, const struct actor *a, int64_t patient_id,
			    const char *kind, int limit, struct result **rows, int *n,
			    struct tdm_err *err);
/* Marks a result entered in error, with a reason. */
enum tdm_status result_void(struct db *db, const struct actor *a, int64_t result_id,
			    const char *reason, struct result *out, struct tdm_err *err);

#endif
