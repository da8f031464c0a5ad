#include "domain/result.h"
#include "domain/audit.h"
#include "domain/patient.h"
#include "util/conf.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SUBSTANCES 32
#define MAX_LABS 32

static struct {
	char substances[MAX_SUBSTANCES][24];
	int n_substances;
	struct {
		char code[32], unit[16];
		double min, max;
	} labs[MAX_LABS];
	int n_labs;
	double bac_min, bac_max;
	char bac_unit[16];
	int qtc_min, qtc_max;
} R;

static int parse_lab(const char *value, char *unit, size_t un, double *lo, double *hi)
{
	char tmp[256], *save = NULL;
	snprintf(tmp, sizeof tmp, "%s", value);
	char *u = strtok_r(tmp, "|", &save), *a = strtok_r(NULL, "|", &save), *b = strtok_r(NULL, "|", &save);
	if (!u || !a || !b || strtok_r(NULL, "|", &save))
		return -1;
	while (*u == ' ')
		u++;
	size_t n = strlen(u);
	while (n && u[n - 1] == ' ')
		u[--n] = '\0';
	if (!n || n >= un)
		return -1;
	snprintf(unit, un, "%s", u);
	return conf_double(a + (*a == ' '), lo) || conf_double(b + (*b == ' '), hi) || *lo > *hi ? -1 : 0;
}

enum tdm_status result_load(const char *dir, struct tdm_err *err)
{
	char path[512];
	struct conf c;
	memset(&R, 0, sizeof R);
	snprintf(path, sizeof path, "%s/results.conf", dir);
	enum tdm_status rc = conf_load(&c, path, err);
	if (rc)
		return rc;
	for (int i = 0; i < c.n && !rc; i++) {
		struct conf_entry *e = &c.e[i];
		int bad = 0;
		double d;
		if (!strcmp(e->section, "uds") && !strcmp(e->key, "substance")) {
			bad = R.n_substances == MAX_SUBSTANCES || strlen(e->value) >= sizeof R.substances[0];
			if (!bad)
				snprintf(R.substances[R.n_substances++], sizeof R.substances[0], "%s", e->value);
		} else if (!strcmp(e->section, "breath_alcohol")) {
			if (!strcmp(e->key, "unit"))
				snprintf(R.bac_unit, sizeof R.bac_unit, "%s", e->value);
			else if (!strcmp(e->key, "min") && !conf_double(e->value, &d))
				R.bac_min = d;
			else if (!strcmp(e->key, "max") && !conf_double(e->value, &d))
				R.bac_max = d;
			else
				bad = 1;
		} else if (!strcmp(e->section, "lab")) {
			bad = R.n_labs == MAX_LABS || strlen(e->key) >= sizeof R.labs[0].code ||
			      parse_lab(e->value, R.labs[R.n_labs].unit, sizeof R.labs[0].unit,
					&R.labs[R.n_labs].min, &R.labs[R.n_labs].max);
			if (!bad)
				snprintf(R.labs[R.n_labs++].code, sizeof R.labs[0].code, "%s", e->key);
		} else if (!strcmp(e->section, "ecg") && !conf_double(e->value, &d)) {
			if (!strcmp(e->key, "qtc_min"))
				R.qtc_min = (int)d;
			else if (!strcmp(e->key, "qtc_max"))
				R.qtc_max = (int)d;
			else
				bad = 1;
		} else {
			bad = 1;
		}
		if (bad)
			rc = tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: bad entry '%s'", path, e->line, e->key);
	}
	conf_release(&c);
	if (!rc && (!R.n_substances || !R.bac_unit[0] || R.bac_max <= R.bac_min || R.qtc_max <= R.qtc_min))
		rc = tdm_fail(err, TDM_EINVAL, NULL, "%s: needs uds substances, breath_alcohol and ecg bounds", path);
	return rc;
}

