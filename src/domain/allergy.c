#include "domain/allergy.h"
#include "domain/audit.h"
#include "domain/formulary.h"
#include "domain/patient.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALLERGY_MAX 200

static int one_of(const char *s, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (!strcmp(s, list[i]))
			return 1;
	return 0;
}

#define ALLERGY_SELECT                                                                          \
	"SELECT g.id, g.patient_id, g.substance, COALESCE(g.medication_id, ''), g.kind,"          \
	" COALESCE(g.reaction, ''), g.severity, COALESCE(g.noted_on, ''), g.recorded_at,"         \
	" g.recorded_by, COALESCE(s.status, 'active'), COALESCE(s.reason, '')"                   \
	" FROM allergy g LEFT JOIN allergy_status s ON s.id ="                                   \
	" (SELECT MAX(id) FROM allergy_status WHERE allergy_id = g.id)"

#define COPY(dst, i) snprintf(dst, sizeof dst, "%s", db_col_text(st, i))

static void read_allergy(struct stmt *st, struct allergy *g)
{
	memset(g, 0, sizeof *g);
	g->id = db_col_int(st, 0);
	g->patient_id = db_col_int(st, 1);
	COPY(g->substance, 2);
	COPY(g->medication_id, 3);
	COPY(g->kind, 4);
	COPY(g->reaction, 5);
	COPY(g->severity, 6);
	COPY(g->noted_on, 7);
	COPY(g->recorded_at, 8);
	COPY(g->recorded_by, 9);
	COPY(g->status, 10);
	COPY(g->status_reason, 11);
}

static void read_allergy_row(struct stmt *st, void *row)
{
	read_allergy(st, row);
}

static enum tdm_status load(struct db *db, int64_t id, struct allergy *out, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, ALLERGY_SELECT " WHERE g.id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, id);
	int found;
	if (db_one(st, read_allergy_row, out, &found, err))
		return err->code;
	return found ? TDM_OK : tdm_fail(err, TDM_ENOTFOUND, "allergy", "no allergy %" PRId64, id);
}

/* A formulary medication the substance names (case-insensitive id or name). */
static void match_medication(struct allergy *g)
{
	char low[sizeof g->substance];
	size_t i = 0;
	for (; g->substance[i] && i + 1 < sizeof low; i++)
		low[i] = (char)tolower((unsigned char)g->substance[i]);
	low[i] = '\0';
	g->medication_id[0] = '\0';
	for (int k = 0; k < formulary_count(); k++) {
		const struct medication *m = formulary_at(k);
		char name[sizeof low];
		size_t j = 0;
		for (; m->name[j] && j + 1 < sizeof name; j++)
			name[j] = (char)tolower((unsigned char)m->name[j]);
		name[j] = '\0';
		if (!strcmp(low, m->id) || !strcmp(low, name)) {
			snprintf(g->medication_id, sizeof g->medication_id, "%s", m->id);
			return;
		}
	}
}

enum tdm_status allergy_add(struct db *db, const struct actor *a, int64_t patient_id,
			    struct allergy *in, struct tdm_err *err)
{
	static const char *const kinds[] = {"drug", "food", "environment", "other", NULL};
	static const char *const severities[] = {"mild", "moderate", "severe", "unknown", NULL};
	if (!in->substance[0])
		return tdm_fail(err, TDM_EINVAL, "substance", "substance is required");
	if (!in->kind[0])
		snprintf(in->kind, sizeof in->kind, "drug");
	if (!in->severity[0])
		snprintf(in->severity, sizeof in->severity, "unknown");
	if (!one_of(in->kind, kinds))
		return tdm_fail(err, TDM_EINVAL, "kind", "kind must be drug, food, environment or other");
	if (!one_of(in->severity, severities))
		return tdm_fail(err, TDM_EINVAL, "severity", "severity must be mild, moderate, severe or unknown");
	if (in->noted_on[0]) {
		char today[DATE_LEN];
		date_today(today);
		if (!date_valid(in->noted_on))
			return tdm_fail(err, TDM_EINVAL, "noted_on", "noted_on must be a real date YYYY-MM-DD");
		if (strcmp(in->noted_on, today) > 0)
			return tdm_fail(err, TDM_EINVAL, "noted_on", "noted_on %s is in the future", in->noted_on);
	}
	match_medication(in);
	struct audit_event ev;
	int open;
	enum tdm_status rc = patient_open(db, a, patient_id, DB_WRITE, "allergy.create", "Allergy", &ev, &open, err);
	if (!open)
		return rc;
	if (!rc) {
		/* The same substance twice while active is a duplicate. */
		struct stmt *st = db_prepare(db, ALLERGY_SELECT " WHERE g.patient_id = ? AND LOWER(g.substance) = LOWER(?)", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			db_bind_text(st, 2, in->substance);
			int s;
			struct allergy old;
			while (!rc && (s = db_step(st, err)) == DB_ROW) {
				read_allergy(st, &old);
				if (!strcmp(old.status, "active"))
					rc = tdm_fail(err, TDM_ECONFLICT, "substance",
						      "%s is already recorded (allergy %" PRId64 ")", old.substance, old.id);
			}
			if (!rc && s < 0)
				rc = err->code;
			db_done(st);
		}
	}
	if (!rc) {
		char now[INSTANT_LEN];
		instant_now(now);
		struct stmt *st = db_prepare(db,
			"INSERT INTO allergy(patient_id, substance, medication_id, kind, reaction, severity, noted_on,"
			" recorded_at, recorded_by) VALUES (?,?,?,?,?,?,?,?,?) RETURNING id", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			db_bind_text(st, 2, in->substance);
			db_bind_text(st, 3, in->medication_id[0] ? in->medication_id : NULL);
			db_bind_text(st, 4, in->kind);
			db_bind_text(st, 5, in->reaction[0] ? in->reaction : NULL);
			db_bind_text(st, 6, in->severity);
			db_bind_text(st, 7, in->noted_on[0] ? in->noted_on : NULL);
			db_bind_text(st, 8, now);
			db_bind_text(st, 9, a->username);
			rc = db_insert_id(st, &in->id, err);
		}
	}
	if (!rc)
		rc = load(db, in->id, in, err);
	if (!rc)
		snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, in->id);
	snprintf(ev.detail, sizeof ev.detail, "%.100s (%s)", in->substance, in->severity);
	return audit_finish(db, a, rc, &ev, err);
}

