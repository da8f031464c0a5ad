#include "domain/note.h"
#include "domain/audit.h"
#include "domain/patient.h"
#include "domain/plan.h"
#include "domain/supervision.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COPY(dst, i) snprintf(dst, sizeof dst, "%s", db_col_text(st, i))

int note_sections(const char *format, const char *names[NOTE_MAX_SECTIONS])
{
	static const struct {
		const char *format;
		const char *sections[NOTE_MAX_SECTIONS];
		int n;
	} formats[] = {
		{"SOAP", {"subjective", "objective", "assessment", "plan"}, 4},
		{"DAP", {"data", "assessment", "plan", NULL}, 3},
		{"BIRP", {"behavior", "intervention", "response", "plan"}, 4},
	};
	for (size_t i = 0; format && i < sizeof formats / sizeof formats[0]; i++)
		if (!strcmp(format, formats[i].format)) {
			for (int k = 0; k < NOTE_MAX_SECTIONS; k++)
				names[k] = formats[i].sections[k];
			return formats[i].n;
		}
	return 0;
}

static int section_index(const char *format, const char *name)
{
	const char *names[NOTE_MAX_SECTIONS];
	int n = note_sections(format, names);
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

static void part_release(struct note_part *p)
{
	for (int i = 0; i < NOTE_MAX_SECTIONS; i++) {
		free(p->text[i]);
		p->text[i] = NULL;
	}
}

void note_release(struct note *n)
{
	part_release(&n->shared);
	for (int i = 0; n->individual && i < n->n_individual; i++)
		part_release(&n->individual[i]);
	free(n->individual);
	for (int i = 0; n->addenda && i < n->n_addenda; i++)
		free(n->addenda[i].text);
	free(n->addenda);
	n->individual = NULL;
	n->addenda = NULL;
	n->n_individual = n->n_addenda = 0;
}

void note_list_free(struct note *rows, int n)
{
	for (int i = 0; rows && i < n; i++)
		note_release(&rows[i]);
	free(rows);
}

/* ---- checking input ---- */

static int part_empty(const struct note_part_in *p)
{
	for (int i = 0; i < NOTE_MAX_SECTIONS; i++)
		if (p->text[i] && p->text[i][0])
			return 0;
	return 1;
}

static enum tdm_status check_part(const char *format, const struct note_part_in *p, const char *where,
				  struct tdm_err *err)
{
	const char *names[NOTE_MAX_SECTIONS];
	int n = note_sections(format, names);
	for (int i = 0; i < NOTE_MAX_SECTIONS; i++) {
		if (!p->text[i])
			continue;
		if (i >= n)
			return tdm_fail(err, TDM_EINVAL, where, "%s has a section %s does not have", where, format);
		if (strlen(p->text[i]) > TDM_LEN_NOTE_SECTION) {
			char field[64];
			snprintf(field, sizeof field, "%s.%s", where, names[i]);
			return tdm_fail(err, TDM_EINVAL, field, "%s is longer than %d characters", field,
					TDM_LEN_NOTE_SECTION);
		}
	}
	if (p->n_objectives < 0 || p->n_objectives > TDM_MAX_NOTE_OBJECTIVES)
		return tdm_fail(err, TDM_EINVAL, where, "at most %d objectives", TDM_MAX_NOTE_OBJECTIVES);
	for (int i = 0; i < p->n_objectives; i++) {
		const struct note_objective *o = &p->objectives[i];
		char field[64];
		snprintf(field, sizeof field, "%s.objectives", where);
		if (o->plan_id <= 0 || !o->key[0])
			return tdm_fail(err, TDM_EINVAL, field, "an objective is {\"plan_id\": N, \"objective_id\": \"O1\"}");
		for (int j = 0; j < i; j++)
			if (p->objectives[j].plan_id == o->plan_id && !strcmp(p->objectives[j].key, o->key))
				return tdm_fail(err, TDM_EINVAL, field, "objective %s of plan %" PRId64 " is listed twice",
						o->key, o->plan_id);
	}
	return TDM_OK;
}

static enum tdm_status check_input(const struct note_input *in, struct tdm_err *err)
{
	const char *names[NOTE_MAX_SECTIONS];
	if (!note_sections(in->format, names))
		return tdm_fail(err, TDM_EINVAL, "format", "format must be SOAP, DAP or BIRP");
	if (in->shared.n_objectives)
		return tdm_fail(err, TDM_EINVAL, "shared.objectives",
				"objectives belong to a patient's individual part (a plan is one patient's)");
	enum tdm_status rc = check_part(in->format, &in->shared, "shared", err);
	int empty = part_empty(&in->shared);
	if (in->n_individual < 0 || in->n_individual > THERAPY_GROUP_CEILING)
		return tdm_fail(err, TDM_EINVAL, "individual", "too many individual parts");
	for (int i = 0; !rc && i < in->n_individual; i++) {
		char where[48];
		snprintf(where, sizeof where, "individual.%" PRId64, in->individual[i].patient_id);
		if (in->individual[i].patient_id <= 0)
			return tdm_fail(err, TDM_EINVAL, "individual", "individual is keyed by patient id");
		for (int j = 0; j < i; j++)
			if (in->individual[j].patient_id == in->individual[i].patient_id)
				return tdm_fail(err, TDM_EINVAL, where, "patient %" PRId64 " is listed twice",
						in->individual[i].patient_id);
		rc = check_part(in->format, &in->individual[i], where, err);
		empty &= part_empty(&in->individual[i]);
	}
	if (!rc && empty)
		rc = tdm_fail(err, TDM_EINVAL, "shared", "the note is empty: write at least one section");
	return rc;
}

/* ---- the session a note is on ---- */

struct note_session {
	int64_t id, site_id;
	char kind[12];
	char starts_at[INSTANT_LEN];
	int cancelled;
	int64_t patients[THERAPY_GROUP_CEILING];
	int n;
};

static enum tdm_status load_note_session(struct db *db, const struct actor *a, int64_t id, struct note_session *s,
					 struct audit_event *ev, struct tdm_err *err)
{
	memset(s, 0, sizeof *s);
	struct stmt *st = db_prepare(db,
		"SELECT s.id, s.site_id, s.kind, s.starts_at,"
		" CASE WHEN EXISTS (SELECT 1 FROM therapy_session_cancel c WHERE c.session_id = s.id) THEN 1 ELSE 0 END"
		" FROM therapy_session s WHERE s.id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, id);
	int r = db_step(st, err);
	if (r == DB_ROW) {
		s->id = db_col_int(st, 0);
		s->site_id = db_col_int(st, 1);
		COPY(s->kind, 2);
		COPY(s->starts_at, 3);
		s->cancelled = (int)db_col_int(st, 4);
	}
	db_done(st);
	if (r < 0)
		return err->code;
	if (r != DB_ROW)
		return tdm_fail(err, TDM_ENOTFOUND, "session", "no session %" PRId64, id);
	ev->site_id = s->site_id;
	if (!access_at(a, s->site_id)) {
		ev->outcome = "denied";
		return tdm_fail(err, TDM_ENOTFOUND, "session", "no session %" PRId64, id);
	}
	st = db_prepare(db,
		"SELECT patient_id FROM therapy_session_patient WHERE session_id = ? AND removed_at IS NULL"
		" ORDER BY patient_id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, id);
	while ((r = db_step(st, err)) == DB_ROW && s->n < THERAPY_GROUP_CEILING)
		s->patients[s->n++] = db_col_int(st, 0);
	db_done(st);
	return r < 0 ? err->code : TDM_OK;
}

static int has_id(const int64_t *ids, int n, int64_t id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

/* The charts of the input: its individual parts' patients, each on the
 * session, or every patient on the session. Objectives are checked against
 * the patient's plan. */
static enum tdm_status resolve_charts(struct db *db, const struct note_session *s, const struct note_input *in,
				      int64_t *charts, int *n, struct tdm_err *err)
{
	*n = 0;
	if (!in->n_individual) {
		if (!s->n)
			return tdm_fail(err, TDM_ECONFLICT, "session", "session %" PRId64 " has no patient", s->id);
		memcpy(charts, s->patients, (size_t)s->n * sizeof *charts);
		*n = s->n;
		return TDM_OK;
	}
	for (int i = 0; i < in->n_individual; i++) {
		const struct note_part_in *p = &in->individual[i];
		char where[64];
		snprintf(where, sizeof where, "individual.%" PRId64, p->patient_id);
		if (!has_id(s->patients, s->n, p->patient_id))
			return tdm_fail(err, TDM_EINVAL, where, "patient %" PRId64 " is not on session %" PRId64,
					p->patient_id, s->id);
		for (int k = 0; k < p->n_objectives; k++) {
			int found = 0;
			enum tdm_status rc = plan_has_objective(db, p->patient_id, p->objectives[k].plan_id,
								p->objectives[k].key, &found, err);
			if (rc && rc != TDM_ENOTFOUND) /* not found: no such plan of this patient */
				return rc;
			if (!found) {
				snprintf(where, sizeof where, "individual.%" PRId64 ".objectives", p->patient_id);
				return tdm_fail(err, TDM_EINVAL, where,
						"plan %" PRId64 " of patient %" PRId64 " has no objective %s",
						p->objectives[k].plan_id, p->patient_id, p->objectives[k].key);
			}
		}
		charts[(*n)++] = p->patient_id;
	}
	return TDM_OK;
}

/* ---- writing ---- */

static enum tdm_status insert_parts(struct db *db, int64_t vid, const char *format, const struct note_part_in *p,
				    struct tdm_err *err)
{
	const char *names[NOTE_MAX_SECTIONS];
	int n = note_sections(format, names);
	enum tdm_status rc = TDM_OK;
	for (int i = 0; i < n && !rc; i++) {
		if (!p->text[i] || !p->text[i][0])
			continue;
		struct stmt *st = db_prepare(db,
			"INSERT INTO progress_note_part(version_id, patient_id, section, body) VALUES (?,?,?,?)", err);
		if (!st)
			return err->code;
		db_bind_int(st, 1, vid);
		if (p->patient_id)
			db_bind_int(st, 2, p->patient_id);
		else
			db_bind_null(st, 2);
		db_bind_text(st, 3, names[i]);
		db_bind_text(st, 4, p->text[i]);
		rc = db_run(st, err);
	}
	for (int i = 0; i < p->n_objectives && !rc; i++) {
		struct stmt *st = db_prepare(db,
			"INSERT INTO progress_note_objective(version_id, patient_id, plan_id, objective_key)"
			" VALUES (?,?,?,?)", err);
		if (!st)
			return err->code;
		db_bind_int(st, 1, vid);
		db_bind_int(st, 2, p->patient_id);
		db_bind_int(st, 3, p->objectives[i].plan_id);
		db_bind_text(st, 4, p->objectives[i].key);
		rc = db_run(st, err);
	}
	return rc;
}

static enum tdm_status write_version(struct db *db, const struct actor *a, int64_t note_id, int version,
				     const struct note_input *in, const int64_t *charts, int n, struct tdm_err *err)
{
	char now[INSTANT_LEN];
	instant_now(now);
	struct stmt *st = db_prepare(db,
		"INSERT INTO progress_note_version(note_id, version, format, recorded_at, recorded_by)"
		" VALUES (?,?,?,?,?) RETURNING id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, note_id);
	db_bind_int(st, 2, version);
	db_bind_text(st, 3, in->format);
	db_bind_text(st, 4, now);
	db_bind_text(st, 5, a->username);
	int64_t vid = 0;
	enum tdm_status rc = db_insert_id(st, &vid, err);
	for (int i = 0; i < n && !rc; i++) {
		st = db_prepare(db, "INSERT INTO progress_note_patient(version_id, patient_id) VALUES (?,?)", err);
		if (!st)
			return err->code;
		db_bind_int(st, 1, vid);
		db_bind_int(st, 2, charts[i]);
		rc = db_run(st, err);
	}
	if (!rc)
		rc = insert_parts(db, vid, in->format, &in->shared, err);
	for (int i = 0; i < in->n_individual && !rc; i++)
		rc = insert_parts(db, vid, in->format, &in->individual[i], err);
	return rc;
}

/* ---- reading ---- */

#define NOTE_SELECT                                                                                   \
	"SELECT n.id, n.session_id, n.site_id, n.author_id, n.author, n.created_at, v.id, v.version,"    \
	" v.format, v.recorded_at, s.kind, s.modality, s.starts_at, s.minutes,"                          \
	" sig.signed_at, sig.username, COALESCE(sig.cosigner_id, 0), COALESCE(cu.username, ''),"          \
	" cs.signed_at, cs.username"                                                                      \
	" FROM progress_note n"                                                                           \
	" JOIN progress_note_version v ON v.note_id = n.id"                                              \
	"  AND v.version = (SELECT MAX(x.version) FROM progress_note_version x WHERE x.note_id = n.id)"  \
	" JOIN therapy_session s ON s.id = n.session_id"                                                \
	" LEFT JOIN progress_note_signature sig ON sig.note_id = n.id AND sig.kind = 'author'"           \
	" LEFT JOIN app_user cu ON cu.id = sig.cosigner_id"                                              \
	" LEFT JOIN progress_note_signature cs ON cs.note_id = n.id AND cs.kind = 'cosign'"

/* The header of a note as of its newest version; *vid its version row,
 * *cosigner_id who must co-sign (0 none). */
static enum tdm_status load_header(struct db *db, int64_t id, struct note *out, int64_t *vid,
				   int64_t *cosigner_id, struct tdm_err *err)
{
	memset(out, 0, sizeof *out);
	struct stmt *st = db_prepare(db, NOTE_SELECT " WHERE n.id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, id);
	int r = db_step(st, err);
	if (r == DB_ROW) {
		out->id = db_col_int(st, 0);
		out->session_id = db_col_int(st, 1);
		out->site_id = db_col_int(st, 2);
		out->author_id = db_col_int(st, 3);
		COPY(out->author, 4);
		COPY(out->created_at, 5);
		*vid = db_col_int(st, 6);
		out->version = (int)db_col_int(st, 7);
		COPY(out->format, 8);
		COPY(out->updated_at, 9);
		COPY(out->session_kind, 10);
		COPY(out->modality, 11);
		COPY(out->starts_at, 12);
		out->minutes = (int)db_col_int(st, 13);
		int signed_ = !db_col_null(st, 14);
		COPY(out->signed_at, 14);
		COPY(out->signed_by, 15);
		*cosigner_id = db_col_int(st, 16);
		COPY(out->cosigner, 17);
		int cosigned = !db_col_null(st, 18);
		COPY(out->cosigned_at, 18);
		COPY(out->cosigned_by, 19);
		snprintf(out->status, sizeof out->status, "%s",
			 !signed_ ? "draft" : *cosigner_id && !cosigned ? "awaiting_cosign" : "signed");
	}
	db_done(st);
	if (r < 0)
		return err->code;
	return r == DB_ROW ? TDM_OK : tdm_fail(err, TDM_ENOTFOUND, "note", "no note %" PRId64, id);
}

static enum tdm_status load_charts(struct db *db, int64_t vid, int64_t *ids, int *n, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"SELECT patient_id FROM progress_note_patient WHERE version_id = ? ORDER BY patient_id", err);
	*n = 0;
	if (!st)
		return err->code;
	db_bind_int(st, 1, vid);
	int r;
	while ((r = db_step(st, err)) == DB_ROW && *n < THERAPY_GROUP_CEILING)
		ids[(*n)++] = db_col_int(st, 0);
	db_done(st);
	return r < 0 ? err->code : TDM_OK;
}

static enum tdm_status dup_text(const char *s, char **out, struct tdm_err *err)
{
	*out = strdup(s);
	return *out ? TDM_OK : tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
}

/* The part of patient_id (0: shared) in the view, or NULL. */
static struct note_part *part_of(struct note *n, int64_t patient_id)
{
	if (!patient_id)
		return &n->shared;
	for (int i = 0; i < n->n_individual; i++)
		if (n->individual[i].patient_id == patient_id)
			return &n->individual[i];
	return NULL;
}

/* Fills parts from a statement yielding (patient_id or 0, section, body). */
static enum tdm_status read_parts(struct stmt *st, struct note *out, struct tdm_err *err)
{
	enum tdm_status rc = TDM_OK;
	int r;
	while (!rc && (r = db_step(st, err)) == DB_ROW) {
		struct note_part *p = part_of(out, db_col_int(st, 0));
		int k = section_index(out->format, db_col_text(st, 1));
		if (p && k >= 0 && !p->text[k])
			rc = dup_text(db_col_text(st, 2), &p->text[k], err);
	}
	if (!rc && r < 0)
		rc = err->code;
	db_done(st);
	return rc;
}

static enum tdm_status read_objectives(struct stmt *st, struct note *out, struct tdm_err *err)
{
	int r;
	while ((r = db_step(st, err)) == DB_ROW) {
		struct note_part *p = part_of(out, db_col_int(st, 0));
		if (p && p->patient_id && p->n_objectives < TDM_MAX_NOTE_OBJECTIVES) {
			struct note_objective *o = &p->objectives[p->n_objectives++];
			o->plan_id = db_col_int(st, 1);
			COPY(o->key, 2);
		}
	}
	db_done(st);
	return r < 0 ? err->code : TDM_OK;
}

static enum tdm_status read_addenda(struct stmt *st, struct note *out, struct tdm_err *err)
{
	enum tdm_status rc = TDM_OK;
	int r, cap = 0;
	while (!rc && (r = db_step(st, err)) == DB_ROW) {
		if (out->n_addenda == cap) {
			cap = cap ? cap * 2 : 4;
			struct note_addendum *na = realloc(out->addenda, (size_t)cap * sizeof *na);
			if (!na) {
				rc = tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
				break;
			}
			out->addenda = na;
		}
		struct note_addendum *ad = &out->addenda[out->n_addenda];
		memset(ad, 0, sizeof *ad);
		ad->id = db_col_int(st, 0);
		ad->patient_id = db_col_int(st, 1);
		COPY(ad->author, 3);
		COPY(ad->signed_at, 4);
		rc = dup_text(db_col_text(st, 2), &ad->text, err);
		if (!rc)
			out->n_addenda++;
	}
	if (!rc && r < 0)
		rc = err->code;
	db_done(st);
	return rc;
}

/*
 * Loads a note's content for one chart (patient > 0): the shared part and
 * that patient's own part, objectives and addenda, each query filtered by
 * the patient; or (patient 0) every part, for the author's full view.
 * The two paths use separate statements on purpose.
 */
static enum tdm_status load_view(struct db *db, int64_t vid, int64_t patient, const int64_t *charts, int n_charts,
				 struct note *out, struct tdm_err *err)
{
	int parts = patient ? 1 : n_charts;
	out->chart_patient = patient;
	out->individual = calloc((size_t)(parts ? parts : 1), sizeof *out->individual);
	if (!out->individual)
		return tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	out->n_individual = parts;
	if (patient) {
		out->individual[0].patient_id = patient;
	} else {
		for (int i = 0; i < n_charts; i++)
			out->individual[i].patient_id = out->charts[i] = charts[i];
		out->n_charts = n_charts;
	}
	struct stmt *st;
	if (patient) {
		st = db_prepare(db,
			"SELECT COALESCE(patient_id, 0), section, body FROM progress_note_part WHERE version_id = ?"
			" AND (patient_id IS NULL OR patient_id = ?) ORDER BY id", err);
		if (st) {
			db_bind_int(st, 1, vid);
			db_bind_int(st, 2, patient);
		}
	} else {
		st = db_prepare(db, "SELECT COALESCE(patient_id, 0), section, body FROM progress_note_part"
				    " WHERE version_id = ? ORDER BY id", err);
		if (st)
			db_bind_int(st, 1, vid);
	}
	enum tdm_status rc = st ? read_parts(st, out, err) : err->code;
	if (!rc && patient) {
		st = db_prepare(db, "SELECT patient_id, plan_id, objective_key FROM progress_note_objective"
				    " WHERE version_id = ? AND patient_id = ? ORDER BY plan_id, objective_key", err);
		if (st) {
			db_bind_int(st, 1, vid);
			db_bind_int(st, 2, patient);
		}
		rc = st ? read_objectives(st, out, err) : err->code;
	} else if (!rc) {
		st = db_prepare(db, "SELECT patient_id, plan_id, objective_key FROM progress_note_objective"
				    " WHERE version_id = ? ORDER BY patient_id, plan_id, objective_key", err);
		if (st)
			db_bind_int(st, 1, vid);
		rc = st ? read_objectives(st, out, err) : err->code;
	}
	if (!rc && patient) {
		st = db_prepare(db, "SELECT id, COALESCE(patient_id, 0), body, author, signed_at FROM progress_note_addendum"
				    " WHERE note_id = ? AND (patient_id IS NULL OR patient_id = ?) ORDER BY id", err);
		if (st) {
			db_bind_int(st, 1, out->id);
			db_bind_int(st, 2, patient);
		}
		rc = st ? read_addenda(st, out, err) : err->code;
	} else if (!rc) {
		st = db_prepare(db, "SELECT id, COALESCE(patient_id, 0), body, author, signed_at FROM progress_note_addendum"
				    " WHERE note_id = ? ORDER BY id", err);
		if (st)
			db_bind_int(st, 1, out->id);
		rc = st ? read_addenda(st, out, err) : err->code;
	}
	return rc;
}

/* A note visible to the actor (its site), with its charts. */
static enum tdm_status visible_note(struct db *db, const struct actor *a, int64_t id, struct note *out,
				   int64_t *vid, int64_t *cosigner, int64_t *charts, int *n_charts,
				   struct audit_event *ev, struct tdm_err *err)
{
	enum tdm_status rc = load_header(db, id, out, vid, cosigner, err);
	if (!rc) {
		ev->site_id = out->site_id;
		if (!access_at(a, out->site_id)) {
			ev->outcome = "denied";
			rc = tdm_fail(err, TDM_ENOTFOUND, "note", "no note %" PRId64, id);
		}
	}
	if (!rc)
		rc = load_charts(db, *vid, charts, n_charts, err);
	return rc;
}

/* Ends a write: reloads the full view and audits one row per chart. */
static enum tdm_status finish_write(struct db *db, const struct actor *a, enum tdm_status rc, int64_t id,
				    struct note *out, struct audit_event *ev, const int64_t *charts, int n,
				    struct tdm_err *err)
{
	int64_t vid = 0, cos = 0, now_charts[THERAPY_GROUP_CEILING];
	int n_now = 0;
	if (!rc) {
		note_release(out);
		rc = load_header(db, id, out, &vid, &cos, err);
	}
	if (!rc)
		rc = load_charts(db, vid, now_charts, &n_now, err);
	if (!rc)
		rc = load_view(db, vid, 0, now_charts, n_now, out, err);
	snprintf(ev->object_id, sizeof ev->object_id, "%" PRId64, id);
	rc = therapy_audit_finish(db, a, rc, ev, rc ? charts : now_charts, rc ? (n > 0) : n_now, err);
	if (rc)
		note_release(out);
	return rc;
}

enum tdm_status note_create(struct db *db, const struct actor *a, int64_t session_id,
			    const struct note_input *in, struct note *out, struct tdm_err *err)
{
	memset(out, 0, sizeof *out);
	enum tdm_status rc = check_input(in, err);
	if (rc)
		return rc;
	if (!a->user_id)
		return tdm_fail(err, TDM_EFORBIDDEN, NULL, "a note is written by a signed-in clinician");
	if ((rc = db_begin(db, DB_WRITE, err)))
		return rc;
	struct audit_event ev = {.action = "note.create", .object_type = "ProgressNote"};
	struct note_session s;
	int64_t charts[THERAPY_GROUP_CEILING];
	int n = 0;
	rc = load_note_session(db, a, session_id, &s, &ev, err);
	char now[INSTANT_LEN];
	instant_now(now);
	if (!rc && s.cancelled)
		rc = tdm_fail(err, TDM_ECONFLICT, "session", "session %" PRId64 " was cancelled by the program",
			      session_id);
	if (!rc && strcmp(s.starts_at, now) > 0)
		rc = tdm_fail(err, TDM_ECONFLICT, "session", "session %" PRId64 " has not started (it starts at %s)",
			      session_id, s.starts_at);
	if (!rc) {
		struct stmt *st = db_prepare(db, "SELECT id FROM progress_note WHERE session_id = ?", err);
		int64_t other = 0;
		int found = 0;
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, session_id);
			rc = db_query_int(st, &other, &found, err);
		}
		if (!rc && found)
			rc = tdm_fail(err, TDM_ECONFLICT, "session", "session %" PRId64 " already has note %" PRId64,
				      session_id, other);
	}
	if (!rc)
		rc = resolve_charts(db, &s, in, charts, &n, err);
	int64_t id = 0;
	if (!rc) {
		struct stmt *st = db_prepare(db,
			"INSERT INTO progress_note(session_id, site_id, author_id, author, created_at)"
			" VALUES (?,?,?,?,?) RETURNING id", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, session_id);
			db_bind_int(st, 2, s.site_id);
			db_bind_int(st, 3, a->user_id);
			db_bind_text(st, 4, a->username);
			db_bind_text(st, 5, now);
			rc = db_insert_id(st, &id, err);
		}
	}
	if (!rc)
		rc = write_version(db, a, id, 1, in, charts, n, err);
	snprintf(ev.detail, sizeof ev.detail, "%s note on %s session %" PRId64, in->format, s.kind, session_id);
	/* A failure before the charts are known names the session's patients. */
	if (rc && !n && s.n) {
		memcpy(charts, s.patients, sizeof charts[0]);
		n = 1;
	}
	return finish_write(db, a, rc, id, out, &ev, charts, n, err);
}

enum tdm_status note_update(struct db *db, const struct actor *a, int64_t note_id,
			    const struct note_input *in, struct note *out, struct tdm_err *err)
{
	memset(out, 0, sizeof *out);
	enum tdm_status rc = check_input(in, err);
	if (rc)
		return rc;
	if ((rc = db_begin(db, DB_WRITE, err)))
		return rc;
	struct audit_event ev = {.action = "note.update", .object_type = "ProgressNote"};
	int64_t vid = 0, cos = 0, charts[THERAPY_GROUP_CEILING], new_charts[THERAPY_GROUP_CEILING];
	int n = 0, n_new = 0;
	struct note_session s;
	rc = visible_note(db, a, note_id, out, &vid, &cos, charts, &n, &ev, err);
	if (!rc && out->author_id != a->user_id)
		rc = tdm_fail(err, TDM_EFORBIDDEN, "note", "only the author (%s) changes a draft", out->author);
	if (!rc && strcmp(out->status, "draft"))
		rc = tdm_fail(err, TDM_ECONFLICT, "note", "note %" PRId64 " was signed by %s at %s: add an addendum",
			      note_id, out->signed_by, out->signed_at);
	if (!rc)
		rc = load_note_session(db, a, out->session_id, &s, &ev, err);
	if (!rc)
		rc = resolve_charts(db, &s, in, new_charts, &n_new, err);
	if (!rc)
		rc = write_version(db, a, note_id, out->version + 1, in, new_charts, n_new, err);
	snprintf(ev.detail, sizeof ev.detail, "%s note version %d", in->format, out->version + 1);
	return finish_write(db, a, rc, note_id, out, &ev, charts, n, err);
}

enum tdm_status note_get(struct db *db, const struct actor *a, int64_t note_id, int64_t patient_id,
			 struct note *out, struct tdm_err *err)
{
	memset(out, 0, sizeof *out);
	enum tdm_status rc = db_begin(db, DB_AUDITED_READ, err);
	if (rc)
		return rc;
	struct audit_event ev = {.action = "note.read", .object_type = "ProgressNote"};
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, note_id);
	int64_t vid = 0, cos = 0, charts[THERAPY_GROUP_CEILING];
	int n = 0;
	rc = visible_note(db, a, note_id, out, &vid, &cos, charts, &n, &ev, err);
	int full = 0;
	if (!rc && patient_id) {
		if (!has_id(charts, n, patient_id))
			rc = tdm_fail(err, TDM_ENOTFOUND, "note", "no note %" PRId64 " on the chart of patient %" PRId64,
				      note_id, patient_id);
		else
			rc = patient_visible(db, a, patient_id, NULL, err);
	} else if (!rc && n == 1) {
		patient_id = charts[0];
	} else if (!rc && (out->author_id == a->user_id || (cos && cos == a->user_id))) {
		full = 1;
	} else if (!rc) {
		rc = tdm_fail(err, TDM_EINVAL, "patient",
			      "note %" PRId64 " is filed to several charts: name the chart with ?patient=", note_id);
	}
	if (!rc)
		rc = load_view(db, vid, full ? 0 : patient_id, charts, n, out, err);
	snprintf(ev.detail, sizeof ev.detail, "%s", full ? "full view (author)" : "chart view");
	if (full)
		rc = therapy_audit_finish(db, a, rc, &ev, charts, n, err);
	else
		rc = therapy_audit_finish(db, a, rc, &ev, &patient_id, patient_id ? 1 : 0, err);
	if (rc)
		note_release(out);
	return rc;
}

#define CHART_NOTES                                                                              \
	" FROM progress_note n JOIN progress_note_version v ON v.note_id = n.id"                 \
	"  AND v.version = (SELECT MAX(x.version) FROM progress_note_version x WHERE x.note_id = n.id)" \
	" JOIN progress_note_patient np ON np.version_id = v.id AND np.patient_id = ?"            \
	" JOIN therapy_session s ON s.id = n.session_id"

enum tdm_status note_list(struct db *db, const struct actor *a, int64_t patient_id, int limit, int offset,
			  struct note **rows, int *n, int64_t *total, struct tdm_err *err)
{
	struct audit_event ev;
	int open;
	*rows = NULL;
	*n = 0;
	*total = 0;
	enum tdm_status rc = patient_open(db, a, patient_id, DB_AUDITED_READ, "note.list", "ProgressNote", &ev, &open,
					  err);
	if (!open)
		return rc;
	int64_t ids[TDM_PAGE_MAX];
	int n_ids = 0;
	if (!rc) {
		struct stmt *st = db_prepare(db, "SELECT COUNT(*)" CHART_NOTES, err);
		int found;
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			rc = db_query_int(st, total, &found, err);
		}
	}
	if (!rc) {
		struct stmt *st = db_prepare(db, "SELECT n.id" CHART_NOTES
					     " ORDER BY s.starts_at DESC, n.id DESC LIMIT ? OFFSET ?", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			db_bind_int(st, 2, limit < TDM_PAGE_MAX ? limit : TDM_PAGE_MAX);
			db_bind_int(st, 3, offset);
			int r;
			while ((r = db_step(st, err)) == DB_ROW && n_ids < TDM_PAGE_MAX)
				ids[n_ids++] = db_col_int(st, 0);
			db_done(st);
			if (r < 0)
				rc = err->code;
		}
	}
	if (!rc && n_ids) {
		*rows = calloc((size_t)n_ids, sizeof **rows);
		if (!*rows)
			rc = tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	}
	for (int i = 0; !rc && i < n_ids; i++) {
		int64_t vid = 0, cos = 0;
		rc = load_header(db, ids[i], &(*rows)[i], &vid, &cos, err);
		(*n)++;
		if (!rc)
			rc = load_view(db, vid, patient_id, NULL, 0, &(*rows)[i], err);
	}
	snprintf(ev.detail, sizeof ev.detail, "notes=%d", *n);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		note_list_free(*rows, *n);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}

