/*
 * order.h - medication orders: prescribe, change, hold, resume,
 * discontinue, titrate. Nothing is updated in place: an order's fixed part
 * is one med_order row; every change is a med_order_event row (who, when,
 * why); a titration plan is a med_titration row and the dose steps it
 * generated. The current dose and status are derived from those rows.
 *
 * Every new order and dose change goes through the medication rules
 * (domain/medrule.h) with the patient's context; a block stops it unless a
 * prescriber overrides with a written reason, kept with the order.
 * Frequencies and dosing settings: data/dosing.conf.
 */
#ifndef TDM_ORDER_H
#define TDM_ORDER_H

#include <stdint.h>

#include "domain/access.h"
#include "domain/medrule.h"
#include "store/store.h"
#include "util/date.h"
#include "util/limits.h"

#define ORDER_FREQ_LEN 16
#define ORDER_MAX_DOSE 100000.0  /* any unit; the formulary range warns well below */
#define ORDER_MAX_STEPS 60       /* titration steps in one plan */
#define ORDER_MAX_LIST 200       /* orders listed for one patient */
#define ORDER_LEN_INSTRUCTIONS 500

struct order {
	int64_t id, patient_id, site_id;
	char medication[MED_ID_LEN];
	char unit[MED_UNIT_LEN];
	char route[MED_ROUTE_LEN];
	char frequency[ORDER_FREQ_LEN];
	char start_on[DATE_LEN];
	char stop_on[DATE_LEN];          /* "" when open-ended */
	int64_t indication_id;           /* 0 when none */
	char instructions[ORDER_LEN_INSTRUCTIONS + 1];
	char created_at[INSTANT_LEN];
	char created_by[TDM_LEN_USERNAME + 16];
	/* derived as of a day */
	char status[16];                 /* active | held | discontinued | ended | pending */
	double dose;                     /* current dose */
	int titrating;                   /* a plan has steps still to come */
	char next_on[DATE_LEN];          /* next titration step, "" when none */
	double next_dose;
	int64_t last_event_id;
	char reassessed_at[INSTANT_LEN]; /* latest change/reassess event, "" when none */
};

struct order_event {
	int64_t id, order_id;
	char kind[20];                   /* start | change | hold | resume | discontinue | reassess | titration_pause */
	double dose;                     /* start and change; 0 otherwise */
	int has_dose;
	char effective_on[DATE_LEN];
	char reason[TDM_LEN_REASON + 1];
	char recorded_at[INSTANT_LEN];
	char recorded_by[TDM_LEN_USERNAME + 16];
};

struct order_alert_row {
	int64_t id, event_id;
	struct rule_alert a;
	char override_reason[TDM_LEN_REASON + 1];
	char recorded_at[INSTANT_LEN];
	char recorded_by[TDM_LEN_USERNAME + 16];
};

struct titration_step {
	char on[DATE_LEN];
	double dose;
	int applies;                     /* 0: after its plan was paused */
};

struct titration {
	int64_t id;
	char plan[400];                  /* the plan as JSON text */
	char created_at[INSTANT_LEN];
	char created_by[TDM_LEN_USERNAME + 16];
	char paused_on[DATE_LEN];        /* "" when not paused */
	struct titration_step steps[ORDER_MAX_STEPS];
	int n_steps;
};

/* An order's history, for GET /orders/{id}. Caller frees with order_detail_free. */
struct order_detail {
	struct order o;
	struct order_event *events;
	int n_events;
	struct order_alert_row *alerts;
	int n_alerts;
	struct titration *titrations;
	int n_titrations;
};

/* What a prescriber sends. */
struct order_input {
	char medication[MED_ID_LEN];
	double dose;
	char unit[MED_UNIT_LEN];
	char route[MED_ROUTE_LEN];
	char frequency[ORDER_FREQ_LEN];
	char start_on[DATE_LEN];         /* "" = today */
	char stop_on[DATE_LEN];
	int64_t indication_id;
	char instructions[ORDER_LEN_INSTRUCTIONS + 1];
	char override_reason[TDM_LEN_REASON + 1]; /* "" = none */
};

/* A titration plan: step/every_days/target, or explicit steps by day. */
struct titration_input {
	double step;
	int every_days;
	double target;
	int n_steps;                     /* explicit steps when > 0 */
	struct {
		int day;                 /* 1 = start_on */
		double dose;
	} steps[ORDER_MAX_STEPS];
	char start_on[DATE_LEN];         /* "" = today */
	char override_reason[TDM_LEN_REASON + 1];
};

/* Alerts returned with an order or change (block, warn, info). */
struct order_alerts {
	struct rule_alert a[RULE_MAX_ALERTS];
	int overridden[RULE_MAX_ALERTS];
	int n;
};

