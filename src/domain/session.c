#include "domain/session.h"
#include "domain/alert.h"
#include "domain/audit.h"
#include "domain/patient.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COPY(dst, i) snprintf(dst, sizeof dst, "%s", db_col_text(st, i))

/* Alert rule raised by consecutive unexcused absences. */
#define ABSENCE_RULE "therapy-consecutive-absences"

static const char *const statuses[] = {"present", "late", "left_early", "absent_excused",
				       "absent_unexcused", "cancelled_by_program"};

int attendance_status_known(const char *status)
{
	for (size_t i = 0; status && i < sizeof statuses / sizeof statuses[0]; i++)
		if (!strcmp(status, statuses[i]))
			return 1;
	return 0;
}

static int attended(const char *status)
{
	return !strcmp(status, "present") || !strcmp(status, "late") || !strcmp(status, "left_early");
}

void session_release(struct session *s)
{
	free(s->patients);
	s->patients = NULL;
	s->n_patients = 0;
}

void session_list_free(struct session *rows, int n)
{
	for (int i = 0; rows && i < n; i++)
		session_release(&rows[i]);
	free(rows);
}

/* ---- reading ---- */

#define SESSION_SELECT                                                                          \
	"SELECT s.id, s.site_id, st.code, COALESCE(s.series_id, 0), s.kind, s.modality,"         \
	" COALESCE(s.title, ''), s.clinician_id, u.username, COALESCE(s.room, ''), s.telehealth,"  \
	" s.starts_at, s.ends_at, s.minutes, c.reason, c.cancelled_at, c.cancelled_by,"           \
	" s.created_at, s.created_by,"                                                            \
	" COALESCE((SELECT MAX(n.id) FROM progress_note n WHERE n.session_id = s.id), 0)"        \
	" FROM therapy_session s JOIN site st ON st.id = s.site_id"                               \
	" JOIN app_user u ON u.id = s.clinician_id"                                               \
	" LEFT JOIN therapy_session_cancel c ON c.session_id = s.id"

static void read_session(struct stmt *st, struct session *s)
{
	memset(s, 0, sizeof *s);
	s->id = db_col_int(st, 0);
	s->site_id = db_col_int(st, 1);
	COPY(s->site_code, 2);
	s->series_id = db_col_int(st, 3);
	COPY(s->kind, 4);
	COPY(s->modality, 5);
	COPY(s->title, 6);
	s->clinician_id = db_col_int(st, 7);
	COPY(s->clinician, 8);
	COPY(s->room, 9);
	s->telehealth = (int)db_col_int(st, 10);
	COPY(s->starts_at, 11);
	COPY(s->ends_at, 12);
	s->minutes = (int)db_col_int(st, 13);
	int cancelled = !db_col_null(st, 15);
	snprintf(s->status, sizeof s->status, "%s", cancelled ? "cancelled_by_program" : "scheduled");
	COPY(s->cancel_reason, 14);
	COPY(s->cancelled_at, 15);
	COPY(s->cancelled_by, 16);
	COPY(s->created_at, 17);
	COPY(s->created_by, 18);
	s->note_id = db_col_int(st, 19);
}

static void read_session_row(struct stmt *st, void *row);

static enum tdm_status load_session(struct db *db, int64_t id, struct session *out, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, SESSION_SELECT " WHERE s.id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, id);
	int found;
	if (db_one(st, read_session_row, out, &found, err))
		return err->code;
	return found ? TDM_OK : tdm_fail(err, TDM_ENOTFOUND, "session", "no session %" PRId64, id);
}

#define PARTICIPANT_SELECT                                                                       \
	"SELECT sp.patient_id, p.mrn, v.family_name, v.given_name, COALESCE(att.status, ''),"     \
	" COALESCE(att.note, ''), COALESCE(att.recorded_at, ''), COALESCE(att.recorded_by, '')"       \
	" FROM therapy_session_patient sp JOIN patient p ON p.id = sp.patient_id"                 \
	" JOIN patient_version v ON v.patient_id = p.id AND v.is_current = 1"                     \
	" LEFT JOIN attendance att ON att.id = (SELECT MAX(x.id) FROM attendance x"                  \
	"  WHERE x.session_id = sp.session_id AND x.patient_id = sp.patient_id)"                   \
	" WHERE sp.session_id = ? AND sp.removed_at IS NULL AND (? = 0 OR sp.patient_id = ?)"     \
	" ORDER BY v.family_name, v.given_name, sp.patient_id"

static void read_participant(struct stmt *st, void *row)
{
	struct session_patient *p = row;
	p->id = db_col_int(st, 0);
	COPY(p->mrn, 1);
	COPY(p->family_name, 2);
	COPY(p->given_name, 3);
	COPY(p->status, 4);
	COPY(p->note, 5);
	COPY(p->recorded_at, 6);
	COPY(p->recorded_by, 7);
}

/* Fills s->patients: every active participant, or only patient_id. */
static enum tdm_status load_participants(struct db *db, struct session *s, int64_t patient_id,
					 struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, PARTICIPANT_SELECT, err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, s->id);
	db_bind_int(st, 2, patient_id);
	db_bind_int(st, 3, patient_id);
	free(s->patients);
	s->patients = NULL;
	return db_collect(st, sizeof *s->patients, THERAPY_GROUP_CEILING, read_participant,
			  (void **)&s->patients, &s->n_patients, err);
}

static void participant_ids(const struct session *s, int64_t *ids)
{
	for (int i = 0; i < s->n_patients; i++)
		ids[i] = s->patients[i].id;
}

/* Loads a session visible to a; an invisible one is "denied" and not found. */
static enum tdm_status visible_session(struct db *db, const struct actor *a, int64_t id, struct session *out,
				       struct audit_event *ev, struct tdm_err *err)
{
	enum tdm_status rc = load_session(db, id, out, err);
	if (rc)
		return rc;
	ev->site_id = out->site_id;
	if (!access_at(a, out->site_id)) {
		ev->outcome = "denied";
		return tdm_fail(err, TDM_ENOTFOUND, "session", "no session %" PRId64, id);
	}
	return TDM_OK;
}

