/*
 * plan.h - the integrated treatment plan of an episode of care.
 *
 * One plan per episode. Its content is a document: problems (each linked to
 * one or more of the patient's diagnoses, so one plan holds a substance-use
 * and a mental-health problem side by side) -> goals in the patient's words
 * -> measurable objectives (target date, optionally a measure: an
 * instrument's score or weeks of negative drug screens) and, per problem,
 * interventions (a therapy modality with frequency and responsible
 * clinician, or one of the patient's medication orders).
 *
 * Nothing is overwritten: every save (create, change, review) writes a new
 * plan_version row holding the whole document as JSON text, with who, when
 * and why; earlier versions stay readable. Signatures (clinician, patient)
 * belong to one version, so a new version needs new signatures. Every item
 * of the document has a key ("P1", "G2", "O3", "I4": its kind's letter and
 * a number never given twice in the plan) kept across versions while the
 * item stays, so other records (progress notes) can name an objective as
 * plan id + key.
 *
 * What is derived on read, never stored: the diagnoses' codes and
 * categories, each objective's current value and whether it is met (latest
 * score; weeks of negative screens), a medication intervention's order
 * state, and the review schedule (data/plan-review.conf: days per level of
 * care from the last create or review).
 */
#ifndef TDM_PLAN_H
#define TDM_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "domain/access.h"
#include "domain/formulary.h"
#include "domain/icd10.h"
#include "store/store.h"
#include "util/date.h"
#include "util/limits.h"

/* Limits on a plan document (outside input; the body cap applies too). */
#define PLAN_MAX_PROBLEMS      10
#define PLAN_MAX_DIAGNOSES     4   /* per problem */
#define PLAN_MAX_GOALS         4   /* per problem */
#define PLAN_MAX_OBJECTIVES    6   /* per goal */
#define PLAN_MAX_INTERVENTIONS 8   /* per problem */
#define PLAN_LEN_TEXT          500 /* problem, goal, objective, description */
#define PLAN_LEN_FREQUENCY     64
#define PLAN_MAX_VERSIONS      500 /* refused beyond this */
#define PLAN_MAX_SIGNATURES    16  /* per version */
#define PLAN_KEY_LEN           9   /* "O1234567" + NUL */
#define PLAN_MAX_WEEKS         104 /* negative_screens target */
#define PLAN_MODALITY_LEN      48
#define PLAN_MAX_MODALITIES    32
#define PLAN_DUE_MAX           5000 /* items in one clinic-wide list */

struct plan_measure {
	char kind[20];                  /* "" none | instrument | negative_screens */
	char instrument[17];            /* instrument: its code (normalised) */
	char comparator[12];            /* instrument: below | at_most | above | at_least */
	double value;                   /* instrument: the threshold */
	int weeks;                      /* negative_screens: target weeks */
	char substance[24];             /* negative_screens: one substance, "" any */
};

/* Derived on read for the current version only. */
struct plan_progress {
	int computed;                   /* 1 when the fields below were filled */
	int known;                      /* a current value exists */
	double current;                 /* latest total, or weeks */
	int met;
	char as_of[DATE_LEN];           /* day of the latest score / screen */
	/* negative_screens */
	char since[DATE_LEN];           /* first screen of the current negative run */
	char last_positive[DATE_LEN];   /* latest unexpected positive, "" none */
	int screens;                    /* screens in the run */
};

struct plan_objective {
	char key[PLAN_KEY_LEN];         /* kept across versions */
	char text[PLAN_LEN_TEXT + 1];
	char target_date[DATE_LEN];
	char status[16];                /* open | achieved | discontinued */
	struct plan_measure measure;
	struct plan_progress progress;
};

struct plan_goal {
	char key[PLAN_KEY_LEN];         /* kept across versions */
	char text[PLAN_LEN_TEXT + 1];   /* in the patient's words */
	struct plan_objective objectives[PLAN_MAX_OBJECTIVES];
	int n_objectives;
};

/* A linked diagnosis as of reading (codes never change; status may). */
struct plan_dx {
	int64_t id;
	char code[ICD10_LEN];
	char category[16];              /* substance_use | mental_health */
	char title[ICD10_TITLE_LEN];
	char status[20];
	int counts_substance, counts_mental; /* toward the dual-diagnosis rule */
};

