/*
 * dosing.c - administrations, the dosing window and the MAR (dosing.h).
 */
#include "domain/dosing.h"
#include "domain/audit.h"
#include "domain/formulary.h"
#include "domain/medrule.h"
#include "domain/patient.h"
#include "domain/takehome.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COPY(dst, i) snprintf(dst, sizeof dst, "%s", db_col_text(st, i))
#define MISSED_LOOKBACK 14 /* days the window reads back for the last dose and misses */

/* Rules that are checked again at a dose on a new start (the first day's
 * total, the induction's withdrawal score); the rest ran on the order. */
static int dose_time_rule(const struct rule_alert *r)
{
	return r->severity == RULE_BLOCK;
}

#define ADMIN_SELECT                                                                          \
	"SELECT a.id, a.order_id, a.patient_id, a.site_id, o.medication, a.dose_on, a.slot,"   \
	" a.status, a.amount, a.unit, COALESCE(a.dispense_id, 0), COALESCE(a.note, ''),"      \
	" (SELECT COUNT(*) FROM med_admin_void v WHERE v.admin_id = a.id), a.recorded_at,"    \
	" a.recorded_by FROM med_admin a JOIN med_order o ON o.id = a.order_id"

static void read_admin(struct stmt *st, void *row)
{
	struct admin *r = row;
	memset(r, 0, sizeof *r);
	r->id = db_col_int(st, 0);
	r->order_id = db_col_int(st, 1);
	r->patient_id = db_col_int(st, 2);
	r->site_id = db_col_int(st, 3);
	COPY(r->medication, 4);
	COPY(r->dose_on, 5);
	r->slot = (int)db_col_int(st, 6);
	COPY(r->status, 7);
	r->has_amount = !db_col_null(st, 8);
	r->amount = r->has_amount ? strtod(db_col_text(st, 8), NULL) : 0;
	COPY(r->unit, 9);
	r->dispense_id = db_col_int(st, 10);
	COPY(r->note, 11);
	r->voided = db_col_int(st, 12) > 0;
	COPY(r->recorded_at, 13);
	COPY(r->recorded_by, 14);
}

static enum tdm_status load_admin(struct db *db, int64_t id, struct admin *out, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, ADMIN_SELECT " WHERE a.id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, id);
	int found;
	if (db_one(st, read_admin, out, &found, err))
		return err->code;
	return found ? TDM_OK : tdm_fail(err, TDM_ENOTFOUND, "administration", "no administration %" PRId64, id);
}

/* A day's recorded outcome of one order (non-void rows). */
struct day_rec {
	int64_t order_id, id;
	char on[DATE_LEN];
	int slot;
	char status[12];
	double amount;
	int has_amount;
	char recorded_by[TDM_LEN_USERNAME + 16];
	char recorded_at[INSTANT_LEN];
};

static void read_rec(struct stmt *st, void *row)
{
	struct day_rec *r = row;
	r->order_id = db_col_int(st, 0);
	r->id = db_col_int(st, 1);
	COPY(r->on, 2);
	r->slot = (int)db_col_int(st, 3);
	COPY(r->status, 4);
	r->has_amount = !db_col_null(st, 5);
	r->amount = r->has_amount ? strtod(db_col_text(st, 5), NULL) : 0;
	COPY(r->recorded_by, 6);
	COPY(r->recorded_at, 7);
}

#define REC_SELECT                                                                            \
	"SELECT a.order_id, a.id, a.dose_on, a.slot, a.status, a.amount, a.recorded_by,"       \
	" a.recorded_at FROM med_admin a"
#define REC_NOT_VOID " AND NOT EXISTS (SELECT 1 FROM med_admin_void v WHERE v.admin_id = a.id)"

/* Consecutive scheduled days before `before` with no dose given or taken
 * home (the last such day is last_covered, "" when none in the lookback),
 * counting back to the last reassessment; days on hold are skipped. */
static int count_missed(const struct order *base, const struct order_event *ev, int n_ev,
			const struct order_step *steps, int n_steps, const char *last_covered,
			const char *before, int limit)
{
	char reassess_day[DATE_LEN] = "";
	time_t t;
	if (base->reassessed_at[0] && !instant_parse(base->reassessed_at, &t))
		date_local_day(t, reassess_day);
	char d[DATE_LEN];
	int missed = 0;
	date_add_days(before, -1, d);
	for (int k = 0; k < MISSED_LOOKBACK && missed < limit + 1; k++, date_add_days(d, -1, d)) {
		if (strcmp(d, base->start_on) < 0 || strcmp(d, reassess_day) <= 0 || strcmp(d, last_covered) <= 0)
			break;
		if (!order_scheduled_on(base, d))
			continue;
		struct order o = *base;
		order_derive(&o, ev, n_ev, steps, n_steps, d);
		if (strcmp(o.status, "active"))
			continue;
		missed++;
	}
	return missed;
}