/* Loads data/dosing.conf (frequencies, dosing settings). */
enum tdm_status order_load(const char *dir, struct tdm_err *err);

/* Doses a day of a frequency (0 for prn/weekly/...; -1 when unknown), and
 * whether an order with it is scheduled on day. */
int order_freq_per_day(const char *frequency);
int order_scheduled_on(const struct order *o, const char *day);
/* Days a late entry may go back (dosing.conf). */
int order_late_entry_days(void);
/* Consecutive missed scheduled doses after which a prescriber must
 * reassess before the next dose of this medication (0: no rule). */
int order_missed_limit(const char *medication);

/*
 * Prescribes. Rules run with the patient's context; a block returns
 * TDM_ECONFLICT with the alerts unless in->override_reason is set by a
 * prescriber. On success *out is the order as of today and alerts holds
 * what was shown (kept with the order).
 */
enum tdm_status order_create(struct db *db, const struct actor *a, int64_t patient_id,
			     const struct order_input *in, struct order *out,
			     struct order_alerts *alerts, struct tdm_err *err);

/* change (dose required) | hold | resume | discontinue | reassess, with a
 * reason; a change runs the rules as order_create does. */
enum tdm_status order_event_add(struct db *db, const struct actor *a, int64_t order_id,
				const char *kind, double dose, int has_dose,
				const char *effective_on, const char *reason,
				const char *override_reason, struct order *out,
				struct order_alerts *alerts, struct tdm_err *err);

enum tdm_status order_titrate(struct db *db, const struct actor *a, int64_t order_id,
			      const struct titration_input *in, struct order_detail *out,
			      struct order_alerts *alerts, struct tdm_err *err);
/* pause = 1 pauses the active plan; 0 resumes the paused one from today. */
enum tdm_status order_titration_pause(struct db *db, const struct actor *a, int64_t order_id,
				      int pause, const char *reason, struct order_detail *out,
				      struct tdm_err *err);

/* A patient's orders as of today; all = 0 lists active and held only. */
enum tdm_status order_list(struct db *db, const struct actor *a, int64_t patient_id, int all,
			   struct order **rows, int *n, struct tdm_err *err);
enum tdm_status order_get(struct db *db, const struct actor *a, int64_t order_id,
			  struct order_detail *out, struct tdm_err *err);
void order_detail_free(struct order_detail *d);

/* Inside an open transaction, no audit: loads order id and derives its
 * state as of day. TDM_ENOTFOUND when there is none. */
enum tdm_status order_load_state(struct db *db, int64_t order_id, const char *day,
				 struct order *out, struct tdm_err *err);

/* Inside an open transaction: fills the rules' context for a patient as of
 * now (other active orders except skip_order_id, recent results and
 * scores, allergies, last opioid agonist day). */
enum tdm_status order_rule_context(struct db *db, int64_t patient_id, int64_t skip_order_id,
				   struct rule_ctx *ctx, struct tdm_err *err);

/* Rule ids a prescriber overrode on this order (space-separated, bounded). */
enum tdm_status order_overridden_rules(struct db *db, int64_t order_id, char *out, size_t n,
				       struct tdm_err *err);

/* ---- for modules that derive many orders' state at once (dosing.c) ---- */

#define ORDER_SELECT                                                                          \
	"SELECT id, patient_id, site_id, medication, unit, route, frequency, start_on,"        \
	" COALESCE(stop_on, ''), COALESCE(indication_id, 0), COALESCE(instructions, ''),"     \
	" created_at, created_by FROM med_order"
#define ORDER_EVENT_SELECT                                                                    \
	"SELECT id, order_id, kind, dose, effective_on, COALESCE(reason, ''), recorded_at,"    \
	" recorded_by FROM med_order_event"
/* Needs a WHERE on s (the step) and an ORDER BY. */
#define ORDER_STEP_SELECT                                                                     \
	"SELECT s.titration_id, s.effective_on, s.dose, t.created_at,"                         \
	" COALESCE((SELECT MIN(e.effective_on) FROM med_order_event e"                        \
	"  WHERE e.titration_id = t.id AND e.kind = 'titration_pause'), ''), s.order_id"       \
	" FROM med_titration_step s JOIN med_titration t ON t.id = s.titration_id"

struct order_step {
	int64_t titration_id;
	char on[DATE_LEN];
	double dose;
	char created_at[INSTANT_LEN];
	char paused_on[DATE_LEN];
	int64_t order_id;
};

/* db_collect readers for the three SELECTs above. */
void order_read(struct stmt *st, void *row);
void order_read_event(struct stmt *st, void *row);
void order_read_step(struct stmt *st, void *row);
/* Status and dose of o as of day, from its events (by id) and steps (by day). */
void order_derive(struct order *o, const struct order_event *ev, int n_ev, const struct order_step *steps,
		  int n_steps, const char *day);

#endif