static enum tdm_status insert_signature(struct db *db, const struct actor *a, int64_t note_id, int64_t vid,
					const char *kind, int64_t cosigner, struct tdm_err *err)
{
	char now[INSTANT_LEN];
	instant_now(now);
	struct stmt *st = db_prepare(db,
		"INSERT INTO progress_note_signature(note_id, version_id, kind, user_id, username, signed_at,"
		" cosigner_id) VALUES (?,?,?,?,?,?,?)", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, note_id);
	db_bind_int(st, 2, vid);
	db_bind_text(st, 3, kind);
	db_bind_int(st, 4, a->user_id);
	db_bind_text(st, 5, a->username);
	db_bind_text(st, 6, now);
	if (cosigner)
		db_bind_int(st, 7, cosigner);
	else
		db_bind_null(st, 7);
	enum tdm_status rc = db_run(st, err);
	if (rc == TDM_ECONFLICT)
		rc = tdm_fail(err, TDM_ECONFLICT, "note", "note %" PRId64 " is already signed", note_id);
	return rc;
}

enum tdm_status note_sign(struct db *db, const struct actor *a, int64_t note_id, struct note *out,
			  struct tdm_err *err)
{
	memset(out, 0, sizeof *out);
	enum tdm_status rc = db_begin(db, DB_WRITE, err);
	if (rc)
		return rc;
	struct audit_event ev = {.action = "note.sign", .object_type = "ProgressNote"};
	int64_t vid = 0, cos = 0, sup = 0, charts[THERAPY_GROUP_CEILING];
	int n = 0;
	rc = visible_note(db, a, note_id, out, &vid, &cos, charts, &n, &ev, err);
	if (!rc && out->author_id != a->user_id)
		rc = tdm_fail(err, TDM_EFORBIDDEN, "note", "only the author (%s) signs a note", out->author);
	if (!rc && strcmp(out->status, "draft"))
		rc = tdm_fail(err, TDM_ECONFLICT, "note", "note %" PRId64 " was already signed by %s at %s", note_id,
			      out->signed_by, out->signed_at);
	if (!rc)
		rc = supervision_supervisor_of(db, a->user_id, &sup, err);
	if (!rc)
		rc = insert_signature(db, a, note_id, vid, "author", sup, err);
	snprintf(ev.detail, sizeof ev.detail, "signed version %d%s", out->version, sup ? ", awaits co-signature" : "");
	return finish_write(db, a, rc, note_id, out, &ev, charts, n, err);
}