enum tdm_status session_get(struct db *db, const struct actor *a, int64_t id, struct session *out,
			    struct tdm_err *err)
{
	memset(out, 0, sizeof *out);
	enum tdm_status rc = db_begin(db, DB_AUDITED_READ, err);
	if (rc)
		return rc;
	struct audit_event ev = {.action = "session.read", .object_type = "TherapySession"};
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, id);
	rc = visible_session(db, a, id, out, &ev, err);
	if (!rc)
		rc = load_participants(db, out, 0, err);
	int64_t ids[THERAPY_GROUP_CEILING];
	int n = rc ? 0 : out->n_patients;
	participant_ids(out, ids);
	snprintf(ev.detail, sizeof ev.detail, "%s session", out->kind);
	rc = therapy_audit_finish(db, a, rc, &ev, ids, n, err);
	if (rc)
		session_release(out);
	return rc;
}

/* ---- scheduling ---- */

/* A request checked and resolved: who, where, when. */
struct booking {
	const struct session_input *in;
	int64_t site_id, clinician_id;
	char site_code[TDM_LEN_CODE + 1];
	char clinician[TDM_LEN_USERNAME + 16];
	time_t start;
};

static int max_patients(const char *kind)
{
	const struct therapy_config *c = therapy_config();
	return !strcmp(kind, "individual") ? 1 : !strcmp(kind, "family") ? c->max_family_patients
									 : c->max_group_size;
}

static enum tdm_status check_roster(const char *kind, const int64_t *ids, int n, struct tdm_err *err)
{
	int max = max_patients(kind);
	if (n < 1)
		return tdm_fail(err, TDM_EINVAL, "patients", "patients must list at least one patient id");
	if (n > max)
		return tdm_fail(err, TDM_EINVAL, "patients", "a %s session has at most %d patient%s", kind, max,
				max == 1 ? "" : "s");
	for (int i = 0; i < n; i++) {
		if (ids[i] <= 0)
			return tdm_fail(err, TDM_EINVAL, "patients", "patients must be positive ids");
		for (int j = 0; j < i; j++)
			if (ids[i] == ids[j])
				return tdm_fail(err, TDM_EINVAL, "patients", "patient %" PRId64 " is listed twice",
						ids[i]);
	}
	return TDM_OK;
}

/* Field checks that need no database. */
static enum tdm_status check_input(const struct session_input *in, time_t *start, struct tdm_err *err)
{
	const struct therapy_config *c = therapy_config();
	if (strcmp(in->kind, "individual") && strcmp(in->kind, "group") && strcmp(in->kind, "family"))
		return tdm_fail(err, TDM_EINVAL, "kind", "kind must be individual, group or family");
	if (!therapy_modality_known(in->modality))
		return tdm_fail(err, TDM_EINVAL, "modality", "unknown modality '%.40s' (data/therapy.conf)",
				in->modality);
	if (in->minutes < c->min_minutes || in->minutes > c->max_minutes)
		return tdm_fail(err, TDM_EINVAL, "minutes", "minutes must be a whole number from %d to %d",
				c->min_minutes, c->max_minutes);
	if (in->telehealth && in->room[0])
		return tdm_fail(err, TDM_EINVAL, "room", "a session is in a room or by telehealth, not both");
	if (!in->telehealth && !in->room[0])
		return tdm_fail(err, TDM_EINVAL, "room", "room is required (or \"telehealth\": true)");
	if (therapy_parse_time(in->starts_at, start))
		return tdm_fail(err, TDM_EINVAL, "starts_at",
				"starts_at must be an ISO-8601 time with a zone, like 2026-11-29T18:00:00Z or"
				" 2026-11-29T13:00:00-05:00");
	time_t now = time(NULL);
	if (*start < now - (time_t)c->max_days_back * 86400)
		return tdm_fail(err, TDM_EINVAL, "starts_at", "starts_at is more than %d days ago", c->max_days_back);
	if (*start > now + (time_t)c->max_days_ahead * 86400)
		return tdm_fail(err, TDM_EINVAL, "starts_at", "starts_at is more than %d days ahead",
				c->max_days_ahead);
	return check_roster(in->kind, in->patients, in->n_patients, err);
}

/* Inside the transaction: every patient visible and of one site. */
static enum tdm_status check_patients(struct db *db, const struct actor *a, const int64_t *ids, int n,
				      int64_t *site_id, struct tdm_err *err)
{
	for (int i = 0; i < n; i++) {
		int64_t site = 0;
		enum tdm_status rc = patient_visible(db, a, ids[i], &site, err);
		if (rc == TDM_ENOTFOUND)
			return tdm_fail(err, TDM_ENOTFOUND, "patients", "no patient %" PRId64, ids[i]);
		if (rc)
			return rc;
		if (i && site != *site_id)
			return tdm_fail(err, TDM_EINVAL, "patients", "the patients of a session must all be of one site");
		*site_id = site;
	}
	return TDM_OK;
}

/* The clinician: the caller, or a named user holding a clinical role at the site. */
static enum tdm_status resolve_clinician(struct db *db, const struct actor *a, struct booking *b,
					 struct tdm_err *err)
{
	const char *name = b->in->clinician[0] ? b->in->clinician : a->username;
	if (!b->in->clinician[0] && !a->user_id)
		return tdm_fail(err, TDM_EINVAL, "clinician", "clinician is required");
	struct stmt *st = db_prepare(db,
		"SELECT u.id FROM app_user u WHERE u.username = ? AND u.disabled_at IS NULL AND EXISTS"
		" (SELECT 1 FROM user_role r WHERE r.user_id = u.id AND r.site_id = ? AND r.revoked_at IS NULL"
		" AND (r.role_bit & ?) <> 0)", err);
	if (!st)
		return err->code;
	db_bind_text(st, 1, name);
	db_bind_int(st, 2, b->site_id);
	db_bind_int(st, 3, ROLE_ADMIN | ROLE_PRESCRIBER | ROLE_NURSE | ROLE_THERAPIST);
	int found;
	enum tdm_status rc = db_query_int(st, &b->clinician_id, &found, err);
	if (rc)
		return rc;
	if (!found)
		return tdm_fail(err, TDM_EINVAL, "clinician",
				"'%.64s' is not a clinician (admin, prescriber, nurse or therapist) at site %s", name,
				b->site_code);
	snprintf(b->clinician, sizeof b->clinician, "%s", name);
	return TDM_OK;
}

static enum tdm_status site_code_of(struct db *db, int64_t site_id, char *out, size_t n, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, "SELECT code FROM site WHERE id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, site_id);
	int s = db_step(st, err);
	if (s == DB_ROW)
		snprintf(out, n, "%s", db_col_text(st, 0));
	db_done(st);
	return s < 0 ? err->code : TDM_OK;
}