static enum tdm_status order_history(struct db *db, int64_t order_id, struct order_event **ev, int *n_ev,
				     struct order_step **steps, int *n_steps, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, ORDER_EVENT_SELECT " WHERE order_id = ? ORDER BY id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, order_id);
	enum tdm_status rc = db_collect(st, sizeof **ev, 100000, order_read_event, (void **)ev, n_ev, err);
	if (rc)
		return rc;
	st = db_prepare(db, ORDER_STEP_SELECT " WHERE s.order_id = ? ORDER BY s.effective_on, s.id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, order_id);
	return db_collect(st, sizeof **steps, 100000, order_read_step, (void **)steps, n_steps, err);
}

/* ---- recording ---- */

static int one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

static enum tdm_status check_input(const struct admin_input *in, struct tdm_err *err)
{
	static const char *const statuses[] = {"given", "take_home", "held", "refused", "missed", NULL};
	if (!one_of(in->status, statuses))
		return tdm_fail(err, TDM_EINVAL, "status", "status must be given, take_home, held, refused or missed");
	if (!in->key[0])
		return tdm_fail(err, TDM_EINVAL, "Idempotency-Key", "the Idempotency-Key header is required");
	for (const char *p = in->key; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_' || *p == '.' || *p == ':'))
			return tdm_fail(err, TDM_EINVAL, "Idempotency-Key",
					"Idempotency-Key must be 1-%d of A-Z a-z 0-9 - _ . :", DOSING_KEY_LEN);
	int dose = !strcmp(in->status, "given") || !strcmp(in->status, "take_home");
	if (!strcmp(in->status, "given") && !in->has_amount)
		return tdm_fail(err, TDM_EINVAL, "amount", "amount is required for a dose given");
	if (!dose && in->has_amount)
		return tdm_fail(err, TDM_EINVAL, "amount", "amount applies to a dose given or taken home");
	if (in->has_amount && (!isfinite(in->amount) || in->amount <= 0 || in->amount > ORDER_MAX_DOSE))
		return tdm_fail(err, TDM_EINVAL, "amount", "amount must be more than 0");
	if (strcmp(in->status, "take_home") && (in->days || in->closure))
		return tdm_fail(err, TDM_EINVAL, in->days ? "days" : "closure", "%s applies to take_home only",
				in->days ? "days" : "closure");
	if (in->days < 0 || in->days > DOSING_MAX_TAKEHOME)
		return tdm_fail(err, TDM_EINVAL, "days", "days must be 1 to %d", DOSING_MAX_TAKEHOME);
	if (in->closure && in->days > 1)
		return tdm_fail(err, TDM_EINVAL, "days", "a clinic-closure take-home is a single dose");
	if (in->dose_on[0] && !date_valid(in->dose_on))
		return tdm_fail(err, TDM_EINVAL, "dose_on", "dose_on must be a date YYYY-MM-DD");
	if (in->slot < 0 || in->slot > DOSING_MAX_SLOTS)
		return tdm_fail(err, TDM_EINVAL, "slot", "slot must be 1 to %d", DOSING_MAX_SLOTS);
	if (strlen(in->note) > TDM_LEN_REASON)
		return tdm_fail(err, TDM_EINVAL, "note", "note is longer than %d characters", TDM_LEN_REASON);
	return TDM_OK;
}

/* The non-void record of one scheduled dose, if any; *attempt is the next
 * attempt number (one more than the voided ones). */
static enum tdm_status slot_record(struct db *db, int64_t order_id, const char *day, int slot, struct day_rec *rec,
				   int *found, int64_t *attempt, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, "SELECT a.order_id, a.id, a.dose_on, a.slot, a.status, a.amount, a.recorded_by,"
				     " a.recorded_at, (SELECT COUNT(*) FROM med_admin_void v WHERE v.admin_id = a.id)"
				     " FROM med_admin a WHERE a.order_id = ? AND a.dose_on = ? AND a.slot = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, order_id);
	db_bind_text(st, 2, day);
	db_bind_int(st, 3, slot);
	*found = 0;
	*attempt = 0;
	int s;
	while ((s = db_step(st, err)) == DB_ROW) {
		(*attempt)++;
		if (db_col_int(st, 8) == 0 && !*found) {
			read_rec(st, rec);
			*found = 1;
		}
	}
	db_done(st);
	return s < 0 ? err->code : TDM_OK;
}

static enum tdm_status insert_admin(struct db *db, const struct actor *a, const struct order *o, const char *day,
				    int slot, int64_t attempt, const char *status, const double *amount,
				    int64_t dispense_id, const char *note, const char *key, const char *hash,
				    const char *now, int64_t *id, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"INSERT INTO med_admin(order_id, patient_id, site_id, dose_on, slot, attempt, status, amount, unit,"
		" dispense_id, note, user_id, idem_key, idem_hash, recorded_at, recorded_by)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id", err);
	if (!st)
		return err->code;
	char amt[32];
	db_bind_int(st, 1, o->id);
	db_bind_int(st, 2, o->patient_id);
	db_bind_int(st, 3, o->site_id);
	db_bind_text(st, 4, day);
	db_bind_int(st, 5, slot);
	db_bind_int(st, 6, attempt);
	db_bind_text(st, 7, status);
	if (amount) {
		snprintf(amt, sizeof amt, "%.10g", *amount);
		db_bind_text(st, 8, amt);
	} else {
		db_bind_null(st, 8);
	}
	db_bind_text(st, 9, o->unit);
	if (dispense_id)
		db_bind_int(st, 10, dispense_id);
	else
		db_bind_null(st, 10);
	db_bind_text(st, 11, note && *note ? note : NULL);
	db_bind_int(st, 12, a->user_id);
	db_bind_text(st, 13, key);
	db_bind_text(st, 14, key ? hash : NULL);
	db_bind_text(st, 15, now);
	db_bind_text(st, 16, a->username);
	enum tdm_status rc = db_insert_id(st, id, err);
	if (rc == TDM_ECONFLICT)
		rc = tdm_fail(err, TDM_ECONFLICT, "slot", "this dose was recorded by someone else just now");
	return rc;
}

/* The dose-time rules on a new start: the first day's total and the
 * induction's withdrawal score, unless overridden on the order. */
static enum tdm_status dose_rules(struct db *db, const struct order *o, double amount, const char *day,
				  struct order_alerts *alerts, struct tdm_err *err)
{
	const struct medication *med = formulary_find(o->medication);
	alerts->n = 0;
	if (!med)
		return TDM_OK;
	char since[DATE_LEN];
	date_add_days(day, -7, since);
	/* A new start: nothing of this medication given in the week before. */
	struct stmt *st = db_prepare(db,
		"SELECT a.dose_on, a.status, COALESCE(a.amount, 0) FROM med_admin a JOIN med_order o ON o.id = a.order_id"
		" WHERE a.patient_id = ? AND o.medication = ? AND a.dose_on >= ? AND a.dose_on <= ?"
		" AND a.status IN ('given', 'take_home')" REC_NOT_VOID, err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, o->patient_id);
	db_bind_text(st, 2, o->medication);
	db_bind_text(st, 3, since);
	db_bind_text(st, 4, day);
	int earlier = 0, s;
	double today = 0;
	while ((s = db_step(st, err)) == DB_ROW) {
		if (strcmp(db_col_text(st, 0), day) < 0)
			earlier = 1;
		else if (!strcmp(db_col_text(st, 1), "given"))
			today += strtod(db_col_text(st, 2), NULL);
	}
	db_done(st);
	if (s < 0)
		return err->code;
	if (earlier)
		return TDM_OK;
	struct rule_ctx *ctx = malloc(sizeof *ctx);
	if (!ctx)
		return tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	enum tdm_status rc = order_rule_context(db, o->patient_id, o->id, ctx, err);
	char overridden[600] = "";
	if (!rc)
		rc = order_overridden_rules(db, o->id, overridden, sizeof overridden, err);
	if (!rc) {
		struct rule_order ro;
		memset(&ro, 0, sizeof ro);
		ro.med = med;
		ro.dose = amount;
		snprintf(ro.unit, sizeof ro.unit, "%s", o->unit);
		ro.per_day = 1;
		ro.new_start = 1;
		snprintf(ro.route, sizeof ro.route, "%s", o->route);
		ro.given_today = today;
		struct rule_alert all[RULE_MAX_ALERTS];
		int n = medrule_check(&ro, ctx, all, RULE_MAX_ALERTS);
		for (int i = 0; i < n; i++) {
			char key[64];
			snprintf(key, sizeof key, " %s ", all[i].rule);
			/* Only what a dose can newly break: the first day's total
			 * and the induction score; the order's own blocks were
			 * weighed when it was written. */
			if (!dose_time_rule(&all[i]) || strstr(overridden, key) || !strcmp(all[i].rule, "duplicate_order"))
				continue;
			alerts->a[alerts->n] = all[i];
			alerts->overridden[alerts->n++] = 0;
		}
	}
	free(ctx);
	if (!rc && alerts->n)
		rc = tdm_fail(err, TDM_ECONFLICT, "status", "%s blocks this dose: %s", alerts->a[0].rule,
			      alerts->a[0].message);
	return rc;
}

enum tdm_status admin_record(struct db *db, const struct actor *a, int64_t order_id,
			     const struct admin_input *in, struct admin_result *out,
			     struct tdm_err *err)
{
	memset(out, 0, sizeof *out);
	enum tdm_status rc = check_input(in, err);
	if (rc)
		return rc;
	char today[DATE_LEN], day[DATE_LEN], now[INSTANT_LEN], earliest[DATE_LEN];
	date_today(today);
	int take_home = !strcmp(in->status, "take_home");
	if (in->dose_on[0])
		snprintf(day, sizeof day, "%s", in->dose_on);
	else if (take_home)
		date_add_days(today, 1, day);
	else
		snprintf(day, sizeof day, "%s", today);
	date_add_days(today, -order_late_entry_days(), earliest);
	if (strcmp(day, earliest) < 0)
		return tdm_fail(err, TDM_EINVAL, "dose_on", "a dose may be charted at most %d days late",
				order_late_entry_days());
	if (!take_home && strcmp(day, today) > 0)
		return tdm_fail(err, TDM_EINVAL, "dose_on", "dose_on %s is in the future", day);
	instant_now(now);

	struct audit_event ev = {.action = "administration.create", .object_type = "MedicationAdministration"};
	rc = db_begin(db, DB_WRITE, err);
	if (rc)
		return rc;
	struct order o;
	rc = order_load_state(db, order_id, day, &o, err);
	if (!rc) {
		ev.patient_id = o.patient_id;
		rc = patient_visible(db, a, o.patient_id, &ev.site_id, err);
		if (rc == TDM_ENOTFOUND) {
			ev.outcome = "denied";
			rc = tdm_fail(err, TDM_ENOTFOUND, "order", "no order %" PRId64, order_id);
		}
	}
	/* A key seen before answers its first record. */
	if (!rc) {
		struct stmt *st = db_prepare(db, "SELECT id, order_id, idem_hash FROM med_admin"
					     " WHERE user_id = ? AND idem_key = ?", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, a->user_id);
			db_bind_text(st, 2, in->key);
			int s = db_step(st, err);
			int64_t id = s == DB_ROW ? db_col_int(st, 0) : 0;
			int same = s == DB_ROW && db_col_int(st, 1) == order_id && !strcmp(db_col_text(st, 2), in->hash);
			db_done(st);
			if (s < 0)
				rc = err->code;
			else if (id && !same)
				rc = tdm_fail(err, TDM_ECONFLICT, "Idempotency-Key",
					      "this Idempotency-Key was used for a different request");
			else if (id) {
				rc = load_admin(db, id, &out->a, err);
				out->replayed = 1;
				out->dispense_id = out->a.dispense_id;
				ev.outcome = "replayed";
				snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, id);
				snprintf(ev.detail, sizeof ev.detail, "replay of key %.60s", in->key);
				return audit_finish(db, a, rc, &ev, err);
			}
		}
	}
	int per_day = rc ? 0 : order_freq_per_day(o.frequency);
	int slot = in->slot;
	if (!rc && !strcmp(o.status, "held") && strcmp(in->status, "held"))
		rc = tdm_fail(err, TDM_ECONFLICT, "status", "the order is on hold on %s", day);
	else if (!rc && strcmp(o.status, "active") && strcmp(o.status, "held"))
		rc = tdm_fail(err, TDM_ECONFLICT, "order", "the order is %s on %s", o.status, day);
	if (!rc && per_day > 0) {
		if (!order_scheduled_on(&o, day))
			rc = tdm_fail(err, TDM_ECONFLICT, "dose_on", "no dose of this order is scheduled on %s", day);
		else if (!slot && per_day > 1)
			rc = tdm_fail(err, TDM_EINVAL, "slot", "slot is required: this order has %d doses a day", per_day);
		else if (slot > per_day)
			rc = tdm_fail(err, TDM_EINVAL, "slot", "slot must be 1 to %d", per_day);
		if (!slot)
			slot = 1;
	} else if (!rc) {
		if (slot)
			rc = tdm_fail(err, TDM_EINVAL, "slot", "an as-needed order has no slots");
		if (!rc && take_home)
			rc = tdm_fail(err, TDM_EINVAL, "status", "an as-needed order is not dispensed as take-homes");
	}
	double amount = in->has_amount ? in->amount : o.dose;
	if (!rc && (in->has_amount || take_home) && amount > o.dose + 1e-9)
		rc = tdm_fail(err, TDM_EINVAL, "amount", "amount %g %s is more than the ordered dose %g %s", amount,
			      o.unit, o.dose, o.unit);
	/* Already recorded (a second nurse, a second device) is said first. */
	if (!rc && per_day > 0) {
		struct day_rec rec;
		int found = 0;
		int64_t attempt;
		rc = slot_record(db, o.id, day, slot, &rec, &found, &attempt, err);
		if (!rc && found)
			rc = tdm_fail(err, TDM_ECONFLICT, "slot", "the %s dose on %s is already recorded: %s%s%g by %s at %s",
				      o.medication, day, rec.status, rec.has_amount ? " " : "",
				      rec.has_amount ? rec.amount : 0.0, rec.recorded_by, rec.recorded_at);
	}
	/* Missed doses: the next dose waits for a prescriber. */
	struct order_event *evs = NULL;
	struct order_step *steps = NULL;
	int n_ev = 0, n_steps = 0;
	int dosing = !strcmp(in->status, "given") || take_home;
	int limit = order_missed_limit(o.medication);
	if (!rc && dosing && limit && per_day > 0) {
		rc = order_history(db, o.id, &evs, &n_ev, &steps, &n_steps, err);
		/* Days after today (a take-home dispensed ahead) are not missed. */
		const char *upto = strcmp(day, today) > 0 ? today : day;
		char from[DATE_LEN], last[DATE_LEN] = "";
		date_add_days(upto, -MISSED_LOOKBACK, from);
		struct stmt *st = rc ? NULL : db_prepare(db, "SELECT COALESCE(MAX(a.dose_on), '') FROM med_admin a"
							 " WHERE a.order_id = ? AND a.dose_on >= ? AND a.dose_on < ?"
							 " AND a.status IN ('given', 'take_home')" REC_NOT_VOID, err);
		if (!rc && !st)
			rc = err->code;
		if (!rc) {
			db_bind_int(st, 1, o.id);
			db_bind_text(st, 2, from);
			db_bind_text(st, 3, upto);
			int s = db_step(st, err);
			if (s == DB_ROW)
				snprintf(last, sizeof last, "%s", db_col_text(st, 0));
			db_done(st);
			if (s < 0)
				rc = err->code;
		}
		int missed = rc ? 0 : count_missed(&o, evs, n_ev, steps, n_steps, last, upto, limit);
		if (!rc && missed >= limit) {
			struct rule_alert *r = &out->alerts.a[0];
			memset(r, 0, sizeof *r);
			snprintf(r->rule, sizeof r->rule, "missed_doses");
			r->severity = RULE_BLOCK;
			snprintf(r->message, sizeof r->message,
				 "%d consecutive scheduled %s doses missed (limit %d) since the last reassessment", missed,
				 o.medication, limit);
			snprintf(r->why, sizeof r->why,
				 "Tolerance falls after missed doses; the prescriber reassesses (and may reduce the dose)"
				 " before the next one.");
			snprintf(r->source, sizeof r->source, "Program policy (data/dosing.conf [missed_doses]); clinical"
				 " reference B.2 and B.3 on lost tolerance.");
			snprintf(r->config_key, sizeof r->config_key, "missed_doses.%s", o.medication);
			out->alerts.n = 1;
			rc = tdm_fail(err, TDM_ECONFLICT, "status",
				      "%d consecutive missed doses: a prescriber must reassess before the next dose", missed);
		}
	}
	free(evs);
	free(steps);
	if (!rc && dosing)
		rc = dose_rules(db, &o, amount * (take_home ? 0 : 1), day, &out->alerts, err);
	if (rc == TDM_ECONFLICT && out->alerts.n)
		ev.outcome = "blocked";

	int days = take_home ? (in->days ? in->days : 1) : 1;
	int64_t dispense_id = 0, decision_id = 0;
	if (!rc && take_home)
		rc = takehome_check_dispense(db, o.patient_id, o.medication, day, days, in->closure, &decision_id, err);
	if (!rc && take_home) {
		struct stmt *st = db_prepare(db,
			"INSERT INTO takehome_dispense(order_id, patient_id, site_id, first_on, days, bottles, amount,"
			" closure, decision_id, recorded_at, recorded_by) VALUES (?,?,?,?,?,?,?,?,?,?,?) RETURNING id", err);
		if (!st) {
			rc = err->code;
		} else {
			char amt[32];
			snprintf(amt, sizeof amt, "%.10g", amount);
			db_bind_int(st, 1, o.id);
			db_bind_int(st, 2, o.patient_id);
			db_bind_int(st, 3, o.site_id);
			db_bind_text(st, 4, day);
			db_bind_int(st, 5, days);
			db_bind_int(st, 6, days);
			db_bind_text(st, 7, amt);
			db_bind_int(st, 8, in->closure);
			if (decision_id)
				db_bind_int(st, 9, decision_id);
			else
				db_bind_null(st, 9);
			db_bind_text(st, 10, now);
			db_bind_text(st, 11, a->username);
			rc = db_insert_id(st, &dispense_id, err);
		}
	}
	int64_t first_id = 0;
	char d[DATE_LEN];
	snprintf(d, sizeof d, "%s", day);
	for (int k = 0; !rc && k < days; k++, date_add_days(d, 1, d)) {
		int64_t attempt = 0, id = 0;
		int found = 0;
		struct day_rec rec;
		if (k > 0 && !order_scheduled_on(&o, d))
			continue;
		if (per_day > 0) {
			rc = slot_record(db, o.id, d, slot, &rec, &found, &attempt, err);
			if (!rc && found)
				rc = tdm_fail(err, TDM_ECONFLICT, "slot", "the %s dose%s on %s is already recorded: %s%s%g by %s at %s",
					      o.medication, per_day > 1 ? " of this slot" : "", d, rec.status,
					      rec.has_amount ? " " : "", rec.has_amount ? rec.amount : 0.0, rec.recorded_by,
					      rec.recorded_at);
		} else {
			struct stmt *st = db_prepare(db, "SELECT COUNT(*) FROM med_admin WHERE order_id = ? AND dose_on = ?"
						     " AND slot = 0", err);
			if (!st) {
				rc = err->code;
			} else {
				db_bind_int(st, 1, o.id);
				db_bind_text(st, 2, d);
				rc = db_query_int(st, &attempt, &found, err);
			}
		}
		if (!rc)
			rc = insert_admin(db, a, &o, d, slot, attempt, in->status,
					  dosing ? &amount : NULL, dispense_id, in->note, k == 0 ? in->key : NULL, in->hash,
					  now, &id, err);
		if (!rc && !first_id)
			first_id = id;
	}
	if (!rc)
		rc = load_admin(db, first_id, &out->a, err);
	if (!rc && take_home) {
		out->dispense_id = dispense_id;
		snprintf(out->first_on, sizeof out->first_on, "%s", day);
		out->days = days;
	}
	if (!rc)
		snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, first_id);
	snprintf(ev.detail, sizeof ev.detail, "%s %s %g %s on %s slot %d%s", o.medication, in->status,
		 dosing ? amount : 0.0, o.unit, day, slot, take_home ? " (take-home)" : "");
	return audit_finish(db, a, rc, &ev, err);
}