enum tdm_status note_cosign(struct db *db, const struct actor *a, int64_t note_id, struct note *out,
			    struct tdm_err *err)
{
	memset(out, 0, sizeof *out);
	enum tdm_status rc = db_begin(db, DB_WRITE, err);
	if (rc)
		return rc;
	struct audit_event ev = {.action = "note.cosign", .object_type = "ProgressNote"};
	int64_t vid = 0, cos = 0, charts[THERAPY_GROUP_CEILING];
	int n = 0;
	rc = visible_note(db, a, note_id, out, &vid, &cos, charts, &n, &ev, err);
	if (!rc && strcmp(out->status, "awaiting_cosign"))
		rc = tdm_fail(err, TDM_ECONFLICT, "note", "note %" PRId64 " does not await a co-signature (it is %s)",
			      note_id, out->status);
	if (!rc && cos != a->user_id)
		rc = tdm_fail(err, TDM_EFORBIDDEN, "note", "only %s, the author's supervisor, co-signs note %" PRId64,
			      out->cosigner, note_id);
	if (!rc)
		rc = insert_signature(db, a, note_id, vid, "cosign", 0, err);
	snprintf(ev.detail, sizeof ev.detail, "co-signed version %d", out->version);
	return finish_write(db, a, rc, note_id, out, &ev, charts, n, err);
}

