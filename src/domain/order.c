/*
 * order.c - medication orders, their events and titration plans (order.h).
 *
 * State is derived, never stored: status and dose as of a day come from the
 * order's events and the steps of its titration plans (derive()).
 */
#include "domain/order.h"
#include "domain/audit.h"
#include "domain/formulary.h"
#include "domain/patient.h"
#include "util/conf.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_FREQ 16
#define MAX_MISSED 32

static struct {
	struct {
		char name[ORDER_FREQ_LEN];
		int per_day;      /* 0: not daily */
		int every_days;   /* days between dosing days; 0: start day only (once) or never (prn) */
	} freq[MAX_FREQ];
	int n_freq;
	int late_entry_days;
	int new_start_days;
	int score_hours;
	int result_days;
	struct {
		char med[MED_ID_LEN];
		int limit;
	} missed[MAX_MISSED];
	int n_missed;
} D;

enum tdm_status order_load(const char *dir, struct tdm_err *err)
{
	char path[512];
	struct conf c;
	memset(&D, 0, sizeof D);
	D.late_entry_days = -1;
	snprintf(path, sizeof path, "%s/dosing.conf", dir);
	enum tdm_status rc = conf_load(&c, path, err);
	if (rc)
		return rc;
	for (int i = 0; i < c.n && !rc; i++) {
		const struct conf_entry *e = &c.e[i];
		int bad = 0, v;
		if (!strcmp(e->section, "frequency")) {
			char tmp[256], *bar;
			snprintf(tmp, sizeof tmp, "%s", e->value);
			bar = strchr(tmp, '|');
			bad = D.n_freq == MAX_FREQ || !bar || strlen(e->key) >= ORDER_FREQ_LEN;
			if (!bad) {
				*bar = '\0';
				char *a = tmp, *b = bar + 1;
				while (*a == ' ')
					a++;
				while (*b == ' ')
					b++;
				char *sp = strchr(a, ' ');
				if (sp)
					*sp = '\0';
				bad = conf_int(a, 0, 24, &D.freq[D.n_freq].per_day) ||
				      conf_int(b, 0, 366, &D.freq[D.n_freq].every_days);
			}
			if (!bad)
				snprintf(D.freq[D.n_freq++].name, ORDER_FREQ_LEN, "%s", e->key);
		} else if (!strcmp(e->section, "dosing")) {
			if (conf_int(e->value, 0, 366, &v))
				bad = 1;
			else if (!strcmp(e->key, "late_entry_days"))
				D.late_entry_days = v;
			else if (!strcmp(e->key, "new_start_lookback_days"))
				D.new_start_days = v;
			else if (!strcmp(e->key, "score_lookback_hours"))
				D.score_hours = v;
			else if (!strcmp(e->key, "result_lookback_days"))
				D.result_days = v;
			else
				bad = 1;
		} else if (!strcmp(e->section, "missed_doses")) {
			bad = D.n_missed == MAX_MISSED || strlen(e->key) >= MED_ID_LEN ||
			      conf_int(e->value, 1, 365, &v);
			if (!bad) {
				snprintf(D.missed[D.n_missed].med, MED_ID_LEN, "%s", e->key);
				D.missed[D.n_missed++].limit = v;
			}
		} else {
			bad = 1;
		}
		if (bad)
			rc = tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: bad entry '%s'", path, e->line, e->key);
	}
	conf_release(&c);
	if (!rc && (!D.n_freq || D.late_entry_days < 0 || !D.new_start_days || !D.score_hours || !D.result_days))
		rc = tdm_fail(err, TDM_EINVAL, NULL,
			      "%s: needs [frequency] entries and [dosing] late_entry_days, new_start_lookback_days,"
			      " score_lookback_hours, result_lookback_days", path);
	return rc;
}

static int freq_index(const char *f)
{
	for (int i = 0; i < D.n_freq; i++)
		if (!strcmp(D.freq[i].name, f))
			return i;
	return -1;
}

int order_freq_per_day(const char *frequency)
{
	int i = freq_index(frequency);
	return i < 0 ? -1 : D.freq[i].per_day;
}

int order_late_entry_days(void)
{
	return D.late_entry_days;
}

int order_missed_limit(const char *medication)
{
	for (int i = 0; i < D.n_missed; i++)
		if (!strcmp(D.missed[i].med, medication))
			return D.missed[i].limit;
	return 0;
}

static int64_t day_number(const char *d)
{
	int y, m, dd;
	return date_parse(d, &y, &m, &dd) ? 0 : date_days(y, m, dd);
}

int order_scheduled_on(const struct order *o, const char *day)
{
	int i = freq_index(o->frequency);
	if (i < 0 || strcmp(day, o->start_on) < 0 || (o->stop_on[0] && strcmp(day, o->stop_on) > 0))
		return 0;
	if (!D.freq[i].per_day)
		return 0; /* as needed: never due */
	if (!D.freq[i].every_days)
		return !strcmp(day, o->start_on);
	return (day_number(day) - day_number(o->start_on)) % D.freq[i].every_days == 0;
}

/* ---- reading ---- */

#define COPY(dst, i) snprintf(dst, sizeof dst, "%s", db_col_text(st, i))

void order_read(struct stmt *st, void *row)
{
	struct order *o = row;
	memset(o, 0, sizeof *o);
	o->id = db_col_int(st, 0);
	o->patient_id = db_col_int(st, 1);
	o->site_id = db_col_int(st, 2);
	COPY(o->medication, 3);
	COPY(o->unit, 4);
	COPY(o->route, 5);
	COPY(o->frequency, 6);
	COPY(o->start_on, 7);
	COPY(o->stop_on, 8);
	o->indication_id = db_col_int(st, 9);
	COPY(o->instructions, 10);
	COPY(o->created_at, 11);
	COPY(o->created_by, 12);
}

void order_read_event(struct stmt *st, void *row)
{
	struct order_event *e = row;
	e->id = db_col_int(st, 0);
	e->order_id = db_col_int(st, 1);
	COPY(e->kind, 2);
	e->has_dose = !db_col_null(st, 3);
	e->dose = e->has_dose ? strtod(db_col_text(st, 3), NULL) : 0;
	COPY(e->effective_on, 4);
	COPY(e->reason, 5);
	COPY(e->recorded_at, 6);
	COPY(e->recorded_by, 7);
}


#define step_row order_step

void order_read_step(struct stmt *st, void *row)
{
	struct step_row *s = row;
	s->titration_id = db_col_int(st, 0);
	COPY(s->on, 1);
	s->dose = strtod(db_col_text(st, 2), NULL);
	COPY(s->created_at, 3);
	COPY(s->paused_on, 4);
	s->order_id = db_col_int(st, 5);
}


static enum tdm_status load_events(struct db *db, int64_t order_id, struct order_event **ev, int *n,
				   struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, ORDER_EVENT_SELECT " WHERE order_id = ? ORDER BY id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, order_id);
	return db_collect(st, sizeof **ev, 10000, order_read_event, (void **)ev, n, err);
}