enum tdm_status admin_void(struct db *db, const struct actor *a, int64_t admin_id,
			   const char *reason, struct admin *out, struct tdm_err *err)
{
	if (!reason || !*reason || strlen(reason) > TDM_LEN_REASON)
		return tdm_fail(err, TDM_EINVAL, "reason", "reason is required (at most %d characters)", TDM_LEN_REASON);
	struct audit_event ev = {.action = "administration.void", .object_type = "MedicationAdministration"};
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, admin_id);
	enum tdm_status rc = db_begin(db, DB_WRITE, err);
	if (rc)
		return rc;
	struct admin cur;
	rc = load_admin(db, admin_id, &cur, err);
	if (!rc) {
		ev.patient_id = cur.patient_id;
		rc = patient_visible(db, a, cur.patient_id, &ev.site_id, err);
		if (rc == TDM_ENOTFOUND) {
			ev.outcome = "denied";
			rc = tdm_fail(err, TDM_ENOTFOUND, "administration", "no administration %" PRId64, admin_id);
		}
	}
	if (!rc && cur.voided)
		rc = tdm_fail(err, TDM_ECONFLICT, "administration", "already marked entered in error");
	if (!rc) {
		char now[INSTANT_LEN];
		instant_now(now);
		struct stmt *st = db_prepare(db, "INSERT INTO med_admin_void(admin_id, reason, recorded_at, recorded_by)"
					     " VALUES (?,?,?,?)", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, admin_id);
			db_bind_text(st, 2, reason);
			db_bind_text(st, 3, now);
			db_bind_text(st, 4, a->username);
			rc = db_run(st, err);
		}
	}
	if (!rc)
		rc = load_admin(db, admin_id, out, err);
	snprintf(ev.detail, sizeof ev.detail, "%s on %s: %.200s", cur.status, cur.dose_on, reason);
	return audit_finish(db, a, rc, &ev, err);
}