/* Checks and resolves a request inside the transaction. */
static enum tdm_status prepare_booking(struct db *db, const struct actor *a, struct booking *b,
				       struct tdm_err *err)
{
	const struct session_input *in = b->in;
	enum tdm_status rc = check_patients(db, a, in->patients, in->n_patients, &b->site_id, err);
	if (!rc)
		rc = site_code_of(db, b->site_id, b->site_code, sizeof b->site_code, err);
	if (!rc && in->room[0] && !therapy_room_known(b->site_code, in->room))
		rc = tdm_fail(err, TDM_EINVAL, "room", "no room '%.40s' at site %s (data/therapy.conf)", in->room,
			      b->site_code);
	if (!rc)
		rc = resolve_clinician(db, a, b, err);
	return rc;
}

/* The first non-cancelled session overlapping [start, end) that matches one
 * of the three checks; *other = 0 when none. */
static enum tdm_status overlap(struct db *db, const char *sql, int64_t key, const char *room, const char *start,
			       const char *end, int64_t exclude, int64_t *other, char *other_start,
			       struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, sql, err);
	if (!st)
		return err->code;
	int i = 1;
	db_bind_int(st, i++, key);
	if (room)
		db_bind_text(st, i++, room);
	db_bind_text(st, i++, end);
	db_bind_text(st, i++, start);
	db_bind_int(st, i, exclude);
	*other = 0;
	int s = db_step(st, err);
	if (s == DB_ROW) {
		*other = db_col_int(st, 0);
		snprintf(other_start, INSTANT_LEN, "%s", db_col_text(st, 1));
	}
	db_done(st);
	return s < 0 ? err->code : TDM_OK;
}

#define OVERLAP_TAIL                                                                       \
	" s.starts_at < ? AND s.ends_at > ? AND s.id <> ? AND NOT EXISTS"                   \
	" (SELECT 1 FROM therapy_session_cancel c WHERE c.session_id = s.id)"                \
	" ORDER BY s.starts_at LIMIT 1"

static enum tdm_status check_clash(struct db *db, int64_t site_id, int64_t clinician_id, const char *clinician,
				   const char *room, const int64_t *patients, int n, const char *start,
				   const char *end, int64_t exclude, struct tdm_err *err)
{
	int64_t other;
	char at[INSTANT_LEN];
	enum tdm_status rc;
	if (clinician_id) {
		rc = overlap(db, "SELECT s.id, s.starts_at FROM therapy_session s WHERE s.clinician_id = ? AND"
			     OVERLAP_TAIL, clinician_id, NULL, start, end, exclude, &other, at, err);
		if (rc)
			return rc;
		if (other)
			return tdm_fail(err, TDM_ECONFLICT, "clinician",
					"%s already has session %" PRId64 " at %s, overlapping %s", clinician, other,
					at, start);
	}
	if (room && *room) {
		rc = overlap(db, "SELECT s.id, s.starts_at FROM therapy_session s WHERE s.site_id = ? AND s.room = ? AND"
			     OVERLAP_TAIL, site_id, room, start, end, exclude, &other, at, err);
		if (rc)
			return rc;
		if (other)
			return tdm_fail(err, TDM_ECONFLICT, "room",
					"room %s is booked for session %" PRId64 " at %s, overlapping %s", room, other,
					at, start);
	}
	for (int i = 0; i < n; i++) {
		rc = overlap(db, "SELECT s.id, s.starts_at FROM therapy_session s JOIN therapy_session_patient sp"
			     " ON sp.session_id = s.id AND sp.removed_at IS NULL WHERE sp.patient_id = ? AND"
			     OVERLAP_TAIL, patients[i], NULL, start, end, exclude, &other, at, err);
		if (rc)
			return rc;
		if (other)
			return tdm_fail(err, TDM_ECONFLICT, "patients",
					"patient %" PRId64 " already has session %" PRId64 " at %s, overlapping %s",
					patients[i], other, at, start);
	}
	return TDM_OK;
}

static enum tdm_status add_participant(struct db *db, const struct actor *a, int64_t session_id,
				       int64_t patient_id, const char *now, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"INSERT INTO therapy_session_patient(session_id, patient_id, added_at, added_by) VALUES (?,?,?,?)",
		err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, session_id);
	db_bind_int(st, 2, patient_id);
	db_bind_text(st, 3, now);
	db_bind_text(st, 4, a->username);
	return db_run(st, err);
}

/* Checks for clashes and inserts one session with its participants. */
static enum tdm_status insert_session(struct db *db, const struct actor *a, const struct booking *b,
				      int64_t series_id, time_t start, int64_t *id, struct tdm_err *err)
{
	const struct session_input *in = b->in;
	char from[INSTANT_LEN], to[INSTANT_LEN], now[INSTANT_LEN];
	instant_format(start, from);
	instant_format(start + (time_t)in->minutes * 60, to);
	instant_now(now);
	enum tdm_status rc = check_clash(db, b->site_id, b->clinician_id, b->clinician, in->room, in->patients,
					 in->n_patients, from, to, 0, err);
	if (rc)
		return rc;
	struct stmt *st = db_prepare(db,
		"INSERT INTO therapy_session(site_id, series_id, kind, modality, title, clinician_id, room,"
		" telehealth, starts_at, ends_at, minutes, created_at, created_by)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, b->site_id);
	if (series_id)
		db_bind_int(st, 2, series_id);
	else
		db_bind_null(st, 2);
	db_bind_text(st, 3, in->kind);
	db_bind_text(st, 4, in->modality);
	db_bind_text(st, 5, in->title[0] ? in->title : NULL);
	db_bind_int(st, 6, b->clinician_id);
	db_bind_text(st, 7, in->room[0] ? in->room : NULL);
	db_bind_int(st, 8, in->telehealth);
	db_bind_text(st, 9, from);
	db_bind_text(st, 10, to);
	db_bind_int(st, 11, in->minutes);
	db_bind_text(st, 12, now);
	db_bind_text(st, 13, a->username);
	rc = db_insert_id(st, id, err);
	for (int i = 0; !rc && i < in->n_patients; i++)
		rc = add_participant(db, a, *id, in->patients[i], now, err);
	return rc;
}

enum tdm_status session_create(struct db *db, const struct actor *a, const struct session_input *in,
			       struct session *out, struct tdm_err *err)
{
	struct booking b = {.in = in};
	memset(out, 0, sizeof *out);
	enum tdm_status rc = check_input(in, &b.start, err);
	if (rc)
		return rc;
	if ((rc = db_begin(db, DB_WRITE, err)))
		return rc;
	struct audit_event ev = {.action = "session.create", .object_type = "TherapySession"};
	rc = prepare_booking(db, a, &b, err);
	ev.site_id = b.site_id;
	if (rc == TDM_ENOTFOUND && b.site_id)
		ev.outcome = "denied";
	int64_t id = 0;
	if (!rc)
		rc = insert_session(db, a, &b, 0, b.start, &id, err);
	if (!rc)
		rc = load_session(db, id, out, err);
	if (!rc)
		rc = load_participants(db, out, 0, err);
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, id);
	snprintf(ev.detail, sizeof ev.detail, "%s %s session", in->kind, in->modality);
	rc = therapy_audit_finish(db, a, rc, &ev, in->patients, in->n_patients, err);
	if (rc)
		session_release(out);
	return rc;
}

