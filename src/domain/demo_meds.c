/*
 * demo_meds.c - medication histories for the synthetic demo cohort (see
 * demo_meds.h).
 *
 * Each course is simulated day by day from a random stream of the patient's
 * own and written as it goes, so the rows of an order come out in the order
 * they would have been recorded (events by id follow their days, which the
 * derivation of an order's state relies on). Days are offsets from today
 * (<= 0 for anything recorded; take-home doses may run a few days ahead).
 *
 * Today is always treated as a clinic day (even a configured closure day) so
 * the dosing window of a freshly loaded demo has doses due; some patients
 * have been dosed already today.
 */
#include "domain/demo_meds.h"
#include "domain/audit.h"
#include "domain/icd10.h"
#include "domain/order.h"
#include "domain/takehome.h"
#include "util/date.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SPAN (DEMO_MEDS_HISTORY + 64) /* days an order's day arrays hold, take-homes ahead included */
#define MAX_DX 24
#define MAX_OUT 24                    /* dispenses with bottles still out */
#define MAX_CHANGES 16
#define NEVER (1 << 29)                /* a day offset never reached: "none" */

#define COUNT_OF(t) ((int)(sizeof(t) / sizeof((t)[0])))
#define PICK(r, t) ((t)[below((r), COUNT_OF(t))])

/* ---- deterministic randomness: splitmix64 ---- */

struct rnd {
	uint64_t s;
};

static uint64_t rnd_next(struct rnd *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int below(struct rnd *r, int n)
{
	return n > 1 ? (int)(rnd_next(r) % (uint64_t)n) : 0;
}

static int range(struct rnd *r, int lo, int hi)
{
	return hi <= lo ? lo : lo + below(r, hi - lo + 1);
}

static int pct(struct rnd *r, int p)
{
	return below(r, 100) < p;
}

static int permille(struct rnd *r, int p)
{
	return below(r, 1000) < p;
}

static int weighted(struct rnd *r, const int *w, int n)
{
	int total = 0;
	for (int i = 0; i < n; i++)
		total += w[i];
	int v = below(r, total);
	for (int i = 0; i < n; i++) {
		if (v < w[i])
			return i;
		v -= w[i];
	}
	return n - 1;
}

/* ---- the patient being written ---- */

/* Administrations are written ADMIN_BATCH rows to a statement (the
 * PostgreSQL store binds at most 64 parameters; 12 a row). */
#define ADMIN_BATCH 5
#define ADMIN_ROW "(?,?,?,?,?,0,?,?,'mg',?,?,?,NULL,NULL,?,?)"
#define ADMIN_INSERT                                                                               \
	"INSERT INTO med_admin(order_id, patient_id, site_id, dose_on, slot, attempt, status, amount, unit," \
	" dispense_id, note, user_id, idem_key, idem_hash, recorded_at, recorded_by) VALUES "

struct admin_row {
	int64_t order_id, dispense_id;
	char on[DATE_LEN];
	int slot, has_amount;
	const char *status, *note; /* string literals */
	double amount;
	char at[INSTANT_LEN];
};

#define RESULT_BATCH 4 /* 13 parameters a row */
#define RESULT_ROW "(?,?,?,?,?,?,?,?,?,?,?,?,?)"
#define RESULT_INSERT                                                                              \
	"INSERT INTO result(patient_id, site_id, kind, substance, outcome, expected, code, value, unit,"   \
	" taken_at, note, recorded_at, recorded_by) VALUES "

struct result_row {
	const char *kind, *substance, *outcome, *code, *unit, *note; /* string literals or NULL */
	int expected;
	char value[32], taken[INSTANT_LEN], rec[INSTANT_LEN];
};

#define RETURN_BATCH 10 /* 6 parameters a row */
#define RETURN_ROW "(?,?,?,?,?,?)"
#define RETURN_INSERT \
	"INSERT INTO takehome_return(dispense_id, bottles, condition, note, recorded_at, recorded_by) VALUES "

struct return_row {
	int64_t dispense_id;
	int bottles;
	const char *condition, *note; /* string literals or NULL */
	char at[INSTANT_LEN];
};

struct mx {
	struct db *db;
	const struct actor *a;
	struct tdm_err *err;
	struct demo_med_counts *c;
	struct rnd r;
	int64_t pid, site_id;
	char today[DATE_LEN];
	time_t now;
	int y, m, d;        /* today, clinic-local */
	int now_min;        /* minutes since local midnight */
	int n_dx;
	int64_t dx_id[MAX_DX];
	char dx_code[MAX_DX][12];
	struct admin_row pend[ADMIN_BATCH];
	int n_pend;
	struct result_row res[RESULT_BATCH];
	int n_res;
	struct return_row ret[RETURN_BATCH];
	int n_ret;
};

static void day_str(const struct mx *x, int off, char out[DATE_LEN])
{
	date_add_days(x->today, off, out);
}

/* The instant of day `off` at `min` minutes past local midnight; never
 * later than a minute ago. */
static void inst(const struct mx *x, int off, int min, char out[INSTANT_LEN])
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = x->y - 1900;
	tm.tm_mon = x->m - 1;
	tm.tm_mday = x->d + off;
	tm.tm_hour = min / 60;
	tm.tm_min = min % 60;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	if (t == (time_t)-1 || t > x->now - 60)
		t = x->now - 60;
	instant_format(t, out);
}

static int closed_on(const struct mx *x, int off)
{
	char d[DATE_LEN];
	day_str(x, off, d);
	return takehome_closed_on(d);
}

static int64_t dx_find(const struct mx *x, const char *prefix)
{
	size_t n = strlen(prefix);
	for (int i = 0; i < x->n_dx; i++)
		if (!strncmp(x->dx_code[i], prefix, n))
			return x->dx_id[i];
	return 0;
}

/* ---- rows ---- */

static void num(double v, char out[32])
{
	snprintf(out, 32, "%.10g", v);
}

static enum tdm_status ins_order(struct mx *x, const char *med, const char *route, const char *freq, int start,
				 int has_stop, int stop, int64_t indication, const char *instructions, int min,
				 int64_t *id)
{
	char s[DATE_LEN], e[DATE_LEN], t[INSTANT_LEN];
	struct stmt *st = db_prepare(x->db,
		"INSERT INTO med_order(patient_id, site_id, medication, unit, route, frequency, start_on, stop_on,"
		" indication_id, instructions, created_at, created_by) VALUES (?,?,?,'mg',?,?,?,?,?,?,?,?) RETURNING id",
		x->err);
	if (!st)
		return x->err->code;
	day_str(x, start, s);
	day_str(x, stop, e);
	inst(x, start, min, t);
	db_bind_int(st, 1, x->pid);
	db_bind_int(st, 2, x->site_id);
	db_bind_text(st, 3, med);
	db_bind_text(st, 4, route);
	db_bind_text(st, 5, freq);
	db_bind_text(st, 6, s);
	db_bind_text(st, 7, has_stop ? e : NULL);
	if (indication)
		db_bind_int(st, 8, indication);
	else
		db_bind_null(st, 8);
	db_bind_text(st, 9, instructions);
	db_bind_text(st, 10, t);
	db_bind_text(st, 11, x->a->username);
	enum tdm_status rc = db_insert_id(st, id, x->err);
	x->c->orders += !rc;
	return rc;
}

/* An order event; dose NULL for kinds without one. */
static enum tdm_status ins_event(struct mx *x, int64_t order_id, const char *kind, const double *dose,
				 int64_t titration_id, int eff, const char *reason, int rec_off, int rec_min)
{
	char on[DATE_LEN], t[INSTANT_LEN], v[32];
	struct stmt *st = db_prepare(x->db,
		"INSERT INTO med_order_event(order_id, kind, dose, titration_id, effective_on, reason, recorded_at,"
		" recorded_by) VALUES (?,?,?,?,?,?,?,?)", x->err);
	if (!st)
		return x->err->code;
	day_str(x, eff, on);
	inst(x, rec_off, rec_min, t);
	db_bind_int(st, 1, order_id);
	db_bind_text(st, 2, kind);
	if (dose) {
		num(*dose, v);
		db_bind_text(st, 3, v);
	} else {
		db_bind_null(st, 3);
	}
	if (titration_id)
		db_bind_int(st, 4, titration_id);
	else
		db_bind_null(st, 4);
	db_bind_text(st, 5, on);
	db_bind_text(st, 6, reason);
	db_bind_text(st, 7, t);
	db_bind_text(st, 8, x->a->username);
	enum tdm_status rc = db_run(st, x->err);
	x->c->events += !rc;
	return rc;
}

/* A titration plan with its steps (day offsets and doses). */
static enum tdm_status ins_plan(struct mx *x, int64_t order_id, const char *plan, const int *days,
				const double *doses, int n, int off, int min)
{
	char t[INSTANT_LEN];
	struct stmt *st = db_prepare(x->db, "INSERT INTO med_titration(order_id, plan, created_at, created_by)"
				     " VALUES (?,?,?,?) RETURNING id", x->err);
	if (!st)
		return x->err->code;
	inst(x, off, min, t);
	db_bind_int(st, 1, order_id);
	db_bind_text(st, 2, plan);
	db_bind_text(st, 3, t);
	db_bind_text(st, 4, x->a->username);
	int64_t tid;
	enum tdm_status rc = db_insert_id(st, &tid, x->err);
	x->c->titrations += !rc;
	for (int i = 0; !rc && i < n; i++) {
		char on[DATE_LEN], v[32];
		st = db_prepare(x->db, "INSERT INTO med_titration_step(titration_id, order_id, effective_on, dose)"
				" VALUES (?,?,?,?)", x->err);
		if (!st)
			return x->err->code;
		day_str(x, days[i], on);
		num(doses[i], v);
		db_bind_int(st, 1, tid);
		db_bind_int(st, 2, order_id);
		db_bind_text(st, 3, on);
		db_bind_text(st, 4, v);
		rc = db_run(st, x->err);
	}
	return rc;
}

/* Writes the pending administrations: a full batch in one statement, a
 * partial one (the patient's last rows) row by row. */
