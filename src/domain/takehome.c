/*
 * takehome.c - methadone take-homes: configuration, time in treatment, the
 * dispense check, the eligibility view with the six factors, decisions,
 * education, diversion, dispenses and returned bottles.
 *
 * The medication tables are read directly (med_order, med_order_event,
 * med_admin, med_admin_void); domain/order.c and domain/admin.c write them.
 */
#include "domain/takehome.h"
#include "domain/audit.h"
#include "domain/icd10.h"
#include "domain/patient.h"
#include "util/conf.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_MEDS 8
#define MAX_CLOSURE_DATES 256
#define MAX_NOT_CONCERN 16
#define MAX_WINDOW 366        /* days any look-back window may span */
#define MAX_ORDERS 1000       /* orders of one medication for one patient */
#define MAX_EVENTS 5000

static struct {
	struct takehome_tier tiers[TAKEHOME_MAX_TIERS];
	int n_tiers;
	char meds[MAX_MEDS][MED_ID_LEN];
	int n_meds;
	int first_days, first_days_total, course_gap_days;
	int limit_supply;             /* the supply held at once is bounded too */
	unsigned closed_weekdays;     /* bit 0 = Sunday */
	char closed_dates[MAX_CLOSURE_DATES][DATE_LEN];
	int n_closed_dates;
	int screen_window, attendance_window, attendance_min_percent, diversion_window;
	double bac_above;
	char not_concern[MAX_NOT_CONCERN][16];
	int n_not_concern;
} T;

/* ---- configuration ---- */

static const char *const weekdays[] = {"sunday", "monday", "tuesday", "wednesday",
				       "thursday", "friday", "saturday"};

/* "N | source" of a tier line. */
static int parse_tier(const char *key, const char *value, struct takehome_tier *t)
{
	const char *bar = strchr(value, '|');
	char num[16];
	if (!bar || bar - value >= (long)sizeof num)
		return -1;
	memcpy(num, value, (size_t)(bar - value));
	num[bar - value] = '\0';
	for (size_t n = strlen(num); n && num[n - 1] == ' ';)
		num[--n] = '\0';
	const char *src = bar + 1;
	while (*src == ' ')
		src++;
	if (conf_int(key, 1, 100000, &t->from_day) || conf_int(num, 0, 366, &t->max_days) || !*src ||
	    strlen(src) >= sizeof t->source)
		return -1;
	snprintf(t->source, sizeof t->source, "%s", src);
	return 0;
}

static int load_entry(const struct conf_entry *e)
{
	const char *s = e->section, *k = e->key, *v = e->value;
	if (!strcmp(s, "tiers")) {
		if (T.n_tiers == TAKEHOME_MAX_TIERS || parse_tier(k, v, &T.tiers[T.n_tiers]))
			return -1;
		T.n_tiers++;
		return 0;
	}
	if (!strcmp(s, "medications") && !strcmp(k, "ceiling")) {
		if (T.n_meds == MAX_MEDS || !formulary_find(v) || strlen(v) >= MED_ID_LEN)
			return -1;
		snprintf(T.meds[T.n_meds++], MED_ID_LEN, "%s", formulary_find(v)->id);
		return 0;
	}
	if (!strcmp(s, "rules")) {
		if (!strcmp(k, "first_days"))
			return conf_int(v, 1, MAX_WINDOW, &T.first_days);
		if (!strcmp(k, "first_days_total"))
			return conf_int(v, 0, MAX_WINDOW, &T.first_days_total);
		if (!strcmp(k, "course_gap_days"))
			return conf_int(v, 0, 3650, &T.course_gap_days);
		if (!strcmp(k, "limit_supply_held"))
			return conf_int(v, 0, 1, &T.limit_supply);
		return -1;
	}
	if (!strcmp(s, "closure")) {
		if (!strcmp(k, "weekday")) {
			for (int i = 0; i < 7; i++)
				if (!strcmp(v, weekdays[i])) {
					T.closed_weekdays |= 1u << i;
					return 0;
				}
			return -1;
		}
		if (!strcmp(k, "date")) {
			char d[DATE_LEN + 1];
			snprintf(d, sizeof d, "%.10s", v);
			if (T.n_closed_dates == MAX_CLOSURE_DATES || !date_valid(d) ||
			    (v[10] && v[10] != ' ' && v[10] != '|'))
				return -1;
			snprintf(T.closed_dates[T.n_closed_dates++], DATE_LEN, "%s", d);
			return 0;
		}
		return -1;
	}
	if (!strcmp(s, "evidence")) {
		if (!strcmp(k, "screen_window_days"))
			return conf_int(v, 1, MAX_WINDOW, &T.screen_window);
		if (!strcmp(k, "attendance_window_days"))
			return conf_int(v, 1, MAX_WINDOW, &T.attendance_window);
		if (!strcmp(k, "attendance_min_percent"))
			return conf_int(v, 0, 100, &T.attendance_min_percent);
		if (!strcmp(k, "diversion_window_days"))
			return conf_int(v, 1, MAX_WINDOW, &T.diversion_window);
		if (!strcmp(k, "breath_alcohol_above")) {
			char *end;
			errno = 0;
			T.bac_above = strtod(v, &end);
			return end == v || *end || errno || T.bac_above < 0 ? -1 : 0;
		}
		if (!strcmp(k, "sud_not_concern")) {
			if (T.n_not_concern == MAX_NOT_CONCERN || strlen(v) >= sizeof T.not_concern[0])
				return -1;
			snprintf(T.not_concern[T.n_not_concern++], sizeof T.not_concern[0], "%s", v);
			return 0;
		}
		return -1;
	}
	return -1;
}

enum tdm_status takehome_load(const char *dir, struct tdm_err *err)
{
	char path[512];
	struct conf c;
	memset(&T, 0, sizeof T);
	T.first_days = 14;
	T.first_days_total = 7;
	T.course_gap_days = 30;
	T.limit_supply = 1;
	T.screen_window = T.attendance_window = 30;
	T.diversion_window = 90;
	T.attendance_min_percent = 80;
	snprintf(path, sizeof path, "%s/takehome.conf", dir);
	enum tdm_status rc = conf_load(&c, path, err);
	if (rc)
		return rc;
	for (int i = 0; i < c.n && !rc; i++)
		if (load_entry(&c.e[i]))
			rc = tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: bad entry '%s' in [%s]", path, c.e[i].line,
				      c.e[i].key, c.e[i].section);
	conf_release(&c);
	if (rc)
		return rc;
	if (!T.n_tiers || T.tiers[0].from_day != 1 || !T.n_meds)
		return tdm_fail(err, TDM_EINVAL, NULL, "%s: needs [tiers] starting at day 1 and a ceiling medication",
				path);
	for (int i = 1; i < T.n_tiers; i++)
		if (T.tiers[i].from_day <= T.tiers[i - 1].from_day)
			return tdm_fail(err, TDM_EINVAL, NULL, "%s: [tiers] must be in increasing day order", path);
	return TDM_OK;
}

