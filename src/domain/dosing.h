/*
 * dosing.h - the nurse's side of medication: recording administrations
 * (given, take-home, held, refused, missed) exactly once, the day's dosing
 * window for a clinic, and the medication administration record (MAR).
 *
 * Exactly once: a request carries an idempotency key (kept with the row, per
 * user) so a retry answers the first record; the scheduled dose itself
 * (order, day, slot, attempt) is unique, so two nurses racing for the same
 * dose get one record and one conflict.
 */
#ifndef TDM_DOSING_H
#define TDM_DOSING_H

#include <stdint.h>

#include "domain/access.h"
#include "domain/order.h"
#include "store/store.h"
#include "util/date.h"

#define DOSING_KEY_LEN 100      /* Idempotency-Key */
#define DOSING_MAX_TAKEHOME 28  /* days in one take-home dispense (the rules cap it lower) */
#define DOSING_MAR_DAYS 92
#define DOSING_QUEUE_MAX 5000   /* orders in one clinic's window */
#define DOSING_MAX_SLOTS 4

struct admin_input {
	char status[12];              /* given | take_home | held | refused | missed */
	double amount;
	int has_amount;
	int slot;                     /* 0: the order's only slot */
	char dose_on[DATE_LEN];       /* "" = today (take_home: tomorrow) */
	char note[TDM_LEN_REASON + 1];
	int days;                     /* take_home: doses dispensed (0 = 1) */
	int closure;                  /* take_home: a clinic-closure dose */
	char key[DOSING_KEY_LEN + 1]; /* Idempotency-Key */
	char hash[65];                /* of the request (order id and body) */
};

struct admin {
	int64_t id, order_id, patient_id, site_id;
	char medication[MED_ID_LEN];
	char dose_on[DATE_LEN];
	int slot;
	char status[12];
	double amount;
	int has_amount;
	char unit[MED_UNIT_LEN];
	int64_t dispense_id;
	char note[TDM_LEN_REASON + 1];
	int voided;
	char recorded_at[INSTANT_LEN];
	char recorded_by[TDM_LEN_USERNAME + 16];
};

struct admin_result {
	struct admin a;
	int replayed;                 /* the key was seen: nothing new recorded */
	struct order_alerts alerts;   /* blocks (with TDM_ECONFLICT) or advice */
	int64_t dispense_id;
	char first_on[DATE_LEN];
	int days;
};

enum tdm_status admin_record(struct db *db, const struct actor *a, int64_t order_id,
			     const struct admin_input *in, struct admin_result *out,
			     struct tdm_err *err);
enum tdm_status admin_void(struct db *db, const struct actor *a, int64_t admin_id,
			   const char *reason, struct admin *out, struct tdm_err *err);

/* ---- the dosing window ---- */

struct queue_slot {
	int slot;
	char status[16];              /* due | given | take_home | held | refused | missed */
	int64_t admin_id;
	double amount;
	int has_amount;
	char recorded_by[TDM_LEN_USERNAME + 16];
	char recorded_at[INSTANT_LEN];
};

struct queue_item {
	int64_t patient_id;
	char mrn[TDM_LEN_MRN + 1];
	char name[2 * TDM_LEN_NAME + 4];
	struct order o;
	int per_day;
	struct queue_slot slots[DOSING_MAX_SLOTS];
	int n_slots;
	char last_on[DATE_LEN];       /* "" when none in the lookback */
	double last_amount;
	char last_status[12];
	int bottles_due_back;
	int consecutive_missed;
	int needs_reassessment;
	int open_alerts;
};

struct queue {
	int64_t site_id;
	char date[DATE_LEN];
	struct queue_item *items;     /* caller frees */
	int n;
	int due, done;
};

/* The window for a site and clinic-local day ("" = today), one audit row. */
enum tdm_status dosing_queue(struct db *db, const struct actor *a, int64_t site_id, const char *date,
			     struct queue *out, struct tdm_err *err);

/* ---- the MAR ---- */

struct mar_cell {
	char on[DATE_LEN];
	int slot;
	char status[16];              /* given | take_home | held | refused | missed | not_recorded | due | scheduled */
	double amount;
	int has_amount;
	int64_t admin_id;
	char recorded_by[TDM_LEN_USERNAME + 16];
};

struct mar_row {
	struct order o;
	struct mar_cell *cells;
	int n_cells;
};

struct mar {
	char from[DATE_LEN], to[DATE_LEN];
	struct mar_row *rows;
	int n;
};

enum tdm_status dosing_mar(struct db *db, const struct actor *a, int64_t patient_id, const char *from,
			   const char *to, struct mar *out, struct tdm_err *err);
void dosing_mar_free(struct mar *m);

#endif