static enum tdm_status flush_admin(struct mx *x)
{
	int n = x->n_pend, full = n == ADMIN_BATCH;
	enum tdm_status rc = TDM_OK;
	for (int k = 0; !rc && k < n; k += full ? ADMIN_BATCH : 1) {
		struct stmt *st = full ? db_prepare(x->db, ADMIN_INSERT ADMIN_ROW "," ADMIN_ROW "," ADMIN_ROW ","
						    ADMIN_ROW "," ADMIN_ROW, x->err)
				       : db_prepare(x->db, ADMIN_INSERT ADMIN_ROW, x->err);
		if (!st)
			return x->err->code;
		char v[ADMIN_BATCH][32];
		for (int j = 0; j < (full ? ADMIN_BATCH : 1); j++) {
			const struct admin_row *a = &x->pend[k + j];
			int b = 12 * j;
			db_bind_int(st, b + 1, a->order_id);
			db_bind_int(st, b + 2, x->pid);
			db_bind_int(st, b + 3, x->site_id);
			db_bind_text(st, b + 4, a->on);
			db_bind_int(st, b + 5, a->slot);
			db_bind_text(st, b + 6, a->status);
			if (a->has_amount) {
				num(a->amount, v[j]);
				db_bind_text(st, b + 7, v[j]);
			} else {
				db_bind_null(st, b + 7);
			}
			if (a->dispense_id)
				db_bind_int(st, b + 8, a->dispense_id);
			else
				db_bind_null(st, b + 8);
			db_bind_text(st, b + 9, a->note);
			db_bind_int(st, b + 10, x->a->user_id);
			db_bind_text(st, b + 11, a->at);
			db_bind_text(st, b + 12, x->a->username);
		}
		rc = db_run(st, x->err);
	}
	x->n_pend = 0;
	return rc;
}

/* One scheduled dose's outcome (attempt 0, no idempotency key), written
 * with the next batch. */
static enum tdm_status ins_admin(struct mx *x, int64_t order_id, int on, int slot, const char *status,
				 const double *amount, int64_t dispense_id, const char *note, const char *at)
{
	struct admin_row *a = &x->pend[x->n_pend++];
	a->order_id = order_id;
	day_str(x, on, a->on);
	a->slot = slot;
	a->status = status;
	a->has_amount = amount != NULL;
	a->amount = amount ? *amount : 0;
	a->dispense_id = dispense_id;
	a->note = note;
	snprintf(a->at, sizeof a->at, "%s", at);
	x->c->administrations++;
	return x->n_pend == ADMIN_BATCH ? flush_admin(x) : TDM_OK;
}

static enum tdm_status ins_dispense(struct mx *x, int64_t order_id, int first, int days, int bottles,
				    double amount, int closure, int64_t decision_id, const char *at, int64_t *id)
{
	char d[DATE_LEN], v[32];
	struct stmt *st = db_prepare(x->db,
		"INSERT INTO takehome_dispense(order_id, patient_id, site_id, first_on, days, bottles, amount, closure,"
		" decision_id, recorded_at, recorded_by) VALUES (?,?,?,?,?,?,?,?,?,?,?) RETURNING id", x->err);
	if (!st)
		return x->err->code;
	day_str(x, first, d);
	num(amount, v);
	db_bind_int(st, 1, order_id);
	db_bind_int(st, 2, x->pid);
	db_bind_int(st, 3, x->site_id);
	db_bind_text(st, 4, d);
	db_bind_int(st, 5, days);
	db_bind_int(st, 6, bottles);
	db_bind_text(st, 7, v);
	db_bind_int(st, 8, closure);
	if (decision_id)
		db_bind_int(st, 9, decision_id);
	else
		db_bind_null(st, 9);
	db_bind_text(st, 10, at);
	db_bind_text(st, 11, x->a->username);
	enum tdm_status rc = db_insert_id(st, id, x->err);
	x->c->dispenses += !rc;
	return rc;
}

static enum tdm_status flush_returns(struct mx *x)
{
	int n = x->n_ret, full = n == RETURN_BATCH;
	enum tdm_status rc = TDM_OK;
	for (int k = 0; !rc && k < n; k += full ? RETURN_BATCH : 1) {
		struct stmt *st = full ? db_prepare(x->db, RETURN_INSERT RETURN_ROW "," RETURN_ROW "," RETURN_ROW ","
						    RETURN_ROW "," RETURN_ROW "," RETURN_ROW "," RETURN_ROW ","
						    RETURN_ROW "," RETURN_ROW "," RETURN_ROW, x->err)
				       : db_prepare(x->db, RETURN_INSERT RETURN_ROW, x->err);
		if (!st)
			return x->err->code;
		for (int j = 0; j < (full ? RETURN_BATCH : 1); j++) {
			const struct return_row *t = &x->ret[k + j];
			int b = 6 * j;
			db_bind_int(st, b + 1, t->dispense_id);
			db_bind_int(st, b + 2, t->bottles);
			db_bind_text(st, b + 3, t->condition);
			db_bind_text(st, b + 4, t->note);
			db_bind_text(st, b + 5, t->at);
			db_bind_text(st, b + 6, x->a->username);
		}
		rc = db_run(st, x->err);
	}
	x->n_ret = 0;
	return rc;
}

/* Bottles back (written with the next batch). */
static enum tdm_status ins_return(struct mx *x, int64_t dispense_id, int bottles, const char *condition,
				  const char *note, const char *at)
{
	struct return_row *t = &x->ret[x->n_ret++];
	t->dispense_id = dispense_id;
	t->bottles = bottles;
	t->condition = condition;
	t->note = note;
	snprintf(t->at, sizeof t->at, "%s", at);
	x->c->returns++;
	return x->n_ret == RETURN_BATCH ? flush_returns(x) : TDM_OK;
}

static enum tdm_status ins_decision(struct mx *x, const char *med, int approved, int max_days, int tday,
				    const char *factors, const char *reason, const char *at, int64_t *id)
{
	struct stmt *st = db_prepare(x->db,
		"INSERT INTO takehome_decision(patient_id, site_id, medication, approved_days, max_days, treatment_day,"
		" factors, reason, decided_at, decided_by) VALUES (?,?,?,?,?,?,?,?,?,?) RETURNING id", x->err);
	if (!st)
		return x->err->code;
	db_bind_int(st, 1, x->pid);
	db_bind_int(st, 2, x->site_id);
	db_bind_text(st, 3, med);
	db_bind_int(st, 4, approved);
	db_bind_int(st, 5, max_days);
	db_bind_int(st, 6, tday);
	db_bind_text(st, 7, factors);
	db_bind_text(st, 8, reason);
	db_bind_text(st, 9, at);
	db_bind_text(st, 10, x->a->username);
	enum tdm_status rc = db_insert_id(st, id, x->err);
	x->c->decisions += !rc;
	return rc;
}

static enum tdm_status ins_education(struct mx *x, const char *note, const char *at)
{
	struct stmt *st = db_prepare(x->db, "INSERT INTO takehome_education(patient_id, note, recorded_at, recorded_by)"
				     " VALUES (?,?,?,?)", x->err);
	if (!st)
		return x->err->code;
	db_bind_int(st, 1, x->pid);
	db_bind_text(st, 2, note);
	db_bind_text(st, 3, at);
	db_bind_text(st, 4, x->a->username);
	return db_run(st, x->err);
}

static enum tdm_status ins_diversion(struct mx *x, int noted, const char *note, const char *at)
{
	char d[DATE_LEN];
	struct stmt *st = db_prepare(x->db, "INSERT INTO diversion(patient_id, noted_on, note, recorded_at, recorded_by)"
				     " VALUES (?,?,?,?,?)", x->err);
	if (!st)
		return x->err->code;
	day_str(x, noted, d);
	db_bind_int(st, 1, x->pid);
	db_bind_text(st, 2, d);
	db_bind_text(st, 3, note);
	db_bind_text(st, 4, at);
	db_bind_text(st, 5, x->a->username);
	enum tdm_status rc = db_run(st, x->err);
	x->c->diversions += !rc;
	return rc;
}

static enum tdm_status flush_results(struct mx *x)
{
	int n = x->n_res, full = n == RESULT_BATCH;
	enum tdm_status rc = TDM_OK;
	for (int k = 0; !rc && k < n; k += full ? RESULT_BATCH : 1) {
		struct stmt *st = full ? db_prepare(x->db, RESULT_INSERT RESULT_ROW "," RESULT_ROW "," RESULT_ROW ","
						    RESULT_ROW, x->err)
				       : db_prepare(x->db, RESULT_INSERT RESULT_ROW, x->err);
		if (!st)
			return x->err->code;
		for (int j = 0; j < (full ? RESULT_BATCH : 1); j++) {
			const struct result_row *t = &x->res[k + j];
			int b = 13 * j;
			db_bind_int(st, b + 1, x->pid);
			db_bind_int(st, b + 2, x->site_id);
			db_bind_text(st, b + 3, t->kind);
			db_bind_text(st, b + 4, t->substance);
			db_bind_text(st, b + 5, t->outcome);
			db_bind_int(st, b + 6, t->expected);
			db_bind_text(st, b + 7, t->code);
			db_bind_text(st, b + 8, t->value[0] ? t->value : NULL);
			db_bind_text(st, b + 9, t->unit);
			db_bind_text(st, b + 10, t->taken);
			db_bind_text(st, b + 11, t->note);
			db_bind_text(st, b + 12, t->rec);
			db_bind_text(st, b + 13, x->a->username);
		}
		rc = db_run(st, x->err);
	}
	x->n_res = 0;
	return rc;
}

/* A result taken on day `off` at `min`, recorded `delay` minutes later
 * (written with the next batch; the strings are literals or NULL). */
static enum tdm_status ins_result(struct mx *x, const char *kind, const char *substance, const char *outcome,
				  int expected, const char *code, const char *value, const char *unit, int off,
				  int min, int delay, const char *note)
{
	struct result_row *t = &x->res[x->n_res++];
	t->kind = kind;
	t->substance = substance;
	t->outcome = outcome;
	t->expected = expected;
	t->code = code;
	snprintf(t->value, sizeof t->value, "%s", value ? value : "");
	t->unit = unit;
	t->note = note;
	inst(x, off, min, t->taken);
	inst(x, off, min + delay, t->rec);
	if (strcmp(t->rec, t->taken) < 0)
		memcpy(t->rec, t->taken, sizeof t->rec);
	x->c->results++;
	return x->n_res == RESULT_BATCH ? flush_results(x) : TDM_OK;
}

static enum tdm_status uds(struct mx *x, const char *substance, int positive, int expected, int off, int min)
{
	return ins_result(x, "uds", substance, positive ? "positive" : "negative", expected, NULL, NULL, NULL, off,
			  min, 15, NULL);
}

static enum tdm_status breath(struct mx *x, double v, int off, int min, const char *note)
{
	char s[32];
	snprintf(s, sizeof s, "%.3f", v);
	return ins_result(x, "breath_alcohol", NULL, NULL, 0, "breath_alcohol", s, "g/210L", off, min, 2, note);
}