const struct takehome_tier *takehome_tier_for(int treatment_day)
{
	const struct takehome_tier *t = NULL;
	for (int i = 0; i < T.n_tiers; i++)
		if (treatment_day >= T.tiers[i].from_day)
			t = &T.tiers[i];
	return treatment_day >= 1 ? t : NULL;
}

int takehome_has_ceiling(const char *medication)
{
	for (int i = 0; medication && i < T.n_meds; i++)
		if (!strcmp(T.meds[i], medication))
			return 1;
	return 0;
}

/* Days since 1970-01-01 of a YYYY-MM-DD date; -1 when it is not one. */
static int day_num(const char *s, int64_t *out)
{
	int y, m, d;
	if (!s || date_parse(s, &y, &m, &d))
		return -1;
	*out = date_days(y, m, d);
	return 0;
}

int takehome_closed_on(const char *day)
{
	int64_t n;
	if (day_num(day, &n))
		return 0;
	int wd = (int)(((n + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
	if (T.closed_weekdays & (1u << wd))
		return 1;
	for (int i = 0; i < T.n_closed_dates; i++)
		if (!strcmp(T.closed_dates[i], day))
			return 1;
	return 0;
}

/* ---- time in treatment ---- */

#define NO_DAY INT64_MAX

/* One order of the ceiling medication: the days it ran. */
struct run {
	int64_t id;
	int64_t start, stop, disc;  /* disc: discontinued from; NO_DAY when not */
};

static void read_run(struct stmt *st, void *row)
{
	struct run *r = row;
	r->id = db_col_int(st, 0);
	if (day_num(db_col_text(st, 1), &r->start))
		r->start = NO_DAY;
	if (db_col_null(st, 2) || day_num(db_col_text(st, 2), &r->stop))
		r->stop = NO_DAY;
	if (db_col_null(st, 3) || day_num(db_col_text(st, 3), &r->disc))
		r->disc = NO_DAY;
}

/* The patient's orders of medication that started by today, oldest first. */
static enum tdm_status load_runs(struct db *db, int64_t pid, const char *med, const char *today,
				 struct run **runs, int *n, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"SELECT o.id, o.start_on, o.stop_on, (SELECT MIN(e.effective_on) FROM med_order_event e"
		" WHERE e.order_id = o.id AND e.kind = 'discontinue') FROM med_order o"
		" WHERE o.patient_id = ? AND o.medication = ? AND o.start_on <= ? ORDER BY o.start_on, o.id",
		err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, pid);
	db_bind_text(st, 2, med);
	db_bind_text(st, 3, today);
	return db_collect(st, sizeof **runs, MAX_ORDERS, read_run, (void **)runs, n, err);
}

/* The last day an order ran (today for one still running). */
static int64_t run_end(const struct run *r, int64_t today)
{
	int64_t end = today;
	if (r->stop != NO_DAY && r->stop < end)
		end = r->stop;
	if (r->disc != NO_DAY && r->disc - 1 < end)
		end = r->disc - 1;
	return end;
}

/*
 * The current course: day 1 is the earliest start of an order in the run of
 * orders not broken by more than course_gap_days without one; none when the
 * last order ended more than course_gap_days ago. *start = NO_DAY for none.
 */
static void course_start(const struct run *runs, int n, int64_t today, int64_t *start)
{
	int64_t cur = NO_DAY, end = 0;
	for (int i = 0; i < n; i++) {
		const struct run *r = &runs[i];
		if (r->start == NO_DAY || (r->disc != NO_DAY && r->disc <= r->start))
			continue; /* never ran */
		int64_t e = run_end(r, today);
		if (e < r->start)
			continue;
		if (cur == NO_DAY || r->start - end - 1 > T.course_gap_days) {
			cur = r->start;
			end = e;
		} else if (e > end) {
			end = e;
		}
	}
	if (cur != NO_DAY && today - end > T.course_gap_days)
		cur = NO_DAY;
	*start = cur;
}

struct course {
	char medication[MED_ID_LEN];
	int64_t today, start;            /* start: NO_DAY when none */
	char start_on[DATE_LEN];
	int day, max_days;
	const struct takehome_tier *tier;
	struct run *runs;                /* caller frees */
	int n_runs;
};

static enum tdm_status course_of(struct db *db, int64_t pid, const char *med, const char *today,
				 struct course *c, struct tdm_err *err)
{
	memset(c, 0, sizeof *c);
	snprintf(c->medication, sizeof c->medication, "%s", med);
	c->start = NO_DAY;
	if (day_num(today, &c->today))
		return tdm_fail(err, TDM_EINTERNAL, NULL, "bad day %s", today);
	enum tdm_status rc = load_runs(db, pid, med, today, &c->runs, &c->n_runs, err);
	if (rc)
		return rc;
	course_start(c->runs, c->n_runs, c->today, &c->start);
	if (c->start != NO_DAY) {
		date_from_days(c->start, c->start_on);
		c->day = (int)(c->today - c->start + 1);
		c->tier = takehome_tier_for(c->day);
		c->max_days = c->tier ? c->tier->max_days : 0;
	}
	return TDM_OK;
}

/* The ceiling medication the patient is being treated with: the first one
 * configured with a current course, else the first configured. */
static enum tdm_status pick_course(struct db *db, int64_t pid, const char *today, struct course *c,
				   struct tdm_err *err)
{
	for (int i = 0; i < T.n_meds; i++) {
		enum tdm_status rc = course_of(db, pid, T.meds[i], today, c, err);
		if (rc || c->start != NO_DAY || i == T.n_meds - 1)
			return rc;
		free(c->runs);
	}
	return tdm_fail(err, TDM_EINTERNAL, NULL, "no ceiling medication configured");
}

/* ---- decisions ---- */

#define DECISION_SELECT                                                                    \
	"SELECT id, patient_id, site_id, medication, approved_days, max_days, treatment_day," \
	" factors, reason, decided_at, decided_by FROM takehome_decision"

#define COPY(dst, i) snprintf(dst, sizeof dst, "%s", db_col_text(st, i))

static void read_decision(struct stmt *st, struct takehome_decision *d)
{
	memset(d, 0, sizeof *d);
	d->id = db_col_int(st, 0);
	d->patient_id = db_col_int(st, 1);
	d->site_id = db_col_int(st, 2);
	COPY(d->medication, 3);
	d->approved_days = (int)db_col_int(st, 4);
	d->max_days = (int)db_col_int(st, 5);
	d->treatment_day = (int)db_col_int(st, 6);
	COPY(d->factors, 7);
	COPY(d->reason, 8);
	COPY(d->decided_at, 9);
	COPY(d->decided_by, 10);
}

/* The clinic-local day of a stored instant, as a day number. */
static int64_t instant_day(const char *at)
{
	time_t t;
	char day[DATE_LEN];
	int64_t n = 0;
	if (instant_parse(at, &t))
		return 0;
	date_local_day(t, day);
	day_num(day, &n);
	return n;
}

/* The latest decision for the course's medication made during the course. */
static enum tdm_status latest_decision(struct db *db, int64_t pid, const struct course *c,
				       struct takehome_decision *d, int *found, struct tdm_err *err)
{
	*found = 0;
	if (c->start == NO_DAY)
		return TDM_OK;
	struct stmt *st = db_prepare(db, DECISION_SELECT
				     " WHERE patient_id = ? AND medication = ? ORDER BY id DESC LIMIT 1", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, pid);
	db_bind_text(st, 2, c->medication);
	int s = db_step(st, err);
	if (s == DB_ROW)
		read_decision(st, d);
	db_done(st);
	if (s < 0)
		return err->code;
	*found = s == DB_ROW && instant_day(d->decided_at) >= c->start;
	return TDM_OK;
}

/* ---- dispensed days ---- */

/* A dispense counts unless every administration recorded for it is void. */
#define DISPENSE_COUNTS(d)                                                                   \
	" (EXISTS (SELECT 1 FROM med_admin a WHERE a.dispense_id = " d ".id AND NOT EXISTS"  \
	" (SELECT 1 FROM med_admin_void v WHERE v.admin_id = a.id)) OR NOT EXISTS"          \
	" (SELECT 1 FROM med_admin a WHERE a.dispense_id = " d ".id))"

/*
 * Marks in map[0..to-from] the days from..to covered by a counted take-home
 * dispense of medication (closure-day doses excluded). *n: days marked.
 */
static enum tdm_status dispensed_days(struct db *db, int64_t pid, const char *med, int64_t from,
				      int64_t to, unsigned char *map, int *n, struct tdm_err *err)
{
	char lo[DATE_LEN], hi[DATE_LEN];
	*n = 0;
	if (to < from)
		return TDM_OK;
	memset(map, 0, (size_t)(to - from + 1));
	date_from_days(from - MAX_WINDOW, lo);
	date_from_days(to, hi);
	struct stmt *st = db_prepare(db,
		"SELECT d.first_on, d.days FROM takehome_dispense d JOIN med_order o ON o.id = d.order_id"
		" WHERE d.patient_id = ? AND o.medication = ? AND d.closure = 0 AND d.first_on >= ?"
		" AND d.first_on <= ? AND" DISPENSE_COUNTS("d"), err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, pid);
	db_bind_text(st, 2, med);
	db_bind_text(st, 3, lo);
	db_bind_text(st, 4, hi);
	int s;
	while ((s = db_step(st, err)) == DB_ROW) {
		int64_t first, days = db_col_int(st, 1);
		if (day_num(db_col_text(st, 0), &first))
			continue;
		for (int64_t d = first; d < first + days && d <= to; d++)
			if (d >= from && !map[d - from]) {
				map[d - from] = 1;
				(*n)++;
			}
	}
	db_done(st);
	return s < 0 ? err->code : TDM_OK;
}

/* Take-home days already dispensed on treatment days 1..first_days. */
static enum tdm_status early_used(struct db *db, int64_t pid, const struct course *c, int *used,
				  struct tdm_err *err)
{
	unsigned char map[MAX_WINDOW];
	*used = 0;
	if (c->start == NO_DAY || !T.first_days_total)
		return TDM_OK;
	return dispensed_days(db, pid, c->medication, c->start, c->start + T.first_days - 1, map, used, err);
}

/* ---- the dispense check ---- */

static enum tdm_status check_ceiling(struct db *db, int64_t pid, const struct course *c,
				     int64_t first, int days, int64_t *decision_id, struct tdm_err *err)
{
	const char *med = c->medication;
	if (c->start == NO_DAY)
		return tdm_fail(err, TDM_ECONFLICT, "days",
				"no current course of %s: only a single clinic-closure dose may be taken home", med);
	struct takehome_decision d;
	int found;
	enum tdm_status rc = latest_decision(db, pid, c, &d, &found, err);
	if (rc)
		return rc;
	if (!found)
		return tdm_fail(err, TDM_ECONFLICT, "days",
				"no take-home decision recorded for %s in this course: a prescriber records one"
				" first (only a single clinic-closure dose may be given without it)", med);
	int ceiling = d.approved_days < c->max_days ? d.approved_days : c->max_days;
	if (days > ceiling)
		return tdm_fail(err, TDM_ECONFLICT, "days",
				"%d take-home days is above the ceiling of %d: treatment day %d allows up to %d (%.120s);"
				" the decision of %.10s approved %d", days, ceiling, c->day, c->max_days,
				c->tier ? c->tier->source : "", d.decided_at, d.approved_days);
	/* The supply held at once: take-home days dispensed for today onwards,
	 * with these. */
	unsigned char map[MAX_WINDOW];
	int held = 0, early = 0, n;
	int64_t last = first + days - 1, hi = c->today + MAX_WINDOW - 1;
	rc = T.limit_supply ? dispensed_days(db, pid, med, c->today, hi, map, &n, err) : TDM_OK;
	if (rc)
		return rc;
	for (int64_t x = c->today; T.limit_supply && x <= hi; x++)
		held += map[x - c->today] || (x >= first && x <= last);
	if (held > ceiling)
		return tdm_fail(err, TDM_ECONFLICT, "days",
				"the patient would hold %d days of take-home %s at once (doses already dispensed"
				" plus these %d); the ceiling is %d", held, med, days, ceiling);
	/* The conservative days 1..first_days running total. */
	int64_t early_end = c->start + T.first_days - 1;
	if (T.first_days_total && first <= early_end) {
		rc = dispensed_days(db, pid, med, c->start, early_end, map, &early, err);
		if (rc)
			return rc;
		int added = 0;
		for (int64_t x = first; x <= last && x <= early_end; x++)
			added += x >= c->start && !map[x - c->start];
		if (early + added > T.first_days_total)
			return tdm_fail(err, TDM_ECONFLICT, "days",
					"treatment days 1-%d allow at most %d take-home days in total; %d already"
					" dispensed, these would add %d (conservative reading of 42 CFR 8.12(i)(3),"
					" data/takehome.conf rules.first_days_total)", T.first_days,
					T.first_days_total, early, added);
	}
	*decision_id = d.id;
	return TDM_OK;
}

enum tdm_status takehome_check_dispense(struct db *db, int64_t patient_id, const char *medication,
					const char *first_on, int days, int closure,
					int64_t *decision_id, struct tdm_err *err)
{
	char today[DATE_LEN];
	int64_t first;
	*decision_id = 0;
	if (days < 1 || days > MAX_WINDOW)
		return tdm_fail(err, TDM_EINVAL, "days", "days must be 1 to %d", MAX_WINDOW);
	if (day_num(first_on, &first))
		return tdm_fail(err, TDM_EINVAL, "dose_on", "first take-home day must be YYYY-MM-DD");
	if (closure) {
		if (days != 1)
			return tdm_fail(err, TDM_EINVAL, "days", "a clinic-closure take-home is a single dose (days 1)");
		if (!takehome_closed_on(first_on))
			return tdm_fail(err, TDM_ECONFLICT, "closure",
					"the clinic is open on %s (data/takehome.conf [closure]): not a closure-day dose",
					first_on);
		return TDM_OK; /* 42 CFR 8.12(i)(1): any time in treatment, no decision needed */
	}
	if (!takehome_has_ceiling(medication))
		return TDM_OK; /* e.g. buprenorphine: no time-in-treatment ceiling */
	date_today(today);
	struct course c;
	enum tdm_status rc = course_of(db, patient_id, medication, today, &c, err);
	if (!rc)
		rc = check_ceiling(db, patient_id, &c, first, days, decision_id, err);
	free(c.runs);
	return rc;
}

/* ---- the six factors ---- */

static const struct {
	const char *id, *title;
} factor_defs[TAKEHOME_N_FACTORS] = {
	{"substance_use", "No active substance use or other condition that raises the risk of overdose or"
			  " impairs the ability to function safely"},
	{"attendance", "Regular attendance for supervised dosing"},
	{"behaviour", "No serious behavioural problems that endanger the patient, the public or others"},
	{"diversion", "No known recent diversion"},
	{"storage", "Take-home medication can be safely transported and stored"},
	{"other", "Any other factor the medical director or practitioner considers relevant"},
};

static void __attribute__((format(printf, 4, 5)))
add_ev(struct takehome_factor *f, const char *kind, const char *on, const char *fmt, ...)
{
	if (f->n == TAKEHOME_MAX_EVIDENCE) {
		f->more++;
		return;
	}
	struct takehome_evidence *e = &f->ev[f->n++];
	va_list ap;
	snprintf(e->kind, sizeof e->kind, "%s", kind);
	snprintf(e->on, sizeof e->on, "%s", on ? on : "");
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof e->text, fmt, ap);
	va_end(ap);
}

/* The instant `days` days ago, for comparing with stored instants. */
static void since_instant(int days, char out[INSTANT_LEN])
{
	instant_format(time(NULL) - (time_t)days * 86400, out);
}

static void local_day_of(const char *at, char out[DATE_LEN])
{
	time_t t;
	if (instant_parse(at, &t))
		snprintf(out, DATE_LEN, "%.10s", at);
	else
		date_local_day(t, out);
}

/* Is a positive for this substance expected: one of the patient's own
 * medications (a "buprenorphine" screen for a buprenorphine-naloxone order)? */
static int own_medication(char (*meds)[MED_ID_LEN], int n, const char *substance)
{
	size_t len = strlen(substance);
	for (int i = 0; i < n; i++)
		if (len && !strncmp(meds[i], substance, len) && (!meds[i][len] || meds[i][len] == '-'))
			return 1;
	return 0;
}

#define MAX_OWN_MEDS 32

static enum tdm_status own_meds(struct db *db, int64_t pid, char (*meds)[MED_ID_LEN], int *n,
				struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, "SELECT DISTINCT medication FROM med_order WHERE patient_id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, pid);
	int s;
	*n = 0;
	while ((s = db_step(st, err)) == DB_ROW)
		if (*n < MAX_OWN_MEDS)
			snprintf(meds[(*n)++], MED_ID_LEN, "%s", db_col_text(st, 0));
	db_done(st);
	return s < 0 ? err->code : TDM_OK;
}

static enum tdm_status screens(struct db *db, int64_t pid, struct takehome_factor *f, struct tdm_err *err)
{
	char meds[MAX_OWN_MEDS][MED_ID_LEN], since[INSTANT_LEN];
	int n_meds, n_uds = 0, n_bac = 0, unexpected = 0, high = 0;
	enum tdm_status rc = own_meds(db, pid, meds, &n_meds, err);
	if (rc)
		return rc;
	since_instant(T.screen_window, since);
	struct stmt *st = db_prepare(db,
		"SELECT r.kind, COALESCE(r.substance, ''), COALESCE(r.outcome, ''), r.expected, r.value, r.taken_at"
		" FROM result r WHERE r.patient_id = ? AND r.taken_at >= ? AND r.kind IN ('uds', 'breath_alcohol')"
		" AND NOT EXISTS (SELECT 1 FROM result_status s WHERE s.result_id = r.id)"
		" ORDER BY r.taken_at DESC, r.id DESC", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, pid);
	db_bind_text(st, 2, since);
	int s;
	while ((s = db_step(st, err)) == DB_ROW) {
		char on[DATE_LEN];
		local_day_of(db_col_text(st, 5), on);
		if (!strcmp(db_col_text(st, 0), "uds")) {
			const char *sub = db_col_text(st, 1);
			n_uds++;
			if (strcmp(db_col_text(st, 2), "positive") || db_col_int(st, 3) || own_medication(meds, n_meds, sub))
				continue;
			unexpected++;
			add_ev(f, "uds_positive", on, "Unexpected positive drug screen: %s", sub);
		} else {
			double v = strtod(db_col_text(st, 4), NULL);
			n_bac++;
			if (v <= T.bac_above)
				continue;
			high++;
			add_ev(f, "breath_alcohol", on, "Breath alcohol %.3g g/210L", v);
		}
	}
	db_done(st);
	if (s < 0)
		return err->code;
	add_ev(f, "screens", NULL, "Last %d days: %d drug-screen results (%d unexpected positive), %d breath-alcohol"
	       " readings (%d above %g)", T.screen_window, n_uds, unexpected, n_bac, high, T.bac_above);
	if (!n_uds)
		add_ev(f, "no_screens", NULL, "No drug screen recorded in the last %d days", T.screen_window);
	f->concern |= unexpected || high;
	return TDM_OK;
}

static enum tdm_status diagnoses(struct db *db, int64_t pid, struct takehome_factor *f, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"SELECT d.code, COALESCE(d.substance, ''), COALESCE(d.onset_date, '') FROM diagnosis d"
		" WHERE d.patient_id = ? AND d.category = 'substance_use' AND " ICD10_ACTIVE("d")
		" ORDER BY d.id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, pid);
	int s;
	while ((s = db_step(st, err)) == DB_ROW) {
		struct icd10_class cls;
		struct tdm_err ignore;
		const char *code = db_col_text(st, 0), *sub = db_col_text(st, 1);
		int remission = icd10_classify(code, &cls, &ignore) == TDM_OK && cls.in_remission;
		int listed = 0;
		for (int i = 0; i < T.n_not_concern; i++)
			listed |= !strcmp(sub, T.not_concern[i]);
		add_ev(f, "diagnosis", db_col_text(st, 2), "Active substance-use diagnosis %s (%s)%s", code,
		       sub[0] ? sub : "substance", remission ? ", in remission"
		       : listed ? ", the disorder treated or not counted (data/takehome.conf)" : "");
		f->concern |= !remission && !listed;
	}
	db_done(st);
	return s < 0 ? err->code : TDM_OK;
}

struct hold_ev {
	int64_t order_id;
	int hold;           /* 1 hold, 0 resume */
	int64_t on;
};

static void read_hold(struct stmt *st, void *row)
{
	struct hold_ev *h = row;
	h->order_id = db_col_int(st, 0);
	h->hold = !strcmp(db_col_text(st, 1), "hold");
	if (day_num(db_col_text(st, 2), &h->on))
		h->on = NO_DAY;
}

/* Is the order held on day d (the latest hold/resume on or before d)? */
static int held_on(const struct hold_ev *h, int n, int64_t order_id, int64_t d)
{
	int held = 0;
	for (int i = 0; i < n; i++)
		if (h[i].order_id == order_id && h[i].on <= d)
			held = h[i].hold;
	return held;
}

enum { A_GIVEN = 1, A_TAKE_HOME = 2, A_HELD = 4, A_REFUSED = 8, A_MISSED = 16 };

/* Marks sched[d - from] for the days from..to an order of the course ran
 * and was not on hold. */
static enum tdm_status scheduled_days(struct db *db, int64_t pid, const struct course *c, int64_t from,
				      int64_t to, unsigned char *sched, struct tdm_err *err)
{
	struct hold_ev *h = NULL;
	int nh = 0;
	struct stmt *st = db_prepare(db,
		"SELECT e.order_id, e.kind, e.effective_on FROM med_order_event e JOIN med_order o"
		" ON o.id = e.order_id WHERE o.patient_id = ? AND o.medication = ?"
		" AND e.kind IN ('hold', 'resume') ORDER BY e.effective_on, e.id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, pid);
	db_bind_text(st, 2, c->medication);
	enum tdm_status rc = db_collect(st, sizeof *h, MAX_EVENTS, read_hold, (void **)&h, &nh, err);
	if (rc)
		return rc;
	memset(sched, 0, (size_t)(to - from + 1));
	for (int i = 0; i < c->n_runs; i++) {
		const struct run *r = &c->runs[i];
		if (r->start == NO_DAY || r->start < c->start)
			continue;
		int64_t end = run_end(r, c->today);
		for (int64_t d = r->start > from ? r->start : from; d <= end && d <= to; d++)
			if (!held_on(h, nh, r->id, d))
				sched[d - from] = 1;
	}
	free(h);
	return TDM_OK;
}

static enum tdm_status attendance(struct db *db, int64_t pid, const struct course *c,
				  struct takehome_factor *f, struct tdm_err *err)
{
	if (c->start == NO_DAY) {
		add_ev(f, "attendance", NULL, "No current course of %s: no supervised doses scheduled", c->medication);
		return TDM_OK;
	}
	int64_t to = c->today - 1, from = c->today - T.attendance_window;
	if (from < c->start)
		from = c->start;
	if (to < from) {
		add_ev(f, "attendance", NULL, "Treatment started today: no attendance to show yet");
		return TDM_OK;
	}
	unsigned char sched[MAX_WINDOW], got[MAX_WINDOW];
	char lo[DATE_LEN], hi[DATE_LEN];
	enum tdm_status rc = scheduled_days(db, pid, c, from, to, sched, err);
	if (rc)
		return rc;
	memset(got, 0, sizeof got);
	date_from_days(from, lo);
	date_from_days(to, hi);
	struct stmt *st = db_prepare(db,
		"SELECT a.dose_on, a.status FROM med_admin a JOIN med_order o ON o.id = a.order_id"
		" WHERE a.patient_id = ? AND o.medication = ? AND a.dose_on >= ? AND a.dose_on <= ?"
		" AND NOT EXISTS (SELECT 1 FROM med_admin_void v WHERE v.admin_id = a.id)", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, pid);
	db_bind_text(st, 2, c->medication);
	db_bind_text(st, 3, lo);
	db_bind_text(st, 4, hi);
	int s;
	static const struct {
		const char *status;
		unsigned char bit;
	} bits[] = {{"given", A_GIVEN}, {"take_home", A_TAKE_HOME}, {"held", A_HELD},
		    {"refused", A_REFUSED}, {"missed", A_MISSED}};
	while ((s = db_step(st, err)) == DB_ROW) {
		int64_t d;
		if (day_num(db_col_text(st, 0), &d) || d < from || d > to)
			continue;
		for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
			if (!strcmp(db_col_text(st, 1), bits[i].status))
				got[d - from] |= bits[i].bit;
	}
	db_done(st);
	if (s < 0)
		return err->code;
	int expected = 0, given = 0, take_home = 0, held = 0, closed = 0, refused = 0, missed = 0, blank = 0;
	for (int64_t d = from; d <= to; d++) {
		unsigned char g = got[d - from];
		char day[DATE_LEN];
		if (!sched[d - from] && !(g & A_GIVEN))
			continue;
		date_from_days(d, day);
		if (g & A_GIVEN)
			given++;
		else if (g & A_TAKE_HOME)
			take_home++;
		else if (g & A_HELD)
			held++;
		else if (takehome_closed_on(day))
			closed++;
		else if (g & A_REFUSED)
			refused++;
		else if (g & A_MISSED)
			missed++;
		else
			blank++;
	}
	expected = given + refused + missed + blank;
	char a[DATE_LEN], b[DATE_LEN];
	date_from_days(from, a);
	date_from_days(to, b);
	add_ev(f, "attendance", NULL, "%s to %s: supervised dose given on %d of %d scheduled clinic days (%d%%);"
	       " %d missed, %d refused, %d not recorded; %d take-home, %d held, %d closure days not counted",
	       a, b, given, expected, expected ? given * 100 / expected : 100, missed, refused, blank,
	       take_home, held, closed);
	f->concern |= expected > 0 && given * 100 < T.attendance_min_percent * expected;
	for (int64_t d = to; d >= from; d--) { /* newest first */
		unsigned char g = got[d - from];
		char day[DATE_LEN];
		date_from_days(d, day);
		if (sched[d - from] && (g & (A_MISSED | A_REFUSED)) && !(g & (A_GIVEN | A_TAKE_HOME | A_HELD)) &&
		    !takehome_closed_on(day))
			add_ev(f, g & A_MISSED ? "missed" : "refused", day, g & A_MISSED ? "Missed dose" : "Dose refused");
	}
	return TDM_OK;
}

static enum tdm_status diversion_evidence(struct db *db, int64_t pid, const char *today,
					  struct takehome_factor *f, struct tdm_err *err)
{
	char since[DATE_LEN], since_at[INSTANT_LEN];
	date_add_days(today, -T.diversion_window, since);
	since_instant(T.diversion_window, since_at);
	int found = 0, s;
	struct stmt *st = db_prepare(db, "SELECT noted_on, note FROM diversion WHERE patient_id = ?"
				     " AND noted_on >= ? ORDER BY noted_on DESC, id DESC", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, pid);
	db_bind_text(st, 2, since);
	while ((s = db_step(st, err)) == DB_ROW) {
		found++;
		add_ev(f, "diversion", db_col_text(st, 0), "Documented diversion: %.180s", db_col_text(st, 1));
	}
	db_done(st);
	if (s < 0)
		return err->code;
	st = db_prepare(db,
		"SELECT r.condition, r.bottles, r.recorded_at, d.first_on FROM takehome_return r JOIN"
		" takehome_dispense d ON d.id = r.dispense_id WHERE d.patient_id = ? AND r.condition <> 'returned'"
		" AND r.recorded_at >= ? ORDER BY r.recorded_at DESC, r.id DESC", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, pid);
	db_bind_text(st, 2, since_at);
	while ((s = db_step(st, err)) == DB_ROW) {
		char on[DATE_LEN];
		found++;
		local_day_of(db_col_text(st, 2), on);
		add_ev(f, "bottle_returned", on, "%" PRId64 " bottle(s) %s from the take-homes of %s",
		       db_col_int(st, 1), db_col_text(st, 0), db_col_text(st, 3));
	}
	db_done(st);
	if (s < 0)
		return err->code;
	if (!found)
		add_ev(f, "none", NULL, "No documented diversion and no bottle returned missing or tampered in the last"
		       " %d days", T.diversion_window);
	f->concern |= found > 0;
	return TDM_OK;
}

/* Bottles not yet accounted for after their due-back day (evidence only). */
static enum tdm_status unreturned(struct db *db, int64_t pid, const char *today, struct takehome_factor *f,
				  struct tdm_err *err);

static enum tdm_status education(struct db *db, int64_t pid, struct takehome_eligibility *out,
				 struct takehome_factor *f, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, "SELECT recorded_at, recorded_by, note FROM takehome_education"
				     " WHERE patient_id = ? ORDER BY id DESC LIMIT 1", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, pid);
	int s = db_step(st, err);
	if (s == DB_ROW) {
		char on[DATE_LEN];
		out->has_education = 1;
		snprintf(out->education_at, sizeof out->education_at, "%s", db_col_text(st, 0));
		snprintf(out->education_by, sizeof out->education_by, "%s", db_col_text(st, 1));
		local_day_of(out->education_at, on);
		add_ev(f, "education", on, "Safe transport and storage education recorded by %s: %.150s",
		       out->education_by, db_col_text(st, 2));
	}
	db_done(st);
	if (s < 0)
		return err->code;
	if (!out->has_education) {
		add_ev(f, "no_education", NULL, "No safe transport and storage education recorded (42 CFR 8.12(i)"
		       " asks for it to be documented)");
		f->concern = 1;
	}
	return TDM_OK;
}

static enum tdm_status factors(struct db *db, int64_t pid, const struct course *c, const char *today,
			       struct takehome_eligibility *out, struct tdm_err *err)
{
	for (int i = 0; i < TAKEHOME_N_FACTORS; i++) {
		out->factors[i].id = factor_defs[i].id;
		out->factors[i].title = factor_defs[i].title;
	}
	struct takehome_factor *f = out->factors;
	enum tdm_status rc = screens(db, pid, &f[0], err);
	if (!rc)
		rc = diagnoses(db, pid, &f[0], err);
	if (!rc)
		rc = attendance(db, pid, c, &f[1], err);
	add_ev(&f[2], "not_recorded", NULL, "Tandem does not record behavioural incidents: the prescriber judges"
	       " this factor");
	if (!rc)
		rc = diversion_evidence(db, pid, today, &f[3], err);
	if (!rc)
		rc = unreturned(db, pid, today, &f[3], err);
	if (!rc)
		rc = education(db, pid, out, &f[4], err);
	add_ev(&f[5], "clinician", NULL, "For the medical director or practitioner to consider and record with"
	       " the decision");
	return rc;
}

/* ---- dispenses and returns ---- */

#define RETURNED(cond)                                                                     \
	" COALESCE((SELECT SUM(r.bottles) FROM takehome_return r WHERE r.dispense_id = d.id" \
	" AND r.condition = '" cond "'), 0)"

#define DISPENSE_SELECT                                                                       \
	"SELECT d.id, d.order_id, d.patient_id, d.site_id, COALESCE(d.decision_id, 0),"      \
	" o.medication, d.first_on, d.days, d.bottles, d.closure, d.amount, d.recorded_at,"   \
	" d.recorded_by," RETURNED("returned") "," RETURNED("missing") "," RETURNED("tampered") \
	" FROM takehome_dispense d JOIN med_order o ON o.id = d.order_id"

static void read_dispense(struct stmt *st, void *row)
{
	struct takehome_dispense *d = row;
	char today[DATE_LEN];
	memset(d, 0, sizeof *d);
	d->id = db_col_int(st, 0);
	d->order_id = db_col_int(st, 1);
	d->patient_id = db_col_int(st, 2);
	d->site_id = db_col_int(st, 3);
	d->decision_id = db_col_int(st, 4);
	COPY(d->medication, 5);
	COPY(d->first_on, 6);
	d->days = (int)db_col_int(st, 7);
	d->bottles = (int)db_col_int(st, 8);
	d->closure = (int)db_col_int(st, 9);
	d->amount = strtod(db_col_text(st, 10), NULL);
	COPY(d->recorded_at, 11);
	COPY(d->recorded_by, 12);
	d->returned = (int)db_col_int(st, 13);
	d->missing = (int)db_col_int(st, 14);
	d->tampered = (int)db_col_int(st, 15);
	d->outstanding = d->bottles - d->returned - d->missing - d->tampered;
	if (date_valid(d->first_on)) {
		date_add_days(d->first_on, d->days - 1, d->last_on);
		date_add_days(d->first_on, d->days, d->due_back_on);
	}
	date_today(today);
	d->overdue = d->outstanding > 0 && d->due_back_on[0] && strcmp(d->due_back_on, today) < 0;
}

static enum tdm_status unreturned(struct db *db, int64_t pid, const char *today, struct takehome_factor *f,
				  struct tdm_err *err)
{
	char since[DATE_LEN];
	date_add_days(today, -MAX_WINDOW, since);
	struct stmt *st = db_prepare(db, DISPENSE_SELECT " WHERE d.patient_id = ? AND d.first_on >= ?"
				     " ORDER BY d.first_on DESC, d.id DESC", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, pid);
	db_bind_text(st, 2, since);
	int s;
	while ((s = db_step(st, err)) == DB_ROW) {
		struct takehome_dispense d;
		read_dispense(st, &d);
		if (d.overdue)
			add_ev(f, "bottles_out", d.due_back_on, "%d of %d bottle(s) from the take-homes of %s not yet"
			       " returned (due back %s)", d.outstanding, d.bottles, d.first_on, d.due_back_on);
	}
	db_done(st);
	return s < 0 ? err->code : TDM_OK;
}

static enum tdm_status load_dispense(struct db *db, int64_t id, struct takehome_dispense *out,
				     struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, DISPENSE_SELECT " WHERE d.id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, id);
	int found;
	if (db_one(st, read_dispense, out, &found, err))
		return err->code;
	return found ? TDM_OK : tdm_fail(err, TDM_ENOTFOUND, "take_home", "no take-home dispense %" PRId64, id);
}

enum tdm_status takehome_dispenses(struct db *db, const struct actor *a, int64_t patient_id,
				   int limit, int offset, struct takehome_dispense **rows, int *n,
				   int64_t *total, struct tdm_err *err)
{
	struct audit_event ev;
	int open, found;
	*rows = NULL;
	*n = 0;
	*total = 0;
	if (limit < 1 || limit > TAKEHOME_LIST_MAX)
		limit = TAKEHOME_LIST_MAX;
	enum tdm_status rc = patient_open(db, a, patient_id, DB_AUDITED_READ, "takehome.list", "TakeHomeDispense",
					  &ev, &open, err);
	if (!open)
		return rc;
	struct stmt *st = rc ? NULL : db_prepare(db, "SELECT COUNT(*) FROM takehome_dispense WHERE patient_id = ?", err);
	if (!rc && !st)
		rc = err->code;
	if (st) {
		db_bind_int(st, 1, patient_id);
		rc = db_query_int(st, total, &found, err);
	}
	if (!rc) {
		st = db_prepare(db, DISPENSE_SELECT " WHERE d.patient_id = ? ORDER BY d.first_on DESC, d.id DESC"
				" LIMIT ? OFFSET ?", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			db_bind_int(st, 2, limit);
			db_bind_int(st, 3, offset);
			rc = db_collect(st, sizeof **rows, limit, read_dispense, (void **)rows, n, err);
		}
	}
	snprintf(ev.detail, sizeof ev.detail, "dispenses=%d", *n);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}

enum tdm_status takehome_return_add(struct db *db, const struct actor *a, int64_t dispense_id,
				    int bottles, const char *condition, const char *note,
				    struct takehome_return *out, struct takehome_dispense *disp,
				    struct tdm_err *err)
{
	if (!condition || (strcmp(condition, "returned") && strcmp(condition, "missing") &&
			   strcmp(condition, "tampered")))
		return tdm_fail(err, TDM_EINVAL, "condition", "condition must be returned, missing or tampered");
	if (note && strlen(note) > TDM_LEN_REASON)
		return tdm_fail(err, TDM_EINVAL, "note", "note is longer than %d characters", TDM_LEN_REASON);
	if (bottles < 1)
		return tdm_fail(err, TDM_EINVAL, "bottles", "bottles must be at least 1");
	enum tdm_status rc = db_begin(db, DB_WRITE, err);
	if (rc)
		return rc;
	struct audit_event ev = {.action = "takehome.return", .object_type = "TakeHomeDispense"};
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, dispense_id);
	rc = load_dispense(db, dispense_id, disp, err);
	if (!rc) {
		ev.patient_id = disp->patient_id;
		rc = patient_visible(db, a, disp->patient_id, &ev.site_id, err);
		if (rc == TDM_ENOTFOUND) {
			ev.outcome = "denied";
			rc = tdm_fail(err, TDM_ENOTFOUND, "take_home", "no take-home dispense %" PRId64, dispense_id);
		}
	}
	if (!rc && bottles > disp->outstanding)
		rc = disp->outstanding
			? tdm_fail(err, TDM_EINVAL, "bottles", "bottles must be 1 to %d (bottles still out)",
				   disp->outstanding)
			: tdm_fail(err, TDM_ECONFLICT, "bottles", "every bottle of this dispense is accounted for");
	memset(out, 0, sizeof *out);
	if (!rc) {
		instant_now(out->recorded_at);
		struct stmt *st = db_prepare(db,
			"INSERT INTO takehome_return(dispense_id, bottles, condition, note, recorded_at, recorded_by)"
			" VALUES (?,?,?,?,?,?) RETURNING id", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, dispense_id);
			db_bind_int(st, 2, bottles);
			db_bind_text(st, 3, condition);
			db_bind_text(st, 4, note && *note ? note : NULL);
			db_bind_text(st, 5, out->recorded_at);
			db_bind_text(st, 6, a->username);
			rc = db_insert_id(st, &out->id, err);
		}
	}
	if (!rc) {
		out->dispense_id = dispense_id;
		out->bottles = bottles;
		snprintf(out->condition, sizeof out->condition, "%s", condition);
		snprintf(out->note, sizeof out->note, "%s", note ? note : "");
		snprintf(out->recorded_by, sizeof out->recorded_by, "%s", a->username);
		rc = load_dispense(db, dispense_id, disp, err);
	}
	snprintf(ev.detail, sizeof ev.detail, "bottles=%d condition=%s", bottles, condition);
	return audit_finish(db, a, rc, &ev, err);
}

