/*
 * takehome.h - methadone take-homes (42 CFR 8.12(i), 2024): eligibility by
 * time in treatment with the six factors and the evidence Tandem holds, the
 * prescriber's decision, storage education, dispenses with bottles out and
 * returned, documented diversion. Ceilings and windows: data/takehome.conf.
 *
 * Time in treatment: day 1 is the earliest start_on of an order of the
 * ceiling medication in the current course, a course being broken by more
 * than [rules] course_gap_days without a running order of it
 * (docs/clinical-rules.md "Methadone take-homes").
 */
#ifndef TDM_TAKEHOME_H
#define TDM_TAKEHOME_H

#include <stdint.h>

#include "domain/access.h"
#include "domain/formulary.h"
#include "store/store.h"
#include "util/date.h"
#include "util/limits.h"

#define TAKEHOME_MAX_TIERS 8
#define TAKEHOME_MAX_FACTORS_JSON 4096 /* the decision's factors object, serialised */
#define TAKEHOME_N_FACTORS 6
#define TAKEHOME_MAX_EVIDENCE 12       /* evidence lines kept per factor */
#define TAKEHOME_LIST_MAX 200          /* dispenses listed at once */

enum tdm_status takehome_load(const char *dir, struct tdm_err *err);

struct takehome_tier {
	int from_day;        /* treatment day it applies from */
	int max_days;
	char source[256];
};

/* The tier that applies on a treatment day (day 1 = the course start); NULL
 * before day 1. Borrowed from the loaded configuration. */
const struct takehome_tier *takehome_tier_for(int treatment_day);
/* 1 when the time-in-treatment ceilings apply to this formulary id. */
int takehome_has_ceiling(const char *medication);

/*
 * Inside the caller's open write transaction (domain/admin.c records a
 * take_home administration): checks that a dispense of `days` doses of
 * `medication` starting first_on is allowed for the patient today (the
 * time-in-treatment ceiling and the conservative days 1-14 running total
 * for ceiling medications, the prescriber's decision; closure = 1: a single
 * dose for a day the clinic is closed). TDM_OK sets *decision_id (0 when
 * none applies); TDM_ECONFLICT with a message naming the ceiling otherwise.
 * The ceiling is min(the day's tier, the latest decision in the course); it
 * also bounds the supply held at once (take-home days already dispensed for
 * today onwards plus these). Closure doses are counted in none of these.
 * A medication without a ceiling (buprenorphine) is allowed with
 * *decision_id 0. TDM_EINVAL for days < 1, closure with days != 1, or a bad
 * first_on.
 */
enum tdm_status takehome_check_dispense(struct db *db, int64_t patient_id, const char *medication,
					const char *first_on, int days, int closure,
					int64_t *decision_id, struct tdm_err *err);

/* 1 when the clinic is closed on day (data/takehome.conf closure days). */
int takehome_closed_on(const char *day);

struct takehome_evidence {
	char kind[24];          /* "uds_positive", "attendance", "diversion", ... */
	char on[DATE_LEN];      /* the day it refers to, "" when none */
	char text[240];
};

struct takehome_factor {
	const char *id;         /* substance_use | attendance | behaviour | diversion | storage | other */
	const char *title;
	int concern;            /* the evidence points against take-homes */
	int n;
	struct takehome_evidence ev[TAKEHOME_MAX_EVIDENCE];
	int more;               /* evidence lines left out beyond the cap */
};

struct takehome_decision {
	int64_t id, patient_id, site_id;
	char medication[MED_ID_LEN];
	int approved_days, max_days, treatment_day;
	char factors[TAKEHOME_MAX_FACTORS_JSON + 1]; /* JSON object text, "{}" when none */
	char reason[TDM_LEN_REASON + 1];
	char decided_at[INSTANT_LEN];
	char decided_by[TDM_LEN_USERNAME + 16];
};