enum tdm_status note_addendum_add(struct db *db, const struct actor *a, int64_t note_id, int64_t patient_id,
				  const char *text, struct note_addendum *out, struct tdm_err *err)
{
	memset(out, 0, sizeof *out);
	int64_t *id = &out->id;
	if (!text || !*text)
		return tdm_fail(err, TDM_EINVAL, "text", "text is required");
	if (strlen(text) > TDM_LEN_NOTE_TEXT)
		return tdm_fail(err, TDM_EINVAL, "text", "text is longer than %d characters", TDM_LEN_NOTE_TEXT);
	if (patient_id < 0)
		return tdm_fail(err, TDM_EINVAL, "patient_id", "patient_id must be a positive id");
	if (!a->user_id)
		return tdm_fail(err, TDM_EFORBIDDEN, NULL, "an addendum is written by a signed-in clinician");
	enum tdm_status rc = db_begin(db, DB_WRITE, err);
	if (rc)
		return rc;
	struct audit_event ev = {.action = "note.addendum", .object_type = "ProgressNote"};
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, note_id);
	struct note cur;
	int64_t vid = 0, cos = 0, charts[THERAPY_GROUP_CEILING];
	int n = 0;
	rc = visible_note(db, a, note_id, &cur, &vid, &cos, charts, &n, &ev, err);
	if (!rc && !strcmp(cur.status, "draft"))
		rc = tdm_fail(err, TDM_ECONFLICT, "note", "note %" PRId64 " is a draft: change it instead", note_id);
	if (!rc && patient_id && !has_id(charts, n, patient_id))
		rc = tdm_fail(err, TDM_EINVAL, "patient_id", "note %" PRId64 " is not on the chart of patient %" PRId64,
			      note_id, patient_id);
	if (!rc) {
		char now[INSTANT_LEN];
		instant_now(now);
		struct stmt *st = db_prepare(db,
			"INSERT INTO progress_note_addendum(note_id, patient_id, body, author_id, author, signed_at)"
			" VALUES (?,?,?,?,?,?) RETURNING id", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, note_id);
			if (patient_id)
				db_bind_int(st, 2, patient_id);
			else
				db_bind_null(st, 2);
			db_bind_text(st, 3, text);
			db_bind_int(st, 4, a->user_id);
			db_bind_text(st, 5, a->username);
			db_bind_text(st, 6, now);
			rc = db_insert_id(st, id, err);
		}
		out->patient_id = patient_id;
		snprintf(out->author, sizeof out->author, "%s", a->username);
		snprintf(out->signed_at, sizeof out->signed_at, "%s", now);
	}
	snprintf(ev.detail, sizeof ev.detail, "addendum %" PRId64 " (signed)", *id);
	if (patient_id && !rc)
		return therapy_audit_finish(db, a, rc, &ev, &patient_id, 1, err);
	return therapy_audit_finish(db, a, rc, &ev, charts, rc ? (n > 0) : n, err);
}