/* ---- the dosing window ---- */

/* Rows of one order in an array sorted by order id: [*lo, *hi). The rows are
 * `size` bytes each with their order id at byte `off`. */
static void range_of(const void *rows, int n, size_t size, size_t off, int64_t id, int *lo, int *hi)
{
	const char *base = rows;
#define ORDER_AT(i) (*(const int64_t *)(const void *)(base + (size_t)(i) * size + off))
	while (*lo < n && ORDER_AT(*lo) < id)
		(*lo)++;
	*hi = *lo;
	while (*hi < n && ORDER_AT(*hi) == id)
		(*hi)++;
#undef ORDER_AT
}

#define RANGE(arr, n, id, lo, hi) \
	range_of(arr, n, sizeof *(arr), offsetof(__typeof__(*(arr)), order_id), id, lo, hi)

struct named_order {
	struct order o;
	char mrn[TDM_LEN_MRN + 1];
	char name[2 * TDM_LEN_NAME + 4];
};

static void read_named(struct stmt *st, void *row)
{
	struct named_order *r = row;
	order_read(st, &r->o);
	COPY(r->mrn, 13);
	snprintf(r->name, sizeof r->name, "%s, %s", db_col_text(st, 14), db_col_text(st, 15));
}

struct pid_count {
	int64_t patient_id;
	int64_t n;
};