struct plan_intervention {
	char key[PLAN_KEY_LEN];         /* kept across versions */
	char kind[12];                  /* therapy | medication */
	char modality[PLAN_MODALITY_LEN]; /* therapy: data/therapy.conf [modality] */
	char frequency[PLAN_LEN_FREQUENCY + 1]; /* therapy: "weekly", "3 x week" */
	char responsible[TDM_LEN_USERNAME + 1]; /* therapy: a clinician at the site */
	int64_t order_id;               /* medication: one of the patient's orders */
	char description[PLAN_LEN_TEXT + 1];
	/* derived: the order as of today */
	char medication[MED_ID_LEN];
	double dose;
	char unit[MED_UNIT_LEN];
	char order_frequency[16];
	char order_status[16];
};

struct plan_problem {
	char key[PLAN_KEY_LEN];         /* kept across versions */
	char text[PLAN_LEN_TEXT + 1];
	int64_t diagnosis_ids[PLAN_MAX_DIAGNOSES];
	int n_diagnoses;
	struct plan_goal goals[PLAN_MAX_GOALS];
	int n_goals;
	struct plan_intervention interventions[PLAN_MAX_INTERVENTIONS];
	int n_interventions;
	/* derived */
	struct plan_dx dx[PLAN_MAX_DIAGNOSES];
	int substance_use, mental_health; /* a linked diagnosis of that category */
};

struct plan_doc {
	struct plan_problem problems[PLAN_MAX_PROBLEMS];
	int n_problems;
};

struct plan_signature {
	int64_t id;
	int version;
	char role[12];                  /* clinician | patient */
	char signed_by[TDM_LEN_NAME + 16]; /* clinician: username; patient: name given */
	char method[16];                /* patient: in_person | telehealth | electronic */
	char attestation[TDM_LEN_REASON + 1]; /* patient: the staff member's statement */
	char signed_at[INSTANT_LEN];
	char recorded_by[TDM_LEN_USERNAME + 16];
};

struct plan_version_info {
	int64_t id;
	int version;
	char kind[8];                   /* create | change | review */
	char effective_on[DATE_LEN];    /* the plan's or review's day */
	char note[TDM_LEN_REASON + 1];
	char recorded_at[INSTANT_LEN];
	char recorded_by[TDM_LEN_USERNAME + 16];
	int n_problems;
	struct plan_signature signatures[PLAN_MAX_SIGNATURES];
	int n_signatures;
};

struct plan_review {
	char level[16];                 /* the episode's current level, "" discharged */
	int interval_days;              /* 0 when none applies */
	char last_review_on[DATE_LEN];  /* latest create or review */
	char due_on[DATE_LEN];          /* "" when none */
	char status[12];                /* ok | due | overdue | closed */
};

/* A plan with one version's content. */
struct plan {
	int64_t id, patient_id, site_id, episode_id;
	char created_at[INSTANT_LEN];
	char created_by[TDM_LEN_USERNAME + 16];
	int latest;                     /* newest version number */
	int current;                    /* 1 when v is the newest */
	struct plan_version_info v;
	struct plan_doc doc;
	int covers_substance, covers_mental, covers_dual;
	struct plan_review review;
};

/* One line per plan, for a patient's list. */
struct plan_summary {
	int64_t id, episode_id;
	char admitted_on[DATE_LEN];
	char discharged_on[DATE_LEN];   /* "" while the episode is open */
	struct plan_version_info v;     /* the newest version (with signatures) */
	int covers_substance, covers_mental, covers_dual;
	struct plan_review review;
};

/* What a create, change or review sends. */
struct plan_input {
	int64_t episode_id;             /* create: 0 = the patient's open episode */
	int version;                    /* change/review: the version edited (must be the newest) */
	char effective_on[DATE_LEN];    /* "" today; not in the future */
	char note[TDM_LEN_REASON + 1];  /* required for change and review */
	const struct plan_doc *doc;     /* NULL on a review without changes */
};

struct plan_sign_input {
	char role[12];                  /* clinician | patient */
	int version;                    /* the version signed (must be the newest) */
	char signed_by_name[TDM_LEN_NAME + 1]; /* patient */
	char method[16];                /* patient */
	char attestation[TDM_LEN_REASON + 1]; /* patient */
};

struct plan_due_item {
	int64_t patient_id, site_id, episode_id;
	int64_t plan_id;                /* 0: no plan yet (kind initial) */
	char kind[10];                  /* review | initial */
	char mrn[TDM_LEN_MRN + 1];
	char family_name[TDM_LEN_NAME + 1];
	char given_name[TDM_LEN_NAME + 1];
	char admitted_on[DATE_LEN];
	struct plan_review review;
};