static enum tdm_status load_steps(struct db *db, int64_t order_id, struct step_row **rows, int *n,
				  struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, ORDER_STEP_SELECT " WHERE s.order_id = ? ORDER BY s.effective_on, s.id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, order_id);
	return db_collect(st, sizeof **rows, 10000, order_read_step, (void **)rows, n, err);
}

/* A step applies when its plan was not paused on or before its day. */
static int step_applies(const struct step_row *s)
{
	return !s->paused_on[0] || strcmp(s->on, s->paused_on) < 0;
}

/* Status and dose of o as of day from its events and steps. */
void order_derive(struct order *o, const struct order_event *ev, int n_ev, const struct step_row *steps,
		   int n_steps, const char *day)
{
	const char *best_on = "", *best_at = "";
	int held = 0, stopped = 0;
	o->dose = 0;
	o->last_event_id = 0;
	o->reassessed_at[0] = '\0';
	for (int i = 0; i < n_ev; i++) {
		const struct order_event *e = &ev[i];
		o->last_event_id = e->id;
		if (!strcmp(e->kind, "change") || !strcmp(e->kind, "reassess"))
			snprintf(o->reassessed_at, sizeof o->reassessed_at, "%s", e->recorded_at);
		if (strcmp(e->effective_on, day) > 0)
			continue;
		if (e->has_dose && (strcmp(e->effective_on, best_on) > 0 ||
				    (!strcmp(e->effective_on, best_on) && strcmp(e->recorded_at, best_at) >= 0))) {
			o->dose = e->dose;
			best_on = e->effective_on;
			best_at = e->recorded_at;
		}
		if (!strcmp(e->kind, "hold"))
			held = 1;
		else if (!strcmp(e->kind, "resume"))
			held = 0;
		else if (!strcmp(e->kind, "discontinue"))
			stopped = 1;
	}
	o->titrating = 0;
	o->next_on[0] = '\0';
	o->next_dose = 0;
	for (int i = 0; i < n_steps; i++) {
		const struct step_row *s = &steps[i];
		if (!step_applies(s))
			continue;
		if (strcmp(s->on, day) > 0) {
			if (!o->next_on[0]) {
				o->titrating = 1;
				snprintf(o->next_on, sizeof o->next_on, "%s", s->on);
				o->next_dose = s->dose;
			}
			continue;
		}
		if (strcmp(s->on, best_on) > 0 || (!strcmp(s->on, best_on) && strcmp(s->created_at, best_at) >= 0)) {
			o->dose = s->dose;
			best_on = s->on;
			best_at = s->created_at;
		}
	}
	if (stopped)
		snprintf(o->status, sizeof o->status, "discontinued");
	else if (o->stop_on[0] && strcmp(day, o->stop_on) > 0)
		snprintf(o->status, sizeof o->status, "ended");
	else if (strcmp(day, o->start_on) < 0)
		snprintf(o->status, sizeof o->status, "pending");
	else if (held)
		snprintf(o->status, sizeof o->status, "held");
	else
		snprintf(o->status, sizeof o->status, "active");
	if (stopped || (o->stop_on[0] && strcmp(day, o->stop_on) > 0)) {
		o->titrating = 0;
		o->next_on[0] = '\0';
	}
}

static enum tdm_status state_of(struct db *db, struct order *o, const char *day, struct tdm_err *err)
{
	struct order_event *ev = NULL;
	struct step_row *steps = NULL;
	int n_ev = 0, n_steps = 0;
	enum tdm_status rc = load_events(db, o->id, &ev, &n_ev, err);
	if (!rc)
		rc = load_steps(db, o->id, &steps, &n_steps, err);
	if (!rc)
		order_derive(o, ev, n_ev, steps, n_steps, day);
	free(ev);
	free(steps);
	return rc;
}

enum tdm_status order_load_state(struct db *db, int64_t order_id, const char *day, struct order *out,
				 struct tdm_err *err)
{
	memset(out, 0, sizeof *out);
	struct stmt *st = db_prepare(db, ORDER_SELECT " WHERE id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, order_id);
	int s = db_step(st, err);
	if (s == DB_ROW)
		order_read(st, out);
	db_done(st);
	if (s < 0)
		return err->code;
	if (s != DB_ROW)
		return tdm_fail(err, TDM_ENOTFOUND, "order", "no order %" PRId64, order_id);
	return state_of(db, out, day, err);
}

/* The patient's orders (fixed part), oldest first. */
static enum tdm_status patient_orders(struct db *db, int64_t patient_id, struct order **rows, int *n,
				      struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, ORDER_SELECT " WHERE patient_id = ? ORDER BY id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, patient_id);
	return db_collect(st, sizeof **rows, 10000, order_read, (void **)rows, n, err);
}

/* ---- the rules' context ---- */

static int is_agonist(const struct medication *m)
{
	return m && (m->cls == MED_OPIOID_FULL_AGONIST || m->cls == MED_OPIOID_PARTIAL_AGONIST);
}

static int cmp_results(const void *x, const void *y)
{
	const struct rule_result *a = x, *b = y;
	return a->taken_at < b->taken_at ? 1 : a->taken_at > b->taken_at ? -1 : 0;
}

#define RES_COLS                                                                              \
	"SELECT r.id, r.kind, COALESCE(r.substance, ''), COALESCE(r.outcome, ''), r.expected,"  \
	" COALESCE(r.code, ''), COALESCE(r.value, 0), r.taken_at FROM result r"

static enum tdm_status add_results(struct stmt *st, struct rule_ctx *ctx, int64_t *ids, struct tdm_err *err)
{
	int s;
	while ((s = db_step(st, err)) == DB_ROW) {
		int64_t id = db_col_int(st, 0);
		int dup = 0;
		for (int i = 0; i < ctx->n_results; i++)
			dup |= ids[i] == id;
		if (dup || ctx->n_results == RULE_MAX_RESULTS)
			continue;
		struct rule_result *r = &ctx->results[ctx->n_results];
		ids[ctx->n_results++] = id;
		COPY(r->kind, 1);
		COPY(r->substance, 2);
		r->positive = !strcmp(db_col_text(st, 3), "positive");
		r->expected = (int)db_col_int(st, 4);
		COPY(r->code, 5);
		r->value = strtod(db_col_text(st, 6), NULL);
		if (instant_parse(db_col_text(st, 7), &r->taken_at))
			r->taken_at = 0;
	}
	db_done(st);
	return s < 0 ? err->code : TDM_OK;
}

enum tdm_status order_rule_context(struct db *db, int64_t patient_id, int64_t skip_order_id,
				   struct rule_ctx *ctx, struct tdm_err *err)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->now = time(NULL);
	date_today(ctx->today);
	char since[INSTANT_LEN], scores_since[INSTANT_LEN];
	instant_format(ctx->now - (time_t)D.result_days * 86400, since);
	instant_format(ctx->now - (time_t)D.score_hours * 3600, scores_since);