static void read_pid_count(struct stmt *st, void *row)
{
	struct pid_count *r = row;
	r->patient_id = db_col_int(st, 0);
	r->n = db_col_int(st, 1);
}

static int64_t count_for(const struct pid_count *c, int n, int64_t pid)
{
	for (int i = 0; i < n; i++)
		if (c[i].patient_id == pid)
			return c[i].n;
	return 0;
}

enum tdm_status dosing_queue(struct db *db, const struct actor *a, int64_t site_id, const char *date,
			     struct queue *out, struct tdm_err *err)
{
	memset(out, 0, sizeof *out);
	char day[DATE_LEN], from[DATE_LEN];
	if (date && *date && !date_valid(date))
		return tdm_fail(err, TDM_EINVAL, "date", "date must be YYYY-MM-DD");
	if (date && *date)
		snprintf(day, sizeof day, "%s", date);
	else
		date_today(day);
	date_add_days(day, -MISSED_LOOKBACK, from);
	if (!access_at(a, site_id))
		return tdm_fail(err, TDM_ENOTFOUND, "site", "no site %" PRId64 " for this user", site_id);
	out->site_id = site_id;
	snprintf(out->date, sizeof out->date, "%s", day);

	struct audit_event ev = {.action = "dosing.queue", .object_type = "MedicationAdministration",
				 .site_id = site_id};
	enum tdm_status rc = db_begin(db, DB_AUDITED_READ, err);
	if (rc)
		return rc;
	struct named_order *orders = NULL;
	struct order_event *evs = NULL;
	struct order_step *steps = NULL;
	struct day_rec *recs = NULL, *lasts = NULL;
	struct pid_count *alerts = NULL, *bottles = NULL;
	int n_orders = 0, n_ev = 0, n_steps = 0, n_recs = 0, n_lasts = 0, n_alerts = 0, n_bottles = 0;

#define SITE_ORDERS " FROM med_order o WHERE o.site_id = ? AND o.start_on <= ? AND (o.stop_on IS NULL OR o.stop_on >= ?)"
	struct stmt *st = db_prepare(db,
		"SELECT o.id, o.patient_id, o.site_id, o.medication, o.unit, o.route, o.frequency, o.start_on,"
		" COALESCE(o.stop_on, ''), COALESCE(o.indication_id, 0), COALESCE(o.instructions, ''), o.created_at,"
		" o.created_by, p.mrn, v.family_name, v.given_name"
		" FROM med_order o JOIN patient p ON p.id = o.patient_id"
		" JOIN patient_version v ON v.patient_id = p.id AND v.is_current = 1"
		" WHERE o.site_id = ? AND o.start_on <= ? AND (o.stop_on IS NULL OR o.stop_on >= ?)"
		" AND NOT EXISTS (SELECT 1 FROM med_order_event e WHERE e.order_id = o.id AND e.kind = 'discontinue'"
		"  AND e.effective_on <= ?)"
		" ORDER BY o.id", err);
	if (!st)
		rc = err->code;
	if (!rc) {
		db_bind_int(st, 1, site_id);
		db_bind_text(st, 2, day);
		db_bind_text(st, 3, day);
		db_bind_text(st, 4, day);
		rc = db_collect(st, sizeof *orders, DOSING_QUEUE_MAX, read_named, (void **)&orders, &n_orders, err);
	}
	if (!rc) {
		st = db_prepare(db, ORDER_EVENT_SELECT " WHERE order_id IN (SELECT o.id" SITE_ORDERS ")"
				" ORDER BY order_id, id", err);
		if (!st)
			rc = err->code;
	}
	if (!rc) {
		db_bind_int(st, 1, site_id);
		db_bind_text(st, 2, day);
		db_bind_text(st, 3, day);
		rc = db_collect(st, sizeof *evs, 20 * DOSING_QUEUE_MAX, order_read_event, (void **)&evs, &n_ev, err);
	}
	if (!rc) {
		st = db_prepare(db, ORDER_STEP_SELECT " WHERE s.order_id IN (SELECT o.id" SITE_ORDERS ")"
				" ORDER BY s.order_id, s.effective_on, s.id", err);
		if (!st)
			rc = err->code;
	}
	if (!rc) {
		db_bind_int(st, 1, site_id);
		db_bind_text(st, 2, day);
		db_bind_text(st, 3, day);
		rc = db_collect(st, sizeof *steps, 20 * DOSING_QUEUE_MAX, order_read_step, (void **)&steps, &n_steps, err);
	}
	if (!rc) {
		st = db_prepare(db, REC_SELECT " WHERE a.site_id = ? AND a.dose_on = ?" REC_NOT_VOID
				" ORDER BY a.order_id, a.slot", err);
		if (!st)
			rc = err->code;
	}
	if (!rc) {
		db_bind_int(st, 1, site_id);
		db_bind_text(st, 2, day);
		rc = db_collect(st, sizeof *recs, 4 * DOSING_QUEUE_MAX, read_rec, (void **)&recs, &n_recs, err);
	}
	/* Each order's last dose given or taken home before the day (within
	 * the lookback): one aggregate over the index, then the rows. */
	if (!rc) {
		st = db_prepare(db, REC_SELECT " JOIN (SELECT b.order_id AS oid, MAX(b.dose_on) AS last_on FROM med_admin b"
				" WHERE b.site_id = ? AND b.dose_on >= ? AND b.dose_on < ? AND b.status IN ('given', 'take_home')"
				" AND NOT EXISTS (SELECT 1 FROM med_admin_void w WHERE w.admin_id = b.id) GROUP BY b.order_id) m"
				" ON a.order_id = m.oid AND a.dose_on = m.last_on"
				" WHERE a.status IN ('given', 'take_home')" REC_NOT_VOID " ORDER BY a.order_id, a.slot DESC", err);
		if (!st)
			rc = err->code;
	}
	if (!rc) {
		db_bind_int(st, 1, site_id);
		db_bind_text(st, 2, from);
		db_bind_text(st, 3, day);
		rc = db_collect(st, sizeof *lasts, 4 * DOSING_QUEUE_MAX, read_rec, (void **)&lasts, &n_lasts, err);
	}
	if (!rc) {
		st = db_prepare(db, "SELECT l.patient_id, COUNT(*) FROM alert l WHERE l.site_id = ?"
				" AND NOT EXISTS (SELECT 1 FROM alert_ack k WHERE k.alert_id = l.id) GROUP BY l.patient_id", err);
		if (!st)
			rc = err->code;
	}
	if (!rc) {
		db_bind_int(st, 1, site_id);
		rc = db_collect(st, sizeof *alerts, DOSING_QUEUE_MAX, read_pid_count, (void **)&alerts, &n_alerts, err);
	}
	if (!rc) {
		/* Bottles out whose last day has passed and are not all back. */
		st = db_prepare(db, "SELECT d.patient_id, SUM(d.bottles - COALESCE((SELECT SUM(r.bottles)"
				" FROM takehome_return r WHERE r.dispense_id = d.id), 0))"
				" FROM takehome_dispense d WHERE d.site_id = ? AND d.first_on < ? AND d.first_on >= ?"
				" GROUP BY d.patient_id", err);
		if (!st)
			rc = err->code;
	}
	if (!rc) {
		char back[DATE_LEN];
		date_add_days(day, -120, back);
		db_bind_int(st, 1, site_id);
		db_bind_text(st, 2, day);
		db_bind_text(st, 3, back);
		rc = db_collect(st, sizeof *bottles, DOSING_QUEUE_MAX, read_pid_count, (void **)&bottles, &n_bottles, err);
	}
	if (!rc && n_orders) {
		out->items = calloc((size_t)n_orders, sizeof *out->items);
		if (!out->items)
			rc = tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	}
	int e_lo = 0, s_lo = 0, r_lo = 0, l_lo = 0;
	for (int i = 0; !rc && i < n_orders; i++) {
		struct order *o = &orders[i].o;
		int e_hi, s_hi, r_hi, l_hi;
		RANGE(evs, n_ev, o->id, &e_lo, &e_hi);
		RANGE(steps, n_steps, o->id, &s_lo, &s_hi);
		RANGE(recs, n_recs, o->id, &r_lo, &r_hi);
		RANGE(lasts, n_lasts, o->id, &l_lo, &l_hi);
		order_derive(o, evs + e_lo, e_hi - e_lo, steps + s_lo, s_hi - s_lo, day);
		int per_day = order_freq_per_day(o->frequency);
		int scheduled = per_day > 0 && order_scheduled_on(o, day);
		if ((!scheduled && r_hi == r_lo) || (strcmp(o->status, "active") && strcmp(o->status, "held"))) {
			e_lo = e_hi, s_lo = s_hi, r_lo = r_hi, l_lo = l_hi;
			continue;
		}
		struct queue_item *q = &out->items[out->n++];
		q->patient_id = o->patient_id;
		snprintf(q->mrn, sizeof q->mrn, "%s", orders[i].mrn);
		snprintf(q->name, sizeof q->name, "%s", orders[i].name);
		q->o = *o;
		q->per_day = per_day;
		for (int sl = 1; scheduled && sl <= per_day && sl <= DOSING_MAX_SLOTS; sl++) {
			struct queue_slot *qs = &q->slots[q->n_slots++];
			qs->slot = sl;
			snprintf(qs->status, sizeof qs->status, "%s", strcmp(o->status, "held") ? "due" : "held");
			for (int r = r_lo; r < r_hi; r++) {
				if (strcmp(recs[r].on, day) || recs[r].slot != sl)
					continue;
				snprintf(qs->status, sizeof qs->status, "%s", recs[r].status);
				qs->admin_id = recs[r].id;
				qs->amount = recs[r].amount;
				qs->has_amount = recs[r].has_amount;
				snprintf(qs->recorded_by, sizeof qs->recorded_by, "%s", recs[r].recorded_by);
				snprintf(qs->recorded_at, sizeof qs->recorded_at, "%s", recs[r].recorded_at);
			}
			if (!strcmp(qs->status, "due"))
				out->due++;
			else
				out->done++;
		}
		if (l_lo < l_hi) { /* the last slot of the last day */
			snprintf(q->last_on, sizeof q->last_on, "%s", lasts[l_lo].on);
			q->last_amount = lasts[l_lo].amount;
			snprintf(q->last_status, sizeof q->last_status, "%s", lasts[l_lo].status);
		}
		int limit = order_missed_limit(o->medication);
		q->consecutive_missed = count_missed(o, evs + e_lo, e_hi - e_lo, steps + s_lo, s_hi - s_lo, q->last_on,
						     day, limit ? limit : 7);
		q->needs_reassessment = limit && q->consecutive_missed >= limit;
		q->open_alerts = (int)count_for(alerts, n_alerts, o->patient_id);
		q->bottles_due_back = (int)count_for(bottles, n_bottles, o->patient_id);
		e_lo = e_hi, s_lo = s_hi, r_lo = r_hi, l_lo = l_hi;
	}
#undef SITE_ORDERS
	free(orders);
	free(evs);
	free(steps);
	free(recs);
	free(lasts);
	free(alerts);
	free(bottles);
	snprintf(ev.detail, sizeof ev.detail, "date=%s items=%d", day, out->n);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		free(out->items);
		out->items = NULL;
		out->n = 0;
	}
	return rc;
}

