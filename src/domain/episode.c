#include "domain/episode.h"
#include "domain/audit.h"
#include "domain/level.h"
#include "domain/patient.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const episode_discharge_reasons[] = {
	"completed",          /* treatment completed */
	"transferred",        /* to another program or provider */
	"left_against_advice",
	"administrative",
	"lost_to_follow_up",
	"incarcerated",
	"hospitalized",
	"deceased",
	"other",
	NULL,
};

void episode_release(struct episode *e)
{
	free(e->placements);
	e->placements = NULL;
	e->n_placements = 0;
}

#define COPY(dst, i) snprintf(dst, sizeof dst, "%s", db_col_text(st, i))

static enum tdm_status load(struct db *db, int64_t id, struct episode *e, struct tdm_err *err)
{
	memset(e, 0, sizeof *e);
	struct stmt *st = db_prepare(db,
		"SELECT e.id, e.patient_id, e.site_id, e.admitted_on, e.recorded_at, e.recorded_by,"
		" d.discharged_on, d.reason, d.note FROM episode e"
		" LEFT JOIN discharge d ON d.episode_id = e.id WHERE e.id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, id);
	int s = db_step(st, err);
	if (s == DB_ROW) {
		e->id = db_col_int(st, 0);
		e->patient_id = db_col_int(st, 1);
		e->site_id = db_col_int(st, 2);
		COPY(e->admitted_on, 3);
		COPY(e->recorded_at, 4);
		COPY(e->recorded_by, 5);
		COPY(e->discharged_on, 6);
		COPY(e->discharge_reason, 7);
		COPY(e->discharge_note, 8);
	}
	db_done(st);
	if (s < 0)
		return err->code;
	if (s != DB_ROW)
		return tdm_fail(err, TDM_ENOTFOUND, "episode", "no episode %" PRId64, id);

	st = db_prepare(db, "SELECT COUNT(*) FROM placement WHERE episode_id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, id);
	int64_t count = 0;
	int found;
	enum tdm_status rc = db_query_int(st, &count, &found, err);
	if (rc)
		return rc;
	e->placements = calloc((size_t)(count > 0 ? count : 1), sizeof *e->placements);
	if (!e->placements)
		return tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	st = db_prepare(db,
		"SELECT id, level, asam_level, asam_edition, started_on, reason, recorded_at,"
		" recorded_by FROM placement WHERE episode_id = ? ORDER BY id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, id);
	while ((s = db_step(st, err)) == DB_ROW && e->n_placements < count) {
		struct placement *p = &e->placements[e->n_placements++];
		p->id = db_col_int(st, 0);
		COPY(p->level, 1);
		COPY(p->asam_level, 2);
		COPY(p->asam_edition, 3);
		COPY(p->started_on, 4);
		COPY(p->reason, 5);
		COPY(p->recorded_at, 6);
		COPY(p->recorded_by, 7);
	}
	db_done(st);
	if (s < 0)
		return err->code;
	for (int i = 0; i + 1 < e->n_placements; i++)
		memcpy(e->placements[i].ended_on, e->placements[i + 1].started_on, DATE_LEN);
	if (e->n_placements) {
		struct placement *last = &e->placements[e->n_placements - 1];
		if (e->discharged_on[0])
			memcpy(last->ended_on, e->discharged_on, DATE_LEN);
		else
			memcpy(e->level, last->level, sizeof e->level);
	}
	return TDM_OK;
}

enum tdm_status episode_current(struct db *db, int64_t patient_id, int64_t *episode_id,
				char level[16], struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"SELECT e.id, pl.level FROM episode e JOIN placement pl ON pl.id ="
		" (SELECT MAX(id) FROM placement WHERE episode_id = e.id)"
		" WHERE e.patient_id = ? AND NOT EXISTS"
		" (SELECT 1 FROM discharge d WHERE d.episode_id = e.id)"
		" ORDER BY e.id DESC LIMIT 1", err);
	*episode_id = 0;
	level[0] = '\0';
	if (!st)
		return err->code;
	db_bind_int(st, 1, patient_id);
	int s = db_step(st, err);
	if (s == DB_ROW) {
		*episode_id = db_col_int(st, 0);
		snprintf(level, 16, "%s", db_col_text(st, 1));
	}
	db_done(st);
	return s < 0 ? err->code : TDM_OK;
}

static void ep_event(struct audit_event *ev, const char *action, int64_t site, int64_t pid,
		     int64_t eid)
{
	memset(ev, 0, sizeof *ev);
	ev->action = action;
	ev->site_id = site;
	ev->patient_id = pid;
	ev->object_type = "Episode";
	if (eid)
		snprintf(ev->object_id, sizeof ev->object_id, "%" PRId64, eid);
}

/* Checks a date field: real, not in the future, not before `floor`. */
static enum tdm_status check_day(const char *field, const char *v, const char *floor,
				 const char *floor_what, struct tdm_err *err)
{
	char today[DATE_LEN];
	date_today(today);
	if (!date_valid(v))
		return tdm_fail(err, TDM_EINVAL, field, "%s '%s' is not a real date in the form YYYY-MM-DD",
				field, v);
	if (strcmp(v, today) > 0)
		return tdm_fail(err, TDM_EINVAL, field, "%s %s is in the future", field, v);
	if (floor && floor[0] && strcmp(v, floor) < 0)
		return tdm_fail(err, TDM_EINVAL, field, "%s %s is before %s %s", field, v, floor_what, floor);
	return TDM_OK;
}

static enum tdm_status insert_placement(struct db *db, const struct actor *a, int64_t eid,
					const struct level *l, const char *asam, const char *on,
					const char *reason, struct tdm_err *err)
{
	char now[INSTANT_LEN];
	instant_now(now);
	struct stmt *st = db_prepare(db,
		"INSERT INTO placement(episode_id, level, asam_level, asam_edition, started_on, reason,"
		" recorded_at, recorded_by) VALUES (?,?,?,?,?,?,?,?)", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, eid);
	db_bind_text(st, 2, l->id);
	db_bind_text(st, 3, asam);
	db_bind_text(st, 4, ASAM_EDITION);
	db_bind_text(st, 5, on);
	db_bind_text(st, 6, reason);
	db_bind_text(st, 7, now);
	db_bind_text(st, 8, a->username);
	return db_run(st, err);
}

static enum tdm_status check_level(const char *level, const char *asam_in, const struct level **l,
				   char asam[12], struct tdm_err *err)
{
	*l = level_find(level);
	if (!*l)
		return tdm_fail(err, TDM_EINVAL, "level", "level must be one of: %s", level_list_text());
	return level_asam(*l, asam_in, asam, err);
}

static enum tdm_status check_reason(const char *reason, int required, struct tdm_err *err)
{
	if (required && (!reason || !*reason))
		return tdm_fail(err, TDM_EINVAL, "reason", "reason is required");
	if (reason && strlen(reason) > TDM_LEN_REASON)
		return tdm_fail(err, TDM_EINVAL, "reason", "reason is longer than %d characters",
				TDM_LEN_REASON);
	return TDM_OK;
}

enum tdm_status episode_admit(struct db *db, const struct actor *a, int64_t patient_id,
			      const char *level, const char *asam_level, const char *admitted_on,
			      const char *reason, struct episode *out, struct tdm_err *err)
{
	const struct level *l;
	char asam[12], today[DATE_LEN], day[DATE_LEN];
	enum tdm_status rc;
	memset(out, 0, sizeof *out);
	if ((rc = check_level(level, asam_level, &l, asam, err)) || (rc = check_reason(reason, 0, err)))
		return rc;
	date_today(today);
	snprintf(day, sizeof day, "%s", admitted_on && *admitted_on ? admitted_on : today);
	if ((rc = check_day("admitted_on", day, NULL, NULL, err)))
		return rc;
	int64_t open_id = 0, eid = 0;
	char cur[16];
	struct audit_event ev;
	int open;
	rc = patient_open(db, a, patient_id, DB_WRITE, "episode.admit", "Episode", &ev, &open, err);
	if (!open)
		return rc;
	if (!rc)
		rc = episode_current(db, patient_id, &open_id, cur, err);
	if (!rc && open_id)
		rc = tdm_fail(err, TDM_ECONFLICT, "patient",
			      "patient is already in care (episode %" PRId64 ", %s); discharge it or "
			      "add a placement", open_id, cur);
	if (!rc) {
		/* Not before birth, and not inside a discharged episode. */
		struct stmt *st = db_prepare(db,
			"SELECT v.birth_date, COALESCE((SELECT MAX(d.discharged_on) FROM discharge d"
			" JOIN episode e ON e.id = d.episode_id WHERE e.patient_id = ?), '')"
			" FROM patient_version v WHERE v.patient_id = ? AND v.is_current = 1", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			db_bind_int(st, 2, patient_id);
			char birth[DATE_LEN] = "", last[DATE_LEN] = "";
			if (db_step(st, err) == DB_ROW) {
				COPY(birth, 0);
				COPY(last, 1);
			}
			db_done(st);
			rc = check_day("admitted_on", day, birth, "birth_date", err);
			if (!rc && last[0] && strcmp(day, last) < 0)
				rc = tdm_fail(err, TDM_EINVAL, "admitted_on",
					      "admitted_on %s is before the last discharge (%s)", day, last);
		}
	}
	if (!rc) {
		char now[INSTANT_LEN];
		instant_now(now);
		struct stmt *st = db_prepare(db,
			"INSERT INTO episode(patient_id, site_id, admitted_on, recorded_at, recorded_by)"
			" VALUES (?,?,?,?,?) RETURNING id", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			db_bind_int(st, 2, ev.site_id);
			db_bind_text(st, 3, day);
			db_bind_text(st, 4, now);
			db_bind_text(st, 5, a->username);
			rc = db_insert_id(st, &eid, err);
		}
	}
	if (!rc)
		rc = insert_placement(db, a, eid, l, asam, day, reason && *reason ? reason : "admission", err);
	if (!rc)
		rc = load(db, eid, out, err);
	if (!rc)
		snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, eid);
	snprintf(ev.detail, sizeof ev.detail, "%s %s", l->id, asam);
	return audit_finish(db, a, rc, &ev, err);
}

/* Loads an episode the actor may see and checks it is still open. */
static enum tdm_status open_episode(struct db *db, const struct actor *a, int64_t eid,
				    struct episode *e, struct audit_event *ev, struct tdm_err *err)
{
	int64_t site = 0;
	enum tdm_status rc = load(db, eid, e, err);
	if (!rc) {
		rc = patient_visible(db, a, e->patient_id, &site, err);
		if (rc == TDM_ENOTFOUND) {
			ev->outcome = "denied";
			rc = tdm_fail(err, TDM_ENOTFOUND, "episode", "no episode %" PRId64, eid);
		}
		ev->site_id = site;
		ev->patient_id = e->patient_id;
	}
	if (!rc && e->discharged_on[0])
		rc = tdm_fail(err, TDM_ECONFLICT, "episode",
			      "episode %" PRId64 " was discharged on %s; admit the patient again",
			      eid, e->discharged_on);
	return rc;
}

enum tdm_status episode_place(struct db *db, const struct actor *a, int64_t episode_id,
			      const char *level, const char *asam_level, const char *started_on,
			      const char *reason, struct episode *out, struct tdm_err *err)
{
	const struct level *l;
	char asam[12], today[DATE_LEN], day[DATE_LEN];
	enum tdm_status rc;
	memset(out, 0, sizeof *out);
	if ((rc = check_level(level, asam_level, &l, asam, err)) || (rc = check_reason(reason, 1, err)))
		return rc;
	date_today(today);
	snprintf(day, sizeof day, "%s", started_on && *started_on ? started_on : today);
	if ((rc = check_day("started_on", day, NULL, NULL, err)))
		return rc;
	if ((rc = db_begin(db, DB_WRITE, err)))
		return rc;
	struct episode e = {0};
	struct audit_event ev;
	ep_event(&ev, "episode.place", 0, 0, episode_id);
	rc = open_episode(db, a, episode_id, &e, &ev, err);
	if (!rc && e.n_placements >= EPISODE_MAX_PLACEMENTS)
		rc = tdm_fail(err, TDM_ECONFLICT, "episode",
			      "episode has %d placements, the most one episode may hold; discharge and "
			      "admit again", EPISODE_MAX_PLACEMENTS);
	if (!rc && e.n_placements) {
		struct placement *last = &e.placements[e.n_placements - 1];
		if (!strcmp(last->level, l->id) && !strcmp(last->asam_level, asam))
			rc = tdm_fail(err, TDM_ECONFLICT, "level", "patient is already in %s (ASAM %s)",
				      l->id, asam);
		else
			rc = check_day("started_on", day, last->started_on, "the current placement's start", err);
	}
	if (!rc)
		rc = insert_placement(db, a, episode_id, l, asam, day, reason, err);
	episode_release(&e);
	if (!rc)
		rc = load(db, episode_id, out, err);
	snprintf(ev.detail, sizeof ev.detail, "%s %s: %.200s", l->id, asam, reason);
	return audit_finish(db, a, rc, &ev, err);
}

enum tdm_status episode_discharge(struct db *db, const struct actor *a, int64_t episode_id,
				  const char *discharged_on, const char *reason, const char *note,
				  struct episode *out, struct tdm_err *err)
{
	char today[DATE_LEN], day[DATE_LEN];
	enum tdm_status rc;
	int known = 0;
	memset(out, 0, sizeof *out);
	for (int i = 0; reason && episode_discharge_reasons[i]; i++)
		known |= !strcmp(reason, episode_discharge_reasons[i]);
	if (!known) {
		char list[256] = "";
		for (int i = 0; episode_discharge_reasons[i]; i++) {
			size_t used = strlen(list);
			snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
				 episode_discharge_reasons[i]);
		}
		return tdm_fail(err, TDM_EINVAL, "reason", "reason must be one of: %s", list);
	}
	if ((rc = check_reason(note, 0, err)))
		return rc;
	date_today(today);
	snprintf(day, sizeof day, "%s", discharged_on && *discharged_on ? discharged_on : today);
	if ((rc = check_day("discharged_on", day, NULL, NULL, err)))
		return rc;
	if ((rc = db_begin(db, DB_WRITE, err)))
		return rc;
	struct episode e = {0};
	struct audit_event ev;
	ep_event(&ev, "episode.discharge", 0, 0, episode_id);
	rc = open_episode(db, a, episode_id, &e, &ev, err);
	if (!rc && e.n_placements)
		rc = check_day("discharged_on", day, e.placements[e.n_placements - 1].started_on,
			       "the current placement's start", err);
	episode_release(&e);
	if (!rc) {
		char now[INSTANT_LEN];
		instant_now(now);
		struct stmt *st = db_prepare(db,
			"INSERT INTO discharge(episode_id, discharged_on, reason, note, recorded_at,"
			" recorded_by) VALUES (?,?,?,?,?,?)", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, episode_id);
			db_bind_text(st, 2, day);
			db_bind_text(st, 3, reason);
			db_bind_text(st, 4, note && *note ? note : NULL);
			db_bind_text(st, 5, now);
			db_bind_text(st, 6, a->username);
			rc = db_run(st, err);
			if (rc == TDM_ECONFLICT)
				rc = tdm_fail(err, TDM_ECONFLICT, "episode", "episode already discharged");
		}
	}
	if (!rc)
		rc = load(db, episode_id, out, err);
	snprintf(ev.detail, sizeof ev.detail, "%s", reason);
	return audit_finish(db, a, rc, &ev, err);
}