static enum tdm_status lab(struct mx *x, const char *code, double v, int off, int min)
{
	static const struct {
		const char *code, *unit, *fmt;
	} labs[] = {
		{"alt", "U/L", "%.0f"}, {"ast", "U/L", "%.0f"}, {"creatinine", "mg/dL", "%.2f"},
		{"creatinine_clearance", "mL/min", "%.0f"}, {"lithium", "mmol/L", "%.2f"},
	};
	char s[32];
	for (int i = 0; i < COUNT_OF(labs); i++) {
		if (strcmp(labs[i].code, code))
			continue;
		snprintf(s, sizeof s, labs[i].fmt, v);
		return ins_result(x, "lab", NULL, NULL, 0, code, s, labs[i].unit, off, min, range(&x->r, 180, 420),
				  NULL);
	}
	return tdm_fail(x->err, TDM_EINTERNAL, "code", "demo: unknown lab %s", code);
}

static enum tdm_status ecg(struct mx *x, int qtc, int off, int min, const char *note)
{
	char s[32];
	snprintf(s, sizeof s, "%d", qtc);
	return ins_result(x, "ecg", NULL, NULL, 0, "qtc", s, "ms", off, min, 10, note);
}

/* A lab value lo..hi hundredths, drawn in the morning. */
static enum tdm_status lab_level(struct mx *x, const char *code, int lo, int hi, int off)
{
	double v = range(&x->r, lo, hi) / 100.0;
	return lab(x, code, v, off, range(&x->r, 8 * 60, 9 * 60 + 30));
}

/* Liver tests: ALT and AST drawn together. */
static enum tdm_status lfts(struct mx *x, int off, int high)
{
	struct rnd *r = &x->r;
	int min = range(r, 8 * 60, 11 * 60);
	double alt = high ? range(r, 135, 170) : range(r, 14, pct(r, 20) ? 62 : 40);
	double ast = high ? range(r, 95, 130) : range(r, 15, pct(r, 20) ? 55 : 38);
	enum tdm_status rc = lab(x, "alt", alt, off, min);
	return rc ? rc : lab(x, "ast", ast, off, min);
}

/* A screen of the substances that matter before naltrexone: all negative. */
static enum tdm_status opioid_free_screen(struct mx *x, int off)
{
	static const char *const subs[] = {"opioids", "fentanyl", "buprenorphine", "methadone", "oxycodone"};
	int min = range(&x->r, 8 * 60, 10 * 60);
	enum tdm_status rc = TDM_OK;
	for (int i = 0; !rc && i < COUNT_OF(subs); i++)
		rc = uds(x, subs[i], 0, 0, off, min);
	return rc;
}

/* ---- opioid treatment program courses ---- */

struct otp_course {
	int S;              /* first dose day */
	int open;           /* still running today */
	int stop;           /* discontinue effective day when !open */
	const char *stop_reason;
	int taper_from;     /* a taper starts here (NEVER: none) */
	int lost_from;      /* no attendance from this day (NEVER: none) */
	int64_t indication;
};

enum { AT_NONE, AT_GIVEN, AT_TAKE_HOME, AT_MISSED, AT_HELD };

static const int phase_step[] = {1, 2, 3, 7, 14};     /* days between clinic visits */
static const int phase_days[] = {0, 2, 3, 6, 13};     /* take-home days the decision approves */
static const char *const phase_text[] = {
	"clinic-closure doses only",
	"take-home doses on alternate days (up to 2 days at a time)",
	"two clinic visits a week (up to 3 days at a time)",
	"a weekly clinic visit (up to 6 days at a time)",
	"a clinic visit every two weeks (up to 13 days at a time)",
};

struct outstanding {
	int64_t id;
	int bottles, due, first;
};

struct otp_sim {
	struct mx *x;
	const struct otp_course *oc;
	const char *med;
	int methadone, limit, S, L;
	int64_t order_id, decision_id;
	/* the patient */
	int risk;                 /* 3-50: how often screens come back unexpectedly positive */
	int miss_pm;              /* per mille: a missed run starts on a clinic day */
	int qtc_base;
	int force_from;           /* a missed run still open today starts here (NEVER: none) */
	int hold_now;             /* in hospital from here to today (NEVER: none) */
	int hosp, hosp_len;       /* an earlier hospital stay (NEVER: none) */
	/* dosing */
	double dose, climb_to;
	int st_day[ORDER_MAX_STEPS];
	double st_dose[ORDER_MAX_STEPS];
	int n_st, k_st, plan_end;
	int next_climb, next_adjust, tapering;
	/* attendance */
	int consec;               /* scheduled days without a dose since the last reassessment */
	int run_left, held, resume_on;
	unsigned char att[SPAN];  /* AT_* per day index */
	unsigned char cov[SPAN];  /* covered by a take-home dispense */
	/* monitoring and take-homes */
	int next_uds, next_ecg, ecg_over100;
	int phase, lvl_max, next_review;
	int last_unexpected, neg_streak;
	char last_pos[24];
	struct outstanding out[MAX_OUT];
	int n_out;
	char why[300];
};

static int otp_misses(const struct otp_sim *s, int d, int days)
{
	int n = 0;
	for (int k = d - days; k < d; k++)
		if (k >= s->S)
			n += s->att[k - s->S] == AT_MISSED;
	return n;
}

static int otp_given(const struct otp_sim *s, int d, int days, int *clinic)
{
	int n = 0;
	*clinic = 0;
	for (int k = d - days; k < d; k++) {
		if (k < s->S)
			continue;
		int v = s->att[k - s->S];
		n += v == AT_GIVEN;
		*clinic += v == AT_GIVEN || v == AT_MISSED;
	}
	return n;
}

static const char *const other_factors[] = {"stable housing", "working part time", "attends counselling weekly",
					    "family support", "childcare at home"};

/* The prescriber's take-home decision on visit day d. */
static enum tdm_status otp_decide(struct otp_sim *s, int d, int min, const char *reason)
{
	struct mx *x = s->x;
	if (!s->methadone)
		return TDM_OK; /* no time-in-treatment ceiling: dispensed without a decision */
	int tday = d - s->S + 1;
	const struct takehome_tier *tier = takehome_tier_for(tday);
	int max = tier ? tier->max_days : 0;
	int approved = phase_days[s->phase] < max ? phase_days[s->phase] : max;
	int clinic, given = otp_given(s, d, 30, &clinic);
	char factors[600], at[INSTANT_LEN], why[400];
	char screens[80];
	if (s->last_unexpected >= d - 30)
		snprintf(screens, sizeof screens, "unexpected positive (%s) in the last 30 days", s->last_pos);
	else
		snprintf(screens, sizeof screens, "negative x%d", s->neg_streak);
	snprintf(factors, sizeof factors,
		 "{\"attendance\":\"%s: %d of %d clinic days in the last 30\",\"screens\":\"%s\","
		 "\"behaviour\":\"no incidents\",\"diversion\":\"%s\",\"storage\":\"lockbox at home; education recorded\","
		 "\"other\":\"%s\"}",
		 clinic && given * 100 >= 90 * clinic ? "regular" : "some missed days", given, clinic, screens,
		 s->phase == 0 && strstr(reason, "bottle") ? "bottle not returned" : "none known",
		 PICK(&x->r, other_factors));
	snprintf(why, sizeof why, "%s (treatment day %d; up to %d days allowed).", reason, tday, max);
	inst(x, d, min, at);
	return ins_decision(x, "methadone", approved, max, tday, factors, why, at, &s->decision_id);
}

/* Bottles back from earlier dispenses (one may be missing). */
static enum tdm_status otp_returns(struct otp_sim *s, int d, int min, int *missing)
{
	struct mx *x = s->x;
	char at[INSTANT_LEN];
	enum tdm_status rc = TDM_OK;
	*missing = 0;
	inst(x, d, min, at);
	int k = 0;
	for (int i = 0; i < s->n_out; i++) {
		struct outstanding *o = &s->out[i];
		if (o->due > d) {
			s->out[k++] = *o;
			continue;
		}
		int tday = d - s->S + 1;
		int lose = !rc && !*missing && s->methadone && o->bottles >= 2 && s->phase >= 2 &&
			   ((!x->c->missing_bottle && tday > 120) || permille(&x->r, 3));
		if (lose) {
			char note[200], first[DATE_LEN];
			day_str(x, o->first, first);
			x->c->missing_bottle++;
			*missing = 1;
			rc = ins_return(x, o->id, 1, "missing", "Patient reports one bottle lost on the bus; not found.", at);
			if (!rc)
				rc = ins_return(x, o->id, o->bottles - 1, "returned", NULL, at);
			snprintf(note, sizeof note, "1 of %d take-home bottles from the dispense of %s not returned"
				 " (reported lost). Counselled on safe storage; take-homes suspended pending review.",
				 o->bottles, first);
			if (!rc)
				rc = ins_diversion(x, d, note, at);
		} else if (!rc) {
			rc = ins_return(x, o->id, o->bottles, "returned", NULL, at);
		}
	}
	s->n_out = k;
	return rc;
}

/* Take-homes from visit day d: a supply to the next visit, and single
 * doses for the clinic's closed days after it. */
static enum tdm_status otp_dispense(struct otp_sim *s, int d, int min)
{
	struct mx *x = s->x;
	char at[INSTANT_LEN];
	enum tdm_status rc = TDM_OK;
	int last = s->oc->open ? d + 28 : s->L;
	if (last >= s->force_from)
		last = s->force_from - 1; /* nothing to take home into the open missed run */
	int nv = d + phase_step[s->phase];
	int reg_last = nv - 1 < last ? nv - 1 : last;
	inst(x, d, min, at);
	if (reg_last > d) {
		int64_t id;
		int days = reg_last - d;
		rc = ins_dispense(x, s->order_id, d + 1, days, days, s->dose, 0, s->methadone ? s->decision_id : 0,
				  at, &id);
		for (int k = d + 1; !rc && k <= reg_last; k++) {
			rc = ins_admin(x, s->order_id, k, 1, "take_home", &s->dose, id, NULL, at);
			s->cov[k - s->S] = 1;
		}
		if (!rc && s->n_out < MAX_OUT)
			s->out[s->n_out++] = (struct outstanding){id, days, reg_last + 1, d + 1};
	}
	for (int e = reg_last + 1; !rc && e <= last && e != 0 && closed_on(x, e); e++) {
		int64_t id;
		rc = ins_dispense(x, s->order_id, e, 1, 1, s->dose, 1, 0, at, &id);
		if (!rc)
			rc = ins_admin(x, s->order_id, e, 1, "take_home", &s->dose, id, NULL, at);
		s->cov[e - s->S] = 1;
		if (!rc && s->n_out < MAX_OUT)
			s->out[s->n_out++] = (struct outstanding){id, 1, e + 1, e};
	}
	return rc;
}