enum tdm_status allergy_list(struct db *db, const struct actor *a, int64_t patient_id,
			     struct allergy **rows, int *n, struct tdm_err *err)
{
	struct audit_event ev;
	int open;
	*rows = NULL;
	*n = 0;
	enum tdm_status rc = patient_open(db, a, patient_id, DB_AUDITED_READ, "allergy.list", "Allergy", &ev, &open, err);
	if (!open)
		return rc;
	if (!rc) {
		struct stmt *st = db_prepare(db, ALLERGY_SELECT " WHERE g.patient_id = ? ORDER BY g.id", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			rc = db_collect(st, sizeof **rows, ALLERGY_MAX, read_allergy_row, (void **)rows, n, err);
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

enum tdm_status allergy_set_status(struct db *db, const struct actor *a, int64_t allergy_id,
				   const char *status, const char *reason, struct allergy *out,
				   struct tdm_err *err)
{
	static const char *const statuses[] = {"active", "resolved", "entered_in_error", NULL};
	if (!status || !one_of(status, statuses))
		return tdm_fail(err, TDM_EINVAL, "status", "status must be active, resolved or entered_in_error");
	if (!reason || !*reason || strlen(reason) > TDM_LEN_REASON)
		return tdm_fail(err, TDM_EINVAL, "reason", "reason is required (at most %d characters)", TDM_LEN_REASON);
	enum tdm_status rc = db_begin(db, DB_WRITE, err);
	if (rc)
		return rc;
	struct allergy cur;
	struct audit_event ev = {.action = "allergy.status", .object_type = "Allergy"};
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, allergy_id);
	rc = load(db, allergy_id, &cur, err);
	if (!rc) {
		ev.patient_id = cur.patient_id;
		rc = patient_visible(db, a, cur.patient_id, &ev.site_id, err);
		if (rc == TDM_ENOTFOUND) {
			ev.outcome = "denied";
			rc = tdm_fail(err, TDM_ENOTFOUND, "allergy", "no allergy %" PRId64, allergy_id);
		}
	}
	if (!rc && !strcmp(cur.status, status))
		rc = tdm_fail(err, TDM_ECONFLICT, "status", "allergy is already %s", status);
	if (!rc && !strcmp(cur.status, "entered_in_error"))
		rc = tdm_fail(err, TDM_ECONFLICT, "status", "an entry made in error cannot change; record a new one");
	if (!rc) {
		char now[INSTANT_LEN];
		instant_now(now);
		struct stmt *st = db_prepare(db,
			"INSERT INTO allergy_status(allergy_id, status, reason, recorded_at, recorded_by)"
			" VALUES (?,?,?,?,?)", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, allergy_id);
			db_bind_text(st, 2, status);
			db_bind_text(st, 3, reason);
			db_bind_text(st, 4, now);
			db_bind_text(st, 5, a->username);
			rc = db_run(st, err);
		}
	}
	if (!rc)
		rc = load(db, allergy_id, out, err);
	snprintf(ev.detail, sizeof ev.detail, "%s: %.200s", status, reason);
	return audit_finish(db, a, rc, &ev, err);
}