enum tdm_status episode_get(struct db *db, const struct actor *a, int64_t episode_id,
			    struct episode *out, struct tdm_err *err)
{
	enum tdm_status rc = db_begin(db, DB_AUDITED_READ, err);
	if (rc)
		return rc;
	struct audit_event ev;
	int64_t site = 0;
	ep_event(&ev, "episode.read", 0, 0, episode_id);
	rc = load(db, episode_id, out, err);
	if (!rc) {
		rc = patient_visible(db, a, out->patient_id, &site, err);
		if (rc == TDM_ENOTFOUND) {
			ev.outcome = "denied";
			rc = tdm_fail(err, TDM_ENOTFOUND, "episode", "no episode %" PRId64, episode_id);
		}
		ev.site_id = site;
		ev.patient_id = out->patient_id;
	}
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc)
		episode_release(out);
	return rc;
}

enum tdm_status episode_list(struct db *db, const struct actor *a, int64_t patient_id,
			     struct episode **rows, int *n, struct tdm_err *err)
{
	enum tdm_status rc;
	*rows = NULL;
	*n = 0;
	struct audit_event ev;
	int open;
	rc = patient_open(db, a, patient_id, DB_AUDITED_READ, "episode.list", "Episode", &ev, &open, err);
	if (!open)
		return rc;
	int64_t *ids = NULL;
	int nids = 0, cap = 0;
	if (!rc) {
		struct stmt *st = db_prepare(db,
			"SELECT id FROM episode WHERE patient_id = ? ORDER BY id DESC", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			int s;
			while ((s = db_step(st, err)) == DB_ROW) {
				if (nids == cap) {
					cap = cap ? cap * 2 : 8;
					int64_t *nv = realloc(ids, (size_t)cap * sizeof *ids);
					if (!nv) {
						rc = tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
						break;
					}
					ids = nv;
				}
				ids[nids++] = db_col_int(st, 0);
			}
			if (s < 0)
				rc = err->code;
			db_done(st);
		}
	}
	if (!rc && nids && !(*rows = calloc((size_t)nids, sizeof **rows)))
		rc = tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	for (int i = 0; !rc && i < nids; i++) {
		rc = load(db, ids[i], &(*rows)[i], err);
		*n = i + 1;
	}
	free(ids);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		for (int i = 0; *rows && i < *n; i++)
			episode_release(&(*rows)[i]);
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}