/* A screen at a visit: the prescribed medication (an expected positive)
 * and a panel whose unexpected positives are likelier early in treatment
 * and for riskier patients. */
static enum tdm_status otp_screen(struct otp_sim *s, int d, int min, int *unexpected)
{
	struct mx *x = s->x;
	struct rnd *r = &x->r;
	int tday = d - s->S + 1, risk = s->risk;
	int m = tday == 1 ? 0 : tday <= 30 ? 30 : tday <= 90 ? 12 : tday <= 180 ? 5 : 2;
	struct {
		const char *sub;
		int pm;
	} panel[] = {
		{"fentanyl", tday == 1 ? 850 : risk * 6 * m / 10},
		{"opioids", tday == 1 ? 500 : risk * 3 * m / 10},
		{"cocaine", tday == 1 ? 200 : risk * 3 * m / 10},
		{"benzodiazepines", tday == 1 ? 120 : risk * 2 * m / 10},
		{"amphetamines", tday == 1 ? 100 : risk * m / 10},
	};
	enum tdm_status rc = TDM_OK;
	int fent = 0;
	*unexpected = 0;
	if (tday > 1)
		rc = uds(x, s->methadone ? "methadone" : "buprenorphine", 1, 1, d, min);
	for (int i = 0; !rc && i < COUNT_OF(panel); i++) {
		if (i == 4 && !pct(r, 40))
			continue;
		int pos = permille(r, panel[i].pm);
		rc = uds(x, panel[i].sub, pos, 0, d, min);
		if (pos && i == 0)
			fent = 1;
		if (pos && !*unexpected)
			snprintf(s->last_pos, sizeof s->last_pos, "%s", panel[i].sub);
		*unexpected += pos;
	}
	if (!rc && fent && pct(r, 50))
		rc = uds(x, "xylazine", pct(r, 40), 0, d, min);
	return rc;
}

static double round5(double v)
{
	return 5.0 * (double)(long)((v + 2.5) / 5.0);
}

static const char *const up_reasons[] = {
	"Withdrawal signs late in the day (COWS 7 before dosing)",
	"Still craving in the evenings",
	"Titration toward maintenance as planned",
	"Reports using on weekends to manage withdrawal",
	"Wakes with withdrawal symptoms; sleep poor",
};

static const char *const hospital[] = {"pneumonia", "cellulitis", "a fractured wrist", "chest pain",
				       "an abscess needing drainage"};

/* Who the patient is: risk, attendance, how far take-homes go, and the
 * cohort-wide features (a missed run open today, a hospital stay now). */
static void otp_traits(struct otp_sim *s, int n)
{
	static const int lvl_w[] = {15, 20, 20, 28, 17};
	struct mx *x = s->x;
	struct rnd *r = &x->r;
	s->risk = pct(r, 60) ? range(r, 3, 20) : range(r, 20, 50);
	s->miss_pm = range(r, 15, 40) + s->risk / 3;
	s->lvl_max = s->risk > 40 ? below(r, 2) : weighted(r, lvl_w, COUNT_OF(lvl_w));
	s->force_from = s->hold_now = s->hosp = NEVER;
	s->hosp_len = range(r, 3, 8);
	if (s->oc->open && n > 60 && !x->c->reassess_open) {
		x->c->reassess_open = 1;
		s->force_from = -(s->limit + below(r, 2));
		s->lvl_max = 0;
	} else if (s->oc->open && s->methadone && n > 90 && !x->c->held_now) {
		x->c->held_now++;
		s->hold_now = -range(r, 1, 3);
		s->lvl_max = 0;
	} else if (n > 150 && pct(r, 15)) {
		s->hosp = s->S + range(r, 60, n - 40);
	}
	s->qtc_base = range(r, 400, 440);
	if (s->methadone && n > 200 && x->c->qtc_high < 2) {
		x->c->qtc_high++;
		s->qtc_base = range(r, 452, 460);
	}
	s->next_review = s->S + range(r, 31, 60);
	s->last_unexpected = -NEVER;
	s->resume_on = s->next_adjust = NEVER;
	s->next_uds = s->next_ecg = s->S;
}

/* The order: induction dose, a titration plan (methadone +5 mg every few
 * days, or buprenorphine day-2/day-3 steps) or dose changes to come, and
 * the admission's storage education. */
static enum tdm_status otp_order(struct otp_sim *s)
{
	static const double bup_maint[] = {12, 16, 16, 16, 16, 20, 24};
	static const char *const instr_m = "Oral concentrate 10 mg/mL, observed dosing. Take-homes only as the"
					   " prescriber's recorded decision allows.";
	static const char *const instr_b = "Sublingual, observed dosing until take-homes are agreed.";
	struct mx *x = s->x;
	struct rnd *r = &x->r;
	int S = s->S;
	char plan[400] = "";
	s->dose = s->methadone ? 20 + 5 * below(r, 3) : (pct(r, 60) ? 8 : 4);
	s->climb_to = s->methadone ? (pct(r, 15) ? 5.0 * range(r, 12, 15) : 5.0 * range(r, 16, 24)) : PICK(r, bup_maint);
	int use_plan = pct(r, 50);
	if (use_plan && s->methadone) {
		int every = range(r, 3, 5);
		double target = 5.0 * range(r, 10, 14);
		if (target > s->climb_to)
			target = s->climb_to;
		for (double v = s->dose + 5; v <= target + 1e-9 && s->n_st < ORDER_MAX_STEPS; v += 5) {
			s->st_day[s->n_st] = S + every * (s->n_st + 1);
			s->st_dose[s->n_st++] = v;
		}
		snprintf(plan, sizeof plan, "{\"step\":5,\"every_days\":%d,\"target\":%g}", every, target);
	} else if (use_plan) {
		double d2 = s->dose + (pct(r, 50) ? 4 : 8), d3 = s->climb_to < 16 ? s->climb_to : 16;
		if (d2 > 16)
			d2 = 16;
		s->st_day[s->n_st] = S + 1;
		s->st_dose[s->n_st++] = d2;
		if (d3 > d2) {
			s->st_day[s->n_st] = S + 2;
			s->st_dose[s->n_st++] = d3;
			snprintf(plan, sizeof plan, "{\"steps\":[{\"day\":2,\"dose\":%g},{\"day\":3,\"dose\":%g}]}", d2, d3);
		} else {
			snprintf(plan, sizeof plan, "{\"steps\":[{\"day\":2,\"dose\":%g}]}", d2);
		}
	}
	for (int i = 0; i < s->n_st; i++) /* a short course keeps only the steps it reaches */
		if (s->st_day[i] > s->L + (s->oc->open ? 60 : 0))
			s->n_st = i;
	s->plan_end = s->n_st ? s->st_day[s->n_st - 1] : S;
	s->next_climb = s->n_st ? s->plan_end + range(r, 5, 8) : S + (s->methadone ? range(r, 3, 5) : 1);

	int created = range(r, 6 * 60 + 30, 7 * 60 + 30);
	enum tdm_status rc = ins_order(x, s->med, s->methadone ? "oral" : "sublingual", "daily", S, 0, 0,
				       s->oc->indication, s->methadone ? instr_m : instr_b, created, &s->order_id);
	if (!rc) {
		if (s->methadone)
			snprintf(s->why, sizeof s->why, "Induction: first dose %g mg under observation (COWS %d);"
				 " first-day total not above %g mg", s->dose, range(r, 9, 16), s->dose + 10);
		else
			snprintf(s->why, sizeof s->why, "Induction: %g mg once objective withdrawal was documented"
				 " (COWS %d)", s->dose, range(r, 9, 16));
		rc = ins_event(x, s->order_id, "start", &s->dose, 0, S, s->why, S, created);
	}
	if (!rc && s->n_st)
		rc = ins_plan(x, s->order_id, plan, s->st_day, s->st_dose, s->n_st, S, created + 1);
	if (!rc) {
		char at[INSTANT_LEN];
		inst(x, S, created + 25, at);
		rc = ins_education(x, s->methadone
				   ? "Take-home safety: lockbox provided; store out of sight and reach of children; never"
				     " share; bring every bottle back at the next visit; naloxone kit given."
				   : "Safe storage of buprenorphine: locked box, away from children; naloxone kit given.",
				   at);
	}
	return rc;
}

/* Does the patient come in on clinic day d? */
static int otp_attends(struct otp_sim *s, int d)
{
	struct rnd *r = &s->x->r;
	if (d >= s->oc->lost_from || d >= s->force_from)
		return 0;
	if (s->run_left > 0) {
		s->run_left--;
		return 0;
	}
	if (d == s->S || (s->force_from != NEVER && d >= s->force_from - 4))
		return 1; /* the first day; the days before the open run */
	if (!permille(r, d - s->S < 30 ? 3 * s->miss_pm / 2 : s->miss_pm))
		return 1;
	static const int len_w[] = {70, 18, 8, 4};
	int len = 1 + weighted(r, len_w, COUNT_OF(len_w));
	s->run_left = d <= s->plan_end + 3 ? 0 : len - 1;
	return 0;
}

/* The prescriber before today's dose: a reassessment after missed doses,
 * titration, taper, maintenance adjustments (one dose change a day). */