/* ---- the MAR ---- */

static int64_t daynum(const char *d)
{
	int y, m, dd;
	return date_parse(d, &y, &m, &dd) ? 0 : date_days(y, m, dd);
}

enum tdm_status dosing_mar(struct db *db, const struct actor *a, int64_t patient_id, const char *from,
			   const char *to, struct mar *out, struct tdm_err *err)
{
	memset(out, 0, sizeof *out);
	char today[DATE_LEN];
	date_today(today);
	if (from && *from && !date_valid(from))
		return tdm_fail(err, TDM_EINVAL, "from", "from must be YYYY-MM-DD");
	if (to && *to && !date_valid(to))
		return tdm_fail(err, TDM_EINVAL, "to", "to must be YYYY-MM-DD");
	snprintf(out->to, sizeof out->to, "%s", to && *to ? to : today);
	if (from && *from)
		snprintf(out->from, sizeof out->from, "%s", from);
	else
		date_add_days(out->to, -13, out->from);
	int64_t span = daynum(out->to) - daynum(out->from) + 1;
	if (span < 1)
		return tdm_fail(err, TDM_EINVAL, "from", "from is after to");
	if (span > DOSING_MAR_DAYS)
		return tdm_fail(err, TDM_EINVAL, "from", "at most %d days at a time", DOSING_MAR_DAYS);

	struct audit_event ev;
	int open;
	enum tdm_status rc = patient_open(db, a, patient_id, DB_AUDITED_READ, "mar.read", "MedicationAdministration",
					  &ev, &open, err);
	if (!open)
		return rc;
	struct order *orders = NULL;
	struct day_rec *recs = NULL;
	int n_orders = 0, n_recs = 0;
	struct stmt *st = rc ? NULL : db_prepare(db, ORDER_SELECT " WHERE patient_id = ? AND start_on <= ?"
						 " AND (stop_on IS NULL OR stop_on >= ?) ORDER BY id", err);
	if (!rc && !st)
		rc = err->code;
	if (!rc) {
		db_bind_int(st, 1, patient_id);
		db_bind_text(st, 2, out->to);
		db_bind_text(st, 3, out->from);
		rc = db_collect(st, sizeof *orders, ORDER_MAX_LIST, order_read, (void **)&orders, &n_orders, err);
	}
	if (!rc) {
		st = db_prepare(db, REC_SELECT " WHERE a.patient_id = ? AND a.dose_on >= ? AND a.dose_on <= ?" REC_NOT_VOID
				" ORDER BY a.order_id, a.dose_on, a.slot", err);
		if (!st)
			rc = err->code;
	}
	if (!rc) {
		db_bind_int(st, 1, patient_id);
		db_bind_text(st, 2, out->from);
		db_bind_text(st, 3, out->to);
		rc = db_collect(st, sizeof *recs, 100000, read_rec, (void **)&recs, &n_recs, err);
	}
	if (!rc && n_orders) {
		out->rows = calloc((size_t)n_orders, sizeof *out->rows);
		if (!out->rows)
			rc = tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	}
	for (int i = 0; !rc && i < n_orders; i++) {
		struct order_event *evs = NULL;
		struct order_step *steps = NULL;
		int n_ev = 0, n_steps = 0;
		rc = order_history(db, orders[i].id, &evs, &n_ev, &steps, &n_steps, err);
		int per_day = order_freq_per_day(orders[i].frequency);
		struct mar_row *row = &out->rows[out->n];
		int cap = (int)span * (per_day > 0 ? per_day : 1) + 64;
		row->cells = rc ? NULL : calloc((size_t)cap, sizeof *row->cells);
		if (!rc && !row->cells)
			rc = tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
		char d[DATE_LEN];
		snprintf(d, sizeof d, "%s", out->from);
		int any_active = 0;
		for (int k = 0; !rc && k < span; k++, date_add_days(d, 1, d)) {
			struct order o = orders[i];
			order_derive(&o, evs, n_ev, steps, n_steps, d);
			int active = !strcmp(o.status, "active") || !strcmp(o.status, "held");
			any_active |= active;
			int slots = per_day > 0 && active && order_scheduled_on(&o, d) ? per_day : 0;
			/* Scheduled slots, then as-needed records of the day. */
			for (int sl = 1; sl <= slots && row->n_cells < cap; sl++) {
				struct mar_cell *c = &row->cells[row->n_cells++];
				snprintf(c->on, sizeof c->on, "%s", d);
				c->slot = sl;
				int cmp = strcmp(d, today);
				snprintf(c->status, sizeof c->status, "%s",
					 !strcmp(o.status, "held") ? "held" : cmp < 0 ? "not_recorded" : cmp == 0 ? "due" : "scheduled");
				for (int r = 0; r < n_recs; r++) {
					if (recs[r].order_id != o.id || strcmp(recs[r].on, d) || recs[r].slot != sl)
						continue;
					snprintf(c->status, sizeof c->status, "%s", recs[r].status);
					c->amount = recs[r].amount;
					c->has_amount = recs[r].has_amount;
					c->admin_id = recs[r].id;
					snprintf(c->recorded_by, sizeof c->recorded_by, "%s", recs[r].recorded_by);
				}
			}
			for (int r = 0; per_day == 0 && r < n_recs && row->n_cells < cap; r++) {
				if (recs[r].order_id != o.id || strcmp(recs[r].on, d))
					continue;
				struct mar_cell *c = &row->cells[row->n_cells++];
				snprintf(c->on, sizeof c->on, "%s", d);
				snprintf(c->status, sizeof c->status, "%s", recs[r].status);
				c->amount = recs[r].amount;
				c->has_amount = recs[r].has_amount;
				c->admin_id = recs[r].id;
				snprintf(c->recorded_by, sizeof c->recorded_by, "%s", recs[r].recorded_by);
			}
		}
		if (!rc) {
			row->o = orders[i];
			order_derive(&row->o, evs, n_ev, steps, n_steps, today);
		}
		free(evs);
		free(steps);
		if (!rc && (any_active || row->n_cells))
			out->n++;
		else if (row->cells) {
			free(row->cells);
			row->cells = NULL;
			row->n_cells = 0;
		}
	}
	free(orders);
	free(recs);
	snprintf(ev.detail, sizeof ev.detail, "%s..%s orders=%d", out->from, out->to, out->n);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc)
		dosing_mar_free(out);
	return rc;
}

void dosing_mar_free(struct mar *m)
{
	for (int i = 0; m->rows && i < m->n; i++)
		free(m->rows[i].cells);
	free(m->rows);
	m->rows = NULL;
	m->n = 0;
}