	struct order *orders = NULL;
	int n = 0;
	enum tdm_status rc = patient_orders(db, patient_id, &orders, &n, err);
	for (int i = 0; !rc && i < n; i++) {
		struct order *o = &orders[i];
		rc = state_of(db, o, ctx->today, err);
		if (rc)
			break;
		const struct medication *m = formulary_find(o->medication);
		char last[DATE_LEN] = "";
		if (!strcmp(o->status, "active") || !strcmp(o->status, "held")) {
			if (o->id != skip_order_id && ctx->n_active < RULE_MAX_ACTIVE && m) {
				struct rule_active *ra = &ctx->active[ctx->n_active++];
				ra->med = m;
				ra->dose = o->dose;
				ra->per_day = order_freq_per_day(o->frequency);
				ra->order_id = o->id;
			}
			if (o->id != skip_order_id)
				snprintf(last, sizeof last, "%s", ctx->today);
		} else if (!strcmp(o->status, "ended")) {
			snprintf(last, sizeof last, "%s", o->stop_on);
		}
		if (is_agonist(m) && strcmp(last, ctx->last_agonist_on) > 0)
			snprintf(ctx->last_agonist_on, sizeof ctx->last_agonist_on, "%s", last);
	}
	free(orders);
	if (rc)
		return rc;

	/* The last agonist dose given (covers discontinued orders). */
	struct stmt *st = db_prepare(db,
		"SELECT a.dose_on, o.medication FROM med_admin a JOIN med_order o ON o.id = a.order_id"
		" WHERE a.patient_id = ? AND a.status IN ('given', 'take_home') AND a.dose_on <= ?"
		" AND NOT EXISTS (SELECT 1 FROM med_admin_void v WHERE v.admin_id = a.id)"
		" ORDER BY a.dose_on DESC LIMIT 200", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, patient_id);
	db_bind_text(st, 2, ctx->today);
	int s;
	while ((s = db_step(st, err)) == DB_ROW) {
		if (is_agonist(formulary_find(db_col_text(st, 1)))) {
			if (strcmp(db_col_text(st, 0), ctx->last_agonist_on) > 0)
				snprintf(ctx->last_agonist_on, sizeof ctx->last_agonist_on, "%s", db_col_text(st, 0));
			break;
		}
	}
	db_done(st);
	if (s < 0)
		return err->code;

	/* Results: everything recent, and the latest of each lab and the ECG
	 * however old (QTc and lithium rules look further back). */
	int64_t ids[RULE_MAX_RESULTS];
	st = db_prepare(db, RES_COLS " WHERE r.patient_id = ? AND r.taken_at >= ?"
			" AND NOT EXISTS (SELECT 1 FROM result_status s WHERE s.result_id = r.id)"
			" ORDER BY r.taken_at DESC, r.id DESC LIMIT 96", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, patient_id);
	db_bind_text(st, 2, since);
	if ((rc = add_results(st, ctx, ids, err)))
		return rc;
	st = db_prepare(db, RES_COLS " WHERE r.patient_id = ? AND r.kind IN ('lab', 'ecg')"
			" AND NOT EXISTS (SELECT 1 FROM result_status s WHERE s.result_id = r.id)"
			" AND r.taken_at = (SELECT MAX(r2.taken_at) FROM result r2 WHERE r2.patient_id = r.patient_id"
			"  AND r2.kind = r.kind AND r2.code = r.code"
			"  AND NOT EXISTS (SELECT 1 FROM result_status s2 WHERE s2.result_id = r2.id))"
			" LIMIT 32", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, patient_id);
	if ((rc = add_results(st, ctx, ids, err)))
		return rc;
	/* Newest first; stable, so results of the same second keep the
	 * queries' newest-id-first order. */
	for (int i = 1; i < ctx->n_results; i++) {
		struct rule_result tmp = ctx->results[i];
		int j = i;
		for (; j > 0 && cmp_results(&ctx->results[j - 1], &tmp) > 0; j--)
			ctx->results[j] = ctx->results[j - 1];
		ctx->results[j] = tmp;
	}

	st = db_prepare(db, "SELECT instrument, total, administered_at FROM assessment"
			" WHERE patient_id = ? AND instrument IN ('COWS', 'CIWA-Ar') AND administered_at >= ?"
			" ORDER BY administered_at DESC, id DESC LIMIT 32", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, patient_id);
	db_bind_text(st, 2, scores_since);
	while ((s = db_step(st, err)) == DB_ROW && ctx->n_scores < RULE_MAX_SCORES) {
		struct rule_score *sc = &ctx->scores[ctx->n_scores];
		snprintf(sc->instrument, sizeof sc->instrument, "%s", db_col_text(st, 0));
		for (char *p = sc->instrument; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		sc->total = (int)db_col_int(st, 1);
		if (!instant_parse(db_col_text(st, 2), &sc->at))
			ctx->n_scores++;
	}
	db_done(st);
	if (s < 0)
		return err->code;

	st = db_prepare(db, "SELECT COALESCE(a.medication_id, ''), a.substance FROM allergy a WHERE a.patient_id = ?"
			" AND COALESCE((SELECT s.status FROM allergy_status s WHERE s.allergy_id = a.id"
			"  ORDER BY s.id DESC LIMIT 1), 'active') = 'active' LIMIT 32", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, patient_id);
	while ((s = db_step(st, err)) == DB_ROW && ctx->n_allergies < RULE_MAX_ALLERGIES) {
		snprintf(ctx->allergies[ctx->n_allergies].medication, MED_ID_LEN, "%s", db_col_text(st, 0));
		snprintf(ctx->allergies[ctx->n_allergies].substance, sizeof ctx->allergies[0].substance, "%s",
			 db_col_text(st, 1));
		ctx->n_allergies++;
	}
	db_done(st);
	return s < 0 ? err->code : TDM_OK;
}

/* Whether the patient had this medication within the new-start lookback,
 * and how much of it was given on day. */
static enum tdm_status medication_history(struct db *db, int64_t patient_id, const char *med, const char *day,
					  int *recent, double *given_on_day, struct tdm_err *err)
{
	char since[DATE_LEN];
	date_add_days(day, -D.new_start_days, since);
	struct stmt *st = db_prepare(db,
		"SELECT a.dose_on, COALESCE(a.amount, 0), a.status FROM med_admin a JOIN med_order o ON o.id = a.order_id"
		" WHERE a.patient_id = ? AND o.medication = ? AND a.dose_on >= ? AND a.dose_on <= ?"
		" AND a.status IN ('given', 'take_home')"
		" AND NOT EXISTS (SELECT 1 FROM med_admin_void v WHERE v.admin_id = a.id)", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, patient_id);
	db_bind_text(st, 2, med);
	db_bind_text(st, 3, since);
	db_bind_text(st, 4, day);
	*recent = 0;
	*given_on_day = 0;
	int s;
	while ((s = db_step(st, err)) == DB_ROW) {
		if (strcmp(db_col_text(st, 0), day) < 0)
			*recent = 1;
		else if (!strcmp(db_col_text(st, 2), "given"))
			*given_on_day += strtod(db_col_text(st, 1), NULL);
	}
	db_done(st);
	return s < 0 ? err->code : TDM_OK;
}

enum tdm_status order_overridden_rules(struct db *db, int64_t order_id, char *out, size_t n,
				       struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, "SELECT DISTINCT rule FROM med_order_alert WHERE order_id = ?"
				     " AND override_reason IS NOT NULL", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, order_id);
	size_t len = 0;
	out[0] = '\0';
	int s;
	while ((s = db_step(st, err)) == DB_ROW) {
		int w = snprintf(out + len, n - len, " %s ", db_col_text(st, 0));
		if (w < 0 || (size_t)w >= n - len)
			break;
		len += (size_t)w - 1; /* share the separating space */
	}
	db_done(st);
	return s < 0 ? err->code : TDM_OK;
}