static enum tdm_status otp_prescribe(struct otp_sim *s, int d, int vmin)
{
	struct mx *x = s->x;
	struct rnd *r = &x->r;
	if (s->consec >= s->limit) {
		double old = s->dose;
		int consec = s->consec;
		s->consec = 0;
		if (!s->methadone || consec == s->limit || d <= s->plan_end) {
			snprintf(s->why, sizeof s->why, "%d missed doses: seen by the prescriber, no sedation or"
				 " withdrawal signs; continue %g mg", consec, s->dose);
			return ins_event(x, s->order_id, "reassess", NULL, 0, d, s->why, d, vmin - 20);
		}
		s->dose = round5(old * 0.7);
		if (s->dose < 30)
			s->dose = old < 30 ? old : 30;
		snprintf(s->why, sizeof s->why, "%d consecutive doses missed: tolerance may be lower; dose reduced to"
			 " %g mg, re-titrate", consec, s->dose);
		if (!s->tapering && old > s->dose) {
			s->climb_to = old;
			s->next_climb = d + range(r, 3, 4);
		}
		return ins_event(x, s->order_id, "change", &s->dose, 0, d, s->why, d, vmin - 20);
	}
	s->consec = 0;
	if (d >= s->oc->taper_from && !s->tapering) {
		s->tapering = 1;
		s->climb_to = s->methadone ? 5 : 2;
		s->next_climb = d;
	}
	if (d > s->plan_end && d >= s->next_climb && s->dose != s->climb_to) {
		double step;
		const char *reason;
		if (s->tapering) {
			step = -(s->methadone ? (s->dose > 40 ? 10 : 5) : 2);
			reason = "Taper agreed with the patient";
			s->next_climb = d + range(r, 7, 14);
		} else if (s->methadone) {
			step = s->dose < 60 || pct(r, 50) ? 5 : 10;
			reason = PICK(r, up_reasons);
			s->next_climb = d + (s->dose < 60 ? range(r, 3, 5) : range(r, 5, 9));
		} else {
			step = d == s->S + 1 ? (pct(r, 50) ? 4 : 8) : 4;
			reason = d == s->S + 1 ? "Day 2 of induction" : PICK(r, up_reasons);
			s->next_climb = d + range(r, 4, 7);
		}
		double v = s->dose + step;
		if ((step > 0 && v > s->climb_to) || (step < 0 && v < s->climb_to))
			v = s->climb_to;
		snprintf(s->why, sizeof s->why, "%s: %s%g mg", reason, v > s->dose ? "+" : "", v - s->dose);
		s->dose = v;
		return ins_event(x, s->order_id, "change", &s->dose, 0, d, s->why, d, vmin - 20);
	}
	if (s->tapering || d <= s->plan_end || s->dose != s->climb_to)
		return TDM_OK;
	if (s->next_adjust == NEVER) {
		s->next_adjust = d + range(r, 90, 240); /* maintenance reached */
		return TDM_OK;
	}
	if (d < s->next_adjust)
		return TDM_OK;
	s->next_adjust = d + range(r, 90, 240);
	if (!pct(r, 50))
		return TDM_OK;
	int up = pct(r, 55);
	double step = s->methadone ? (up ? 10 : -5) : (up ? 4 : -4);
	double v = s->dose + step;
	if (v < (s->methadone ? 40 : 8) || v > (s->methadone ? 130 : 24))
		return TDM_OK;
	snprintf(s->why, sizeof s->why, "%s: %+g mg",
		 up ? "Cravings returned under stress" : "Asked to lower the dose (daytime drowsiness)", step);
	s->dose = s->climb_to = v;
	return ins_event(x, s->order_id, "change", &s->dose, 0, d, s->why, d, vmin - 20);
}

/* Screens about monthly and ECGs (methadone: before the first dose, within
 * 30 days, yearly, and after the dose passes 100 mg). */
static enum tdm_status otp_monitor(struct otp_sim *s, int d, int vmin, int *unexpected)
{
	struct mx *x = s->x;
	struct rnd *r = &x->r;
	enum tdm_status rc = TDM_OK;
	*unexpected = 0;
	if (d >= s->next_uds) {
		rc = otp_screen(s, d, vmin - 10, unexpected);
		s->next_uds = d == s->S ? d + range(r, 7, 14) : d + range(r, 18, 40);
		if (d > s->S && *unexpected) {
			s->last_unexpected = d;
			s->neg_streak = 0;
		} else if (d > s->S) {
			s->neg_streak++;
		}
	}
	if (!rc && s->methadone && s->dose > 100 && !s->ecg_over100) {
		s->ecg_over100 = 1;
		if (s->next_ecg > d + 10)
			s->next_ecg = d + range(r, 3, 10);
	}
	if (!rc && s->methadone && d >= s->next_ecg) {
		int q = s->qtc_base + (int)(s->dose - 60) / 10 + range(r, -8, 8);
		int cap = s->qtc_base >= 450 ? 480 : 460;
		q = q > cap ? cap : q < 400 ? 400 : q;
		rc = ecg(x, q, d, vmin - 30, d == s->S ? "Baseline before the first methadone dose" : NULL);
		s->next_ecg = d == s->S ? d + range(r, 14, 28) : d + range(r, 330, 365);
		if (d > s->S + 30 && pct(r, 12))
			s->next_ecg += range(r, 60, 120); /* the yearly ECG slipped */
	}
	return rc;
}

/* Bottles back, then the take-home decision of the day: suspended after a
 * missing bottle, reduced after an unexpected positive, stepped up when
 * stable (from treatment day 31). */
static enum tdm_status otp_review(struct otp_sim *s, int d, int vmin, int unexpected)
{
	struct mx *x = s->x;
	struct rnd *r = &x->r;
	int missing, tday = d - s->S + 1;
	enum tdm_status rc = otp_returns(s, d, vmin - 2, &missing);
	if (rc)
		return rc;
	if (missing) {
		s->phase = 0;
		s->next_review = d + range(r, 60, 90);
		return otp_decide(s, d, vmin - 1, "Take-homes suspended: a bottle was not returned");
	}
	if (unexpected && s->phase >= 1 && d > s->S) {
		s->phase = s->phase >= 3 ? 1 : 0;
		s->next_review = d + range(r, 30, 60);
		snprintf(s->why, sizeof s->why, "Unexpected positive screen (%s) today: take-homes reduced to %s;"
			 " review in 30-60 days", s->last_pos, phase_text[s->phase]);
		return otp_decide(s, d, vmin - 1, s->why);
	}
	if (s->phase >= s->lvl_max || tday < 31 || d < s->next_review)
		return TDM_OK;
	if (s->last_unexpected >= d - 30 || otp_misses(s, d, 30) > 1 || s->neg_streak < 2) {
		s->next_review = d + range(r, 14, 30);
		return TDM_OK;
	}
	s->phase++;
	s->next_review = d + range(r, 30, 75);
	snprintf(s->why, sizeof s->why, "Stable on %g mg: regular attendance, negative screens x%d; take-homes"
		 " increased to %s", s->dose, s->neg_streak, phase_text[s->phase]);
	rc = otp_decide(s, d, vmin - 1, s->why);
	if (!rc && s->phase == 3) {
		char at[INSTANT_LEN];
		inst(x, d, vmin + 3, at);
		rc = ins_education(x, "Refresher before weekly take-homes: lockbox checked, storage and return of"
				   " bottles reviewed.", at);
	}
	return rc;
}

/* A day the clinic is closed and nothing was taken home for it, or the
 * patient did not come: a missed dose (recorded from yesterday back). */
static enum tdm_status otp_missed(struct otp_sim *s, int d, int closed)
{
	struct mx *x = s->x;
	int i = d - s->S;
	char at[INSTANT_LEN];
	enum tdm_status rc = TDM_OK;
	s->att[i] = AT_MISSED;
	s->consec++;
	if (closed) {
		inst(x, d + 1, range(&x->r, 7 * 60, 7 * 60 + 20), at);
		rc = ins_admin(x, s->order_id, d, 1, "missed", NULL, 0,
			       i && s->att[i - 1] == AT_GIVEN ? "Clinic closed; no take-home dose dispensed."
			       : "Clinic closed; no take-home dose (did not attend the day before).", at);
	} else if (d < 0) {
		inst(x, d, range(&x->r, 18 * 60, 18 * 60 + 30), at);
		rc = ins_admin(x, s->order_id, d, 1, "missed", NULL, 0, "Did not attend.", at);
	}
	return rc;
}

/* A hospital stay begins on clinic day d: the order is held (and resumed
 * after it, unless the patient is there today). */
static enum tdm_status otp_hospital(struct otp_sim *s, int d)
{
	struct rnd *r = &s->x->r;
	const char *where = PICK(r, hospital);
	int now = d >= s->hold_now;
	if (now)
		snprintf(s->why, sizeof s->why, "Admitted to hospital with %s; the ward doses %s and has the dose"
			 " confirmed: held here until discharge", where, s->med);
	else
		snprintf(s->why, sizeof s->why, "Admitted to hospital with %s; dose confirmed with the ward: held here",
			 where);
	s->held = 1;
	s->att[d - s->S] = AT_HELD;
	s->resume_on = now ? NEVER : d + s->hosp_len;
	s->hosp = NEVER;
	return ins_event(s->x, s->order_id, "hold", NULL, 0, d, s->why, d, range(r, 9 * 60, 10 * 60));
}

/* A clinic day the patient came: the prescriber, screens, take-home
 * review, the witnessed dose and the take-homes to the next visit. The
 * nurse holds a dose now and then, or the patient declines it. */
static enum tdm_status otp_visit(struct otp_sim *s, int d, int vmin)
{
	struct mx *x = s->x;
	struct rnd *r = &x->r;
	int i = d - s->S;
	char at[INSTANT_LEN];
	enum tdm_status rc = otp_prescribe(s, d, vmin);
	if (rc)
		return rc;
	if (d != s->S && d != 0 && permille(r, 10)) {
		const char *note = "Declined today's dose: says he feels over-medicated; prescriber informed.";
		const char *status = "refused";
		if (pct(r, 70)) {
			status = "held";
			note = "Appeared sedated (slurred speech, pinpoint pupils); dose held, prescriber informed.";
			if (pct(r, 50)) {
				note = "Breath alcohol positive; dose held per policy, prescriber informed.";
				rc = breath(x, range(r, 40, 110) / 1000.0, d, vmin - 5, "Before dosing; dose held.");
			}
		}
		inst(x, d, vmin, at);
		if (!rc)
			rc = ins_admin(x, s->order_id, d, 1, status, NULL, 0, note, at);
		s->att[i] = AT_MISSED;
		s->consec = 1;
		return rc;
	}
	int unexpected;
	rc = otp_monitor(s, d, vmin, &unexpected);
	if (!rc)
		rc = otp_review(s, d, vmin, unexpected);
	inst(x, d, vmin, at);
	if (!rc)
		rc = ins_admin(x, s->order_id, d, 1, "given", &s->dose, 0, NULL, at);
	s->att[i] = AT_GIVEN;
	return rc ? rc : otp_dispense(s, d, vmin + 2);
}

