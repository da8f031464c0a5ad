#include "domain/alert.h"
#include "domain/audit.h"
#include "domain/patient.h"
#include "util/conf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct {
	int critical, high, warn; /* minutes */
} escalate = {120, 240, 1440};

enum tdm_status alert_load_config(const char *dir, struct tdm_err *err)
{
	char path[512];
	struct conf c;
	snprintf(path, sizeof path, "%s/alerts.conf", dir);
	enum tdm_status rc = conf_load(&c, path, err);
	if (rc)
		return rc;
	for (int i = 0; i < c.n && !rc; i++) {
		char *end;
		long v = strtol(c.e[i].value, &end, 10);
		int *dst = !strcmp(c.e[i].key, "critical") ? &escalate.critical
			   : !strcmp(c.e[i].key, "high") ? &escalate.high
			   : !strcmp(c.e[i].key, "warn") ? &escalate.warn : NULL;
		if (strcmp(c.e[i].section, "escalate_after_minutes") || !dst || *end || v < 1 || v > 100000)
			rc = tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: bad entry '%s'", path, c.e[i].line,
				      c.e[i].key);
		else
			*dst = (int)v;
	}
	conf_release(&c);
	return rc;
}

enum tdm_status alert_raise(struct db *db, int64_t patient_id, int64_t site_id,
			    int64_t assessment_id, const struct instr_alert *r, const char *found,
			    int64_t *id, struct tdm_err *err)
{
	char now[INSTANT_LEN];
	instant_now(now);
	struct stmt *st = db_prepare(db,
		"INSERT INTO alert(patient_id, site_id, assessment_id, rule_id, kind, severity, message,"
		" found, why, source, roles, raised_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, patient_id);
	db_bind_int(st, 2, site_id);
	if (assessment_id)
		db_bind_int(st, 3, assessment_id);
	else
		db_bind_null(st, 3);
	db_bind_text(st, 4, r->id);
	db_bind_text(st, 5, r->kind);
	db_bind_text(st, 6, r->severity);
	db_bind_text(st, 7, r->message);
	db_bind_text(st, 8, found);
	db_bind_text(st, 9, r->why);
	db_bind_text(st, 10, r->source);
	db_bind_int(st, 11, r->roles);
	db_bind_text(st, 12, now);
	return db_insert_id(st, id, err);
}

enum tdm_status alert_address(struct db *db, int64_t alert_id, int64_t user_id, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, "INSERT INTO alert_recipient(alert_id, user_id) VALUES (?, ?)", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, alert_id);
	db_bind_int(st, 2, user_id);
	return db_run(st, err);
}

#define ALERT_COLS                                                                          \
	"al.id, al.patient_id, al.site_id, COALESCE(al.assessment_id, 0), al.rule_id, al.kind,"  \
	" al.severity, al.message, al.found, al.why, al.source, al.roles, al.raised_at,"         \
	" k.note, k.acked_at, k.acked_by, p.mrn, v.family_name, v.given_name,"                  \
	" COALESCE(rc.user_id, 0), COALESCE(ru.username, '')"
#define ALERT_FROM                                                                          \
	" FROM alert al JOIN patient p ON p.id = al.patient_id"                                 \
	" JOIN patient_version v ON v.patient_id = p.id AND v.is_current = 1"                  \
	" LEFT JOIN alert_ack k ON k.alert_id = al.id"                                          \
	" LEFT JOIN alert_recipient rc ON rc.alert_id = al.id"                                  \
	" LEFT JOIN app_user ru ON ru.id = rc.user_id"

#define COPY(dst, i) snprintf(dst, sizeof dst, "%s", db_col_text(st, i))

static int minutes_for(const char *severity)
{
	return !strcmp(severity, "critical") ? escalate.critical
	       : !strcmp(severity, "high")   ? escalate.high
					     : escalate.warn;
}

static void read_alert(struct stmt *st, struct alert *al)
{
	memset(al, 0, sizeof *al);
	al->id = db_col_int(st, 0);
	al->patient_id = db_col_int(st, 1);
	al->site_id = db_col_int(st, 2);
	al->assessment_id = db_col_int(st, 3);
	COPY(al->rule_id, 4);
	COPY(al->kind, 5);
	COPY(al->severity, 6);
	COPY(al->message, 7);
	COPY(al->found, 8);
	COPY(al->why, 9);
	COPY(al->source, 10);
	al->roles = (unsigned)db_col_int(st, 11);
	COPY(al->raised_at, 12);
	al->acked = !db_col_null(st, 14);
	COPY(al->ack_note, 13);
	COPY(al->acked_at, 14);
	COPY(al->acked_by, 15);
	COPY(al->mrn, 16);
	COPY(al->family_name, 17);
	COPY(al->given_name, 18);
	al->recipient_id = db_col_int(st, 19);
	COPY(al->recipient, 20);
	time_t raised;
	if (!al->acked && !instant_parse(al->raised_at, &raised))
		al->escalated = time(NULL) - raised > (time_t)minutes_for(al->severity) * 60;
}

/* Whether the actor is one the alert is for (or an admin when escalated).
 * An alert addressed to one user is in that user's inbox only. */
static int for_actor(const struct actor *a, const struct alert *al)
{
	unsigned held = access_roles_at(a, al->site_id);
	if (al->recipient_id)
		return al->recipient_id == a->user_id ? held != 0
		       : (held & ROLE_ADMIN) && (al->escalated || a->all_sites);
	if (held & al->roles & ~(unsigned)ROLE_ADMIN)
		return 1;
	return (held & ROLE_ADMIN) && (al->escalated || a->all_sites);
}