enum tdm_status session_cancel(struct db *db, const struct actor *a, int64_t id, const char *reason,
			       struct session *out, struct tdm_err *err)
{
	memset(out, 0, sizeof *out);
	if (!reason || !*reason || strlen(reason) > TDM_LEN_REASON)
		return tdm_fail(err, TDM_EINVAL, "reason", "reason is required (at most %d characters)", TDM_LEN_REASON);
	enum tdm_status rc = db_begin(db, DB_WRITE, err);
	if (rc)
		return rc;
	struct audit_event ev = {.action = "session.cancel", .object_type = "TherapySession"};
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, id);
	rc = visible_session(db, a, id, out, &ev, err);
	if (!rc)
		rc = load_participants(db, out, 0, err);
	if (!rc && strcmp(out->status, "scheduled"))
		rc = tdm_fail(err, TDM_ECONFLICT, "session", "session %" PRId64 " was already cancelled by %s at %s", id,
			      out->cancelled_by, out->cancelled_at);
	for (int i = 0; !rc && i < out->n_patients; i++)
		if (attended(out->patients[i].status))
			rc = tdm_fail(err, TDM_ECONFLICT, "session",
				      "session %" PRId64 " was held: attendance is recorded", id);
	if (!rc) {
		char now[INSTANT_LEN];
		instant_now(now);
		struct stmt *st = db_prepare(db,
			"INSERT INTO therapy_session_cancel(session_id, reason, cancelled_at, cancelled_by)"
			" VALUES (?,?,?,?)", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, id);
			db_bind_text(st, 2, reason);
			db_bind_text(st, 3, now);
			db_bind_text(st, 4, a->username);
			rc = db_run(st, err);
		}
	}
	if (!rc) {
		session_release(out); /* read_session clears the struct */
		rc = load_session(db, id, out, err);
	}
	if (!rc)
		rc = load_participants(db, out, 0, err);
	int64_t ids[THERAPY_GROUP_CEILING];
	int n = rc ? 0 : out->n_patients;
	participant_ids(out, ids);
	snprintf(ev.detail, sizeof ev.detail, "%.200s", reason);
	rc = therapy_audit_finish(db, a, rc, &ev, ids, n, err);
	if (rc)
		session_release(out);
	return rc;
}

/* ---- calendars ---- */

#define CALENDAR_WHERE                                                                      \
	" WHERE s.starts_at >= ? AND s.starts_at < ?"                                         \
	" AND (? = 1 OR s.site_id IN (SELECT site_id FROM user_role WHERE user_id = ?"         \
	"  AND revoked_at IS NULL AND (role_bit & ?) <> 0))"                                   \
	" AND (? = 0 OR s.site_id = ?) AND (? = '' OR u.username = ?) AND (? = '' OR s.room = ?)"

static void bind_calendar(struct stmt *st, const struct actor *a, const struct session_query *q,
			  const char *from, const char *to)
{
	db_bind_text(st, 1, from);
	db_bind_text(st, 2, to);
	db_bind_int(st, 3, a->all_sites);
	db_bind_int(st, 4, a->user_id);
	db_bind_int(st, 5, a->route_roles);
	db_bind_int(st, 6, q->site_id);
	db_bind_int(st, 7, q->site_id);
	db_bind_text(st, 8, q->clinician);
	db_bind_text(st, 9, q->clinician);
	db_bind_text(st, 10, q->room);
	db_bind_text(st, 11, q->room);
}

static void read_session_row(struct stmt *st, void *row)
{
	read_session(st, row);
}

/* Loads participants (all, or one patient) of every row. */
static enum tdm_status load_all_participants(struct db *db, struct session *rows, int n, int64_t patient_id,
					     struct tdm_err *err)
{
	enum tdm_status rc = TDM_OK;
	for (int i = 0; i < n && !rc; i++)
		rc = load_participants(db, &rows[i], patient_id, err);
	return rc;
}

enum tdm_status session_calendar(struct db *db, const struct actor *a, const struct session_query *q,
				 struct session **rows, int *n, int64_t *total, struct tdm_err *err)
{
	time_t t0, t1;
	*rows = NULL;
	*n = 0;
	*total = 0;
	if (therapy_local_midnight(q->from, &t0))
		return tdm_fail(err, TDM_EINVAL, "from", "from must be a date YYYY-MM-DD");
	char next[DATE_LEN];
	date_add_days(q->to, 1, next);
	if (therapy_local_midnight(next, &t1))
		return tdm_fail(err, TDM_EINVAL, "to", "to must be a date YYYY-MM-DD");
	if (t1 <= t0)
		return tdm_fail(err, TDM_EINVAL, "to", "to is before from");
	if (t1 - t0 > 93 * 86400)
		return tdm_fail(err, TDM_EINVAL, "to", "a calendar spans at most 92 days");
	char from[INSTANT_LEN], to[INSTANT_LEN];
	instant_format(t0, from);
	instant_format(t1, to);
	enum tdm_status rc = db_begin(db, DB_AUDITED_READ, err);
	if (rc)
		return rc;
	struct audit_event ev = {.action = "session.calendar", .object_type = "TherapySession",
				 .site_id = q->site_id};
	struct stmt *st = db_prepare(db, "SELECT COUNT(*) FROM therapy_session s JOIN app_user u ON u.id = s.clinician_id"
				     CALENDAR_WHERE, err);
	if (!st) {
		rc = err->code;
	} else {
		int found;
		bind_calendar(st, a, q, from, to);
		rc = db_query_int(st, total, &found, err);
	}
	if (!rc) {
		st = db_prepare(db, SESSION_SELECT CALENDAR_WHERE " ORDER BY s.starts_at, s.id LIMIT ? OFFSET ?", err);
		if (!st) {
			rc = err->code;
		} else {
			bind_calendar(st, a, q, from, to);
			db_bind_int(st, 12, q->limit);
			db_bind_int(st, 13, q->offset);
			rc = db_collect(st, sizeof **rows, q->limit, read_session_row, (void **)rows, n, err);
		}
	}
	if (!rc)
		rc = load_all_participants(db, *rows, *n, 0, err);
	snprintf(ev.detail, sizeof ev.detail, "from=%s to=%s clinician=%.64s room=%.40s sessions=%d", q->from, q->to,
		 q->clinician, q->room, *n);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		session_list_free(*rows, *n);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}