int result_uds_substance_known(const char *substance)
{
	for (int i = 0; i < R.n_substances; i++)
		if (!strcmp(substance, R.substances[i]))
			return 1;
	return 0;
}

/* Checks one input by kind; normalises value text and unit. */
static enum tdm_status check(struct result *r, struct tdm_err *err)
{
	double v;
	if (strcmp(r->kind, "uds") && (r->substance[0] || r->outcome[0]))
		return tdm_fail(err, TDM_EINVAL, r->substance[0] ? "substance" : "result",
				"substance and result apply to drug screens (uds) only");
	if (strcmp(r->kind, "lab") && strcmp(r->kind, "uds") && r->code[0])
		return tdm_fail(err, TDM_EINVAL, "code", "code applies to labs only");
	if (!strcmp(r->kind, "uds")) {
		int ok = 0;
		for (int i = 0; i < R.n_substances; i++)
			ok |= !strcmp(r->substance, R.substances[i]);
		if (!ok)
			return tdm_fail(err, TDM_EINVAL, "substance", "unknown screen substance '%.24s' (data/results.conf)",
					r->substance);
		if (strcmp(r->outcome, "positive") && strcmp(r->outcome, "negative"))
			return tdm_fail(err, TDM_EINVAL, "result", "result must be positive or negative");
		if (r->expected && strcmp(r->outcome, "positive"))
			return tdm_fail(err, TDM_EINVAL, "expected", "only a positive can be an expected positive");
		if (r->unit[0] || r->value[0] || r->code[0])
			return tdm_fail(err, TDM_EINVAL, r->unit[0] ? "unit" : r->value[0] ? "value" : "code",
					"a drug screen has a substance and a result, no value");
		r->code[0] = r->value[0] = r->unit[0] = '\0';
		return TDM_OK;
	}
	if (r->expected)
		return tdm_fail(err, TDM_EINVAL, "expected", "expected applies to drug screens only");
	if (!strcmp(r->kind, "breath_alcohol")) {
		if (r->unit[0] && strcmp(r->unit, R.bac_unit))
			return tdm_fail(err, TDM_EINVAL, "unit", "breath alcohol is recorded in %s", R.bac_unit);
		if (conf_double(r->value, &v) || v < R.bac_min || v > R.bac_max)
			return tdm_fail(err, TDM_EINVAL, "value", "value must be %g to %g %s", R.bac_min, R.bac_max,
					R.bac_unit);
		snprintf(r->unit, sizeof r->unit, "%s", R.bac_unit);
		snprintf(r->code, sizeof r->code, "breath_alcohol");
		return TDM_OK;
	}
	if (!strcmp(r->kind, "lab")) {
		for (int i = 0; i < R.n_labs; i++) {
			if (strcmp(r->code, R.labs[i].code))
				continue;
			if (r->unit[0] && strcmp(r->unit, R.labs[i].unit))
				return tdm_fail(err, TDM_EINVAL, "unit", "%s is recorded in %s", r->code, R.labs[i].unit);
			if (conf_double(r->value, &v) || v < R.labs[i].min || v > R.labs[i].max)
				return tdm_fail(err, TDM_EINVAL, "value", "%s must be %g to %g %s", r->code,
						R.labs[i].min, R.labs[i].max, R.labs[i].unit);
			snprintf(r->unit, sizeof r->unit, "%s", R.labs[i].unit);
			return TDM_OK;
		}
		return tdm_fail(err, TDM_EINVAL, "code", "unknown lab code '%.32s' (data/results.conf)", r->code);
	}
	if (!strcmp(r->kind, "ecg")) {
		if (r->unit[0] && strcmp(r->unit, "ms"))
			return tdm_fail(err, TDM_EINVAL, "unit", "QTc is recorded in ms");
		if (conf_double(r->value, &v) || v != floor(v) || v < R.qtc_min || v > R.qtc_max)
			return tdm_fail(err, TDM_EINVAL, "qtc_ms", "qtc_ms must be a whole number from %d to %d",
					R.qtc_min, R.qtc_max);
		snprintf(r->code, sizeof r->code, "qtc");
		snprintf(r->unit, sizeof r->unit, "ms");
		return TDM_OK;
	}
	return tdm_fail(err, TDM_EINVAL, "kind", "kind must be uds, breath_alcohol, lab or ecg");
}