/*
 * Runs the rules; fills alerts. TDM_ECONFLICT when a block stands (no
 * override, or the actor is not a prescriber at the site).
 */
static enum tdm_status run_rules(struct db *db, const struct actor *a, int64_t patient_id, int64_t site_id,
				 int64_t order_id, struct rule_order *ro, const char *day,
				 const char *override_reason, struct order_alerts *alerts, struct tdm_err *err)
{
	struct rule_ctx *ctx = malloc(sizeof *ctx);
	if (!ctx)
		return tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	enum tdm_status rc = order_rule_context(db, patient_id, order_id, ctx, err);
	int recent = 0;
	if (!rc)
		rc = medication_history(db, patient_id, ro->med->id, day, &recent, &ro->given_today, err);
	if (!rc) {
		ro->new_start = !recent && !ro->is_change;
		alerts->n = medrule_check(ro, ctx, alerts->a, RULE_MAX_ALERTS);
	}
	free(ctx);
	if (rc)
		return rc;
	int blocks = 0;
	char ids[200] = "";
	size_t len = 0;
	for (int i = 0; i < alerts->n; i++) {
		alerts->overridden[i] = 0;
		if (alerts->a[i].severity != RULE_BLOCK)
			continue;
		blocks++;
		int w = snprintf(ids + len, sizeof ids - len, "%s%s", len ? ", " : "", alerts->a[i].rule);
		if (w > 0 && (size_t)w < sizeof ids - len)
			len += (size_t)w;
	}
	if (!blocks)
		return TDM_OK;
	if (!override_reason || !*override_reason)
		return tdm_fail(err, TDM_ECONFLICT, "override_reason",
				"blocked by %d medication rule%s (%s); a prescriber may override with a written reason",
				blocks, blocks == 1 ? "" : "s", ids);
	if (!(access_roles_at(a, site_id) & ROLE_PRESCRIBER))
		return tdm_fail(err, TDM_ECONFLICT, "override_reason", "only a prescriber may override %s", ids);
	for (int i = 0; i < alerts->n; i++)
		alerts->overridden[i] = alerts->a[i].severity == RULE_BLOCK;
	return TDM_OK;
}

static enum tdm_status save_alerts(struct db *db, const struct actor *a, int64_t order_id, int64_t event_id,
				   const struct order_alerts *alerts, const char *override_reason,
				   const char *now, struct tdm_err *err)
{
	for (int i = 0; i < alerts->n; i++) {
		struct stmt *st = db_prepare(db,
			"INSERT INTO med_order_alert(order_id, event_id, rule, severity, message, why, source,"
			" override_reason, recorded_at, recorded_by) VALUES (?,?,?,?,?,?,?,?,?,?)", err);
		if (!st)
			return err->code;
		const struct rule_alert *r = &alerts->a[i];
		db_bind_int(st, 1, order_id);
		if (event_id)
			db_bind_int(st, 2, event_id);
		else
			db_bind_null(st, 2);
		db_bind_text(st, 3, r->rule);
		db_bind_text(st, 4, medrule_severity_name(r->severity));
		db_bind_text(st, 5, r->message);
		db_bind_text(st, 6, r->why);
		db_bind_text(st, 7, r->source);
		db_bind_text(st, 8, alerts->overridden[i] ? override_reason : NULL);
		db_bind_text(st, 9, now);
		db_bind_text(st, 10, a->username);
		enum tdm_status rc = db_run(st, err);
		if (rc)
			return rc;
	}
	return TDM_OK;
}

static enum tdm_status insert_event(struct db *db, const struct actor *a, int64_t order_id, const char *kind,
				    const double *dose, int64_t titration_id, const char *effective_on,
				    const char *reason, const char *now, int64_t *id, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"INSERT INTO med_order_event(order_id, kind, dose, titration_id, effective_on, reason,"
		" recorded_at, recorded_by) VALUES (?,?,?,?,?,?,?,?) RETURNING id", err);
	if (!st)
		return err->code;
	char d[32];
	db_bind_int(st, 1, order_id);
	db_bind_text(st, 2, kind);
	if (dose) {
		snprintf(d, sizeof d, "%.10g", *dose);
		db_bind_text(st, 3, d);
	} else {
		db_bind_null(st, 3);
	}
	if (titration_id)
		db_bind_int(st, 4, titration_id);
	else
		db_bind_null(st, 4);
	db_bind_text(st, 5, effective_on);
	db_bind_text(st, 6, reason && *reason ? reason : NULL);
	db_bind_text(st, 7, now);
	db_bind_text(st, 8, a->username);
	int64_t tmp;
	return db_insert_id(st, id ? id : &tmp, err);
}

/* ---- prescribing ---- */

static enum tdm_status check_dose(double dose, const char *field, struct tdm_err *err)
{
	if (!isfinite(dose) || dose <= 0 || dose > ORDER_MAX_DOSE)
		return tdm_fail(err, TDM_EINVAL, field, "%s must be more than 0 and at most %g", field, ORDER_MAX_DOSE);
	return TDM_OK;
}

static enum tdm_status check_input(const struct order_input *in, const struct medication **med,
				   struct tdm_err *err)
{
	*med = in->medication[0] ? formulary_find(in->medication) : NULL;
	if (!in->medication[0])
		return tdm_fail(err, TDM_EINVAL, "medication", "medication is required");
	if (!*med)
		return tdm_fail(err, TDM_EINVAL, "medication", "'%s' is not in the formulary", in->medication);
	if (strcmp((*med)->id, in->medication))
		return tdm_fail(err, TDM_EINVAL, "medication", "medication ids are lower case: '%s'", (*med)->id);
	enum tdm_status rc = check_dose(in->dose, "dose", err);
	if (rc)
		return rc;
	if (strcmp(in->unit, (*med)->default_unit))
		return tdm_fail(err, TDM_EINVAL, "unit", "%s is ordered in %s", (*med)->id, (*med)->default_unit);
	if (!formulary_has_route(*med, in->route)) {
		char routes[120] = "";
		size_t len = 0;
		for (int i = 0; i < (*med)->n_routes; i++) {
			int w = snprintf(routes + len, sizeof routes - len, "%s%s", i ? ", " : "", (*med)->routes[i]);
			if (w > 0 && (size_t)w < sizeof routes - len)
				len += (size_t)w;
		}
		return tdm_fail(err, TDM_EINVAL, "route", "route must be one of %s's: %s", (*med)->id, routes);
	}
	if (freq_index(in->frequency) < 0) {
		char names[200] = "";
		size_t len = 0;
		for (int i = 0; i < D.n_freq; i++) {
			int w = snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "", D.freq[i].name);
			if (w > 0 && (size_t)w < sizeof names - len)
				len += (size_t)w;
		}
		return tdm_fail(err, TDM_EINVAL, "frequency", "frequency must be one of %s (data/dosing.conf)", names);
	}
	if (in->start_on[0] && !date_valid(in->start_on))
		return tdm_fail(err, TDM_EINVAL, "start_on", "start_on must be a date YYYY-MM-DD");
	if (in->stop_on[0] && !date_valid(in->stop_on))
		return tdm_fail(err, TDM_EINVAL, "stop_on", "stop_on must be a date YYYY-MM-DD");
	if (strlen(in->instructions) > ORDER_LEN_INSTRUCTIONS)
		return tdm_fail(err, TDM_EINVAL, "instructions", "instructions are longer than %d characters",
				ORDER_LEN_INSTRUCTIONS);
	if (strlen(in->override_reason) > TDM_LEN_REASON)
		return tdm_fail(err, TDM_EINVAL, "override_reason", "override_reason is longer than %d characters",
				TDM_LEN_REASON);
	return TDM_OK;
}

