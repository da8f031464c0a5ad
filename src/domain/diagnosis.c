#include "domain/diagnosis.h"
#include "domain/audit.h"
#include "domain/patient.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DX_MAX 500 /* diagnoses listed per patient */

/* Status is the newest status row; no row means active since onset. */
#define DX_SELECT                                                                         \
	"SELECT d.id, d.patient_id, d.code, d.onset_date, d.note, d.recorded_at,"          \
	" d.recorded_by, COALESCE(s.status, 'active'), COALESCE(s.effective_on, ''),"      \
	" COALESCE(s.reason, '')"                                                           \
	" FROM diagnosis d LEFT JOIN diagnosis_status s ON s.id ="                          \
	" (SELECT MAX(id) FROM diagnosis_status WHERE diagnosis_id = d.id)"

static void read_dx(struct stmt *st, struct diagnosis *d)
{
	struct tdm_err ignore;
	memset(d, 0, sizeof *d);
	d->id = db_col_int(st, 0);
	d->patient_id = db_col_int(st, 1);
	/* Stored codes were valid when written; classify again under the
	 * current tables (a site may have changed them). */
	if (icd10_classify(db_col_text(st, 2), &d->cls, &ignore) != TDM_OK)
		snprintf(d->cls.code, sizeof d->cls.code, "%s", db_col_text(st, 2));
	snprintf(d->onset_date, sizeof d->onset_date, "%s", db_col_text(st, 3));
	snprintf(d->note, sizeof d->note, "%s", db_col_text(st, 4));
	snprintf(d->recorded_at, sizeof d->recorded_at, "%s", db_col_text(st, 5));
	snprintf(d->recorded_by, sizeof d->recorded_by, "%s", db_col_text(st, 6));
	snprintf(d->status, sizeof d->status, "%s", db_col_text(st, 7));
	snprintf(d->status_on, sizeof d->status_on, "%s", db_col_text(st, 8));
	snprintf(d->status_reason, sizeof d->status_reason, "%s", db_col_text(st, 9));
}

static void read_dx_row(struct stmt *st, void *row)
{
	read_dx(st, row);
}

enum tdm_status diagnosis_dual(struct db *db, int64_t patient_id, int *dual, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"SELECT CASE WHEN " ICD10_DUAL_SQL("p.id") " THEN 1 ELSE 0 END"
		" FROM patient p WHERE p.id = ?", err);
	if (!st)
		return err->code;
	int n = icd10_bind_dual(st, 1);
	db_bind_int(st, 1 + n, patient_id);
	int64_t v = 0;
	int found;
	enum tdm_status rc = db_query_int(st, &v, &found, err);
	*dual = v == 1;
	return rc;
}

static void dx_event(struct audit_event *ev, const char *action, int64_t site, int64_t pid,
		     int64_t dx)
{
	memset(ev, 0, sizeof *ev);
	ev->action = action;
	ev->site_id = site;
	ev->patient_id = pid;
	ev->object_type = "Diagnosis";
	if (dx)
		snprintf(ev->object_id, sizeof ev->object_id, "%" PRId64, dx);
}

static enum tdm_status load_dx(struct db *db, int64_t id, struct diagnosis *out,
			       struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, DX_SELECT " WHERE d.id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, id);
	int s = db_step(st, err);
	if (s == DB_ROW)
		read_dx(st, out);
	db_done(st);
	if (s < 0)
		return err->code;
	return s == DB_ROW ? TDM_OK
			   : tdm_fail(err, TDM_ENOTFOUND, "diagnosis", "no diagnosis %" PRId64, id);
}

static enum tdm_status check_past_date(const char *field, const char *v, struct tdm_err *err)
{
	char today[DATE_LEN];
	if (!date_valid(v))
		return tdm_fail(err, TDM_EINVAL, field, "%s '%s' is not a real date in the form YYYY-MM-DD",
				field, v);
	date_today(today);
	if (strcmp(v, today) > 0)
		return tdm_fail(err, TDM_EINVAL, field, "%s %s is in the future", field, v);
	return TDM_OK;
}