/* ---- eligibility, decisions, education, diversion ---- */

enum tdm_status takehome_eligibility(struct db *db, const struct actor *a, int64_t patient_id,
				     struct takehome_eligibility *out, struct tdm_err *err)
{
	struct audit_event ev;
	struct course c = {0};
	int open;
	memset(out, 0, sizeof *out);
	out->patient_id = patient_id;
	date_today(out->as_of);
	enum tdm_status rc = patient_open(db, a, patient_id, DB_AUDITED_READ, "takehome.eligibility", "TakeHome",
					  &ev, &open, err);
	if (!open)
		return rc;
	if (!rc)
		rc = pick_course(db, patient_id, out->as_of, &c, err);
	if (!rc) {
		snprintf(out->medication, sizeof out->medication, "%s", c.medication);
		snprintf(out->treatment_start, sizeof out->treatment_start, "%s", c.start_on);
		out->treatment_day = c.day;
		out->max_days = c.max_days;
		if (c.tier) {
			out->has_tier = 1;
			out->tier = *c.tier;
		}
		out->early_limit = T.first_days_total;
		out->early_days = T.first_days;
		rc = early_used(db, patient_id, &c, &out->early_used, err);
	}
	if (!rc)
		rc = latest_decision(db, patient_id, &c, &out->decision, &out->has_decision, err);
	if (!rc)
		rc = factors(db, patient_id, &c, out->as_of, out, err);
	if (!rc && out->has_decision)
		out->ceiling = out->decision.approved_days < out->max_days ? out->decision.approved_days : out->max_days;
	free(c.runs);
	snprintf(ev.detail, sizeof ev.detail, "day=%d max_days=%d ceiling=%d", out->treatment_day, out->max_days,
		 out->ceiling);
	return audit_finish(db, a, rc, &ev, err);
}