/* ---- attendance ---- */

enum tdm_status attendance_summarize(struct db *db, int64_t patient_id, struct attendance_summary *out,
				     struct tdm_err *err)
{
	char now[INSTANT_LEN];
	instant_now(now);
	memset(out, 0, sizeof *out);
	struct stmt *st = db_prepare(db,
		"SELECT s.id, CASE WHEN c.id IS NULL THEN 0 ELSE 1 END,"
		" COALESCE((SELECT x.status FROM attendance x WHERE x.session_id = s.id AND x.patient_id = sp.patient_id"
		"  ORDER BY x.id DESC LIMIT 1), '')"
		" FROM therapy_session s JOIN therapy_session_patient sp ON sp.session_id = s.id AND sp.removed_at IS NULL"
		" LEFT JOIN therapy_session_cancel c ON c.session_id = s.id"
		" WHERE sp.patient_id = ? AND s.starts_at <= ? ORDER BY s.starts_at, s.id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, patient_id);
	db_bind_text(st, 2, now);
	int s;
	while ((s = db_step(st, err)) == DB_ROW) {
		const char *status = db_col_text(st, 2);
		out->sessions++;
		if (db_col_int(st, 1) || !strcmp(status, "cancelled_by_program")) {
			out->cancelled++;
		} else if (attended(status)) {
			out->attended++;
			out->consecutive_unexcused = 0;
		} else if (!strcmp(status, "absent_unexcused")) {
			out->absent_unexcused++;
			out->consecutive_unexcused++;
		} else if (!strcmp(status, "absent_excused")) {
			out->absent_excused++;
		} else {
			out->not_recorded++;
		}
	}
	db_done(st);
	if (s < 0)
		return err->code;
	int held = out->attended + out->absent_unexcused;
	out->rate_known = held > 0;
	out->rate = held ? (double)out->attended / held : 0;
	return TDM_OK;
}

static void read_attendance(struct stmt *st, void *row)
{
	struct attendance_row *r = row;
	r->id = db_col_int(st, 0);
	COPY(r->status, 1);
	COPY(r->note, 2);
	COPY(r->recorded_at, 3);
	COPY(r->recorded_by, 4);
}

static enum tdm_status load_history(struct db *db, struct attendance_result *out, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"SELECT id, status, COALESCE(note, ''), recorded_at, recorded_by FROM attendance"
		" WHERE session_id = ? AND patient_id = ? ORDER BY id DESC LIMIT ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, out->session_id);
	db_bind_int(st, 2, out->patient_id);
	db_bind_int(st, 3, ATTENDANCE_MAX_HISTORY);
	int s, n = 0;
	while ((s = db_step(st, err)) == DB_ROW && n < ATTENDANCE_MAX_HISTORY)
		read_attendance(st, &out->history[n++]);
	db_done(st);
	out->n_history = n;
	return s < 0 ? err->code : TDM_OK;
}

/* The primary clinician: of the latest individual session held with the
 * patient, else fallback (the clinician of the session missed). */
static enum tdm_status primary_clinician(struct db *db, int64_t patient_id, int64_t fallback, int64_t *out,
					 struct tdm_err *err)
{
	char now[INSTANT_LEN];
	instant_now(now);
	struct stmt *st = db_prepare(db,
		"SELECT s.clinician_id FROM therapy_session s JOIN therapy_session_patient sp ON sp.session_id = s.id"
		" AND sp.removed_at IS NULL WHERE sp.patient_id = ? AND s.kind = 'individual' AND s.starts_at <= ?"
		" AND NOT EXISTS (SELECT 1 FROM therapy_session_cancel c WHERE c.session_id = s.id)"
		" ORDER BY s.starts_at DESC, s.id DESC LIMIT 1", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, patient_id);
	db_bind_text(st, 2, now);
	int found;
	enum tdm_status rc = db_query_int(st, out, &found, err);
	if (!rc && !found)
		*out = fallback;
	return rc;
}

static enum tdm_status absence_alert_open(struct db *db, int64_t patient_id, int *open, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"SELECT COUNT(*) FROM alert al WHERE al.patient_id = ? AND al.rule_id = '" ABSENCE_RULE "'"
		" AND NOT EXISTS (SELECT 1 FROM alert_ack k WHERE k.alert_id = al.id)", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, patient_id);
	int64_t n = 0;
	int found;
	enum tdm_status rc = db_query_int(st, &n, &found, err);
	*open = n > 0;
	return rc;
}

/* Raises the consecutive-absence alert to the primary clinician. */
static enum tdm_status raise_absence_alert(struct db *db, const struct session *s, int64_t patient_id, int run,
					   struct attendance_result *out, struct tdm_err *err)
{
	int open = 0;
	int64_t to = 0;
	enum tdm_status rc = absence_alert_open(db, patient_id, &open, err);
	if (rc || open)
		return rc;
	if ((rc = primary_clinician(db, patient_id, s->clinician_id, &to, err)))
		return rc;
	if ((rc = therapy_username(db, to, out->alert_to, sizeof out->alert_to, err)))
		return rc;
	struct instr_alert r;
	memset(&r, 0, sizeof r);
	snprintf(r.id, sizeof r.id, "%s", ABSENCE_RULE);
	snprintf(r.kind, sizeof r.kind, "attendance");
	snprintf(r.severity, sizeof r.severity, "warn");
	snprintf(r.message, sizeof r.message, "%d unexcused absences in a row from therapy sessions", run);
	snprintf(r.why, sizeof r.why,
		 "Missed sessions in a row are an early sign of dropping out of treatment; the primary clinician (%s)"
		 " should reach out.", out->alert_to);
	snprintf(r.source, sizeof r.source,
		 "Program policy: data/therapy.conf [attendance] consecutive_unexcused_alert = %d",
		 therapy_config()->consecutive_unexcused_alert);
	r.roles = ROLE_PRESCRIBER | ROLE_THERAPIST;
	char found[240];
	snprintf(found, sizeof found, "%d unexcused absences in a row, the latest at session %" PRId64 " on %s", run,
		 s->id, s->starts_at);
	rc = alert_raise(db, patient_id, s->site_id, 0, &r, found, &out->alert_id, err);
	if (!rc)
		rc = alert_address(db, out->alert_id, to, err);
	return rc;
}