enum tdm_status order_create(struct db *db, const struct actor *a, int64_t patient_id,
			     const struct order_input *in, struct order *out,
			     struct order_alerts *alerts, struct tdm_err *err)
{
	const struct medication *med;
	char today[DATE_LEN], start[DATE_LEN], now[INSTANT_LEN];
	alerts->n = 0;
	enum tdm_status rc = check_input(in, &med, err);
	if (rc)
		return rc;
	date_today(today);
	snprintf(start, sizeof start, "%s", in->start_on[0] ? in->start_on : today);
	char earliest[DATE_LEN];
	date_add_days(today, -D.late_entry_days, earliest);
	if (strcmp(start, earliest) < 0)
		return tdm_fail(err, TDM_EINVAL, "start_on", "start_on may go back at most %d days", D.late_entry_days);
	if (in->stop_on[0] && strcmp(in->stop_on, start) < 0)
		return tdm_fail(err, TDM_EINVAL, "stop_on", "stop_on is before start_on");

	struct audit_event ev;
	int open;
	rc = patient_open(db, a, patient_id, DB_WRITE, "order.create", "MedicationRequest", &ev, &open, err);
	if (!open)
		return rc;
	if (!rc && in->indication_id) {
		struct stmt *st = db_prepare(db, "SELECT patient_id FROM diagnosis WHERE id = ?", err);
		int found = 0;
		int64_t pid = 0;
		if (!st)
			rc = err->code;
		else {
			db_bind_int(st, 1, in->indication_id);
			rc = db_query_int(st, &pid, &found, err);
		}
		if (!rc && (!found || pid != patient_id))
			rc = tdm_fail(err, TDM_EINVAL, "indication_id", "indication_id is not one of this patient's diagnoses");
	}
	struct rule_order ro;
	memset(&ro, 0, sizeof ro);
	ro.med = med;
	ro.dose = in->dose;
	snprintf(ro.unit, sizeof ro.unit, "%s", in->unit);
	ro.per_day = order_freq_per_day(in->frequency);
	snprintf(ro.route, sizeof ro.route, "%s", in->route);
	if (!rc) {
		rc = run_rules(db, a, patient_id, ev.site_id, 0, &ro, start, in->override_reason, alerts, err);
		if (rc == TDM_ECONFLICT)
			ev.outcome = "blocked";
	}
	int64_t id = 0, event_id = 0;
	instant_now(now);
	if (!rc) {
		struct stmt *st = db_prepare(db,
			"INSERT INTO med_order(patient_id, site_id, medication, unit, route, frequency, start_on,"
			" stop_on, indication_id, instructions, created_at, created_by)"
			" VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			db_bind_int(st, 2, ev.site_id);
			db_bind_text(st, 3, med->id);
			db_bind_text(st, 4, in->unit);
			db_bind_text(st, 5, in->route);
			db_bind_text(st, 6, in->frequency);
			db_bind_text(st, 7, start);
			db_bind_text(st, 8, in->stop_on[0] ? in->stop_on : NULL);
			if (in->indication_id)
				db_bind_int(st, 9, in->indication_id);
			else
				db_bind_null(st, 9);
			db_bind_text(st, 10, in->instructions[0] ? in->instructions : NULL);
			db_bind_text(st, 11, now);
			db_bind_text(st, 12, a->username);
			rc = db_insert_id(st, &id, err);
		}
	}
	if (!rc)
		rc = insert_event(db, a, id, "start", &in->dose, 0, start,
				  in->override_reason[0] ? in->override_reason : NULL, now, &event_id, err);
	if (!rc)
		rc = save_alerts(db, a, id, event_id, alerts, in->override_reason, now, err);
	if (!rc)
		rc = order_load_state(db, id, today, out, err);
	if (!rc)
		snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, id);
	snprintf(ev.detail, sizeof ev.detail, "%s %g %s %s%s", med->id, in->dose, in->unit, in->frequency,
		 in->override_reason[0] && !rc ? " (override)" : "");
	return audit_finish(db, a, rc, &ev, err);
}

/* Begins a write on an order's record: loads it as of today and checks the
 * actor may see its patient. Ends with audit_finish. */
static enum tdm_status open_order(struct db *db, const struct actor *a, int64_t order_id, enum db_tx tx,
				  struct audit_event *ev, struct order *o, struct tdm_err *err)
{
	char today[DATE_LEN];
	date_today(today);
	ev->object_type = "MedicationRequest";
	snprintf(ev->object_id, sizeof ev->object_id, "%" PRId64, order_id);
	enum tdm_status rc = db_begin(db, tx, err);
	if (rc)
		return rc;
	rc = order_load_state(db, order_id, today, o, err);
	if (!rc) {
		ev->patient_id = o->patient_id;
		rc = patient_visible(db, a, o->patient_id, &ev->site_id, err);
		if (rc == TDM_ENOTFOUND) {
			ev->outcome = "denied";
			rc = tdm_fail(err, TDM_ENOTFOUND, "order", "no order %" PRId64, order_id);
		}
	}
	return rc;
}

static int titration_active(const struct order *o)
{
	return o->titrating;
}

/* Pauses every plan of the order that still has steps after today. */
static enum tdm_status pause_plans(struct db *db, const struct actor *a, int64_t order_id, const char *from,
				   const char *reason, const char *now, int *paused, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"SELECT t.id FROM med_titration t WHERE t.order_id = ?"
		" AND NOT EXISTS (SELECT 1 FROM med_order_event e WHERE e.titration_id = t.id AND e.kind = 'titration_pause')"
		" AND EXISTS (SELECT 1 FROM med_titration_step s WHERE s.titration_id = t.id AND s.effective_on >= ?)"
		" ORDER BY t.id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, order_id);
	db_bind_text(st, 2, from);
	int64_t plans[16];
	int n = 0, s;
	while ((s = db_step(st, err)) == DB_ROW && n < 16)
		plans[n++] = db_col_int(st, 0);
	db_done(st);
	if (s < 0)
		return err->code;
	for (int i = 0; i < n; i++) {
		enum tdm_status rc = insert_event(db, a, order_id, "titration_pause", NULL, plans[i], from, reason, now,
						  NULL, err);
		if (rc)
			return rc;
	}
	*paused = n;
	return TDM_OK;
}