static enum tdm_status run_otp(struct mx *x, const struct otp_course *oc, int methadone)
{
	struct rnd *r = &x->r;
	int L = oc->open ? 0 : oc->stop - 1, n = L - oc->S + 1;
	if (n < 1)
		return TDM_OK;
	struct otp_sim *s = calloc(1, sizeof *s);
	if (!s)
		return tdm_fail(x->err, TDM_ENOMEM, NULL, "out of memory");
	s->x = x;
	s->oc = oc;
	s->methadone = methadone;
	s->med = methadone ? "methadone" : "buprenorphine";
	s->S = oc->S;
	s->L = L;
	s->limit = order_missed_limit(s->med);
	if (s->limit <= 0)
		s->limit = methadone ? 3 : 5;
	otp_traits(s, n);
	enum tdm_status rc = otp_order(s);
	for (int d = s->S; !rc && d <= L; d++) {
		int i = d - s->S;
		while (s->k_st < s->n_st && s->st_day[s->k_st] <= d)
			s->dose = s->st_dose[s->k_st++];
		if (s->held && d < s->resume_on)
			continue;
		if (s->held) {
			s->held = 0;
			snprintf(s->why, sizeof s->why, "Hospital discharge tomorrow; last hospital dose %g mg confirmed"
				 " with the ward: resume", s->dose);
			rc = ins_event(x, s->order_id, "resume", NULL, 0, d, s->why, d - 1, range(r, 17 * 60, 19 * 60));
			if (rc)
				break;
		}
		if (s->cov[i]) {
			s->att[i] = AT_TAKE_HOME;
			s->consec = 0;
			continue;
		}
		if ((d >= s->hosp && d < L - 10) || d >= s->hold_now) {
			rc = otp_hospital(s, d);
			continue;
		}
		if (d != 0 && d != s->S && closed_on(x, d)) {
			rc = otp_missed(s, d, 1);
			continue;
		}
		if (!otp_attends(s, d)) {
			rc = otp_missed(s, d, 0);
			continue;
		}
		int vmin = range(r, 6 * 60, 11 * 60 + 30);
		if (d == 0) { /* some have been dosed today, the rest are still due */
			int t = vmin < x->now_min - 2 ? vmin : x->now_min - range(r, 2, 30);
			if (!pct(r, 45) || t < 60)
				break;
			vmin = t;
		} else if (d == s->S) {
			vmin = range(r, 8 * 60, 10 * 60); /* after the order was written */
		}
		rc = otp_visit(s, d, vmin);
	}
	if (!rc && !oc->open)
		rc = ins_event(x, s->order_id, "discontinue", NULL, 0, oc->stop, oc->stop_reason, oc->stop,
			       range(r, 10 * 60, 12 * 60));
	free(s);
	return rc;
}

/* ---- other medications ---- */

struct change {
	int day;
	double dose;
	const char *reason;
};

struct course {
	const char *med, *route, *freq, *instructions, *start_reason;
	int per_day, every, bedtime, clinic, supply;
	int start, last, open, fixed;  /* fixed: ends by stop_on = last */
	const char *stop_reason;       /* the discontinue event's reason otherwise */
	double dose;
	struct change ch[MAX_CHANGES];
	int n_ch;
	int plan;                      /* ch[] are a titration plan's steps, not change events */
	int hold_from, resume_on;      /* NEVER: none; resume_on NEVER: still held */
	const char *hold_reason, *resume_reason;
	int64_t indication;
	const struct demo_med_episode *ep;
};

static int ward_day(const struct demo_med_episode *e, int d)
{
	const char *lv = NULL;
	for (int k = 0; e && k < e->n; k++)
		if (e->level_start[k] <= d)
			lv = e->level[k];
	return lv && (!strcmp(lv, "detox") || !strcmp(lv, "residential"));
}

static double course_dose(const struct course *c, int d)
{
	double v = c->dose;
	for (int i = 0; i < c->n_ch; i++)
		if (c->ch[i].day <= d)
			v = c->ch[i].dose;
	return v;
}

static int course_held(const struct course *c, int d)
{
	return d >= c->hold_from && d < c->resume_on;
}

static int course_changes_on(const struct course *c, int d)
{
	for (int i = 0; i < c->n_ch; i++)
		if (c->ch[i].day == d)
			return 1;
	return 0;
}

static int slot_min(const struct course *c, int slot)
{
	static const int bid[] = {8 * 60, 20 * 60}, tid[] = {8 * 60, 13 * 60, 18 * 60},
			 qid[] = {8 * 60, 12 * 60, 16 * 60, 20 * 60};
	switch (c->per_day) {
	case 2: return bid[slot - 1];
	case 3: return tid[slot - 1];
	case 4: return qid[slot - 1];
	default: return c->bedtime ? 21 * 60 : 8 * 60 + 30;
	}
}

static void add_change(struct course *c, int day, double dose, const char *reason)
{
	if (c->n_ch < MAX_CHANGES && day > c->start && day <= c->last)
		c->ch[c->n_ch++] = (struct change){day, dose, reason};
}

/* Writes a course: the order and its events, then every scheduled dose up
 * to today (given on ward days, collected as supplies otherwise). */
static enum tdm_status run_course(struct mx *x, struct course *c, int64_t *order_id)
{
	struct rnd *r = &x->r;
	if (c->last < c->start || c->start < -DEMO_MEDS_HISTORY)
		return TDM_OK;
	if (c->open)
		c->last = 0;
	int created = range(r, 7 * 60 + 10, 7 * 60 + 50);
	enum tdm_status rc = ins_order(x, c->med, c->route, c->freq, c->start, c->fixed, c->last, c->indication,
				       c->instructions, created, order_id);
	if (!rc)
		rc = ins_event(x, *order_id, "start", &c->dose, 0, c->start, c->start_reason, c->start, created);
	if (!rc && c->plan && c->n_ch) {
		int days[MAX_CHANGES];
		double doses[MAX_CHANGES];
		char plan[400];
		size_t len = (size_t)snprintf(plan, sizeof plan, "{\"steps\":[");
		for (int i = 0; i < c->n_ch; i++) {
			days[i] = c->ch[i].day;
			doses[i] = c->ch[i].dose;
			if (len < sizeof plan)
				len += (size_t)snprintf(plan + len, sizeof plan - len, "%s{\"day\":%d,\"dose\":%g}",
							i ? "," : "", c->ch[i].day - c->start + 1, c->ch[i].dose);
		}
		if (len < sizeof plan)
			snprintf(plan + len, sizeof plan - len, "]}");
		rc = ins_plan(x, *order_id, plan, days, doses, c->n_ch, c->start, created + 1);
	}
	/* Events in day order: changes, hold, resume, discontinue. */
	int stop = c->open || c->fixed ? NEVER : c->last + 1;
	for (int d = c->start + 1; !rc; d++) {
		int next = NEVER;
		for (int i = 0; !c->plan && i < c->n_ch; i++)
			if (c->ch[i].day >= d && c->ch[i].day < next)
				next = c->ch[i].day;
		if (c->hold_from >= d && c->hold_from < next)
			next = c->hold_from;
		if (c->hold_from != NEVER && c->resume_on >= d && c->resume_on < next)
			next = c->resume_on;
		if (stop >= d && stop < next)
			next = stop;
		if (next == NEVER)
			break;
		d = next;
		for (int i = 0; !rc && !c->plan && i < c->n_ch; i++)
			if (c->ch[i].day == d)
				rc = ins_event(x, *order_id, "change", &c->ch[i].dose, 0, d, c->ch[i].reason, d,
					       range(r, 9 * 60, 12 * 60));
		if (!rc && d == c->hold_from)
			rc = ins_event(x, *order_id, "hold", NULL, 0, d, c->hold_reason, d, range(r, 12 * 60, 16 * 60));
		if (!rc && d == c->resume_on && c->hold_from != NEVER)
			rc = ins_event(x, *order_id, "resume", NULL, 0, d, c->resume_reason, d, range(r, 7 * 60, 7 * 60 + 45));
		if (!rc && d == stop)
			rc = ins_event(x, *order_id, "discontinue", NULL, 0, d, c->stop_reason, d, range(r, 9 * 60, 16 * 60));
	}
	/* The doses. */
	unsigned char *cov = calloc(SPAN + 32, 1);
	if (!cov)
		return rc ? rc : tdm_fail(x->err, TDM_ENOMEM, NULL, "out of memory");
	int every = c->every > 0 ? c->every : 1;
	char at[INSTANT_LEN];
	for (int d = c->start; !rc && d <= c->last && d <= 0; d += every) {
		if (course_held(c, d) || cov[d - c->start])
			continue;
		double dose = course_dose(c, d);
		if (c->clinic || ward_day(c->ep, d)) {
			for (int sl = 1; !rc && sl <= c->per_day; sl++) {
				int t = slot_min(c, sl) + range(r, -10, 25);
				if (d == c->start && t < created + 15)
					t = created + 15;
				if (d == 0 && t > x->now_min - 5)
					continue; /* still due today */
				inst(x, d, t, at);
				if (permille(r, 15))
					rc = ins_admin(x, *order_id, d, sl, "refused", NULL, 0,
						       c->bedtime || sl == c->per_day ? "Asleep; did not want waking."
										 : "Declined: felt nauseous.", at);
				else
					rc = ins_admin(x, *order_id, d, sl, "given", &dose, 0, NULL, at);
			}
			continue;
		}
		/* A supply to the next change, ward stay, hold or its end. */
		int lim = c->open ? d + c->supply - 1 : c->last;
		int b = d;
		while (b + 1 <= lim && b + 1 - d < c->supply && !ward_day(c->ep, b + 1) && !course_held(c, b + 1) &&
		       !course_changes_on(c, b + 1))
			b++;
		if (d == c->start)
			inst(x, d, created + range(r, 60, 240), at);
		else
			inst(x, d - 1, range(r, 14 * 60, 16 * 60), at);
		for (int sl = 1; !rc && sl <= c->per_day; sl++) {
			int64_t id;
			rc = ins_dispense(x, *order_id, d, b - d + 1, 0, dose, 0, 0, at, &id);
			for (int k = d; !rc && k <= b; k++)
				rc = ins_admin(x, *order_id, k, sl, "take_home", &dose, id,
					       k == d && sl == 1 ? "Supply collected (no bottles to return)." : NULL, at);
		}
		for (int k = d; k <= b; k++)
			cov[k - c->start] = 1;
	}
	free(cov);
	return rc;
}

static const char *close_reason(const struct demo_med_episode *e)
{
	const char *k = e->discharge_reason ? e->discharge_reason : "";
	if (!strcmp(k, "completed"))
		return "Discharged, treatment completed: continued by the primary care prescriber";
	if (!strcmp(k, "left_against_advice"))
		return "Left treatment against advice: order closed at discharge";
	if (!strcmp(k, "lost_to_follow_up"))
		return "Lost to follow-up: order closed at discharge";
	if (!strcmp(k, "transferred"))
		return "Transferred: medication list sent to the receiving program";
	return "Order closed at discharge";
}

/* A course over the last episode: open when the episode is, else closed at
 * discharge. */
static void course_init(struct course *c, const struct demo_med_episode *e, const char *med, const char *route,
			const char *freq, int per_day, double dose, int start)
{
	memset(c, 0, sizeof *c);
	c->med = med;
	c->route = route;
	c->freq = freq;
	c->per_day = per_day;
	c->every = 1;
	c->dose = dose;
	c->start = start;
	c->open = e->open;
	c->last = e->open ? 0 : e->end - 1;
	c->stop_reason = close_reason(e);
	c->supply = e->open ? 28 : 14;
	c->hold_from = c->resume_on = NEVER;
	c->ep = e;
	c->start_reason = "New prescription";
}