/* ---- the unsigned list ---- */

static void read_pending(struct stmt *st, void *row)
{
	struct note_pending *p = row;
	p->id = db_col_int(st, 0);
	p->session_id = db_col_int(st, 1);
	COPY(p->session_kind, 2);
	COPY(p->modality, 3);
	COPY(p->starts_at, 4);
	COPY(p->author, 5);
	COPY(p->created_at, 6);
	COPY(p->signed_at, 7);
	time_t t;
	const char *since = p->signed_at[0] ? p->signed_at : p->created_at;
	p->hours = instant_parse(since, &t) ? 0 : (int)((time(NULL) - t) / 3600);
}

#define PENDING_SELECT                                                                            \
	"SELECT n.id, n.session_id, s.kind, s.modality, s.starts_at, n.author, n.created_at,"      \
	" COALESCE(sig.signed_at, '') FROM progress_note n JOIN therapy_session s ON s.id = n.session_id" \
	" LEFT JOIN progress_note_signature sig ON sig.note_id = n.id AND sig.kind = 'author'"     \
	" WHERE (? = 1 OR n.site_id IN (SELECT site_id FROM user_role WHERE user_id = ?"            \
	"  AND revoked_at IS NULL AND (role_bit & ?) <> 0))"

enum tdm_status note_pending(struct db *db, const struct actor *a, struct note_pending **unsigned_rows,
			     int *n_unsigned, struct note_pending **cosign_rows, int *n_cosign,
			     struct tdm_err *err)
{
	*unsigned_rows = *cosign_rows = NULL;
	*n_unsigned = *n_cosign = 0;
	enum tdm_status rc = db_begin(db, DB_AUDITED_READ, err);
	if (rc)
		return rc;
	struct audit_event ev = {.action = "note.pending", .object_type = "ProgressNote"};
	char cutoff[INSTANT_LEN];
	instant_format(time(NULL) - (time_t)therapy_config()->unsigned_after_hours * 3600, cutoff);
	struct stmt *st = db_prepare(db, PENDING_SELECT " AND n.author_id = ? AND sig.id IS NULL AND n.created_at <= ?"
				     " ORDER BY n.created_at, n.id LIMIT ?", err);
	if (!st) {
		rc = err->code;
	} else {
		db_bind_int(st, 1, a->all_sites);
		db_bind_int(st, 2, a->user_id);
		db_bind_int(st, 3, a->route_roles);
		db_bind_int(st, 4, a->user_id);
		db_bind_text(st, 5, cutoff);
		db_bind_int(st, 6, TDM_PAGE_MAX);
		rc = db_collect(st, sizeof **unsigned_rows, TDM_PAGE_MAX, read_pending, (void **)unsigned_rows,
				n_unsigned, err);
	}
	if (!rc) {
		st = db_prepare(db, PENDING_SELECT " AND sig.cosigner_id = ? AND NOT EXISTS (SELECT 1 FROM"
				" progress_note_signature cs WHERE cs.note_id = n.id AND cs.kind = 'cosign')"
				" ORDER BY sig.signed_at, n.id LIMIT ?", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, a->all_sites);
			db_bind_int(st, 2, a->user_id);
			db_bind_int(st, 3, a->route_roles);
			db_bind_int(st, 4, a->user_id);
			db_bind_int(st, 5, TDM_PAGE_MAX);
			rc = db_collect(st, sizeof **cosign_rows, TDM_PAGE_MAX, read_pending, (void **)cosign_rows,
					n_cosign, err);
		}
	}
	snprintf(ev.detail, sizeof ev.detail, "unsigned=%d awaiting_cosign=%d", *n_unsigned, *n_cosign);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		free(*unsigned_rows);
		free(*cosign_rows);
		*unsigned_rows = *cosign_rows = NULL;
		*n_unsigned = *n_cosign = 0;
	}
	return rc;
}