enum tdm_status attendance_record(struct db *db, const struct actor *a, int64_t session_id,
				  int64_t patient_id, const char *status, const char *note,
				  struct attendance_result *out, struct tdm_err *err)
{
	memset(out, 0, sizeof *out);
	out->session_id = session_id;
	out->patient_id = patient_id;
	if (!attendance_status_known(status))
		return tdm_fail(err, TDM_EINVAL, "status",
				"status must be present, late, left_early, absent_excused, absent_unexcused or"
				" cancelled_by_program");
	if (note && strlen(note) > TDM_LEN_REASON)
		return tdm_fail(err, TDM_EINVAL, "note", "note is longer than %d characters", TDM_LEN_REASON);
	note = note ? note : "";
	struct audit_event ev;
	int open;
	enum tdm_status rc = patient_open(db, a, patient_id, DB_WRITE, "attendance.record", "Attendance", &ev, &open,
					  err);
	if (!open)
		return rc;
	struct session s;
	memset(&s, 0, sizeof s);
	if (!rc) {
		struct audit_event sev = ev;
		rc = visible_session(db, a, session_id, &s, &sev, err);
		ev.outcome = sev.outcome;
	}
	if (!rc)
		rc = load_participants(db, &s, patient_id, err);
	if (!rc && !s.n_patients)
		rc = tdm_fail(err, TDM_ENOTFOUND, "patient", "patient %" PRId64 " is not on session %" PRId64,
			      patient_id, session_id);
	if (!rc && strcmp(s.status, "scheduled"))
		rc = tdm_fail(err, TDM_ECONFLICT, "session", "session %" PRId64 " was cancelled by the program",
			      session_id);
	char now[INSTANT_LEN];
	instant_now(now);
	if (!rc && strcmp(status, "cancelled_by_program") && strcmp(s.starts_at, now) > 0)
		rc = tdm_fail(err, TDM_ECONFLICT, "status", "session %" PRId64 " has not started (it starts at %s)",
			      session_id, s.starts_at);
	struct attendance_summary before;
	if (!rc)
		rc = attendance_summarize(db, patient_id, &before, err);
	int same = !rc && s.n_patients && !strcmp(s.patients[0].status, status) && !strcmp(s.patients[0].note, note);
	if (!rc && !same) {
		struct stmt *st = db_prepare(db,
			"INSERT INTO attendance(session_id, patient_id, status, note, recorded_at, recorded_by)"
			" VALUES (?,?,?,?,?,?)", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, session_id);
			db_bind_int(st, 2, patient_id);
			db_bind_text(st, 3, status);
			db_bind_text(st, 4, note[0] ? note : NULL);
			db_bind_text(st, 5, now);
			db_bind_text(st, 6, a->username);
			rc = db_run(st, err);
		}
	}
	if (!rc)
		rc = attendance_summarize(db, patient_id, &out->summary, err);
	int threshold = therapy_config()->consecutive_unexcused_alert;
	if (!rc && out->summary.consecutive_unexcused >= threshold && before.consecutive_unexcused < threshold)
		rc = raise_absence_alert(db, &s, patient_id, out->summary.consecutive_unexcused, out, err);
	if (!rc)
		rc = load_history(db, out, err);
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, session_id);
	snprintf(ev.detail, sizeof ev.detail, "session %" PRId64 " %s%s%s", session_id, status,
		 same ? " (unchanged)" : "", out->alert_id ? " alert raised" : "");
	session_release(&s);
	return audit_finish(db, a, rc, &ev, err);
}

enum tdm_status session_patient_list(struct db *db, const struct actor *a, int64_t patient_id, int limit,
				     int offset, struct session **rows, int *n, int64_t *total,
				     struct attendance_summary *sum, struct tdm_err *err)
{
	struct audit_event ev;
	int open;
	*rows = NULL;
	*n = 0;
	*total = 0;
	memset(sum, 0, sizeof *sum);
	enum tdm_status rc = patient_open(db, a, patient_id, DB_AUDITED_READ, "session.list", "TherapySession", &ev,
					  &open, err);
	if (!open)
		return rc;
	if (!rc) {
		struct stmt *st = db_prepare(db,
			"SELECT COUNT(*) FROM therapy_session_patient sp WHERE sp.patient_id = ? AND sp.removed_at IS NULL",
			err);
		int found;
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			rc = db_query_int(st, total, &found, err);
		}
	}
	if (!rc) {
		struct stmt *st = db_prepare(db, SESSION_SELECT
			" JOIN therapy_session_patient sp ON sp.session_id = s.id AND sp.removed_at IS NULL"
			" WHERE sp.patient_id = ? ORDER BY s.starts_at DESC, s.id DESC LIMIT ? OFFSET ?", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			db_bind_int(st, 2, limit);
			db_bind_int(st, 3, offset);
			rc = db_collect(st, sizeof **rows, limit, read_session_row, (void **)rows, n, err);
		}
	}
	if (!rc)
		rc = load_all_participants(db, *rows, *n, patient_id, err);
	if (!rc)
		rc = attendance_summarize(db, patient_id, sum, err);
	snprintf(ev.detail, sizeof ev.detail, "sessions=%d", *n);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		session_list_free(*rows, *n);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}

/* ---- series ---- */

/* The clinic-local time of t, `weeks` weeks later (same wall-clock time
 * across a daylight-saving change). */