static int level_index(const struct demo_med_episode *e, const char *level)
{
	for (int k = 0; k < e->n; k++)
		if (!strcmp(e->level[k], level))
			return k;
	return -1;
}

/* The day a placement ends (the next one's start, discharge, or NEVER when
 * it runs on today). */
static int level_end(const struct demo_med_episode *e, int k)
{
	return k + 1 < e->n ? e->level_start[k + 1] : e->open ? NEVER : e->end;
}

static enum tdm_status naltrexone(struct mx *x, const struct demo_med_episode *e, int start, int xr,
				  int64_t indication)
{
	struct rnd *r = &x->r;
	struct course c;
	int64_t id;
	enum tdm_status rc = opioid_free_screen(x, start - range(r, 1, 2));
	if (!rc)
		rc = lfts(x, start - range(r, 2, 10), 0);
	if (xr) {
		course_init(&c, e, "naltrexone", "intramuscular", "every_4_weeks", 1, 380, start);
		c.every = 28;
		c.clinic = 1;
		c.instructions = "Extended-release 380 mg gluteal injection every 4 weeks; naloxone kit offered at each"
				 " injection.";
		c.start_reason = "Opioid-free 7+ days, opioid screen negative: first injection";
	} else {
		course_init(&c, e, "naltrexone", "oral", "daily", 1, 50, start);
		c.instructions = "50 mg tablet once daily.";
		c.start_reason = indication && dx_find(x, "F10") == indication
			? "Relapse prevention: reduces heavy drinking days" : "Opioid-free 7+ days, screen negative";
	}
	c.indication = indication;
	if (!rc)
		rc = run_course(x, &c, &id);
	/* Liver tests every ~3 months; now and then one slips. */
	for (int d = start + range(r, 80, 100); !rc && d <= c.last && d <= 0; d += range(r, 80, 100))
		if (!pct(r, 12))
			rc = lfts(x, d, 0);
	return rc;
}

static enum tdm_status plan_alcohol(struct mx *x, const struct demo_med_episode *e, int lo, int last)
{
	struct rnd *r = &x->r;
	int64_t ind = dx_find(x, "F10"), id;
	enum tdm_status rc = TDM_OK;
	int kd = level_index(e, "detox");
	int ds = kd >= 0 ? e->level_start[kd] : NEVER, de = kd >= 0 ? level_end(e, kd) : NEVER;
	if (kd >= 0 && ds >= lo) {
		struct course c;
		double bac = range(r, 60, 240) / 1000.0;
		rc = breath(x, bac, ds, range(r, 9 * 60, 20 * 60), "On admission to withdrawal management.");
		int len = de == NEVER || de - ds > 5 ? 5 : de - ds;
		course_init(&c, e, "chlordiazepoxide", "oral", "qid", 4, 25, ds);
		c.fixed = 1;
		c.open = 0;
		c.last = ds + len - 1;
		c.indication = ind;
		c.instructions = "Fixed-schedule taper; hold for sedation; CIWA-Ar every 4 hours.";
		c.start_reason = "Alcohol withdrawal (CIWA-Ar 18): fixed-schedule taper";
		add_change(&c, ds + 2, 20, "CIWA-Ar under 10: taper");
		add_change(&c, ds + 3, 15, "CIWA-Ar under 10: taper");
		add_change(&c, ds + 4, 10, "CIWA-Ar under 8: taper");
		if (!rc)
			rc = run_course(x, &c, &id);
	}
	/* Relapse prevention for most, started once withdrawal is over. */
	int start = kd >= 0 && de != NEVER ? de + range(r, 0, 3) : e->start + range(r, 3, 14);
	if (start < lo)
		start = lo + range(r, 0, 7);
	if (!rc && pct(r, 70) && start <= 0 && start <= last - 7 && (kd < 0 || de != NEVER)) {
		int roll = below(r, 100);
		struct course c;
		if (roll < 45) {
			rc = naltrexone(x, e, start, 0, ind);
		} else if (roll < 82) {
			int low = !x->c->crcl_low;
			double crcl = low ? range(r, 38, 48) : range(r, 68, 125);
			x->c->crcl_low += low;
			int on = start - range(r, 1, 7);
			rc = lab(x, "creatinine_clearance", crcl, on, range(r, 8 * 60, 10 * 60));
			course_init(&c, e, "acamprosate", "oral", "tid", 3, low ? 333 : 666, start);
			c.indication = ind;
			c.instructions = low ? "Renal adjustment: CrCl 30-50 mL/min, 333 mg three times daily."
					     : "666 mg (two 333 mg tablets) three times daily with meals.";
			c.start_reason = "Relapse prevention after withdrawal; abstinent";
			if (!rc)
				rc = run_course(x, &c, &id);
		} else {
			int high = !x->c->lft_high && last - start > 60;
			rc = breath(x, 0, start, range(r, 8 * 60, 9 * 60), "Before the first disulfiram dose.");
			if (!rc)
				rc = lfts(x, start - range(r, 1, 7), 0);
			course_init(&c, e, "disulfiram", "oral", "daily", 1, 250, start);
			c.indication = ind;
			c.instructions = "250 mg once daily, supervised. Patient and family told about alcohol in foods,"
					 " mouthwash and medicines.";
			c.start_reason = "Patient's choice after education; no alcohol for 48 hours, breath alcohol 0";
			int bad = start + range(r, 30, 60);
			if (high) {
				x->c->lft_high++;
				c.open = 0;
				c.last = bad;
				c.stop_reason = "ALT more than 3 times the upper limit: disulfiram stopped, hepatology"
						" referral";
			}
			if (!rc)
				rc = run_course(x, &c, &id);
			if (!rc && start + 14 <= c.last && start + 14 <= 0)
				rc = lfts(x, start + 14, 0);
			if (!rc && high)
				rc = lfts(x, bad, 1);
			for (int d = start + 14 + range(r, 85, 95); !rc && !high && d <= c.last && d <= 0;
			     d += range(r, 85, 95))
				rc = lfts(x, d, 0);
		}
	}
	/* Breath alcohol now and then while in care. */
	for (int d = (ds >= lo ? ds : lo) + range(r, 3, 10); !rc && d <= last && d <= 0; d += range(r, 7, 21)) {
		int slip = !ward_day(e, d) && pct(r, 6);
		double bac = slip ? range(r, 20, 90) / 1000.0 : 0;
		rc = breath(x, bac, d, range(r, 8 * 60, 17 * 60), NULL);
	}
	return rc;
}

static enum tdm_status plan_opioid(struct mx *x, const struct demo_med_episode *e, int lo, int last)
{
	struct rnd *r = &x->r;
	int64_t ind = dx_find(x, "F11"), id;
	enum tdm_status rc = TDM_OK;
	int kd = level_index(e, "detox");
	int ds = kd >= 0 ? e->level_start[kd] : NEVER, de = kd >= 0 ? level_end(e, kd) : NEVER;
	int adm = kd >= 0 ? ds : e->start;
	if (adm >= lo) {
		int min = range(r, 9 * 60, 19 * 60);
		rc = uds(x, "fentanyl", pct(r, 80), 0, adm, min);
		if (!rc)
			rc = uds(x, "opioids", pct(r, 50), 0, adm, min);
		if (!rc)
			rc = uds(x, "benzodiazepines", pct(r, 15), 0, adm, min);
		if (!rc)
			rc = uds(x, "cocaine", pct(r, 20), 0, adm, min);
		if (!rc)
			rc = uds(x, "xylazine", pct(r, 25), 0, adm, min);
	}
	if (!rc && kd >= 0 && ds >= lo) {
		/* Buprenorphine for withdrawal: induction, then a taper as a plan. */
		static const double from8[] = {12, 8, 6, 4, 2, 2}, from4[] = {8, 8, 6, 4, 2, 2};
		struct course c;
		int len = de == NEVER ? range(r, 5, 7) : de - ds;
		if (len > 7)
			len = 7;
		int four = pct(r, 40);
		course_init(&c, e, "buprenorphine", "sublingual", "daily", 1, four ? 4 : 8, ds);
		c.fixed = 1;
		c.open = 0;
		c.last = ds + len - 1;
		c.plan = 1;
		c.indication = ind;
		c.instructions = "Withdrawal management: induction, then taper over the stay.";
		c.start_reason = "Opioid withdrawal, COWS 13: induction";
		for (int k = 1; k < len; k++)
			add_change(&c, ds + k, four ? from4[k - 1] : from8[k - 1], NULL);
		rc = run_course(x, &c, &id);
	}
	/* Naltrexone once opioid-free, with negative screens first. */
	int start = kd >= 0 ? (de == NEVER ? NEVER : de + range(r, 7, 10)) : e->start + range(r, 7, 14);
	if (!rc && start <= 0 && start >= lo && start <= last - 7 && pct(r, kd >= 0 ? 60 : 35))
		rc = naltrexone(x, e, start, pct(r, 50), ind);
	return rc;
}