static enum tdm_status load_decision(struct db *db, int64_t id, struct takehome_decision *out,
				     struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, DECISION_SELECT " WHERE id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, id);
	int s = db_step(st, err);
	if (s == DB_ROW)
		read_decision(st, out);
	db_done(st);
	if (s < 0)
		return err->code;
	return s == DB_ROW ? TDM_OK : tdm_fail(err, TDM_ENOTFOUND, "decision", "no decision %" PRId64, id);
}

static enum tdm_status insert_decision(struct db *db, const struct actor *a, int64_t pid, int64_t site,
				       const struct course *c, int approved, const char *reason,
				       const char *factors_json, int64_t *id, struct tdm_err *err)
{
	char now[INSTANT_LEN];
	instant_now(now);
	struct stmt *st = db_prepare(db,
		"INSERT INTO takehome_decision(patient_id, site_id, medication, approved_days, max_days,"
		" treatment_day, factors, reason, decided_at, decided_by) VALUES (?,?,?,?,?,?,?,?,?,?)"
		" RETURNING id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, pid);
	db_bind_int(st, 2, site);
	db_bind_text(st, 3, c->medication);
	db_bind_int(st, 4, approved);
	db_bind_int(st, 5, c->max_days);
	db_bind_int(st, 6, c->day);
	db_bind_text(st, 7, factors_json && *factors_json ? factors_json : "{}");
	db_bind_text(st, 8, reason);
	db_bind_text(st, 9, now);
	db_bind_text(st, 10, a->username);
	return db_insert_id(st, id, err);
}

enum tdm_status takehome_decide(struct db *db, const struct actor *a, int64_t patient_id,
				int approved_days, const char *reason, const char *factors_json,
				struct takehome_decision *out, struct tdm_err *err)
{
	if (approved_days < 0)
		return tdm_fail(err, TDM_EINVAL, "approved_days", "approved_days must be 0 or more");
	if (!reason || !*reason || strlen(reason) > TDM_LEN_REASON)
		return tdm_fail(err, TDM_EINVAL, "reason", "reason is required (at most %d characters)", TDM_LEN_REASON);
	if (factors_json && strlen(factors_json) > TAKEHOME_MAX_FACTORS_JSON)
		return tdm_fail(err, TDM_EINVAL, "factors", "factors is longer than %d bytes", TAKEHOME_MAX_FACTORS_JSON);
	struct audit_event ev;
	struct course c = {0};
	char today[DATE_LEN];
	int open;
	int64_t id = 0;
	date_today(today);
	enum tdm_status rc = patient_open(db, a, patient_id, DB_WRITE, "takehome.decide", "TakeHomeDecision", &ev,
					  &open, err);
	if (!open)
		return rc;
	if (!rc && !(access_roles_at(a, ev.site_id) & ROLE_PRESCRIBER))
		rc = tdm_fail(err, TDM_EFORBIDDEN, NULL, "only a prescriber at the patient's site records a take-home"
			      " decision");
	if (!rc)
		rc = pick_course(db, patient_id, today, &c, err);
	if (!rc && approved_days > c.max_days) {
		if (c.start == NO_DAY)
			rc = tdm_fail(err, TDM_EINVAL, "approved_days", "approved_days %d is above the ceiling of 0: no"
				      " current course of %s", approved_days, c.medication);
		else
			rc = tdm_fail(err, TDM_EINVAL, "approved_days", "approved_days %d is above the ceiling of %d"
				      " days for treatment day %d (%.150s)", approved_days, c.max_days, c.day,
				      c.tier ? c.tier->source : "");
	}
	if (!rc)
		rc = insert_decision(db, a, patient_id, ev.site_id, &c, approved_days, reason, factors_json, &id, err);
	if (!rc)
		rc = load_decision(db, id, out, err);
	if (!rc)
		snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, id);
	snprintf(ev.detail, sizeof ev.detail, "%s approved_days=%d max_days=%d day=%d", c.medication, approved_days,
		 c.max_days, c.day);
	free(c.runs);
	return audit_finish(db, a, rc, &ev, err);
}

