/*
 * medrule.h - the medication safety rules (MAT and psychiatric), as a pure
 * function of a proposed order and what Tandem knows about the patient.
 *
 * The caller (domain/order.c) reads the patient's context from the database
 * into a struct rule_ctx; medrule_check() decides nothing from the database
 * and touches no global state but the loaded thresholds, so every rule is
 * unit-tested with plain structs. Thresholds and sources live in
 * data/medication-rules.conf; docs/clinical-rules.md lists every rule.
 *
 * Each alert says which rule fired, how severe (block | warn | info), what
 * was found, why it matters and the source. A block stops the order unless
 * a prescriber overrides it with a written reason (order.c keeps it).
 */
#ifndef TDM_MEDRULE_H
#define TDM_MEDRULE_H

#include <stdint.h>
#include <time.h>

#include "domain/formulary.h"
#include "util/date.h"
#include "util/status.h"

#define RULE_MAX_ALERTS 24
#define RULE_MAX_ACTIVE 64   /* other active orders considered */
#define RULE_MAX_RESULTS 128 /* recent results considered */
#define RULE_MAX_SCORES 32   /* recent COWS / CIWA-Ar scores */
#define RULE_MAX_ALLERGIES 32

enum rule_severity { RULE_INFO = 0, RULE_WARN = 1, RULE_BLOCK = 2 };

struct rule_alert {
	char rule[40];          /* stable id, e.g. "naltrexone_with_agonist" */
	enum rule_severity severity;
	char message[320];      /* what was found, with the numbers */
	char why[320];          /* why it matters */
	char source[320];       /* citation, from the rules file */
	char config_key[64];    /* "section.key" of the threshold, "" when none */
};

/* What is being ordered (a new order or a dose change of an existing one). */
struct rule_order {
	const struct medication *med;
	double dose;            /* per administration, in unit */
	char unit[MED_UNIT_LEN]; /* "" means the medication's default_unit */
	int per_day;            /* scheduled doses a day (0: weekly, monthly or as needed) */
	int is_change;          /* 1: a dose change of an existing order */
	double prev_dose;       /* is_change: the dose before the change */
	/* is_change: the id of the order being changed (its entry in
	 * ctx->active, if listed, is then not counted against itself); 0 for
	 * a new order. With is_change and order_id 0 the duplicate rule is
	 * skipped, since the order cannot be told from a second one. */
	int64_t order_id;
	/* "" when not known: the usual-dose check then compares with every
	 * usual-dose entry of the medication (see medrule.c). */
	char route[MED_ROUTE_LEN];
	/* 1 when the patient has not had this medication recently (no
	 * administration within data/dosing.conf's lookback): a new start, so
	 * the induction and first-day rules apply. */
	int new_start;
	/* Amount of this medication already given on the start day (for a
	 * new start; also used to check a day-1 administration). */
	double given_today;
};

/* Another order that is active for the patient. */
struct rule_active {
	const struct medication *med;
	double dose;
	int per_day;
	int64_t order_id;
};

struct rule_result {
	char kind[16];          /* uds | breath_alcohol | lab | ecg */
	char substance[24];     /* uds */
	int positive;           /* uds */
	int expected;           /* uds: expected positive (prescribed) */
	char code[32];          /* lab code; "qtc" for ecg */
	double value;           /* lab / breath alcohol / QTc ms */
	time_t taken_at;
};

struct rule_score {
	char instrument[16];    /* "cows", "ciwa-ar" */
	int total;
	time_t at;
};

struct rule_ctx {
	time_t now;
	char today[DATE_LEN];   /* clinic-local day */
	struct rule_active active[RULE_MAX_ACTIVE];
	int n_active;
	struct rule_result results[RULE_MAX_RESULTS]; /* newest first, voided ones left out */
	int n_results;
	struct rule_score scores[RULE_MAX_SCORES];    /* newest first */
	int n_scores;
	/* Active allergies: the formulary id ("" when free text) and the
	 * substance as written. */
	struct {
		char medication[MED_ID_LEN];
		char substance[104];
	} allergies[RULE_MAX_ALLERGIES];
	int n_allergies;
	/* Last day an opioid agonist (full or partial) was given or its order
	 * was active, "" when never (known to Tandem). */
	char last_agonist_on[DATE_LEN];
};

/* Loads DIR/medication-rules.conf (all or nothing; err names file:line).
 * Call after formulary_load_dir: medication ids named in the file must be
 * in the formulary. TDM_EIO when unreadable, TDM_EINVAL when malformed. */
enum tdm_status medrule_load(const char *dir, struct tdm_err *err);

/*
 * Evaluates every rule for o against ctx. Writes at most max alerts to out,
 * most severe first, and returns how many. Never fails: a rule whose
 * evidence is missing says so as an alert when the rules file asks for it,
 * and a rule that needs the dose in mg says (info) that it could not check
 * another unit. Before a successful medrule_load every order gets one
 * block, "rules_not_loaded". Rule ids: docs/clinical-rules.md.
 */
int medrule_check(const struct rule_order *o, const struct rule_ctx *ctx,
		  struct rule_alert *out, int max);

/* "block" | "warn" | "info". */
const char *medrule_severity_name(enum rule_severity s);

#endif