static enum tdm_status plan_mental(struct mx *x, const struct demo_med_plan *p, const struct demo_med_episode *e,
				   int lo, int last)
{
	struct rnd *r = &x->r;
	enum tdm_status rc = TDM_OK;
	int64_t id;
	if ((p->depression || p->anxiety) && pct(r, 65)) {
		int64_t ind = dx_find(x, "F32");
		if (!ind)
			ind = dx_find(x, "F33");
		if (!ind)
			ind = dx_find(x, "F43");
		if (!ind)
			ind = dx_find(x, "F41");
		int start = e->start + range(r, 0, 21);
		if (start < lo)
			start = lo;
		int sert = pct(r, 60);
		struct course c;
		course_init(&c, e, sert ? "sertraline" : "escitalopram", "oral", "daily", 1, sert ? 50 : 10, start);
		c.indication = ind;
		c.instructions = sert ? "Once daily in the morning." : "Once daily.";
		c.start_reason = p->depression ? "Moderate depression (PHQ-9 in the moderate range)"
					       : "Persistent anxiety symptoms (GAD-7 in the moderate range)";
		if (pct(r, 8) && start + 30 <= last) {
			c.open = 0;
			c.last = start + range(r, 10, 25);
			c.stop_reason = "Nausea and headache in the first weeks: stopped; alternatives discussed";
		} else {
			int ch = start + range(r, 21, 42);
			if (pct(r, 60))
				add_change(&c, ch, sert ? 100 : 20, "Partial response at 4-6 weeks: increase");
			if (sert && c.n_ch && pct(r, 20))
				add_change(&c, ch + range(r, 60, 120), 150, "Still partial response: increase");
			if (pct(r, 5) && last - start > 60) {
				c.hold_from = start + range(r, 30, last - start - 20);
				c.resume_on = c.hold_from + range(r, 3, 5);
				c.hold_reason = "Vomiting illness, unable to keep tablets down: held";
				c.resume_reason = "Recovered: resume";
				if (course_changes_on(&c, c.resume_on) || c.resume_on > c.last)
					c.hold_from = c.resume_on = 1;
			}
		}
		rc = run_course(x, &c, &id);
	}
	if (!rc && p->bipolar && pct(r, 80)) {
		/* Lithium: a level 5-7 days after starting and after each change,
		 * then every ~2 months; renal function every ~6 months. */
		int64_t ind = dx_find(x, "F31");
		int start = e->start + range(r, 0, 10);
		if (start < lo)
			start = lo;
		int er = pct(r, 50);
		struct course c;
		course_init(&c, e, "lithium", "oral", er ? "daily" : "bid", er ? 1 : 2, er ? 600 : 300, start);
		c.bedtime = er;
		c.indication = ind;
		c.instructions = er ? "Extended-release, once daily at bedtime; trough level 24 h after the dose."
				    : "Twice daily; trough level 12 h after the evening dose.";
		c.start_reason = "Bipolar disorder: mood stabiliser";
		int lv1 = start + range(r, 5, 7), inc = lv1 + 1, lv2 = inc + range(r, 5, 7);
		add_change(&c, inc, er ? 900 : 450, "Level below target: increase");
		int overdue = !x->c->lithium_overdue && e->open && -start > 150;
		int held = !overdue && x->c->held_now < 2 && e->open && -start > 60;
		int cutoff = overdue ? -range(r, 75, 110) : NEVER;
		int hold_day = NEVER;
		if (overdue)
			x->c->lithium_overdue++;
		if (held) {
			x->c->held_now++;
			hold_day = -range(r, 0, 1);
			c.hold_from = hold_day;
			c.hold_reason = "Lithium level 1.4 mmol/L (above 1.2): held; recheck in 24-48 hours, review fluids"
					" and NSAID use";
		}
		double cr = range(r, 70, 110) / 100.0;
		int on = start - range(r, 1, 5);
		rc = lab(x, "creatinine", cr, on, range(r, 8 * 60, 10 * 60));
		if (!rc)
			rc = run_course(x, &c, &id);
		if (!rc && lv1 <= c.last && lv1 <= 0)
			rc = lab_level(x, "lithium", 38, 52, lv1);
		if (!rc && lv2 <= c.last && lv2 <= 0)
			rc = lab_level(x, "lithium", 62, 90, lv2);
		int d = lv2 + range(r, 45, 60);
		for (; !rc && d <= c.last && d <= 0 && d <= cutoff && d < hold_day; d += range(r, 45, 60))
			rc = lab_level(x, "lithium", 55, 100, d);
		if (!rc && held)
			rc = lab_level(x, "lithium", 132, 148, hold_day);
		for (d = start + range(r, 170, 185); !rc && d <= c.last && d <= 0; d += range(r, 170, 185))
			rc = lab_level(x, "creatinine", 70, 115, d);
	}
	if (!rc && (p->psychosis || (p->bipolar && pct(r, 30)))) {
		int64_t ind = p->psychosis ? dx_find(x, "F20") : dx_find(x, "F31");
		int start = e->start + range(r, 0, 14);
		if (start < lo)
			start = lo;
		struct course c;
		if (p->psychosis) {
			course_init(&c, e, "quetiapine", "oral", "bid", 2, 200, start);
			add_change(&c, start + range(r, 14, 28), 300, "Persistent hallucinations: increase");
			c.start_reason = "Schizophrenia: antipsychotic";
		} else {
			course_init(&c, e, "quetiapine", "oral", "daily", 1, 100, start);
			c.bedtime = 1;
			c.start_reason = "Bipolar disorder: adjunct at bedtime for sleep and agitation";
		}
		c.indication = ind;
		c.instructions = "Sedating: warn about driving; caution with opioids and alcohol.";
		rc = run_course(x, &c, &id);
	}
	return rc;
}

/* ---- entry point ---- */

static enum tdm_status load_context(struct mx *x, struct tdm_err *err)
{
	struct stmt *st = db_prepare(x->db, "SELECT site_id FROM patient WHERE id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, x->pid);
	int found;
	enum tdm_status rc = db_query_int(st, &x->site_id, &found, err);
	if (!rc && !found)
		return tdm_fail(err, TDM_ENOTFOUND, "patient", "demo: no patient %" PRId64, x->pid);
	st = rc ? NULL : db_prepare(x->db, "SELECT d.id, d.code FROM diagnosis d WHERE d.patient_id = ? AND "
				    ICD10_ACTIVE("d") " ORDER BY d.id", err);
	if (!rc && !st)
		return err->code;
	if (rc)
		return rc;
	db_bind_int(st, 1, x->pid);
	int s;
	while ((s = db_step(st, err)) == DB_ROW) {
		if (x->n_dx == MAX_DX)
			continue;
		x->dx_id[x->n_dx] = db_col_int(st, 0);
		snprintf(x->dx_code[x->n_dx++], sizeof x->dx_code[0], "%s", db_col_text(st, 1));
	}
	db_done(st);
	return s < 0 ? err->code : TDM_OK;
}

static int otp_start_of(const struct demo_med_episode *e)
{
	return e->start < -DEMO_MEDS_HISTORY ? -DEMO_MEDS_HISTORY : e->start;
}

static enum tdm_status plan_otp(struct mx *x, const struct demo_med_plan *p)
{
	struct rnd *r = &x->r;
	int methadone = pct(r, 75);
	int64_t ind = dx_find(x, "F11");
	enum tdm_status rc = TDM_OK;
	for (int k = 0; !rc && k < p->n_ep; k++) {
		const struct demo_med_episode *e = &p->ep[k];
		int ko = level_index(e, "otp");
		if (ko < 0 || (!e->open && e->end <= -DEMO_MEDS_HISTORY + 14))
			continue;
		struct otp_course oc;
		memset(&oc, 0, sizeof oc);
		oc.S = otp_start_of(e);
		oc.open = e->open;
		oc.stop = e->open ? NEVER : e->end;
		oc.taper_from = oc.lost_from = NEVER;
		oc.indication = ind;
		int kop = level_index(e, "outpatient");
		static char reason[200];
		if (e->open && kop > ko) {
			/* Tapered off: the OTP stay ended in outpatient counselling. */
			oc.open = 0;
			oc.stop = e->level_start[kop];
			oc.taper_from = oc.stop - range(r, 45, 90);
			oc.stop_reason = "Taper completed; continues in outpatient counselling";
		} else if (!e->open) {
			const char *kind = e->discharge_reason ? e->discharge_reason : "";
			char last[DATE_LEN];
			if (!strcmp(kind, "completed")) {
				oc.taper_from = oc.stop - range(r, 60, 120);
				oc.stop_reason = "Medically supervised taper completed; discharged";
			} else if (!strcmp(kind, "lost_to_follow_up")) {
				oc.lost_from = oc.stop - range(r, 7, 14);
				day_str(x, oc.lost_from - 1, last);
				snprintf(reason, sizeof reason, "No attendance since %s despite outreach; discharged as lost to"
					 " follow-up", last);
				oc.stop_reason = reason;
			} else if (!strcmp(kind, "transferred")) {
				oc.stop_reason = "Transferred to another OTP; dose and last-dose date sent with the transfer";
			} else {
				oc.stop_reason = "Left treatment against clinical advice; dose history given to the patient";
			}
			if (oc.taper_from < oc.S + 60)
				oc.taper_from = NEVER;
			if (oc.lost_from < oc.S + 3)
				oc.lost_from = NEVER;
		}
		rc = run_otp(x, &oc, methadone);
	}
	return rc;
}

enum tdm_status demo_meds(struct db *db, const struct actor *a, const struct demo_med_plan *p,
			  uint64_t seed, struct demo_med_counts *counts, struct tdm_err *err)
{
	if (!p->n_ep)
		return TDM_OK;
	struct mx *x = calloc(1, sizeof *x);
	if (!x)
		return tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	x->db = db;
	x->a = a;
	x->err = err;
	x->c = counts;
	x->pid = p->patient_id;
	x->r.s = seed ^ ((uint64_t)p->patient_id * 0x9e6c63d0676a9a99ULL);
	x->now = time(NULL);
	date_today(x->today);
	date_parse(x->today, &x->y, &x->m, &x->d);
	struct tm lt;
	localtime_r(&x->now, &lt);
	x->now_min = lt.tm_hour * 60 + lt.tm_min;
	struct demo_med_counts before = *counts;

	enum tdm_status rc = db_begin(db, DB_WRITE, err);
	if (rc) {
		free(x);
		return rc;
	}
	rc = load_context(x, err);
	const struct demo_med_episode *e = &p->ep[p->n_ep - 1];
	/* Other medications: the last year of the current or last episode. */
	int lo = e->start < -DEMO_MEDS_OTHER_HISTORY ? -DEMO_MEDS_OTHER_HISTORY : e->start;
	int last = e->open ? 0 : e->end - 1;
	int recent = e->open || e->end > -DEMO_MEDS_OTHER_HISTORY + 30;
	if (!rc && p->otp)
		rc = plan_otp(x, p);
	if (!rc && recent && !p->otp && p->opioid)
		rc = plan_opioid(x, e, lo, last);
	if (!rc && recent && p->alcohol)
		rc = plan_alcohol(x, e, lo, last);
	if (!rc && recent)
		rc = plan_mental(x, p, e, lo, last);
	if (!rc && x->n_pend)
		rc = flush_admin(x);
	if (!rc && x->n_res)
		rc = flush_results(x);
	if (!rc && x->n_ret)
		rc = flush_returns(x);
	if (!rc && counts->orders > before.orders) {
		struct audit_event ev = {.action = "demo.medications", .object_type = "MedicationRequest",
					 .site_id = x->site_id, .patient_id = x->pid};
		snprintf(ev.detail, sizeof ev.detail, "synthetic demo: %d orders, %d administrations, %d results",
			 counts->orders - before.orders, counts->administrations - before.administrations,
			 counts->results - before.results);
		rc = audit_append(db, a, &ev, err);
	}
	if (!rc)
		rc = db_commit(db, err);
	if (rc) {
		db_rollback(db);
		*counts = before;
	}
	free(x);
	return rc;
}