/* ---- psychotherapy notes ---- */

void psychotherapy_note_release(struct psychotherapy_note *p)
{
	free(p->text);
	p->text = NULL;
}

void psychotherapy_note_list_free(struct psychotherapy_note *rows, int n)
{
	for (int i = 0; rows && i < n; i++)
		psychotherapy_note_release(&rows[i]);
	free(rows);
}

#define PNOTE_SELECT                                                                            \
	"SELECT id, patient_id, COALESCE(session_id, 0), author, created_at, body, author_id"      \
	" FROM psychotherapy_note"

static enum tdm_status read_pnote(struct stmt *st, struct psychotherapy_note *p, struct tdm_err *err)
{
	memset(p, 0, sizeof *p);
	p->id = db_col_int(st, 0);
	p->patient_id = db_col_int(st, 1);
	p->session_id = db_col_int(st, 2);
	COPY(p->author, 3);
	COPY(p->created_at, 4);
	return dup_text(db_col_text(st, 5), &p->text, err);
}

enum tdm_status psychotherapy_note_add(struct db *db, const struct actor *a, int64_t patient_id,
				       int64_t session_id, const char *text, struct psychotherapy_note *out,
				       struct tdm_err *err)
{
	memset(out, 0, sizeof *out);
	if (!text || !*text)
		return tdm_fail(err, TDM_EINVAL, "text", "text is required");
	if (strlen(text) > TDM_LEN_NOTE_TEXT)
		return tdm_fail(err, TDM_EINVAL, "text", "text is longer than %d characters", TDM_LEN_NOTE_TEXT);
	if (session_id < 0)
		return tdm_fail(err, TDM_EINVAL, "session_id", "session_id must be a positive id");
	if (!a->user_id)
		return tdm_fail(err, TDM_EFORBIDDEN, NULL, "a psychotherapy note is written by a signed-in clinician");
	struct audit_event ev;
	int open;
	enum tdm_status rc = patient_open(db, a, patient_id, DB_WRITE, "psychotherapy_note.create",
					  "PsychotherapyNote", &ev, &open, err);
	if (!open)
		return rc;
	if (!rc && session_id) {
		struct stmt *st = db_prepare(db,
			"SELECT COUNT(*) FROM therapy_session_patient WHERE session_id = ? AND patient_id = ?"
			" AND removed_at IS NULL", err);
		int64_t on = 0;
		int found;
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, session_id);
			db_bind_int(st, 2, patient_id);
			rc = db_query_int(st, &on, &found, err);
		}
		if (!rc && !on)
			rc = tdm_fail(err, TDM_EINVAL, "session_id", "the patient is not on session %" PRId64, session_id);
	}
	char now[INSTANT_LEN];
	instant_now(now);
	if (!rc) {
		struct stmt *st = db_prepare(db,
			"INSERT INTO psychotherapy_note(patient_id, site_id, session_id, author_id, author, body, created_at)"
			" VALUES (?,?,?,?,?,?,?) RETURNING id", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			db_bind_int(st, 2, ev.site_id);
			if (session_id)
				db_bind_int(st, 3, session_id);
			else
				db_bind_null(st, 3);
			db_bind_int(st, 4, a->user_id);
			db_bind_text(st, 5, a->username);
			db_bind_text(st, 6, text);
			db_bind_text(st, 7, now);
			rc = db_insert_id(st, &out->id, err);
		}
	}
	if (!rc) {
		out->patient_id = patient_id;
		out->session_id = session_id;
		snprintf(out->author, sizeof out->author, "%s", a->username);
		snprintf(out->created_at, sizeof out->created_at, "%s", now);
		rc = dup_text(text, &out->text, err);
	}
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, out->id);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc)
		psychotherapy_note_release(out);
	return rc;
}