enum tdm_status order_event_add(struct db *db, const struct actor *a, int64_t order_id,
				const char *kind, double dose, int has_dose,
				const char *effective_on, const char *reason,
				const char *override_reason, struct order *out,
				struct order_alerts *alerts, struct tdm_err *err)
{
	static const char *const kinds[] = {"change", "hold", "resume", "discontinue", "reassess", NULL};
	int known = 0;
	alerts->n = 0;
	for (int i = 0; kinds[i]; i++)
		known |= kind && !strcmp(kind, kinds[i]);
	if (!known)
		return tdm_fail(err, TDM_EINVAL, "kind", "kind must be change, hold, resume, discontinue or reassess");
	int change = !strcmp(kind, "change");
	if (change && !has_dose)
		return tdm_fail(err, TDM_EINVAL, "dose", "a change needs the new dose");
	if (!change && has_dose)
		return tdm_fail(err, TDM_EINVAL, "dose", "dose applies to a change only");
	enum tdm_status rc = change ? check_dose(dose, "dose", err) : TDM_OK;
	if (rc)
		return rc;
	if (!reason || !*reason || strlen(reason) > TDM_LEN_REASON)
		return tdm_fail(err, TDM_EINVAL, "reason", "reason is required (at most %d characters)", TDM_LEN_REASON);
	if (override_reason && strlen(override_reason) > TDM_LEN_REASON)
		return tdm_fail(err, TDM_EINVAL, "override_reason", "override_reason is longer than %d characters",
				TDM_LEN_REASON);
	char today[DATE_LEN], eff[DATE_LEN], now[INSTANT_LEN];
	date_today(today);
	snprintf(eff, sizeof eff, "%s", effective_on && *effective_on ? effective_on : today);
	if (!date_valid(eff))
		return tdm_fail(err, TDM_EINVAL, "effective_on", "effective_on must be a date YYYY-MM-DD");
	char earliest[DATE_LEN];
	date_add_days(today, -D.late_entry_days, earliest);
	if (strcmp(eff, earliest) < 0)
		return tdm_fail(err, TDM_EINVAL, "effective_on", "effective_on may go back at most %d days",
				D.late_entry_days);

	struct audit_event ev = {.action = "order.event"};
	struct order o;
	rc = open_order(db, a, order_id, DB_WRITE, &ev, &o, err);
	if (!rc && (!strcmp(o.status, "discontinued") || !strcmp(o.status, "ended")))
		rc = tdm_fail(err, TDM_ECONFLICT, "kind", "the order is %s; write a new order", o.status);
	if (!rc && !strcmp(kind, "hold") && !strcmp(o.status, "held"))
		rc = tdm_fail(err, TDM_ECONFLICT, "kind", "the order is already on hold");
	if (!rc && !strcmp(kind, "resume") && strcmp(o.status, "held"))
		rc = tdm_fail(err, TDM_ECONFLICT, "kind", "the order is not on hold");
	if (!rc && strcmp(eff, o.start_on) < 0)
		rc = tdm_fail(err, TDM_EINVAL, "effective_on", "effective_on is before the order's start %s", o.start_on);
	if (!rc && change && fabs(dose - o.dose) < 1e-9)
		rc = tdm_fail(err, TDM_ECONFLICT, "dose", "the dose is already %g %s", dose, o.unit);
	const struct medication *med = formulary_find(o.medication);
	if (!rc && change && !med)
		rc = tdm_fail(err, TDM_ECONFLICT, "medication", "%s is no longer in the formulary", o.medication);
	if (!rc && change) {
		struct rule_order ro;
		memset(&ro, 0, sizeof ro);
		ro.med = med;
		ro.dose = dose;
		snprintf(ro.unit, sizeof ro.unit, "%s", o.unit);
		ro.per_day = order_freq_per_day(o.frequency);
		ro.is_change = 1;
		ro.prev_dose = o.dose;
		ro.order_id = o.id;
		snprintf(ro.route, sizeof ro.route, "%s", o.route);
		rc = run_rules(db, a, o.patient_id, ev.site_id, o.id, &ro, eff, override_reason, alerts, err);
		if (rc == TDM_ECONFLICT)
			ev.outcome = "blocked";
	}
	instant_now(now);
	int64_t event_id = 0;
	int paused = 0;
	if (!rc && (change || !strcmp(kind, "discontinue")) && titration_active(&o))
		rc = pause_plans(db, a, o.id, eff, change ? "dose changed by hand" : "order discontinued", now,
				 &paused, err);
	if (!rc)
		rc = insert_event(db, a, o.id, kind, change ? &dose : NULL, 0, eff, reason, now, &event_id, err);
	if (!rc)
		rc = save_alerts(db, a, o.id, event_id, alerts, override_reason, now, err);
	if (!rc)
		rc = order_load_state(db, o.id, today, out, err);
	if (change)
		snprintf(ev.detail, sizeof ev.detail, "change %g -> %g %s from %s", o.dose, dose, o.unit, eff);
	else
		snprintf(ev.detail, sizeof ev.detail, "%s from %s", kind, eff);
	return audit_finish(db, a, rc, &ev, err);
}

/* ---- titration ---- */

static enum tdm_status plan_steps(const struct titration_input *in, double current, const char *start,
				  struct titration_step *steps, int *n, char *plan, size_t plan_n,
				  struct tdm_err *err)
{
	*n = 0;
	if (in->n_steps > 0) {
		int last = 0;
		size_t len = (size_t)snprintf(plan, plan_n, "{\"steps\":[");
		for (int i = 0; i < in->n_steps; i++) {
			if (in->steps[i].day < 1 || in->steps[i].day > 366 || in->steps[i].day <= last)
				return tdm_fail(err, TDM_EINVAL, "steps", "steps[%d].day must be 1-366 and after the step before",
						i);
			enum tdm_status rc = check_dose(in->steps[i].dose, "steps", err);
			if (rc)
				return rc;
			last = in->steps[i].day;
			date_add_days(start, in->steps[i].day - 1, steps[*n].on);
			steps[*n].dose = in->steps[i].dose;
			steps[(*n)++].applies = 1;
			if (len < plan_n)
				len += (size_t)snprintf(plan + len, plan_n - len, "%s{\"day\":%d,\"dose\":%g}", i ? "," : "",
							in->steps[i].day, in->steps[i].dose);
		}
		if (len < plan_n)
			snprintf(plan + len, plan_n - len, "]}");
		return TDM_OK;
	}
	if (!isfinite(in->step) || in->step == 0 || fabs(in->step) > ORDER_MAX_DOSE)
		return tdm_fail(err, TDM_EINVAL, "step", "step must be a dose change other than 0");
	if (in->every_days < 1 || in->every_days > 90)
		return tdm_fail(err, TDM_EINVAL, "every_days", "every_days must be 1 to 90");
	enum tdm_status rc = check_dose(in->target, "target", err);
	if (rc)
		return rc;
	if ((in->step > 0 && in->target <= current) || (in->step < 0 && in->target >= current))
		return tdm_fail(err, TDM_EINVAL, "target", "target %g does not lie in the step's direction from the current dose %g",
				in->target, current);
	double dose = current;
	for (int k = 1; *n < ORDER_MAX_STEPS; k++) {
		dose += in->step;
		if ((in->step > 0 && dose > in->target) || (in->step < 0 && dose < in->target))
			dose = in->target;
		date_add_days(start, k * in->every_days, steps[*n].on);
		steps[*n].dose = dose;
		steps[(*n)++].applies = 1;
		if (fabs(dose - in->target) < 1e-9)
			break;
	}
	if (fabs(steps[*n - 1].dose - in->target) > 1e-9)
		return tdm_fail(err, TDM_EINVAL, "step", "the plan would need more than %d steps", ORDER_MAX_STEPS);
	snprintf(plan, plan_n, "{\"step\":%g,\"every_days\":%d,\"target\":%g}", in->step, in->every_days, in->target);
	return TDM_OK;
}