static time_t weeks_later(time_t t, int weeks)
{
	struct tm tm;
	localtime_r(&t, &tm);
	tm.tm_mday += 7 * weeks;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* Start times of a series: count sessions, or weekly until the local day
 * `until`. */
static enum tdm_status series_times(const struct session_input *in, time_t start, time_t *times, int *n,
				    struct tdm_err *err)
{
	int max = therapy_config()->max_series_sessions;
	*n = 0;
	if (in->count && in->until[0])
		return tdm_fail(err, TDM_EINVAL, "count", "give count or until, not both");
	if (!in->count && !in->until[0])
		return tdm_fail(err, TDM_EINVAL, "count", "count (sessions) or until (last day) is required");
	if (in->count && (in->count < 1 || in->count > max))
		return tdm_fail(err, TDM_EINVAL, "count", "count must be a whole number from 1 to %d", max);
	if (in->until[0] && !date_valid(in->until))
		return tdm_fail(err, TDM_EINVAL, "until", "until must be a date YYYY-MM-DD");
	for (int i = 0;; i++) {
		time_t t = i ? weeks_later(start, i) : start;
		char day[DATE_LEN];
		date_local_day(t, day);
		if (in->count ? i == in->count : strcmp(day, in->until) > 0)
			break;
		if (i == max)
			return tdm_fail(err, TDM_EINVAL, "until", "until gives more than %d weekly sessions", max);
		times[(*n)++] = t;
	}
	if (!*n)
		return tdm_fail(err, TDM_EINVAL, "until", "until is before the first session");
	return TDM_OK;
}

static enum tdm_status add_member(struct db *db, const struct actor *a, int64_t series_id, int64_t patient_id,
				  const char *now, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"INSERT INTO therapy_series_patient(series_id, patient_id, added_at, added_by) VALUES (?,?,?,?)", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, series_id);
	db_bind_int(st, 2, patient_id);
	db_bind_text(st, 3, now);
	db_bind_text(st, 4, a->username);
	return db_run(st, err);
}

static enum tdm_status load_series(struct db *db, int64_t id, struct series *out, struct tdm_err *err)
{
	memset(out, 0, sizeof *out);
	struct stmt *st = db_prepare(db,
		"SELECT r.id, r.site_id, r.kind, r.modality, COALESCE(r.title, ''), r.clinician_id, u.username,"
		" COALESCE(r.room, ''), r.telehealth, r.minutes, r.created_at, r.created_by"
		" FROM therapy_series r JOIN app_user u ON u.id = r.clinician_id WHERE r.id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, id);
	int s = db_step(st, err);
	if (s == DB_ROW) {
		out->id = db_col_int(st, 0);
		out->site_id = db_col_int(st, 1);
		COPY(out->kind, 2);
		COPY(out->modality, 3);
		COPY(out->title, 4);
		out->clinician_id = db_col_int(st, 5);
		COPY(out->clinician, 6);
		COPY(out->room, 7);
		out->telehealth = (int)db_col_int(st, 8);
		out->minutes = (int)db_col_int(st, 9);
		COPY(out->created_at, 10);
		COPY(out->created_by, 11);
	}
	db_done(st);
	if (s < 0)
		return err->code;
	if (s != DB_ROW)
		return tdm_fail(err, TDM_ENOTFOUND, "series", "no session series %" PRId64, id);
	st = db_prepare(db,
		"SELECT m.patient_id, p.mrn, v.given_name, v.family_name FROM therapy_series_patient m"
		" JOIN patient p ON p.id = m.patient_id JOIN patient_version v ON v.patient_id = p.id AND v.is_current = 1"
		" WHERE m.series_id = ? AND m.removed_at IS NULL ORDER BY v.family_name, v.given_name, m.patient_id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, id);
	while ((s = db_step(st, err)) == DB_ROW && out->n_roster < THERAPY_GROUP_CEILING) {
		struct series_member *m = &out->roster[out->n_roster++];
		m->id = db_col_int(st, 0);
		COPY(m->mrn, 1);
		snprintf(m->name, sizeof m->name, "%s %s", db_col_text(st, 2), db_col_text(st, 3));
	}
	db_done(st);
	if (s < 0)
		return err->code;
	st = db_prepare(db,
		"SELECT s.id, s.starts_at, CASE WHEN c.id IS NULL THEN 'scheduled' ELSE 'cancelled_by_program' END"
		" FROM therapy_session s LEFT JOIN therapy_session_cancel c ON c.session_id = s.id"
		" WHERE s.series_id = ? ORDER BY s.starts_at, s.id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, id);
	while ((s = db_step(st, err)) == DB_ROW && out->n_sessions < THERAPY_SERIES_CEILING) {
		struct series_item *it = &out->sessions[out->n_sessions++];
		it->id = db_col_int(st, 0);
		COPY(it->starts_at, 1);
		COPY(it->status, 2);
	}
	db_done(st);
	return s < 0 ? err->code : TDM_OK;
}

static void roster_ids(const struct series *r, int64_t *ids)
{
	for (int i = 0; i < r->n_roster; i++)
		ids[i] = r->roster[i].id;
}

enum tdm_status session_series_create(struct db *db, const struct actor *a, const struct session_input *in,
				      struct series *out, struct tdm_err *err)
{
	struct booking b = {.in = in};
	time_t times[THERAPY_SERIES_CEILING];
	int n_times = 0;
	memset(out, 0, sizeof *out);
	enum tdm_status rc = check_input(in, &b.start, err);
	if (!rc)
		rc = series_times(in, b.start, times, &n_times, err);
	if (!rc && times[n_times - 1] > time(NULL) + (time_t)therapy_config()->max_days_ahead * 86400)
		rc = tdm_fail(err, TDM_EINVAL, in->count ? "count" : "until", "the last session is more than %d days ahead",
			      therapy_config()->max_days_ahead);
	if (rc)
		return rc;
	if ((rc = db_begin(db, DB_WRITE, err)))
		return rc;
	struct audit_event ev = {.action = "series.create", .object_type = "TherapySeries"};
	rc = prepare_booking(db, a, &b, err);
	ev.site_id = b.site_id;
	if (rc == TDM_ENOTFOUND && b.site_id)
		ev.outcome = "denied";
	int64_t id = 0;
	char now[INSTANT_LEN], first[INSTANT_LEN];
	instant_now(now);
	instant_format(b.start, first);
	if (!rc) {
		struct stmt *st = db_prepare(db,
			"INSERT INTO therapy_series(site_id, kind, modality, title, clinician_id, room, telehealth,"
			" first_at, minutes, sessions, created_at, created_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
			err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, b.site_id);
			db_bind_text(st, 2, in->kind);
			db_bind_text(st, 3, in->modality);
			db_bind_text(st, 4, in->title[0] ? in->title : NULL);
			db_bind_int(st, 5, b.clinician_id);
			db_bind_text(st, 6, in->room[0] ? in->room : NULL);
			db_bind_int(st, 7, in->telehealth);
			db_bind_text(st, 8, first);
			db_bind_int(st, 9, in->minutes);
			db_bind_int(st, 10, n_times);
			db_bind_text(st, 11, now);
			db_bind_text(st, 12, a->username);
			rc = db_insert_id(st, &id, err);
		}
	}
	for (int i = 0; !rc && i < in->n_patients; i++)
		rc = add_member(db, a, id, in->patients[i], now, err);
	for (int i = 0; !rc && i < n_times; i++) {
		int64_t sid;
		rc = insert_session(db, a, &b, id, times[i], &sid, err);
	}
	if (!rc)
		rc = load_series(db, id, out, err);
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, id);
	snprintf(ev.detail, sizeof ev.detail, "%s %s weekly, %d sessions", in->kind, in->modality, n_times);
	return therapy_audit_finish(db, a, rc, &ev, in->patients, in->n_patients, err);
}

static enum tdm_status visible_series(struct db *db, const struct actor *a, int64_t id, struct series *out,
				      struct audit_event *ev, struct tdm_err *err)
{
	enum tdm_status rc = load_series(db, id, out, err);
	if (rc)
		return rc;
	ev->site_id = out->site_id;
	if (!access_at(a, out->site_id)) {
		ev->outcome = "denied";
		return tdm_fail(err, TDM_ENOTFOUND, "series", "no session series %" PRId64, id);
	}
	return TDM_OK;
}

enum tdm_status session_series_get(struct db *db, const struct actor *a, int64_t id, struct series *out,
				   struct tdm_err *err)
{
	enum tdm_status rc = db_begin(db, DB_AUDITED_READ, err);
	if (rc)
		return rc;
	struct audit_event ev = {.action = "series.read", .object_type = "TherapySeries"};
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, id);
	rc = visible_series(db, a, id, out, &ev, err);
	int64_t ids[THERAPY_GROUP_CEILING];
	roster_ids(out, ids);
	snprintf(ev.detail, sizeof ev.detail, "%s series", out->kind);
	return therapy_audit_finish(db, a, rc, &ev, ids, rc ? 0 : out->n_roster, err);
}