enum tdm_status psychotherapy_note_list(struct db *db, const struct actor *a, int64_t patient_id,
					struct psychotherapy_note **rows, int *n, struct tdm_err *err)
{
	struct audit_event ev;
	int open;
	*rows = NULL;
	*n = 0;
	enum tdm_status rc = patient_open(db, a, patient_id, DB_AUDITED_READ, "psychotherapy_note.list",
					  "PsychotherapyNote", &ev, &open, err);
	if (!open)
		return rc;
	struct stmt *st = rc ? NULL : db_prepare(db, PNOTE_SELECT " WHERE patient_id = ? AND author_id = ?"
					  " ORDER BY id DESC LIMIT ?", err);
	if (!rc && !st)
		rc = err->code;
	if (!rc) {
		db_bind_int(st, 1, patient_id);
		db_bind_int(st, 2, a->user_id);
		db_bind_int(st, 3, TDM_PAGE_MAX);
		int r, cap = 0;
		while (!rc && (r = db_step(st, err)) == DB_ROW) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 8;
				struct psychotherapy_note *nr = realloc(*rows, (size_t)cap * sizeof *nr);
				if (!nr) {
					rc = tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
					break;
				}
				*rows = nr;
			}
			rc = read_pnote(st, &(*rows)[*n], err);
			if (!rc)
				(*n)++;
		}
		if (!rc && r < 0)
			rc = err->code;
		db_done(st);
	}
	snprintf(ev.detail, sizeof ev.detail, "own notes=%d", *n);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		psychotherapy_note_list_free(*rows, *n);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}