#define RESULT_SELECT                                                                      \
	"SELECT r.id, r.patient_id, r.site_id, r.kind, COALESCE(r.substance, ''),"         \
	" COALESCE(r.outcome, ''), r.expected, COALESCE(r.code, ''), r.value,"              \
	" COALESCE(r.unit, ''), r.taken_at, COALESCE(r.note, ''), r.recorded_at,"           \
	" r.recorded_by, COALESCE(s.status, 'final'), COALESCE(s.reason, '')"              \
	" FROM result r LEFT JOIN result_status s ON s.result_id = r.id"

#define COPY(dst, i) snprintf(dst, sizeof dst, "%s", db_col_text(st, i))

static void read_result(struct stmt *st, struct result *r)
{
	memset(r, 0, sizeof *r);
	r->id = db_col_int(st, 0);
	r->patient_id = db_col_int(st, 1);
	r->site_id = db_col_int(st, 2);
	COPY(r->kind, 3);
	COPY(r->substance, 4);
	COPY(r->outcome, 5);
	r->expected = (int)db_col_int(st, 6);
	COPY(r->code, 7);
	if (!db_col_null(st, 8)) {
		double v = strtod(db_col_text(st, 8), NULL);
		snprintf(r->value, sizeof r->value, "%.10g", v);
	}
	COPY(r->unit, 9);
	COPY(r->taken_at, 10);
	COPY(r->note, 11);
	COPY(r->recorded_at, 12);
	COPY(r->recorded_by, 13);
	COPY(r->status, 14);
	COPY(r->status_reason, 15);
}

static void read_result_row(struct stmt *st, void *row)
{
	read_result(st, row);
}

static enum tdm_status load(struct db *db, int64_t id, struct result *out, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, RESULT_SELECT " WHERE r.id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, id);
	int found;
	if (db_one(st, read_result_row, out, &found, err))
		return err->code;
	return found ? TDM_OK : tdm_fail(err, TDM_ENOTFOUND, "result", "no result %" PRId64, id);
}

enum tdm_status result_add(struct db *db, const struct actor *a, int64_t patient_id,
			   struct result *in, struct tdm_err *err)
{
	char now[INSTANT_LEN];
	time_t t;
	enum tdm_status rc = check(in, err);
	if (rc)
		return rc;
	instant_now(now);
	if (!in->taken_at[0])
		snprintf(in->taken_at, sizeof in->taken_at, "%s", now);
	else if (instant_parse(in->taken_at, &t))
		return tdm_fail(err, TDM_EINVAL, "taken_at", "taken_at must be a UTC time like 2026-11-29T08:30:00Z");
	else if (t > time(NULL) + 300)
		return tdm_fail(err, TDM_EINVAL, "taken_at", "taken_at %s is in the future", in->taken_at);
	if (strlen(in->note) > TDM_LEN_REASON)
		return tdm_fail(err, TDM_EINVAL, "note", "note is longer than %d characters", TDM_LEN_REASON);
	struct audit_event ev;
	int open;
	rc = patient_open(db, a, patient_id, DB_WRITE, "result.create", "Result", &ev, &open, err);
	if (!open)
		return rc;
	if (!rc) {
		struct stmt *st = db_prepare(db,
			"INSERT INTO result(patient_id, site_id, kind, substance, outcome, expected, code, value,"
			" unit, taken_at, note, recorded_at, recorded_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
			" RETURNING id", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			db_bind_int(st, 2, ev.site_id);
			db_bind_text(st, 3, in->kind);
			db_bind_text(st, 4, in->substance[0] ? in->substance : NULL);
			db_bind_text(st, 5, in->outcome[0] ? in->outcome : NULL);
			db_bind_int(st, 6, in->expected);
			db_bind_text(st, 7, in->code[0] ? in->code : NULL);
			db_bind_text(st, 8, in->value[0] ? in->value : NULL);
			db_bind_text(st, 9, in->unit[0] ? in->unit : NULL);
			db_bind_text(st, 10, in->taken_at);
			db_bind_text(st, 11, in->note[0] ? in->note : NULL);
			db_bind_text(st, 12, now);
			db_bind_text(st, 13, a->username);
			rc = db_insert_id(st, &in->id, err);
		}
	}
	if (!rc)
		rc = load(db, in->id, in, err);
	if (!rc)
		snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, in->id);
	snprintf(ev.detail, sizeof ev.detail, "%s %s%s%s", in->kind, in->substance[0] ? in->substance : in->code,
		 in->outcome[0] ? " " : "", in->outcome);
	return audit_finish(db, a, rc, &ev, err);
}