static enum tdm_status insert_plan(struct db *db, const struct actor *a, int64_t order_id, const char *plan,
				   const struct titration_step *steps, int n, const char *now, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, "INSERT INTO med_titration(order_id, plan, created_at, created_by)"
				     " VALUES (?,?,?,?) RETURNING id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, order_id);
	db_bind_text(st, 2, plan);
	db_bind_text(st, 3, now);
	db_bind_text(st, 4, a->username);
	int64_t tid;
	enum tdm_status rc = db_insert_id(st, &tid, err);
	for (int i = 0; !rc && i < n; i++) {
		st = db_prepare(db, "INSERT INTO med_titration_step(titration_id, order_id, effective_on, dose)"
				" VALUES (?,?,?,?)", err);
		if (!st)
			return err->code;
		char d[32];
		snprintf(d, sizeof d, "%.10g", steps[i].dose);
		db_bind_int(st, 1, tid);
		db_bind_int(st, 2, order_id);
		db_bind_text(st, 3, steps[i].on);
		db_bind_text(st, 4, d);
		rc = db_run(st, err);
	}
	return rc;
}

static enum tdm_status load_detail(struct db *db, int64_t order_id, struct order_detail *out, struct tdm_err *err);

enum tdm_status order_titrate(struct db *db, const struct actor *a, int64_t order_id,
			      const struct titration_input *in, struct order_detail *out,
			      struct order_alerts *alerts, struct tdm_err *err)
{
	char today[DATE_LEN], start[DATE_LEN], now[INSTANT_LEN];
	alerts->n = 0;
	memset(out, 0, sizeof *out);
	date_today(today);
	snprintf(start, sizeof start, "%s", in->start_on[0] ? in->start_on : today);
	if (!date_valid(start))
		return tdm_fail(err, TDM_EINVAL, "start_on", "start_on must be a date YYYY-MM-DD");
	if (strcmp(start, today) < 0)
		return tdm_fail(err, TDM_EINVAL, "start_on", "a titration plan starts today or later");
	struct audit_event ev = {.action = "order.titrate"};
	struct order o;
	enum tdm_status rc = open_order(db, a, order_id, DB_WRITE, &ev, &o, err);
	if (!rc && strcmp(o.status, "active") && strcmp(o.status, "pending"))
		rc = tdm_fail(err, TDM_ECONFLICT, "order", "the order is %s", o.status);
	if (!rc && o.titrating)
		rc = tdm_fail(err, TDM_ECONFLICT, "order", "the order already has an active titration plan; pause it first");
	struct titration_step *steps = calloc(ORDER_MAX_STEPS, sizeof *steps);
	char plan[400];
	int n = 0;
	if (!steps && !rc)
		rc = tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	if (!rc)
		rc = plan_steps(in, o.dose, start, steps, &n, plan, sizeof plan, err);
	const struct medication *med = formulary_find(o.medication);
	if (!rc && !med)
		rc = tdm_fail(err, TDM_ECONFLICT, "medication", "%s is no longer in the formulary", o.medication);
	if (!rc) {
		/* The rules judge the plan by its highest dose. */
		double top = 0;
		for (int i = 0; i < n; i++)
			top = steps[i].dose > top ? steps[i].dose : top;
		struct rule_order ro;
		memset(&ro, 0, sizeof ro);
		ro.med = med;
		ro.dose = top;
		snprintf(ro.unit, sizeof ro.unit, "%s", o.unit);
		ro.per_day = order_freq_per_day(o.frequency);
		ro.is_change = 1;
		ro.prev_dose = o.dose;
		ro.order_id = o.id;
		snprintf(ro.route, sizeof ro.route, "%s", o.route);
		rc = run_rules(db, a, o.patient_id, ev.site_id, o.id, &ro, start, in->override_reason, alerts, err);
		if (rc == TDM_ECONFLICT)
			ev.outcome = "blocked";
	}
	instant_now(now);
	if (!rc)
		rc = insert_plan(db, a, o.id, plan, steps, n, now, err);
	if (!rc)
		rc = save_alerts(db, a, o.id, 0, alerts, in->override_reason, now, err);
	free(steps);
	if (!rc)
		rc = load_detail(db, o.id, out, err);
	snprintf(ev.detail, sizeof ev.detail, "titration %s from %s", plan, start);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc)
		order_detail_free(out);
	return rc;
}

