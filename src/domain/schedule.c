#include "domain/schedule.h"
#include "domain/audit.h"
#include "domain/instrument.h"
#include "domain/patient.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static enum tdm_status collect(struct db *db, const struct actor *a, int64_t patient_id,
			       int within_minutes, struct schedule **rows, int *n, struct tdm_err *err);

enum tdm_status schedule_add(struct db *db, const struct actor *a, int64_t patient_id,
			     const char *instrument, int every_minutes, const char *starts_at,
			     const char *reason, struct schedule *out, struct tdm_err *err)
{
	const struct instrument *in = instrument_find(instrument);
	char now[INSTANT_LEN];
	time_t t;
	instant_now(now);
	if (!in)
		return tdm_fail(err, TDM_EINVAL, "instrument", "no instrument '%.20s'", instrument ? instrument : "");
	if (every_minutes < SCHEDULE_MIN_MINUTES || every_minutes > SCHEDULE_MAX_MINUTES)
		return tdm_fail(err, TDM_EINVAL, "every_minutes", "every_minutes must be %d to %d",
				SCHEDULE_MIN_MINUTES, SCHEDULE_MAX_MINUTES);
	if (starts_at && *starts_at && instant_parse(starts_at, &t))
		return tdm_fail(err, TDM_EINVAL, "starts_at", "starts_at must be a UTC time like 2026-11-29T08:00:00Z");
	if (!reason || !*reason || strlen(reason) > TDM_LEN_REASON)
		return tdm_fail(err, TDM_EINVAL, "reason", "reason is required (at most %d characters)", TDM_LEN_REASON);
	struct audit_event ev;
	int open;
	enum tdm_status rc = patient_open(db, a, patient_id, DB_WRITE, "schedule.create", "Schedule", &ev, &open, err);
	if (!open)
		return rc;
	memset(out, 0, sizeof *out);
	if (!rc) {
		struct stmt *st = db_prepare(db,
			"INSERT INTO schedule(patient_id, instrument, every_minutes, starts_at, reason,"
			" created_at, created_by) VALUES (?,?,?,?,?,?,?) RETURNING id", err);
		if (!st) {
			rc = err->code;
		} else {
			out->patient_id = patient_id;
			out->site_id = ev.site_id;
			snprintf(out->instrument, sizeof out->instrument, "%s", in->code);
			out->every_minutes = every_minutes;
			snprintf(out->starts_at, sizeof out->starts_at, "%s", starts_at && *starts_at ? starts_at : now);
			snprintf(out->reason, sizeof out->reason, "%s", reason);
			snprintf(out->created_at, sizeof out->created_at, "%s", now);
			snprintf(out->created_by, sizeof out->created_by, "%s", a->username);
			snprintf(out->due_at, sizeof out->due_at, "%s", out->starts_at);
			db_bind_int(st, 1, patient_id);
			db_bind_text(st, 2, in->code);
			db_bind_int(st, 3, every_minutes);
			db_bind_text(st, 4, out->starts_at);
			db_bind_text(st, 5, reason);
			db_bind_text(st, 6, now);
			db_bind_text(st, 7, a->username);
			rc = db_insert_id(st, &out->id, err);
		}
	}
	if (!rc) {
		/* Answer with the due time computed as the list computes it (an
		 * administration since a past start already counts). */
		struct schedule *rows = NULL;
		int n = 0;
		rc = collect(db, a, patient_id, -1, &rows, &n, err);
		for (int i = 0; !rc && i < n; i++)
			if (rows[i].id == out->id)
				*out = rows[i];
		free(rows);
	}
	if (!rc)
		snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, out->id);
	snprintf(ev.detail, sizeof ev.detail, "%s every %d min", in->code, every_minutes);
	return audit_finish(db, a, rc, &ev, err);
}

enum tdm_status schedule_stop(struct db *db, const struct actor *a, int64_t schedule_id,
			      const char *reason, struct tdm_err *err)
{
	if (!reason || !*reason || strlen(reason) > TDM_LEN_REASON)
		return tdm_fail(err, TDM_EINVAL, "reason", "reason is required (at most %d characters)", TDM_LEN_REASON);
	enum tdm_status rc = db_begin(db, DB_WRITE, err);
	if (rc)
		return rc;
	struct audit_event ev = {.action = "schedule.stop", .object_type = "Schedule"};
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, schedule_id);
	struct stmt *st = db_prepare(db,
		"SELECT s.patient_id, (SELECT COUNT(*) FROM schedule_stop x WHERE x.schedule_id = s.id)"
		" FROM schedule s WHERE s.id = ?", err);
	int64_t pid = 0, stopped = 0;
	if (!st) {
		rc = err->code;
	} else {
		db_bind_int(st, 1, schedule_id);
		int s = db_step(st, err);
		if (s == DB_ROW) {
			pid = db_col_int(st, 0);
			stopped = db_col_int(st, 1);
		}
		db_done(st);
		if (s < 0)
			rc = err->code;
		else if (s != DB_ROW)
			rc = tdm_fail(err, TDM_ENOTFOUND, "schedule", "no schedule %" PRId64, schedule_id);
	}
	if (!rc) {
		ev.patient_id = pid;
		rc = patient_visible(db, a, pid, &ev.site_id, err);
		if (rc == TDM_ENOTFOUND) {
			ev.outcome = "denied";
			rc = tdm_fail(err, TDM_ENOTFOUND, "schedule", "no schedule %" PRId64, schedule_id);
		}
	}
	if (!rc && stopped)
		rc = tdm_fail(err, TDM_ECONFLICT, "schedule", "schedule already stopped");
	if (!rc) {
		char now[INSTANT_LEN];
		instant_now(now);
		st = db_prepare(db, "INSERT INTO schedule_stop(schedule_id, reason, stopped_at, stopped_by)"
				    " VALUES (?,?,?,?)", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, schedule_id);
			db_bind_text(st, 2, reason);
			db_bind_text(st, 3, now);
			db_bind_text(st, 4, a->username);
			rc = db_run(st, err);
		}
	}
	snprintf(ev.detail, sizeof ev.detail, "%.200s", reason);
	return audit_finish(db, a, rc, &ev, err);
}