static int in_list(const int64_t *ids, int n, int64_t id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

static enum tdm_status remove_member(struct db *db, const struct actor *a, int64_t series_id, int64_t patient_id,
				     const char *now, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"UPDATE therapy_series_patient SET removed_at = ?, removed_by = ? WHERE series_id = ? AND patient_id = ?"
		" AND removed_at IS NULL", err);
	if (!st)
		return err->code;
	db_bind_text(st, 1, now);
	db_bind_text(st, 2, a->username);
	db_bind_int(st, 3, series_id);
	db_bind_int(st, 4, patient_id);
	enum tdm_status rc = db_run(st, err);
	if (rc)
		return rc;
	/* Future sessions only: who was there before stays. */
	st = db_prepare(db,
		"UPDATE therapy_session_patient SET removed_at = ?, removed_by = ? WHERE patient_id = ?"
		" AND removed_at IS NULL AND session_id IN (SELECT s.id FROM therapy_session s WHERE s.series_id = ?"
		" AND s.starts_at > ? AND NOT EXISTS (SELECT 1 FROM therapy_session_cancel c WHERE c.session_id = s.id))",
		err);
	if (!st)
		return err->code;
	db_bind_text(st, 1, now);
	db_bind_text(st, 2, a->username);
	db_bind_int(st, 3, patient_id);
	db_bind_int(st, 4, series_id);
	db_bind_text(st, 5, now);
	return db_run(st, err);
}

/* Adds a patient to the series and to its future sessions (checking clashes). */
static enum tdm_status join_series(struct db *db, const struct actor *a, int64_t series_id, int64_t patient_id,
				   const char *now, struct tdm_err *err)
{
	enum tdm_status rc = add_member(db, a, series_id, patient_id, now, err);
	if (rc)
		return rc;
	struct stmt *st = db_prepare(db,
		"SELECT s.id, s.starts_at, s.ends_at FROM therapy_session s WHERE s.series_id = ? AND s.starts_at > ?"
		" AND NOT EXISTS (SELECT 1 FROM therapy_session_cancel c WHERE c.session_id = s.id)"
		" ORDER BY s.starts_at", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, series_id);
	db_bind_text(st, 2, now);
	struct {
		int64_t id;
		char from[INSTANT_LEN], to[INSTANT_LEN];
	} future[THERAPY_SERIES_CEILING];
	int n = 0, s;
	while ((s = db_step(st, err)) == DB_ROW && n < THERAPY_SERIES_CEILING) {
		future[n].id = db_col_int(st, 0);
		COPY(future[n].from, 1);
		COPY(future[n].to, 2);
		n++;
	}
	db_done(st);
	if (s < 0)
		return err->code;
	for (int i = 0; i < n && !rc; i++) {
		rc = check_clash(db, 0, 0, NULL, NULL, &patient_id, 1, future[i].from, future[i].to, future[i].id, err);
		if (!rc)
			rc = add_participant(db, a, future[i].id, patient_id, now, err);
	}
	return rc;
}

enum tdm_status session_series_roster(struct db *db, const struct actor *a, int64_t id,
				      const int64_t *patients, int n, struct series *out, struct tdm_err *err)
{
	enum tdm_status rc = db_begin(db, DB_WRITE, err);
	if (rc)
		return rc;
	struct audit_event ev = {.action = "series.roster", .object_type = "TherapySeries"};
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, id);
	rc = visible_series(db, a, id, out, &ev, err);
	if (!rc)
		rc = check_roster(out->kind, patients, n, err);
	int64_t site = out->site_id;
	if (!rc)
		rc = check_patients(db, a, patients, n, &site, err);
	if (!rc && site != out->site_id)
		rc = tdm_fail(err, TDM_EINVAL, "patients", "the patients of a series must be of its site");
	int64_t touched[2 * THERAPY_GROUP_CEILING];
	int n_touched = 0, added = 0, removed = 0;
	char now[INSTANT_LEN];
	instant_now(now);
	int64_t old[THERAPY_GROUP_CEILING];
	int n_old = rc ? 0 : out->n_roster;
	roster_ids(out, old);
	for (int i = 0; !rc && i < n_old; i++)
		if (!in_list(patients, n, old[i])) {
			rc = remove_member(db, a, id, old[i], now, err);
			touched[n_touched++] = old[i];
			removed++;
		}
	for (int i = 0; !rc && i < n; i++)
		if (!in_list(old, n_old, patients[i])) {
			rc = join_series(db, a, id, patients[i], now, err);
			touched[n_touched++] = patients[i];
			added++;
		}
	if (!rc)
		rc = load_series(db, id, out, err);
	snprintf(ev.detail, sizeof ev.detail, "roster: %d added, %d removed", added, removed);
	if (rc)
		return therapy_audit_finish(db, a, rc, &ev, patients, n > 0, err);
	return therapy_audit_finish(db, a, rc, &ev, touched, n_touched, err);
}