enum tdm_status result_list(struct db *db, const struct actor *a, int64_t patient_id,
			    const char *kind, int limit, struct result **rows, int *n,
			    struct tdm_err *err)
{
	struct audit_event ev;
	int open;
	*rows = NULL;
	*n = 0;
	enum tdm_status rc = patient_open(db, a, patient_id, DB_AUDITED_READ, "result.list", "Result", &ev, &open, err);
	if (!open)
		return rc;
	if (!rc) {
		const char *k = kind ? kind : "";
		struct stmt *st = db_prepare(db, RESULT_SELECT " WHERE r.patient_id = ? AND (? = '' OR r.kind = ?)"
					     " ORDER BY r.taken_at DESC, r.id DESC LIMIT ?", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			db_bind_text(st, 2, k);
			db_bind_text(st, 3, k);
			db_bind_int(st, 4, limit);
			rc = db_collect(st, sizeof **rows, limit, read_result_row, (void **)rows, n, err);
		}
	}
	snprintf(ev.detail, sizeof ev.detail, "kind=%.16s results=%d", kind ? kind : "", *n);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}

enum tdm_status result_void(struct db *db, const struct actor *a, int64_t result_id,
			    const char *reason, struct result *out, struct tdm_err *err)
{
	if (!reason || !*reason || strlen(reason) > TDM_LEN_REASON)
		return tdm_fail(err, TDM_EINVAL, "reason", "reason is required (at most %d characters)", TDM_LEN_REASON);
	enum tdm_status rc = db_begin(db, DB_WRITE, err);
	if (rc)
		return rc;
	struct result cur;
	struct audit_event ev = {.action = "result.void", .object_type = "Result"};
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, result_id);
	rc = load(db, result_id, &cur, err);
	if (!rc) {
		ev.patient_id = cur.patient_id;
		rc = patient_visible(db, a, cur.patient_id, &ev.site_id, err);
		if (rc == TDM_ENOTFOUND) {
			ev.outcome = "denied";
			rc = tdm_fail(err, TDM_ENOTFOUND, "result", "no result %" PRId64, result_id);
		}
	}
	if (!rc && strcmp(cur.status, "final"))
		rc = tdm_fail(err, TDM_ECONFLICT, "result", "result already marked %s", cur.status);
	if (!rc) {
		char now[INSTANT_LEN];
		instant_now(now);
		struct stmt *st = db_prepare(db,
			"INSERT INTO result_status(result_id, status, reason, recorded_at, recorded_by)"
			" VALUES (?, 'entered_in_error', ?, ?, ?)", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, result_id);
			db_bind_text(st, 2, reason);
			db_bind_text(st, 3, now);
			db_bind_text(st, 4, a->username);
			rc = db_run(st, err);
		}
	}
	if (!rc)
		rc = load(db, result_id, out, err);
	snprintf(ev.detail, sizeof ev.detail, "%.200s", reason);
	return audit_finish(db, a, rc, &ev, err);
}