enum tdm_status diagnosis_add(struct db *db, const struct actor *a, int64_t patient_id,
			      struct diagnosis *d, struct tdm_err *err)
{
	enum tdm_status rc;
	struct icd10_class cls;
	if ((rc = icd10_classify(d->cls.code, &cls, err)))
		return rc;
	d->cls = cls;
	if (d->onset_date[0] && (rc = check_past_date("onset_date", d->onset_date, err)))
		return rc;
	struct audit_event ev;
	int open;
	rc = patient_open(db, a, patient_id, DB_WRITE, "diagnosis.create", "Diagnosis", &ev, &open, err);
	if (!open)
		return rc;
	if (!rc && d->onset_date[0]) {
		struct stmt *st = db_prepare(db,
			"SELECT birth_date FROM patient_version WHERE patient_id = ? AND is_current = 1", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			char birth[DATE_LEN] = "";
			if (db_step(st, err) == DB_ROW)
				snprintf(birth, sizeof birth, "%s", db_col_text(st, 0));
			db_done(st);
			if (birth[0] && strcmp(d->onset_date, birth) < 0)
				rc = tdm_fail(err, TDM_EINVAL, "onset_date",
					      "onset_date %s is before the birth date %s", d->onset_date, birth);
		}
	}
	if (!rc) {
		/* The same code twice while active is a duplicate entry. */
		struct stmt *st = db_prepare(db, DX_SELECT " WHERE d.patient_id = ? AND d.code = ?", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			db_bind_text(st, 2, cls.code);
			int s;
			struct diagnosis old;
			while ((s = db_step(st, err)) == DB_ROW) {
				read_dx(st, &old);
				if (!strcmp(old.status, "active")) {
					rc = tdm_fail(err, TDM_ECONFLICT, "code",
						      "%s is already an active diagnosis (id %" PRId64 ")",
						      cls.code, old.id);
					break;
				}
			}
			if (s < 0)
				rc = err->code;
			db_done(st);
		}
	}
	if (!rc) {
		char now[INSTANT_LEN];
		instant_now(now);
		struct stmt *st = db_prepare(db,
			"INSERT INTO diagnosis(patient_id, code, category, substance, pattern, onset_date,"
			" note, recorded_at, recorded_by) VALUES (?,?,?,?,?,?,?,?,?) RETURNING id", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			db_bind_text(st, 2, cls.code);
			db_bind_text(st, 3, icd10_category_name(cls.category));
			db_bind_text(st, 4, cls.substance[0] ? cls.substance : NULL);
			db_bind_text(st, 5, cls.pattern[0] ? cls.pattern : NULL);
			db_bind_text(st, 6, d->onset_date[0] ? d->onset_date : NULL);
			db_bind_text(st, 7, d->note[0] ? d->note : NULL);
			db_bind_text(st, 8, now);
			db_bind_text(st, 9, a->username);
			rc = db_insert_id(st, &d->id, err);
		}
	}
	if (!rc)
		rc = load_dx(db, d->id, d, err);
	if (!rc)
		snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, d->id);
	snprintf(ev.detail, sizeof ev.detail, "%s", cls.code);
	return audit_finish(db, a, rc, &ev, err);
}

enum tdm_status diagnosis_list(struct db *db, const struct actor *a, int64_t patient_id,
			       struct diagnosis **rows, int *n, struct tdm_err *err)
{
	enum tdm_status rc;
	*rows = NULL;
	*n = 0;
	struct audit_event ev;
	int open;
	rc = patient_open(db, a, patient_id, DB_AUDITED_READ, "diagnosis.list", "Diagnosis", &ev, &open, err);
	if (!open)
		return rc;
	if (!rc) {
		struct stmt *st = db_prepare(db, DX_SELECT " WHERE d.patient_id = ? ORDER BY d.id", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			rc = db_collect(st, sizeof **rows, DX_MAX, read_dx_row, (void **)rows, n, err);
		}
	}
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}

enum tdm_status diagnosis_set_status(struct db *db, const struct actor *a, int64_t dx_id,
				     const char *status, const char *on, const char *reason,
				     struct diagnosis *out, struct tdm_err *err)
{
	enum tdm_status rc;
	char today[DATE_LEN];
	date_today(today);
	if (!status || (strcmp(status, "resolved") && strcmp(status, "active") &&
			strcmp(status, "entered_in_error")))
		return tdm_fail(err, TDM_EINVAL, "status",
				"status must be resolved, active or entered_in_error");
	if (!reason || !*reason)
		return tdm_fail(err, TDM_EINVAL, "reason", "reason is required");
	if (on && *on && (rc = check_past_date("effective_on", on, err)))
		return rc;
	if (!on || !*on)
		on = today;
	if ((rc = db_begin(db, DB_WRITE, err)))
		return rc;
	struct diagnosis cur;
	int64_t site = 0;
	rc = load_dx(db, dx_id, &cur, err);
	if (!rc)
		rc = patient_visible(db, a, cur.patient_id, &site, err);
	if (rc == TDM_ENOTFOUND)
		rc = tdm_fail(err, TDM_ENOTFOUND, "diagnosis", "no diagnosis %" PRId64, dx_id);
	struct audit_event ev;
	dx_event(&ev, "diagnosis.status", site, rc ? 0 : cur.patient_id, dx_id);
	if (!rc && !strcmp(cur.status, status))
		rc = tdm_fail(err, TDM_ECONFLICT, "status", "diagnosis is already %s", status);
	if (!rc && !strcmp(cur.status, "entered_in_error"))
		rc = tdm_fail(err, TDM_ECONFLICT, "status",
			      "a diagnosis entered in error cannot change; record a new one");
	if (!rc && cur.status_on[0] && strcmp(on, cur.status_on) < 0)
		rc = tdm_fail(err, TDM_EINVAL, "effective_on",
			      "effective_on %s is before the current status (%s since %s)", on,
			      cur.status, cur.status_on);
	if (!rc && cur.onset_date[0] && strcmp(on, cur.onset_date) < 0)
		rc = tdm_fail(err, TDM_EINVAL, "effective_on", "effective_on %s is before onset %s",
			      on, cur.onset_date);
	if (!rc) {
		char now[INSTANT_LEN];
		instant_now(now);
		struct stmt *st = db_prepare(db,
			"INSERT INTO diagnosis_status(diagnosis_id, status, effective_on, reason,"
			" recorded_at, recorded_by) VALUES (?,?,?,?,?,?)", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, dx_id);
			db_bind_text(st, 2, status);
			db_bind_text(st, 3, on);
			db_bind_text(st, 4, reason);
			db_bind_text(st, 5, now);
			db_bind_text(st, 6, a->username);
			rc = db_run(st, err);
		}
	}
	if (!rc)
		rc = load_dx(db, dx_id, out, err);
	snprintf(ev.detail, sizeof ev.detail, "%s: %.200s", status, reason);
	return audit_finish(db, a, rc, &ev, err);
}