/* An education or diversion note, inserted in the patient's write
 * transaction. */
static enum tdm_status add_note(struct db *db, const struct actor *a, int64_t patient_id, const char *action,
				const char *type, const char *noted_on, const char *note,
				struct takehome_note *out, struct tdm_err *err)
{
	if (!note || !*note || strlen(note) > TDM_LEN_REASON)
		return tdm_fail(err, TDM_EINVAL, "note", "note is required (at most %d characters)", TDM_LEN_REASON);
	struct audit_event ev;
	int open;
	memset(out, 0, sizeof *out);
	instant_now(out->recorded_at);
	enum tdm_status rc = patient_open(db, a, patient_id, DB_WRITE, action, type, &ev, &open, err);
	if (!open)
		return rc;
	struct stmt *st = NULL;
	if (!rc) {
		st = noted_on
			? db_prepare(db, "INSERT INTO diversion(patient_id, note, recorded_at, recorded_by, noted_on)"
				     " VALUES (?,?,?,?,?) RETURNING id", err)
			: db_prepare(db, "INSERT INTO takehome_education(patient_id, note, recorded_at, recorded_by)"
				     " VALUES (?,?,?,?) RETURNING id", err);
		if (!st)
			rc = err->code;
	}
	if (st) {
		db_bind_int(st, 1, patient_id);
		db_bind_text(st, 2, note);
		db_bind_text(st, 3, out->recorded_at);
		db_bind_text(st, 4, a->username);
		if (noted_on)
			db_bind_text(st, 5, noted_on);
		rc = db_insert_id(st, &out->id, err);
	}
	if (!rc) {
		out->patient_id = patient_id;
		snprintf(out->noted_on, sizeof out->noted_on, "%s", noted_on ? noted_on : "");
		snprintf(out->note, sizeof out->note, "%s", note);
		snprintf(out->recorded_by, sizeof out->recorded_by, "%s", a->username);
		snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, out->id);
	}
	snprintf(ev.detail, sizeof ev.detail, "%s%s", noted_on ? "noted_on=" : "", noted_on ? noted_on : "");
	return audit_finish(db, a, rc, &ev, err);
}

enum tdm_status takehome_educate(struct db *db, const struct actor *a, int64_t patient_id,
				 const char *note, struct takehome_note *out, struct tdm_err *err)
{
	return add_note(db, a, patient_id, "takehome.education", "TakeHomeEducation", NULL, note, out, err);
}

enum tdm_status takehome_diversion_add(struct db *db, const struct actor *a, int64_t patient_id,
				       const char *noted_on, const char *note,
				       struct takehome_note *out, struct tdm_err *err)
{
	char today[DATE_LEN];
	date_today(today);
	if (!noted_on || !*noted_on)
		noted_on = today;
	else if (!date_valid(noted_on))
		return tdm_fail(err, TDM_EINVAL, "noted_on", "noted_on must be a date YYYY-MM-DD");
	else if (strcmp(noted_on, today) > 0)
		return tdm_fail(err, TDM_EINVAL, "noted_on", "noted_on %s is in the future", noted_on);
	return add_note(db, a, patient_id, "diversion.create", "Diversion", noted_on, note, out, err);
}