enum tdm_status psychotherapy_note_get(struct db *db, const struct actor *a, int64_t id,
				       struct psychotherapy_note *out, struct tdm_err *err)
{
	memset(out, 0, sizeof *out);
	enum tdm_status rc = db_begin(db, DB_AUDITED_READ, err);
	if (rc)
		return rc;
	struct audit_event ev = {.action = "psychotherapy_note.read", .object_type = "PsychotherapyNote"};
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, id);
	struct stmt *st = db_prepare(db, PNOTE_SELECT " WHERE id = ?", err);
	int64_t author = 0;
	int r = -1;
	if (!st) {
		rc = err->code;
	} else {
		db_bind_int(st, 1, id);
		r = db_step(st, err);
		if (r == DB_ROW) {
			author = db_col_int(st, 6);
			rc = read_pnote(st, out, err);
		} else if (r < 0) {
			rc = err->code;
		}
		db_done(st);
	}
	if (!rc && r == DB_ROW) {
		ev.patient_id = out->patient_id;
		rc = patient_visible(db, a, out->patient_id, &ev.site_id, err);
		if (!rc && author != a->user_id)
			rc = TDM_ENOTFOUND;
		if (rc == TDM_ENOTFOUND)
			ev.outcome = "denied";
	}
	if (!rc && r != DB_ROW)
		rc = TDM_ENOTFOUND;
	if (rc == TDM_ENOTFOUND)
		tdm_fail(err, TDM_ENOTFOUND, "note", "no psychotherapy note %" PRId64, id);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc)
		psychotherapy_note_release(out);
	return rc;
}