/* Active schedules with their last administration; patient 0 means all
 * patients at visible sites. */
#define SCHEDULE_SELECT                                                                   \
	"SELECT s.id, s.patient_id, p.site_id, s.instrument, s.every_minutes, s.starts_at,"   \
	" s.reason, s.created_at, s.created_by, COALESCE((SELECT MAX(x.administered_at)"      \
	" FROM assessment x WHERE x.patient_id = s.patient_id AND x.instrument = s.instrument" \
	" AND x.administered_at >= s.starts_at), ''), p.mrn, v.family_name, v.given_name"     \
	" FROM schedule s JOIN patient p ON p.id = s.patient_id"                             \
	" JOIN patient_version v ON v.patient_id = p.id AND v.is_current = 1"               \
	" WHERE NOT EXISTS (SELECT 1 FROM schedule_stop t WHERE t.schedule_id = s.id)"      \
	" AND (? = 0 OR s.patient_id = ?)"                                                  \
	" AND (? = 1 OR p.site_id IN (SELECT site_id FROM user_role WHERE user_id = ?"       \
	" AND revoked_at IS NULL AND (role_bit & ?) <> 0)) ORDER BY s.id"

#define COPY(dst, i) snprintf(dst, sizeof dst, "%s", db_col_text(st, i))

static void read_schedule(struct stmt *st, struct schedule *s, time_t now)
{
	memset(s, 0, sizeof *s);
	s->id = db_col_int(st, 0);
	s->patient_id = db_col_int(st, 1);
	s->site_id = db_col_int(st, 2);
	COPY(s->instrument, 3);
	s->every_minutes = (int)db_col_int(st, 4);
	COPY(s->starts_at, 5);
	COPY(s->reason, 6);
	COPY(s->created_at, 7);
	COPY(s->created_by, 8);
	COPY(s->last_at, 9);
	COPY(s->mrn, 10);
	COPY(s->family_name, 11);
	COPY(s->given_name, 12);
	time_t base;
	if (s->last_at[0] && !instant_parse(s->last_at, &base))
		base += (time_t)s->every_minutes * 60;
	else if (instant_parse(s->starts_at, &base))
		base = now;
	instant_format(base, s->due_at);
	s->due = now >= base;
	s->overdue = now > base + SCHEDULE_GRACE_MINUTES * 60;
}

static enum tdm_status collect(struct db *db, const struct actor *a, int64_t patient_id,
			       int within_minutes, struct schedule **rows, int *n, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, SCHEDULE_SELECT, err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, patient_id);
	db_bind_int(st, 2, patient_id);
	db_bind_int(st, 3, a->all_sites);
	db_bind_int(st, 4, a->user_id);
	db_bind_int(st, 5, a->route_roles);
	time_t now = time(NULL);
	int s, cap = 0;
	enum tdm_status rc = TDM_OK;
	struct schedule one;
	while ((s = db_step(st, err)) == DB_ROW) {
		read_schedule(st, &one, now);
		time_t due;
		if (within_minutes >= 0 && !instant_parse(one.due_at, &due) &&
		    due > now + (time_t)within_minutes * 60)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			struct schedule *nr = realloc(*rows, (size_t)cap * sizeof *nr);
			if (!nr) {
				rc = tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
				break;
			}
			*rows = nr;
		}
		(*rows)[(*n)++] = one;
	}
	if (s < 0)
		rc = err->code;
	db_done(st);
	return rc;
}

static int by_due(const void *x, const void *y)
{
	return strcmp(((const struct schedule *)x)->due_at, ((const struct schedule *)y)->due_at);
}

enum tdm_status schedule_list(struct db *db, const struct actor *a, int64_t patient_id,
			      struct schedule **rows, int *n, struct tdm_err *err)
{
	struct audit_event ev;
	int open;
	*rows = NULL;
	*n = 0;
	enum tdm_status rc = patient_open(db, a, patient_id, DB_AUDITED_READ, "schedule.list", "Schedule", &ev, &open, err);
	if (!open)
		return rc;
	if (!rc)
		rc = collect(db, a, patient_id, -1, rows, n, err);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}

enum tdm_status schedule_due(struct db *db, const struct actor *a, int within_minutes,
			     struct schedule **rows, int *n, struct tdm_err *err)
{
	*rows = NULL;
	*n = 0;
	enum tdm_status rc = db_begin(db, DB_AUDITED_READ, err);
	if (rc)
		return rc;
	rc = collect(db, a, 0, within_minutes, rows, n, err);
	if (!rc && *n > 1)
		qsort(*rows, (size_t)*n, sizeof **rows, by_due);
	struct audit_event ev = {.action = "schedule.due", .object_type = "Schedule"};
	snprintf(ev.detail, sizeof ev.detail, "within=%d results=%d", within_minutes, *n);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}
