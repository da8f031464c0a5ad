/*
 * trigger.h - a patient's triggers and coping skills, and the
 * relapse-prevention plan assembled from them.
 *
 * Triggers (people, places, feelings, situations, other), coping strategies
 * (each linked to the triggers it answers), effectiveness ratings of a
 * strategy over time (1 = did not help ... 5 = helped a lot; each rating a
 * new row), warning signs and support contacts. Nothing is edited: an item
 * no longer relevant is retired with a reason (a row of its own) and leaves
 * the printed plan but stays on the chart. Every read and write is audited.
 */
#ifndef TDM_TRIGGER_H
#define TDM_TRIGGER_H

#include <stdint.h>

#include "domain/access.h"
#include "store/store.h"
#include "util/date.h"
#include "util/limits.h"

#define RELAPSE_MAX_ITEMS 100      /* active items of one kind per patient */
#define RELAPSE_LIST_MAX 500       /* rows of one kind read at once */
#define COPING_MAX_TRIGGERS 16     /* triggers one strategy links */
#define RELAPSE_LEN_TEXT TDM_LEN_REASON
#define RELAPSE_LEN_RELATION 64
#define EFFECTIVENESS_MIN 1
#define EFFECTIVENESS_MAX 5

struct relapse_meta {
	char recorded_at[INSTANT_LEN];
	char recorded_by[TDM_LEN_USERNAME + 16];
	int retired;
	char retired_reason[TDM_LEN_REASON + 1];
	char retired_at[INSTANT_LEN];
};

struct trigger_item {
	int64_t id;
	char category[16];           /* people | places | feelings | situations | other */
	char description[RELAPSE_LEN_TEXT + 1];
	struct relapse_meta m;
};

struct coping_item {
	int64_t id;
	char description[RELAPSE_LEN_TEXT + 1];
	int64_t trigger_ids[COPING_MAX_TRIGGERS];
	int n_triggers;
	int n_ratings;
	int latest;                  /* latest effectiveness, 0 when never rated */
	char latest_on[DATE_LEN];
	double mean;                 /* of every rating, 0 when none */
	struct relapse_meta m;
};

struct coping_rating {
	int64_t id, strategy_id;
	int effectiveness;
	char note[TDM_LEN_REASON + 1];
	char rated_on[DATE_LEN];
	char recorded_at[INSTANT_LEN];
	char recorded_by[TDM_LEN_USERNAME + 16];
};

struct warning_sign_item {
	int64_t id;
	char description[RELAPSE_LEN_TEXT + 1];
	struct relapse_meta m;
};

struct contact_item {
	int64_t id;
	char name[TDM_LEN_NAME + 1];
	char relationship[RELAPSE_LEN_RELATION + 1];
	char phone[TDM_LEN_PHONE + 1];
	struct relapse_meta m;
};

/* Everything of one patient; arrays caller-frees with relapse_plan_release. */
struct relapse_plan {
	int64_t patient_id;
	char mrn[TDM_LEN_MRN + 1];
	char family_name[TDM_LEN_NAME + 1];
	char given_name[TDM_LEN_NAME + 1];
	char preferred_name[TDM_LEN_NAME + 1];
	char generated_at[INSTANT_LEN];
	struct trigger_item *triggers;
	int n_triggers;
	struct coping_item *strategies;
	int n_strategies;
	struct coping_rating *ratings; /* oldest first, every strategy */
	int n_ratings;
	struct warning_sign_item *signs;
	int n_signs;
	struct contact_item *contacts;
	int n_contacts;
};

void relapse_plan_release(struct relapse_plan *p);

/* 1 when category is one of the trigger categories. */
int trigger_category_known(const char *category);

enum tdm_status trigger_add(struct db *db, const struct actor *a, int64_t patient_id, const char *category,
			    const char *description, int64_t *id, struct tdm_err *err);
/* trigger_ids must be the patient's active triggers (field "trigger_ids"). */
enum tdm_status coping_add(struct db *db, const struct actor *a, int64_t patient_id, const char *description,
			   const int64_t *trigger_ids, int n, int64_t *id, struct tdm_err *err);
/* A rating (EFFECTIVENESS_MIN..MAX) on rated_on ("" today; not in the
 * future). *patient_id gets the strategy's patient. */
enum tdm_status coping_rate(struct db *db, const struct actor *a, int64_t strategy_id, int effectiveness,
			    const char *note, const char *rated_on, int64_t *patient_id, int64_t *id,
			    struct tdm_err *err);
enum tdm_status warning_sign_add(struct db *db, const struct actor *a, int64_t patient_id,
				 const char *description, int64_t *id, struct tdm_err *err);
enum tdm_status support_contact_add(struct db *db, const struct actor *a, int64_t patient_id, const char *name,
				    const char *relationship, const char *phone, int64_t *id,
				    struct tdm_err *err);
/* Retires an item: kind trigger | coping_strategy | warning_sign | contact.
 * TDM_ENOTFOUND for an item not the patient's; TDM_ECONFLICT if retired. */
enum tdm_status relapse_retire(struct db *db, const struct actor *a, int64_t patient_id, const char *kind,
			       int64_t item_id, const char *reason, struct tdm_err *err);

/* Loads the patient's items: every one (active_only 0, for the chart) or the
 * active ones (1, the printable plan), audited under action. */
enum tdm_status relapse_plan_load(struct db *db, const struct actor *a, int64_t patient_id, int active_only,
				  const char *action, struct relapse_plan *out, struct tdm_err *err);

#endif