struct takehome_eligibility {
	int64_t patient_id;
	char medication[MED_ID_LEN];
	char as_of[DATE_LEN];
	char treatment_start[DATE_LEN]; /* "" when no current course */
	int treatment_day;              /* 0 when no current course */
	int max_days;                   /* the tier's, 0 without a course */
	int has_tier;
	struct takehome_tier tier;
	int early_limit;                /* days 1..early_days running total; 0 when off */
	int early_days;
	int early_used;                 /* take-home days already on days 1..early_days */
	struct takehome_factor factors[TAKEHOME_N_FACTORS];
	int has_education;
	char education_at[INSTANT_LEN];
	char education_by[TDM_LEN_USERNAME + 16];
	int has_decision;               /* a decision made in the current course */
	struct takehome_decision decision;
	int ceiling;                    /* min(max_days, decision's approved_days); 0 without one */
};

/* The eligibility view (an audited read, "takehome.eligibility"). */
enum tdm_status takehome_eligibility(struct db *db, const struct actor *a, int64_t patient_id,
				     struct takehome_eligibility *out, struct tdm_err *err);

/*
 * Records the prescriber's decision: approved_days 0..max_days of today's
 * tier (TDM_EINVAL naming approved_days with the ceiling and its source),
 * a reason (required), factors: a JSON object as text (NULL or "" for
 * none; at most TAKEHOME_MAX_FACTORS_JSON bytes). TDM_EFORBIDDEN unless the
 * actor is a prescriber at the patient's site. out is filled.
 */
enum tdm_status takehome_decide(struct db *db, const struct actor *a, int64_t patient_id,
				int approved_days, const char *reason, const char *factors,
				struct takehome_decision *out, struct tdm_err *err);

struct takehome_note {
	int64_t id, patient_id;
	char noted_on[DATE_LEN];        /* diversion only */
	char note[TDM_LEN_REASON + 1];
	char recorded_at[INSTANT_LEN];
	char recorded_by[TDM_LEN_USERNAME + 16];
};

/* Safe transport and storage education given (note required). */
enum tdm_status takehome_educate(struct db *db, const struct actor *a, int64_t patient_id,
				 const char *note, struct takehome_note *out, struct tdm_err *err);
/* A documented diversion; noted_on "" or NULL is today (not in the future). */
enum tdm_status takehome_diversion_add(struct db *db, const struct actor *a, int64_t patient_id,
				       const char *noted_on, const char *note,
				       struct takehome_note *out, struct tdm_err *err);

struct takehome_dispense {
	int64_t id, order_id, patient_id, site_id, decision_id; /* decision_id 0: none */
	char medication[MED_ID_LEN];
	char first_on[DATE_LEN];
	char last_on[DATE_LEN];         /* first_on + days - 1 */
	char due_back_on[DATE_LEN];     /* first_on + days: bottles come back */
	int days, bottles, closure;
	double amount;
	int returned, missing, tampered; /* bottles, by the condition they came back in */
	int outstanding;                /* bottles - returned - missing - tampered */
	int overdue;                    /* outstanding and due_back_on is past */
	char recorded_at[INSTANT_LEN];
	char recorded_by[TDM_LEN_USERNAME + 16];
};

/* A patient's dispenses, newest first (an audited read, "takehome.list").
 * *rows caller-frees; *total counts them all. */
enum tdm_status takehome_dispenses(struct db *db, const struct actor *a, int64_t patient_id,
				   int limit, int offset, struct takehome_dispense **rows, int *n,
				   int64_t *total, struct tdm_err *err);

struct takehome_return {
	int64_t id, dispense_id;
	int bottles;
	char condition[12];             /* returned | missing | tampered */
	char note[TDM_LEN_REASON + 1];
	char recorded_at[INSTANT_LEN];
	char recorded_by[TDM_LEN_USERNAME + 16];
};

/*
 * Records bottles coming back for a dispense: bottles 1..outstanding,
 * condition returned | missing | tampered (missing and tampered are
 * diversion evidence), note optional. out and the dispense after it are
 * filled. TDM_ENOTFOUND for a dispense of a patient the actor cannot see.
 */
enum tdm_status takehome_return_add(struct db *db, const struct actor *a, int64_t dispense_id,
				    int bottles, const char *condition, const char *note,
				    struct takehome_return *out, struct takehome_dispense *disp,
				    struct tdm_err *err);

#endif