enum tdm_status alert_list(struct db *db, const struct actor *a, const struct alert_query *q,
			   struct alert **rows, int *n, int64_t *total, struct tdm_err *err)
{
	enum tdm_status rc;
	struct audit_event ev;
	int open = 0;
	*rows = NULL;
	*n = 0;
	*total = 0;
	if (q->patient_id) {
		rc = patient_open(db, a, q->patient_id, DB_AUDITED_READ, "alert.list", "Alert", &ev, &open, err);
		if (!open)
			return rc;
	} else {
		memset(&ev, 0, sizeof ev);
		ev.action = "alert.inbox";
		ev.object_type = "Alert";
		if ((rc = db_begin(db, DB_AUDITED_READ, err)))
			return rc;
	}
	/* Visible sites in SQL; which alert is for whom in C (roles, escalation). */
	struct stmt *st = rc ? NULL : db_prepare(db,
		"SELECT " ALERT_COLS ALERT_FROM
		" WHERE (? = 0 OR al.patient_id = ?) AND (? = 0 OR k.id IS NULL)"
		" AND (? = 1 OR al.site_id IN (SELECT site_id FROM user_role WHERE user_id = ?"
		" AND revoked_at IS NULL)) ORDER BY al.id DESC", err);
	if (!rc && !st)
		rc = err->code;
	int cap = 0;
	if (!rc) {
		db_bind_int(st, 1, q->patient_id);
		db_bind_int(st, 2, q->patient_id);
		db_bind_int(st, 3, q->open_only);
		db_bind_int(st, 4, a->all_sites);
		db_bind_int(st, 5, a->user_id);
		int s;
		struct alert al;
		while ((s = db_step(st, err)) == DB_ROW) {
			read_alert(st, &al);
			/* On a chart every alert shows; the inbox is per role. */
			if (!q->patient_id && !for_actor(a, &al))
				continue;
			(*total)++;
			if (*total <= q->offset || *n >= q->limit)
				continue;
			if (*n == cap) {
				cap = cap ? cap * 2 : 16;
				struct alert *nr = realloc(*rows, (size_t)cap * sizeof *nr);
				if (!nr) {
					rc = tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
					break;
				}
				*rows = nr;
			}
			(*rows)[(*n)++] = al;
		}
		if (s < 0)
			rc = err->code;
		db_done(st);
	}
	snprintf(ev.detail, sizeof ev.detail, "open_only=%d results=%d", q->open_only, *n);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}

static enum tdm_status load_alert(struct db *db, int64_t id, struct alert *out, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, "SELECT " ALERT_COLS ALERT_FROM " WHERE al.id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, id);
	int s = db_step(st, err);
	if (s == DB_ROW)
		read_alert(st, out);
	db_done(st);
	if (s < 0)
		return err->code;
	return s == DB_ROW ? TDM_OK : tdm_fail(err, TDM_ENOTFOUND, "alert", "no alert %" PRId64, id);
}

enum tdm_status alert_ack(struct db *db, const struct actor *a, int64_t alert_id,
			  const char *note, struct alert *out, struct tdm_err *err)
{
	if (!note || !*note)
		return tdm_fail(err, TDM_EINVAL, "note", "note is required: say what was done");
	if (strlen(note) > TDM_LEN_REASON)
		return tdm_fail(err, TDM_EINVAL, "note", "note is longer than %d characters", TDM_LEN_REASON);
	enum tdm_status rc = db_begin(db, DB_WRITE, err);
	if (rc)
		return rc;
	struct alert cur;
	struct audit_event ev = {.action = "alert.ack", .object_type = "Alert"};
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, alert_id);
	rc = load_alert(db, alert_id, &cur, err);
	if (!rc) {
		ev.site_id = cur.site_id;
		ev.patient_id = cur.patient_id;
		rc = patient_visible(db, a, cur.patient_id, NULL, err);
		if (rc == TDM_ENOTFOUND) {
			ev.outcome = "denied";
			rc = tdm_fail(err, TDM_ENOTFOUND, "alert", "no alert %" PRId64, alert_id);
		}
	}
	if (!rc && !(access_roles_at(a, cur.site_id) & cur.roles & ~(unsigned)ROLE_AUDITOR))
		rc = tdm_fail(err, TDM_EFORBIDDEN, "alert", "this alert is for another role");
	if (!rc && cur.acked)
		rc = tdm_fail(err, TDM_ECONFLICT, "alert", "already acknowledged by %s at %s", cur.acked_by,
			      cur.acked_at);
	if (!rc) {
		char now[INSTANT_LEN];
		instant_now(now);
		struct stmt *st = db_prepare(db,
			"INSERT INTO alert_ack(alert_id, note, acked_at, acked_by) VALUES (?,?,?,?)", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, alert_id);
			db_bind_text(st, 2, note);
			db_bind_text(st, 3, now);
			db_bind_text(st, 4, a->username);
			rc = db_run(st, err);
			if (rc == TDM_ECONFLICT)
				rc = tdm_fail(err, TDM_ECONFLICT, "alert", "already acknowledged");
		}
	}
	if (!rc)
		rc = load_alert(db, alert_id, out, err);
	snprintf(ev.detail, sizeof ev.detail, "%.200s", note);
	return audit_finish(db, a, rc, &ev, err);
}

enum tdm_status alert_count_open(struct db *db, int64_t *n, struct tdm_err *err)
{
	enum tdm_status rc = db_begin(db, DB_READ, err);
	if (rc)
		return rc;
	struct stmt *st = db_prepare(db,
		"SELECT COUNT(*) FROM alert al WHERE NOT EXISTS"
		" (SELECT 1 FROM alert_ack k WHERE k.alert_id = al.id)", err);
	int found;
	rc = st ? db_query_int(st, n, &found, err) : err->code;
	db_rollback(db);
	return rc;
}
