#include "domain/supervision.h"
#include "domain/audit.h"
#include "util/date.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static enum tdm_status user_id_of(struct db *db, const char *name, const char *field, int64_t *id,
				  struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, "SELECT id FROM app_user WHERE username = ? AND disabled_at IS NULL", err);
	if (!st)
		return err->code;
	db_bind_text(st, 1, name);
	int found;
	enum tdm_status rc = db_query_int(st, id, &found, err);
	if (!rc && !found)
		rc = tdm_fail(err, TDM_ENOTFOUND, field, "no user '%.64s'", name);
	return rc;
}

enum tdm_status supervision_supervisor_of(struct db *db, int64_t user_id, int64_t *supervisor_id,
					  struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"SELECT supervisor_id FROM supervision WHERE user_id = ? AND ended_at IS NULL ORDER BY id DESC LIMIT 1",
		err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, user_id);
	int found;
	enum tdm_status rc = db_query_int(st, supervisor_id, &found, err);
	if (!rc && !found)
		*supervisor_id = 0;
	return rc;
}

static enum tdm_status end_current(struct db *db, const struct actor *a, int64_t user_id, const char *now,
				   struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"UPDATE supervision SET ended_at = ?, ended_by = ? WHERE user_id = ? AND ended_at IS NULL", err);
	if (!st)
		return err->code;
	db_bind_text(st, 1, now);
	db_bind_text(st, 2, a->username);
	db_bind_int(st, 3, user_id);
	return db_run(st, err);
}

enum tdm_status supervision_start(struct db *db, const struct actor *a, const char *username,
				  const char *supervisor, struct tdm_err *err)
{
	enum tdm_status rc = db_begin(db, DB_WRITE, err);
	if (rc)
		return rc;
	struct audit_event ev = {.action = "user.supervise", .object_type = "User"};
	int64_t uid = 0, sid = 0, cur = 0;
	char now[INSTANT_LEN];
	instant_now(now);
	rc = user_id_of(db, username, "user", &uid, err);
	if (!rc)
		rc = user_id_of(db, supervisor, "by", &sid, err);
	if (!rc && uid == sid)
		rc = tdm_fail(err, TDM_EINVAL, "by", "a clinician cannot supervise themselves");
	if (!rc)
		rc = supervision_supervisor_of(db, uid, &cur, err);
	if (!rc && cur == sid)
		rc = tdm_fail(err, TDM_ECONFLICT, "by", "%.64s already supervises %.64s", supervisor, username);
	if (!rc && cur)
		rc = end_current(db, a, uid, now, err);
	if (!rc) {
		struct stmt *st = db_prepare(db,
			"INSERT INTO supervision(user_id, supervisor_id, started_at, started_by) VALUES (?,?,?,?)", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, uid);
			db_bind_int(st, 2, sid);
			db_bind_text(st, 3, now);
			db_bind_text(st, 4, a->username);
			rc = db_run(st, err);
		}
	}
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, uid);
	snprintf(ev.detail, sizeof ev.detail, "%.64s supervised by %.64s", username, supervisor);
	return audit_finish(db, a, rc, &ev, err);
}

enum tdm_status supervision_end(struct db *db, const struct actor *a, const char *username,
				struct tdm_err *err)
{
	enum tdm_status rc = db_begin(db, DB_WRITE, err);
	if (rc)
		return rc;
	struct audit_event ev = {.action = "user.supervise_end", .object_type = "User"};
	int64_t uid = 0, cur = 0;
	char now[INSTANT_LEN];
	instant_now(now);
	rc = user_id_of(db, username, "user", &uid, err);
	if (!rc)
		rc = supervision_supervisor_of(db, uid, &cur, err);
	if (!rc && !cur)
		rc = tdm_fail(err, TDM_ECONFLICT, "user", "%.64s is not under supervision", username);
	if (!rc)
		rc = end_current(db, a, uid, now, err);
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, uid);
	snprintf(ev.detail, sizeof ev.detail, "%.64s supervision ended", username);
	return audit_finish(db, a, rc, &ev, err);
}