enum tdm_status order_titration_pause(struct db *db, const struct actor *a, int64_t order_id,
				      int pause, const char *reason, struct order_detail *out,
				      struct tdm_err *err)
{
	memset(out, 0, sizeof *out);
	if (!reason || !*reason || strlen(reason) > TDM_LEN_REASON)
		return tdm_fail(err, TDM_EINVAL, "reason", "reason is required (at most %d characters)", TDM_LEN_REASON);
	char today[DATE_LEN], tomorrow[DATE_LEN], now[INSTANT_LEN];
	date_today(today);
	date_add_days(today, 1, tomorrow);
	instant_now(now);
	struct audit_event ev = {.action = pause ? "order.titration_pause" : "order.titration_resume"};
	struct order o;
	enum tdm_status rc = open_order(db, a, order_id, DB_WRITE, &ev, &o, err);
	if (!rc && strcmp(o.status, "active") && strcmp(o.status, "held"))
		rc = tdm_fail(err, TDM_ECONFLICT, "order", "the order is %s", o.status);
	if (!rc && pause) {
		int n = 0;
		/* Today's step has applied; later ones stop. */
		rc = pause_plans(db, a, o.id, tomorrow, reason, now, &n, err);
		if (!rc && !n)
			rc = tdm_fail(err, TDM_ECONFLICT, "order", "the order has no titration plan with steps to come");
	} else if (!rc) {
		/* The latest paused plan continues: its steps not yet applied keep
		 * their spacing, the first of them tomorrow. */
		if (o.titrating)
			rc = tdm_fail(err, TDM_ECONFLICT, "order", "a titration plan is already running");
		struct step_row *rows = NULL;
		int n = 0;
		if (!rc)
			rc = load_steps(db, o.id, &rows, &n, err);
		int64_t plan_id = 0;
		for (int i = 0; !rc && i < n; i++)
			if (rows[i].paused_on[0] && rows[i].titration_id > plan_id)
				plan_id = rows[i].titration_id;
		if (!rc && !plan_id)
			rc = tdm_fail(err, TDM_ECONFLICT, "order", "the order has no paused titration plan");
		struct titration_step steps[ORDER_MAX_STEPS];
		int k = 0;
		int64_t first = 0;
		for (int i = 0; !rc && i < n; i++) {
			if (rows[i].titration_id != plan_id || step_applies(&rows[i]))
				continue;
			int64_t dn = day_number(rows[i].on);
			if (!first)
				first = dn;
			date_add_days(tomorrow, (int)(dn - first), steps[k].on);
			steps[k].dose = rows[i].dose;
			steps[k++].applies = 1;
		}
		free(rows);
		if (!rc && !k)
			rc = tdm_fail(err, TDM_ECONFLICT, "order", "the paused plan has no steps left");
		if (!rc) {
			char plan[400];
			snprintf(plan, sizeof plan, "{\"resumes\":%" PRId64 "}", plan_id);
			rc = insert_plan(db, a, o.id, plan, steps, k, now, err);
		}
		if (!rc)
			rc = insert_event(db, a, o.id, "reassess", NULL, 0, today, reason, now, NULL, err);
	}
	if (!rc)
		rc = load_detail(db, o.id, out, err);
	snprintf(ev.detail, sizeof ev.detail, "%.200s", reason);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc)
		order_detail_free(out);
	return rc;
}

/* ---- reading for the API ---- */

enum tdm_status order_list(struct db *db, const struct actor *a, int64_t patient_id, int all,
			   struct order **rows, int *n, struct tdm_err *err)
{
	struct audit_event ev;
	int open;
	*rows = NULL;
	*n = 0;
	enum tdm_status rc = patient_open(db, a, patient_id, DB_AUDITED_READ, "order.list", "MedicationRequest", &ev,
					  &open, err);
	if (!open)
		return rc;
	char today[DATE_LEN];
	date_today(today);
	struct order *list = NULL;
	int count = 0, kept = 0;
	if (!rc)
		rc = patient_orders(db, patient_id, &list, &count, err);
	for (int i = 0; !rc && i < count; i++) {
		rc = state_of(db, &list[i], today, err);
		if (!rc && (all || !strcmp(list[i].status, "active") || !strcmp(list[i].status, "held") ||
			    !strcmp(list[i].status, "pending")) && kept < ORDER_MAX_LIST)
			list[kept++] = list[i];
	}
	snprintf(ev.detail, sizeof ev.detail, "orders=%d", kept);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		free(list);
		return rc;
	}
	*rows = list;
	*n = kept;
	return TDM_OK;
}

static void read_alert(struct stmt *st, void *row)
{
	struct order_alert_row *r = row;
	r->id = db_col_int(st, 0);
	r->event_id = db_col_int(st, 1);
	COPY(r->a.rule, 2);
	const char *sev = db_col_text(st, 3);
	r->a.severity = !strcmp(sev, "block") ? RULE_BLOCK : !strcmp(sev, "warn") ? RULE_WARN : RULE_INFO;
	COPY(r->a.message, 4);
	COPY(r->a.why, 5);
	COPY(r->a.source, 6);
	COPY(r->override_reason, 7);
	COPY(r->recorded_at, 8);
	COPY(r->recorded_by, 9);
}

static enum tdm_status load_detail(struct db *db, int64_t order_id, struct order_detail *out, struct tdm_err *err)
{
	char today[DATE_LEN];
	date_today(today);
	memset(out, 0, sizeof *out);
	enum tdm_status rc = order_load_state(db, order_id, today, &out->o, err);
	if (!rc)
		rc = load_events(db, order_id, &out->events, &out->n_events, err);
	struct stmt *st = rc ? NULL : db_prepare(db,
		"SELECT id, COALESCE(event_id, 0), rule, severity, message, why, source, COALESCE(override_reason, ''),"
		" recorded_at, recorded_by FROM med_order_alert WHERE order_id = ? ORDER BY id", err);
	if (!rc && !st)
		rc = err->code;
	if (!rc) {
		db_bind_int(st, 1, order_id);
		rc = db_collect(st, sizeof *out->alerts, 10000, read_alert, (void **)&out->alerts, &out->n_alerts, err);
	}
	struct step_row *rows = NULL;
	int n = 0;
	if (!rc)
		rc = load_steps(db, order_id, &rows, &n, err);
	st = rc ? NULL : db_prepare(db, "SELECT t.id, t.plan, t.created_at, t.created_by,"
			" COALESCE((SELECT MIN(e.effective_on) FROM med_order_event e WHERE e.titration_id = t.id"
			"  AND e.kind = 'titration_pause'), '')"
			" FROM med_titration t WHERE t.order_id = ? ORDER BY t.id LIMIT 32", err);
	if (!rc && !st)
		rc = err->code;
	if (!rc) {
		db_bind_int(st, 1, order_id);
		out->titrations = calloc(32, sizeof *out->titrations);
		if (!out->titrations)
			rc = tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
		int s;
		while (!rc && (s = db_step(st, err)) == DB_ROW) {
			struct titration *t = &out->titrations[out->n_titrations++];
			t->id = db_col_int(st, 0);
			COPY(t->plan, 1);
			COPY(t->created_at, 2);
			COPY(t->created_by, 3);
			COPY(t->paused_on, 4);
			for (int i = 0; i < n && t->n_steps < ORDER_MAX_STEPS; i++) {
				if (rows[i].titration_id != t->id)
					continue;
				struct titration_step *ts = &t->steps[t->n_steps++];
				snprintf(ts->on, sizeof ts->on, "%s", rows[i].on);
				ts->dose = rows[i].dose;
				ts->applies = step_applies(&rows[i]);
			}
		}
		db_done(st);
		if (!rc && s < 0)
			rc = err->code;
	}
	free(rows);
	if (rc)
		order_detail_free(out);
	return rc;
}

enum tdm_status order_get(struct db *db, const struct actor *a, int64_t order_id,
			  struct order_detail *out, struct tdm_err *err)
{
	struct audit_event ev = {.action = "order.read"};
	struct order o;
	memset(out, 0, sizeof *out);
	enum tdm_status rc = open_order(db, a, order_id, DB_AUDITED_READ, &ev, &o, err);
	if (!rc)
		rc = load_detail(db, order_id, out, err);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc)
		order_detail_free(out);
	return rc;
}

void order_detail_free(struct order_detail *d)
{
	free(d->events);
	free(d->alerts);
	free(d->titrations);
	d->events = NULL;
	d->alerts = NULL;
	d->titrations = NULL;
	d->n_events = d->n_alerts = d->n_titrations = 0;
}