/* Loads DIR/plan-review.conf (review days per level, initial-plan days,
 * lead days) and the [modality] list of DIR/therapy.conf. Levels must be
 * loaded first; every level needs a review interval. err names file:line. */
enum tdm_status plan_load(const char *dir, struct tdm_err *err);
int plan_review_days(const char *level);   /* 0 when unknown */
int plan_initial_days(const char *level);  /* 0 when not configured */
int plan_lead_days(void);
int plan_modality_count(void);
const char *plan_modality_id(int i);       /* borrowed, NULL out of range */
const char *plan_modality_label(const char *id); /* NULL when unknown */

/*
 * The review schedule (a pure function): last is the latest create or
 * review day, level the episode's current level ("" discharged), today the
 * clinic-local day. due_on = last + the level's interval; status "overdue"
 * after due_on, "due" from lead_days before it through due_on, else "ok";
 * "closed" once discharged.
 */
void plan_review_schedule(const char *level, const char *last, const char *today,
			  struct plan_review *out);

/*
 * Parses a plan document, JSON text {"problems":[...]}, checking shape,
 * types, lengths, counts and vocabularies (no database). Field-level
 * errors name the nested field: "problems[1].diagnosis_ids[0]",
 * "problems[0].goals[0].objectives[2].measure.comparator". Keys ("id") are
 * read as given (format checked); the save checks them.
 */
enum tdm_status plan_doc_parse(const char *json, size_t len, struct plan_doc *out,
			       struct tdm_err *err);

/* Creates the plan of an episode (version 1, kind "create"). Checks every
 * diagnosis, order and clinician against the patient and site; gives every
 * item its key. TDM_ECONFLICT when the episode has a plan or is discharged.
 * *out (caller-frees) is the plan as read back. */
enum tdm_status plan_create(struct db *db, const struct actor *a, int64_t patient_id,
			    const struct plan_input *in, struct plan **out, struct tdm_err *err);
/* A new version: kind "change" (in->doc required) or "review" (in->doc
 * NULL keeps the content). in->version must be the newest (else
 * TDM_ECONFLICT); an item sent with a key ("id") must be an item of that
 * version (it is kept), one without is new and gets the next number. */
enum tdm_status plan_revise(struct db *db, const struct actor *a, int64_t plan_id, const char *kind,
			    const struct plan_input *in, struct plan **out, struct tdm_err *err);
/* One version (0: the newest) with derived values; audited. */
enum tdm_status plan_get(struct db *db, const struct actor *a, int64_t plan_id, int version,
			 struct plan **out, struct tdm_err *err);
/* Every version, oldest first, with signatures. *rows caller-frees. */
enum tdm_status plan_versions(struct db *db, const struct actor *a, int64_t plan_id,
			      struct plan_version_info **rows, int *n, struct tdm_err *err);
/* A patient's plans, newest episode first. *rows caller-frees. */
enum tdm_status plan_list(struct db *db, const struct actor *a, int64_t patient_id,
			  struct plan_summary **rows, int *n, struct tdm_err *err);
/* Signs the newest version: a clinician as themself, or the patient's
 * signature recorded by staff with method and attestation. One signature
 * per clinician and one patient signature per version (TDM_ECONFLICT). */
enum tdm_status plan_sign(struct db *db, const struct actor *a, int64_t plan_id,
			  const struct plan_sign_input *in, struct plan_signature *out,
			  struct tdm_err *err);
/* Plans due or overdue for review, and open episodes still without a plan
 * past their level's initial days, at the visible sites (site_id 0) or one
 * site; overdue first. One audit row ("plan.due"). *rows caller-frees. */
enum tdm_status plan_due(struct db *db, const struct actor *a, int64_t site_id,
			 struct plan_due_item **rows, int *n, int *truncated, struct tdm_err *err);

/* Writes a document as the JSON text stored in a version (canonical:
 * only the input fields, keys included). *out is caller-frees. */
enum tdm_status plan_doc_format(const struct plan_doc *d, char **out, struct tdm_err *err);

/* Inside an open transaction, no audit: does the newest version of plan_id,
 * a plan of patient_id, hold an objective with this key? TDM_ENOTFOUND
 * (field "plan") when plan_id is not a plan of patient_id. (For records
 * that name the objectives they address, such as progress notes.) */
enum tdm_status plan_has_objective(struct db *db, int64_t patient_id, int64_t plan_id, const char *key,
				   int *found, struct tdm_err *err);

#endif
