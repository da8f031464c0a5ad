/*
 * plan.c - treatment plans in the store (plan.h): create, change, review,
 * sign, read versions, and the clinic's list of reviews due.
 *
 * Tables (migration 5): plan (one per episode), plan_version (the whole
 * document as JSON text per version; last_key is the highest key number
 * given so far in the plan, so a removed item's key is never given again)
 * and plan_signature (per version). The pure half (document, schedule, data
 * files) is plan_doc.c.
 */
#include "domain/plan.h"
#include "domain/audit.h"
#include "domain/episode.h"
#include "domain/order.h"
#include "domain/patient.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COPY(dst, i) snprintf(dst, sizeof dst, "%s", db_col_text(st, i))

static enum tdm_status nomem(struct tdm_err *err)
{
	return tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
}

static int day_of(const char *s, int64_t *out)
{
	int y, m, d;
	if (date_parse(s, &y, &m, &d))
		return -1;
	*out = date_days(y, m, d);
	return 0;
}

/* The clinic-local day of a stored UTC instant ("" stays ""). */
static void local_day(const char *instant, char out[DATE_LEN])
{
	time_t t;
	if (!*instant || instant_parse(instant, &t))
		snprintf(out, DATE_LEN, "%.10s", instant);
	else
		date_local_day(t, out);
}

/* ---- rows ---- */

static enum tdm_status load_row(struct db *db, int64_t id, struct plan *p, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"SELECT id, patient_id, site_id, episode_id, created_at, created_by FROM plan WHERE id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, id);
	int s = db_step(st, err);
	if (s == DB_ROW) {
		p->id = db_col_int(st, 0);
		p->patient_id = db_col_int(st, 1);
		p->site_id = db_col_int(st, 2);
		p->episode_id = db_col_int(st, 3);
		COPY(p->created_at, 4);
		COPY(p->created_by, 5);
	}
	db_done(st);
	if (s < 0)
		return err->code;
	return s == DB_ROW ? TDM_OK : tdm_fail(err, TDM_ENOTFOUND, "plan", "no plan %" PRId64, id);
}

struct ep_state {
	int64_t patient_id, site_id;
	char admitted_on[DATE_LEN];
	char discharged_on[DATE_LEN];
	char level[16];           /* current level, "" once discharged */
};

static enum tdm_status load_episode(struct db *db, int64_t id, struct ep_state *e, struct tdm_err *err)
{
	memset(e, 0, sizeof *e);
	struct stmt *st = db_prepare(db,
		"SELECT e.patient_id, e.site_id, e.admitted_on, COALESCE(d.discharged_on, ''),"
		" COALESCE((SELECT pl.level FROM placement pl WHERE pl.episode_id = e.id"
		" ORDER BY pl.id DESC LIMIT 1), '') FROM episode e"
		" LEFT JOIN discharge d ON d.episode_id = e.id WHERE e.id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, id);
	int s = db_step(st, err);
	if (s == DB_ROW) {
		e->patient_id = db_col_int(st, 0);
		e->site_id = db_col_int(st, 1);
		COPY(e->admitted_on, 2);
		COPY(e->discharged_on, 3);
		if (!e->discharged_on[0])
			COPY(e->level, 4);
	}
	db_done(st);
	if (s < 0)
		return err->code;
	return s == DB_ROW ? TDM_OK : tdm_fail(err, TDM_ENOTFOUND, "episode_id", "no episode %" PRId64, id);
}

static void read_signature(struct stmt *st, void *row)
{
	struct plan_signature *g = row;
	g->id = db_col_int(st, 0);
	g->version = (int)db_col_int(st, 1);
	COPY(g->role, 2);
	COPY(g->signed_by, 3);
	COPY(g->method, 4);
	COPY(g->attestation, 5);
	COPY(g->signed_at, 6);
	COPY(g->recorded_by, 7);
}

static enum tdm_status load_signatures(struct db *db, struct plan_version_info *v, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"SELECT s.id, pv.version, s.role, s.signed_by, COALESCE(s.method, ''), COALESCE(s.attestation, ''),"
		" s.signed_at, s.recorded_by FROM plan_signature s JOIN plan_version pv ON pv.id = s.version_id"
		" WHERE s.version_id = ? ORDER BY s.id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, v->id);
	struct plan_signature *rows = NULL;
	int n = 0;
	enum tdm_status rc = db_collect(st, sizeof *rows, PLAN_MAX_SIGNATURES, read_signature, (void **)&rows, &n,
					err);
	if (!rc && n)
		memcpy(v->signatures, rows, (size_t)n * sizeof *rows);
	v->n_signatures = rc ? 0 : n;
	free(rows);
	return rc;
}

#define VERSION_SELECT                                                                            \
	"SELECT id, version, kind, effective_on, COALESCE(note, ''), recorded_at, recorded_by, content," \
	" last_key FROM plan_version"

static void read_version(struct stmt *st, struct plan_version_info *v)
{
	v->id = db_col_int(st, 0);
	v->version = (int)db_col_int(st, 1);
	COPY(v->kind, 2);
	COPY(v->effective_on, 3);
	COPY(v->note, 4);
	COPY(v->recorded_at, 5);
	COPY(v->recorded_by, 6);
}

/* One version of a plan (version 0: the newest): its row, signatures and
 * parsed document. *last_key (may be NULL): the plan's key counter then. */
static enum tdm_status load_version(struct db *db, int64_t plan_id, int version, struct plan_version_info *v,
				    struct plan_doc *doc, int64_t *last_key, struct tdm_err *err)
{
	struct stmt *st = version
		? db_prepare(db, VERSION_SELECT " WHERE plan_id = ? AND version = ?", err)
		: db_prepare(db, VERSION_SELECT " WHERE plan_id = ? ORDER BY version DESC LIMIT 1", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, plan_id);
	if (version)
		db_bind_int(st, 2, version);
	char *content = NULL;
	int s = db_step(st, err);
	memset(v, 0, sizeof *v);
	if (s == DB_ROW) {
		read_version(st, v);
		content = strdup(db_col_text(st, 7));
		if (last_key)
			*last_key = db_col_int(st, 8);
	}
	db_done(st);
	if (s < 0)
		return err->code;
	if (s != DB_ROW)
		return tdm_fail(err, TDM_ENOTFOUND, "version", "plan %" PRId64 " has no version %d", plan_id, version);
	if (!content)
		return nomem(err);
	enum tdm_status rc = plan_doc_parse(content, strlen(content), doc, err);
	free(content);
	if (rc) /* the stored form is ours: a failure here is a bug or an edit */
		return tdm_fail(err, TDM_EINTERNAL, NULL, "plan %" PRId64 " version %d does not parse: %s", plan_id,
				v->version, err->msg);
	v->n_problems = doc->n_problems;
	return load_signatures(db, v, err);
}

static enum tdm_status newest_version(struct db *db, int64_t plan_id, int *version, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, "SELECT COALESCE(MAX(version), 0) FROM plan_version WHERE plan_id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, plan_id);
	int64_t v = 0;
	int found;
	enum tdm_status rc = db_query_int(st, &v, &found, err);
	*version = (int)v;
	return rc;
}

/* The latest create or review day: where the review clock starts. */
static enum tdm_status review_anchor(struct db *db, int64_t plan_id, char out[DATE_LEN], struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"SELECT COALESCE(MAX(effective_on), '') FROM plan_version WHERE plan_id = ?"
		" AND kind IN ('create', 'review')", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, plan_id);
	int s = db_step(st, err);
	out[0] = '\0';
	if (s == DB_ROW)
		snprintf(out, DATE_LEN, "%s", db_col_text(st, 0));
	db_done(st);
	return s < 0 ? err->code : TDM_OK;
}

/* ---- what the document points at ---- */

/* Is username a prescriber, nurse or therapist at site (not revoked, not
 * disabled)? */
static enum tdm_status clinician_at(struct db *db, const char *username, int64_t site_id, int *ok,
				    struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"SELECT COUNT(*) FROM app_user u JOIN user_role r ON r.user_id = u.id WHERE u.username = ?"
		" AND u.disabled_at IS NULL AND r.site_id = ? AND r.revoked_at IS NULL AND (r.role_bit & ?) <> 0",
		err);
	if (!st)
		return err->code;
	db_bind_text(st, 1, username);
	db_bind_int(st, 2, site_id);
	db_bind_int(st, 3, ROLE_PRESCRIBER | ROLE_NURSE | ROLE_THERAPIST);
	int64_t n = 0;
	int found;
	enum tdm_status rc = db_query_int(st, &n, &found, err);
	*ok = n > 0;
	return rc;
}

static enum tdm_status resolve_dx(struct db *db, int64_t patient_id, struct plan_problem *p, int i, int j,
				  int check, struct tdm_err *err)
{
	struct plan_dx *dx = &p->dx[j];
	memset(dx, 0, sizeof *dx);
	dx->id = p->diagnosis_ids[j];
	struct stmt *st = db_prepare(db,
		"SELECT d.code, d.category, COALESCE((SELECT s.status FROM diagnosis_status s"
		" WHERE s.diagnosis_id = d.id ORDER BY s.id DESC LIMIT 1), 'active')"
		" FROM diagnosis d WHERE d.id = ? AND d.patient_id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, dx->id);
	db_bind_int(st, 2, patient_id);
	int s = db_step(st, err);
	if (s == DB_ROW) {
		COPY(dx->code, 0);
		COPY(dx->category, 1);
		COPY(dx->status, 2);
	}
	db_done(st);
	if (s < 0)
		return err->code;
	char f[64];
	snprintf(f, sizeof f, "problems[%d].diagnosis_ids[%d]", i, j);
	if (s != DB_ROW)
		return check ? tdm_fail(err, TDM_EINVAL, f, "%s: no diagnosis %" PRId64 " for this patient", f, dx->id)
			     : TDM_OK;
	if (check && !strcmp(dx->status, "entered_in_error"))
		return tdm_fail(err, TDM_EINVAL, f, "%s: diagnosis %" PRId64 " (%s) was entered in error", f, dx->id,
				dx->code);
	struct icd10_class cls;
	struct tdm_err ignore;
	if (icd10_classify(dx->code, &cls, &ignore) == TDM_OK) {
		dx->counts_substance = icd10_counts_substance(&cls);
		dx->counts_mental = icd10_counts_mental(&cls);
		icd10_title(&cls, dx->title, sizeof dx->title);
	}
	p->substance_use |= !strcmp(dx->category, "substance_use");
	p->mental_health |= !strcmp(dx->category, "mental_health");
	return TDM_OK;
}

static enum tdm_status resolve_intervention(struct db *db, int64_t patient_id, int64_t site_id,
					    struct plan_intervention *v, int i, int k, int check, const char *today,
					    struct tdm_err *err)
{
	char f[64];
	enum tdm_status rc = TDM_OK;
	if (check && v->responsible[0]) {
		int ok = 0;
		rc = clinician_at(db, v->responsible, site_id, &ok, err);
		snprintf(f, sizeof f, "problems[%d].interventions[%d].responsible", i, k);
		if (!rc && !ok)
			return tdm_fail(err, TDM_EINVAL, f, "%s: '%s' is not a prescriber, nurse or therapist at the"
					" patient's site", f, v->responsible);
	}
	if (rc || strcmp(v->kind, "medication"))
		return rc;
	struct order o;
	struct tdm_err oerr;
	tdm_err_clear(&oerr);
	enum tdm_status orc = order_load_state(db, v->order_id, today, &o, &oerr);
	if (orc == TDM_ENOTFOUND || (!orc && o.patient_id != patient_id)) {
		snprintf(f, sizeof f, "problems[%d].interventions[%d].order_id", i, k);
		return check ? tdm_fail(err, TDM_EINVAL, f, "%s: no medication order %" PRId64 " for this patient", f,
					v->order_id)
			     : TDM_OK;
	}
	if (orc) {
		*err = oerr;
		return orc;
	}
	snprintf(v->medication, sizeof v->medication, "%s", o.medication);
	snprintf(v->unit, sizeof v->unit, "%s", o.unit);
	snprintf(v->order_frequency, sizeof v->order_frequency, "%s", o.frequency);
	snprintf(v->order_status, sizeof v->order_status, "%s", o.status);
	v->dose = o.dose;
	return TDM_OK;
}

/* Fills what the document points at. check = 1 (a save): anything that is
 * not the patient's, or not usable, is a field-level TDM_EINVAL. */
static enum tdm_status resolve(struct db *db, int64_t patient_id, int64_t site_id, struct plan_doc *d, int check,
			       const char *today, struct tdm_err *err)
{
	enum tdm_status rc = TDM_OK;
	for (int i = 0; !rc && i < d->n_problems; i++) {
		struct plan_problem *p = &d->problems[i];
		p->substance_use = p->mental_health = 0;
		for (int j = 0; !rc && j < p->n_diagnoses; j++)
			rc = resolve_dx(db, patient_id, p, i, j, check, err);
		for (int k = 0; !rc && k < p->n_interventions; k++)
			rc = resolve_intervention(db, patient_id, site_id, &p->interventions[k], i, k, check, today, err);
	}
	return rc;
}

static void covers(struct plan_doc *d, int *substance, int *mental, int *dual)
{
	int cs = 0, cm = 0;
	*substance = *mental = 0;
	for (int i = 0; i < d->n_problems; i++) {
		const struct plan_problem *p = &d->problems[i];
		*substance |= p->substance_use;
		*mental |= p->mental_health;
		for (int j = 0; j < p->n_diagnoses; j++) {
			cs |= p->dx[j].counts_substance;
			cm |= p->dx[j].counts_mental;
		}
	}
	*dual = cs && cm;
}

/* ---- objectives' current values ---- */

static int compare(const char *cmp, double v, double target)
{
	if (!strcmp(cmp, "below"))
		return v < target;
	if (!strcmp(cmp, "at_most"))
		return v <= target;
	if (!strcmp(cmp, "above"))
		return v > target;
	return v >= target; /* at_least */
}

static enum tdm_status latest_score(struct db *db, int64_t patient_id, struct plan_objective *o,
				    struct tdm_err *err)
{
	struct plan_progress *g = &o->progress;
	struct stmt *st = db_prepare(db,
		"SELECT total, administered_at FROM assessment WHERE patient_id = ? AND instrument = ?"
		" ORDER BY administered_at DESC, id DESC LIMIT 1", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, patient_id);
	db_bind_text(st, 2, o->measure.instrument);
	int s = db_step(st, err);
	if (s == DB_ROW) {
		g->known = 1;
		g->current = (double)db_col_int(st, 0);
		local_day(db_col_text(st, 1), g->as_of);
	}
	db_done(st);
	if (s < 0)
		return err->code;
	g->met = g->known && compare(o->measure.comparator, g->current, o->measure.value);
	return TDM_OK;
}

/*
 * Weeks of negative screens: the run of drug screens (of the measure's
 * substance, or any) after the latest unexpected positive; its length is
 * whole weeks from the run's first screen to its latest. An expected
 * positive (a prescribed medication) does not end a run; a voided result
 * does not count.
 */
static enum tdm_status screen_weeks(struct db *db, int64_t patient_id, struct plan_objective *o,
				    struct tdm_err *err)
{
	struct plan_progress *g = &o->progress;
	const char *sub = o->measure.substance;
	char last_pos[INSTANT_LEN] = "";
	struct stmt *st = db_prepare(db,
		"SELECT COALESCE(MAX(r.taken_at), '') FROM result r WHERE r.patient_id = ? AND r.kind = 'uds'"
		" AND r.outcome = 'positive' AND r.expected = 0 AND (? = '' OR r.substance = ?)"
		" AND NOT EXISTS (SELECT 1 FROM result_status s WHERE s.result_id = r.id)", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, patient_id);
	db_bind_text(st, 2, sub);
	db_bind_text(st, 3, sub);
	int s = db_step(st, err);
	if (s == DB_ROW)
		COPY(last_pos, 0);
	db_done(st);
	if (s < 0)
		return err->code;
	st = db_prepare(db,
		"SELECT COUNT(DISTINCT r.taken_at), COALESCE(MIN(r.taken_at), ''), COALESCE(MAX(r.taken_at), '')"
		" FROM result r WHERE r.patient_id = ? AND r.kind = 'uds' AND (? = '' OR r.substance = ?)"
		" AND r.taken_at > ? AND NOT EXISTS (SELECT 1 FROM result_status s WHERE s.result_id = r.id)", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, patient_id);
	db_bind_text(st, 2, sub);
	db_bind_text(st, 3, sub);
	db_bind_text(st, 4, last_pos);
	s = db_step(st, err);
	char first[INSTANT_LEN] = "", last[INSTANT_LEN] = "";
	if (s == DB_ROW) {
		g->screens = (int)db_col_int(st, 0);
		COPY(first, 1);
		COPY(last, 2);
	}
	db_done(st);
	if (s < 0)
		return err->code;
	local_day(last_pos, g->last_positive);
	int64_t a, b;
	if (g->screens) {
		local_day(first, g->since);
		local_day(last, g->as_of);
		g->known = 1;
		if (!day_of(g->since, &a) && !day_of(g->as_of, &b))
			g->current = (double)((b - a) / 7);
	} else if (last_pos[0]) {
		/* the latest screen was an unexpected positive */
		g->known = 1;
		g->current = 0;
		snprintf(g->as_of, sizeof g->as_of, "%s", g->last_positive);
	}
	g->met = g->known && g->current >= o->measure.weeks;
	return TDM_OK;
}

static enum tdm_status progress(struct db *db, int64_t patient_id, struct plan_doc *d, struct tdm_err *err)
{
	enum tdm_status rc = TDM_OK;
	for (int i = 0; !rc && i < d->n_problems; i++)
		for (int g = 0; !rc && g < d->problems[i].n_goals; g++) {
			struct plan_goal *gl = &d->problems[i].goals[g];
			for (int o = 0; !rc && o < gl->n_objectives; o++) {
				struct plan_objective *ob = &gl->objectives[o];
				memset(&ob->progress, 0, sizeof ob->progress);
				if (!ob->measure.kind[0])
					continue;
				ob->progress.computed = 1;
				rc = !strcmp(ob->measure.kind, "instrument") ? latest_score(db, patient_id, ob, err)
									     : screen_weeks(db, patient_id, ob, err);
			}
		}
	return rc;
}

/* ---- reading a plan ---- */

/* Inside an open transaction: fills *p (p->id set) with one version and
 * everything derived. Progress only for the newest version. */
static enum tdm_status read_plan(struct db *db, int64_t plan_id, int version, struct plan *p, struct tdm_err *err)
{
	char today[DATE_LEN], anchor[DATE_LEN];
	struct ep_state ep;
	date_today(today);
	memset(p, 0, sizeof *p);
	enum tdm_status rc = load_row(db, plan_id, p, err);
	if (!rc)
		rc = newest_version(db, plan_id, &p->latest, err);
	if (!rc)
		rc = load_version(db, plan_id, version, &p->v, &p->doc, NULL, err);
	if (rc)
		return rc;
	p->current = p->v.version == p->latest;
	rc = resolve(db, p->patient_id, p->site_id, &p->doc, 0, today, err);
	if (!rc && p->current)
		rc = progress(db, p->patient_id, &p->doc, err);
	if (!rc)
		rc = load_episode(db, p->episode_id, &ep, err);
	if (!rc)
		rc = review_anchor(db, plan_id, anchor, err);
	if (rc)
		return rc;
	covers(&p->doc, &p->covers_substance, &p->covers_mental, &p->covers_dual);
	plan_review_schedule(ep.level, anchor, today, &p->review);
	return TDM_OK;
}

/* Begins a transaction on a plan's record and checks the actor may see
 * its patient (404 otherwise, audited as denied). *open as patient_open. */
static enum tdm_status plan_open(struct db *db, const struct actor *a, int64_t plan_id, enum db_tx tx,
				 const char *action, struct audit_event *ev, struct plan *row, int *open,
				 struct tdm_err *err)
{
	memset(ev, 0, sizeof *ev);
	ev->action = action;
	ev->object_type = "CarePlan";
	snprintf(ev->object_id, sizeof ev->object_id, "%" PRId64, plan_id);
	enum tdm_status rc = db_begin(db, tx, err);
	*open = rc == TDM_OK;
	if (rc)
		return rc;
	memset(row, 0, sizeof *row);
	rc = load_row(db, plan_id, row, err);
	if (!rc) {
		ev->patient_id = row->patient_id;
		rc = patient_visible(db, a, row->patient_id, &ev->site_id, err);
		if (rc == TDM_ENOTFOUND) {
			ev->outcome = "denied";
			rc = tdm_fail(err, TDM_ENOTFOUND, "plan", "no plan %" PRId64, plan_id);
		}
	}
	return rc;
}

enum tdm_status plan_get(struct db *db, const struct actor *a, int64_t plan_id, int version,
			 struct plan **out, struct tdm_err *err)
{
	struct audit_event ev;
	int open;
	*out = calloc(1, sizeof **out);
	if (!*out)
		return nomem(err);
	enum tdm_status rc = plan_open(db, a, plan_id, DB_AUDITED_READ, "plan.read", &ev, *out, &open, err);
	if (!open) {
		free(*out);
		*out = NULL;
		return rc;
	}
	if (!rc)
		rc = read_plan(db, plan_id, version, *out, err);
	snprintf(ev.detail, sizeof ev.detail, "version=%d", rc ? version : (*out)->v.version);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

enum tdm_status plan_versions(struct db *db, const struct actor *a, int64_t plan_id,
			      struct plan_version_info **rows, int *n, struct tdm_err *err)
{
	struct audit_event ev;
	int open;
	struct plan *p = calloc(1, sizeof *p);
	*rows = NULL;
	*n = 0;
	if (!p)
		return nomem(err);
	enum tdm_status rc = plan_open(db, a, plan_id, DB_AUDITED_READ, "plan.versions", &ev, p, &open, err);
	if (!open) {
		free(p);
		return rc;
	}
	int latest = 0;
	if (!rc)
		rc = newest_version(db, plan_id, &latest, err);
	if (!rc && latest) {
		*rows = calloc((size_t)latest, sizeof **rows);
		if (!*rows)
			rc = nomem(err);
	}
	for (int v = 1; !rc && v <= latest; v++) {
		rc = load_version(db, plan_id, v, &(*rows)[*n], &p->doc, NULL, err);
		if (!rc)
			(*n)++;
	}
	free(p);
	snprintf(ev.detail, sizeof ev.detail, "versions=%d", *n);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}

struct plan_line {
	int64_t id, episode_id;
	char admitted_on[DATE_LEN];
	char discharged_on[DATE_LEN];
};

static void read_line(struct stmt *st, void *row)
{
	struct plan_line *l = row;
	l->id = db_col_int(st, 0);
	l->episode_id = db_col_int(st, 1);
	COPY(l->admitted_on, 2);
	COPY(l->discharged_on, 3);
}

enum tdm_status plan_list(struct db *db, const struct actor *a, int64_t patient_id,
			  struct plan_summary **rows, int *n, struct tdm_err *err)
{
	struct audit_event ev;
	int open, n_lines = 0;
	struct plan_line *lines = NULL;
	struct plan *p = NULL;
	*rows = NULL;
	*n = 0;
	enum tdm_status rc = patient_open(db, a, patient_id, DB_AUDITED_READ, "plan.list", "CarePlan", &ev, &open,
					  err);
	if (!open)
		return rc;
	if (!rc) {
		struct stmt *st = db_prepare(db,
			"SELECT pn.id, pn.episode_id, e.admitted_on, COALESCE(d.discharged_on, '') FROM plan pn"
			" JOIN episode e ON e.id = pn.episode_id LEFT JOIN discharge d ON d.episode_id = e.id"
			" WHERE pn.patient_id = ? ORDER BY pn.episode_id DESC", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			rc = db_collect(st, sizeof *lines, EPISODE_MAX_PLACEMENTS, read_line, (void **)&lines, &n_lines,
					err);
		}
	}
	if (!rc && n_lines) {
		*rows = calloc((size_t)n_lines, sizeof **rows);
		p = calloc(1, sizeof *p);
		if (!*rows || !p)
			rc = nomem(err);
	}
	for (int i = 0; !rc && i < n_lines; i++) {
		struct plan_summary *s = &(*rows)[i];
		rc = read_plan(db, lines[i].id, 0, p, err);
		if (rc)
			break;
		s->id = p->id;
		s->episode_id = p->episode_id;
		memcpy(s->admitted_on, lines[i].admitted_on, sizeof s->admitted_on);
		memcpy(s->discharged_on, lines[i].discharged_on, sizeof s->discharged_on);
		s->v = p->v;
		s->covers_substance = p->covers_substance;
		s->covers_mental = p->covers_mental;
		s->covers_dual = p->covers_dual;
		s->review = p->review;
		(*n)++;
	}
	free(lines);
	free(p);
	snprintf(ev.detail, sizeof ev.detail, "plans=%d", *n);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}

/* ---- saving ---- */

/* Every item of a document, in document order, with its path. */
struct itemref {
	char *key;
	char letter;
	char path[64];
};

#define PLAN_MAX_ITEMS (PLAN_MAX_PROBLEMS * (1 + PLAN_MAX_GOALS * (1 + PLAN_MAX_OBJECTIVES) + PLAN_MAX_INTERVENTIONS))

static void add_item(struct itemref *out, int *n, char *key, char letter, const char *path)
{
	out[*n].key = key;
	out[*n].letter = letter;
	snprintf(out[*n].path, sizeof out[0].path, "%s", path);
	(*n)++;
}

static int items_of(struct plan_doc *d, struct itemref *out)
{
	int n = 0;
	char path[64];
	for (int i = 0; i < d->n_problems; i++) {
		struct plan_problem *p = &d->problems[i];
		snprintf(path, sizeof path, "problems[%d]", i);
		add_item(out, &n, p->key, 'P', path);
		for (int g = 0; g < p->n_goals; g++) {
			snprintf(path, sizeof path, "problems[%d].goals[%d]", i, g);
			add_item(out, &n, p->goals[g].key, 'G', path);
			for (int o = 0; o < p->goals[g].n_objectives; o++) {
				snprintf(path, sizeof path, "problems[%d].goals[%d].objectives[%d]", i, g, o);
				add_item(out, &n, p->goals[g].objectives[o].key, 'O', path);
			}
		}
		for (int v = 0; v < p->n_interventions; v++) {
			snprintf(path, sizeof path, "problems[%d].interventions[%d]", i, v);
			add_item(out, &n, p->interventions[v].key, 'I', path);
		}
	}
	return n;
}

/*
 * Checks the keys sent back (each a key of prev, the version edited; the
 * letter already matches the kind; none twice) and gives every new item
 * the next number after *last_key. prev is NULL for a new plan: then no
 * key may be sent.
 */
static enum tdm_status assign_keys(struct plan_doc *d, struct plan_doc *prev, int64_t *last_key,
				   struct tdm_err *err)
{
	struct itemref *mine = calloc(PLAN_MAX_ITEMS, sizeof *mine), *old = NULL;
	int n_old = 0;
	if (prev)
		old = calloc(PLAN_MAX_ITEMS, sizeof *old);
	if (!mine || (prev && !old)) {
		free(mine);
		free(old);
		return nomem(err);
	}
	int n = items_of(d, mine);
	if (prev)
		n_old = items_of(prev, old);
	enum tdm_status rc = TDM_OK;
	for (int i = 0; !rc && i < n; i++) {
		char f[72];
		const char *key = mine[i].key;
		if (!key[0])
			continue;
		snprintf(f, sizeof f, "%s.id", mine[i].path);
		int known = 0;
		for (int j = 0; j < n_old && !known; j++)
			known = !strcmp(old[j].key, key);
		if (!prev)
			rc = tdm_fail(err, TDM_EINVAL, f, "%s: a new plan's items get their keys from the server;"
				      " leave id out", f);
		else if (!known)
			rc = tdm_fail(err, TDM_EINVAL, f, "%s: '%s' is not an item of the version edited; leave id"
				      " out for a new one", f, key);
		for (int j = 0; !rc && j < i; j++)
			if (!strcmp(mine[j].key, key))
				rc = tdm_fail(err, TDM_EINVAL, f, "%s: '%s' appears twice", f, key);
	}
	for (int i = 0; !rc && i < n; i++)
		if (!mine[i].key[0])
			snprintf(mine[i].key, PLAN_KEY_LEN, "%c%" PRId64, mine[i].letter, ++*last_key);
	free(mine);
	free(old);
	return rc;
}

/* The effective day of a save: "" today; a real day, not in the future,
 * not before floor (admission, or the newest version's day). */
static enum tdm_status effective_day(const char *given, const char *floor, const char *what, char out[DATE_LEN],
				     struct tdm_err *err)
{
	char today[DATE_LEN];
	date_today(today);
	if (!given[0]) {
		memcpy(out, today, DATE_LEN);
		return TDM_OK;
	}
	if (!date_valid(given))
		return tdm_fail(err, TDM_EINVAL, "effective_on", "effective_on must be a real date YYYY-MM-DD");
	if (strcmp(given, today) > 0)
		return tdm_fail(err, TDM_EINVAL, "effective_on", "effective_on %s is in the future", given);
	if (floor && strcmp(given, floor) < 0)
		return tdm_fail(err, TDM_EINVAL, "effective_on", "effective_on %s is before %s (%s)", given, what,
				floor);
	snprintf(out, DATE_LEN, "%s", given);
	return TDM_OK;
}

static enum tdm_status insert_version(struct db *db, const struct actor *a, int64_t plan_id, int version,
				      const char *kind, const char *effective_on, const struct plan_doc *d,
				      int64_t last_key, const char *note, struct tdm_err *err)
{
	char now[INSTANT_LEN], *content = NULL;
	instant_now(now);
	enum tdm_status rc = plan_doc_format(d, &content, err);
	if (rc)
		return rc;
	struct stmt *st = db_prepare(db,
		"INSERT INTO plan_version(plan_id, version, kind, effective_on, content, last_key, note,"
		" recorded_at, recorded_by) VALUES (?,?,?,?,?,?,?,?,?)", err);
	if (!st) {
		rc = err->code;
	} else {
		db_bind_int(st, 1, plan_id);
		db_bind_int(st, 2, version);
		db_bind_text(st, 3, kind);
		db_bind_text(st, 4, effective_on);
		db_bind_text(st, 5, content);
		db_bind_int(st, 6, last_key);
		db_bind_text(st, 7, note && *note ? note : NULL);
		db_bind_text(st, 8, now);
		db_bind_text(st, 9, a->username);
		rc = db_run(st, err);
	}
	free(content);
	return rc;
}

static enum tdm_status check_note(const char *note, int required, struct tdm_err *err)
{
	size_t n = strlen(note);
	if (n > TDM_LEN_REASON)
		return tdm_fail(err, TDM_EINVAL, "note", "note is longer than %d characters", TDM_LEN_REASON);
	if (required && strspn(note, " \t\r\n") == n)
		return tdm_fail(err, TDM_EINVAL, "note", "note is required: what changed and why");
	return TDM_OK;
}

enum tdm_status plan_create(struct db *db, const struct actor *a, int64_t patient_id,
			    const struct plan_input *in, struct plan **out, struct tdm_err *err)
{
	struct audit_event ev;
	struct ep_state ep = {0};
	int open;
	int64_t episode_id = in->episode_id, plan_id = 0, last_key = 0;
	char level[16], eff[DATE_LEN], today[DATE_LEN], now[INSTANT_LEN];
	*out = NULL;
	if (!in->doc)
		return tdm_fail(err, TDM_EINVAL, "problems", "problems is required");
	enum tdm_status rc = check_note(in->note, 0, err);
	if (rc)
		return rc;
	struct plan_doc *d = malloc(sizeof *d);
	*out = calloc(1, sizeof **out);
	if (!d || !*out) {
		free(d);
		free(*out);
		*out = NULL;
		return nomem(err);
	}
	*d = *in->doc;
	date_today(today);
	rc = patient_open(db, a, patient_id, DB_WRITE, "plan.create", "CarePlan", &ev, &open, err);
	if (!open)
		goto done;
	if (!rc && !episode_id) {
		rc = episode_current(db, patient_id, &episode_id, level, err);
		if (!rc && !episode_id)
			rc = tdm_fail(err, TDM_ECONFLICT, "episode_id", "the patient has no open episode; admit first");
	}
	if (!rc) {
		rc = load_episode(db, episode_id, &ep, err);
		if (rc == TDM_ENOTFOUND || (!rc && ep.patient_id != patient_id))
			rc = tdm_fail(err, TDM_EINVAL, "episode_id", "episode %" PRId64 " is not this patient's",
				      episode_id);
	}
	if (!rc && ep.discharged_on[0])
		rc = tdm_fail(err, TDM_ECONFLICT, "episode_id", "episode %" PRId64 " was discharged on %s", episode_id,
			      ep.discharged_on);
	if (!rc) {
		struct stmt *st = db_prepare(db, "SELECT id FROM plan WHERE episode_id = ?", err);
		int64_t other = 0;
		int found = 0;
		if (!st)
			rc = err->code;
		else {
			db_bind_int(st, 1, episode_id);
			rc = db_query_int(st, &other, &found, err);
		}
		if (!rc && found)
			rc = tdm_fail(err, TDM_ECONFLICT, "episode_id", "episode %" PRId64 " already has plan %" PRId64
				      "; change or review that one", episode_id, other);
	}
	if (!rc)
		rc = effective_day(in->effective_on, ep.admitted_on, "the admission", eff, err);
	if (!rc)
		rc = assign_keys(d, NULL, &last_key, err);
	if (!rc)
		rc = resolve(db, patient_id, ev.site_id, d, 1, today, err);
	if (!rc) {
		instant_now(now);
		struct stmt *st = db_prepare(db,
			"INSERT INTO plan(patient_id, site_id, episode_id, created_at, created_by)"
			" VALUES (?,?,?,?,?) RETURNING id", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			db_bind_int(st, 2, ev.site_id);
			db_bind_int(st, 3, episode_id);
			db_bind_text(st, 4, now);
			db_bind_text(st, 5, a->username);
			rc = db_insert_id(st, &plan_id, err);
		}
	}
	if (!rc)
		rc = insert_version(db, a, plan_id, 1, "create", eff, d, last_key, in->note, err);
	if (!rc)
		rc = read_plan(db, plan_id, 0, *out, err);
	if (!rc)
		snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, plan_id);
	snprintf(ev.detail, sizeof ev.detail, "episode=%" PRId64 " version=1 problems=%d", episode_id,
		 d->n_problems);
	rc = audit_finish(db, a, rc, &ev, err);
done:
	free(d);
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

enum tdm_status plan_revise(struct db *db, const struct actor *a, int64_t plan_id, const char *kind,
			    const struct plan_input *in, struct plan **out, struct tdm_err *err)
{
	struct audit_event ev;
	struct ep_state ep = {0};
	struct plan_version_info *cur = NULL;
	int open, latest = 0, review = kind && !strcmp(kind, "review");
	int64_t last_key = 0;
	char eff[DATE_LEN], today[DATE_LEN];
	*out = NULL;
	if (!review && (!kind || strcmp(kind, "change")))
		return tdm_fail(err, TDM_EINTERNAL, NULL, "plan_revise: kind must be change or review");
	if (!review && !in->doc)
		return tdm_fail(err, TDM_EINVAL, "problems", "problems is required (a review may leave it out)");
	enum tdm_status rc = check_note(in->note, 1, err);
	if (!rc && in->version < 1)
		rc = tdm_fail(err, TDM_EINVAL, "version", "version is required: the version you edited");
	if (rc)
		return rc;
	struct plan_doc *d = malloc(sizeof *d), *prev = malloc(sizeof *prev);
	cur = malloc(sizeof *cur);
	*out = calloc(1, sizeof **out);
	if (!d || !prev || !cur || !*out) {
		rc = nomem(err);
		goto done;
	}
	date_today(today);
	rc = plan_open(db, a, plan_id, DB_WRITE, review ? "plan.review" : "plan.change", &ev, *out, &open, err);
	if (!open)
		goto done;
	if (!rc)
		rc = load_episode(db, (*out)->episode_id, &ep, err);
	if (!rc && ep.discharged_on[0])
		rc = tdm_fail(err, TDM_ECONFLICT, "plan", "the episode was discharged on %s; its plan is closed",
			      ep.discharged_on);
	if (!rc)
		rc = load_version(db, plan_id, 0, cur, prev, &last_key, err);
	if (!rc) {
		latest = cur->version;
		if (in->version != latest)
			rc = tdm_fail(err, TDM_ECONFLICT, "version", "version %d is not the newest (%d was saved by %s"
				      " at %s); reload the plan", in->version, latest, cur->recorded_by, cur->recorded_at);
		else if (latest >= PLAN_MAX_VERSIONS)
			rc = tdm_fail(err, TDM_ECONFLICT, "plan", "the plan has %d versions, the most kept", latest);
	}
	if (!rc)
		rc = effective_day(in->effective_on, cur->effective_on, "the newest version's day", eff, err);
	if (!rc) {
		*d = in->doc ? *in->doc : *prev;
		rc = assign_keys(d, prev, &last_key, err);
	}
	if (!rc)
		rc = resolve(db, (*out)->patient_id, (*out)->site_id, d, 1, today, err);
	if (!rc)
		rc = insert_version(db, a, plan_id, latest + 1, kind, eff, d, last_key, in->note, err);
	if (!rc)
		rc = read_plan(db, plan_id, 0, *out, err);
	snprintf(ev.detail, sizeof ev.detail, "version=%d %s%.180s", latest + 1, in->doc ? "changed: " : "unchanged: ",
		 in->note);
	rc = audit_finish(db, a, rc, &ev, err);
done:
	free(d);
	free(prev);
	free(cur);
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

enum tdm_status plan_sign(struct db *db, const struct actor *a, int64_t plan_id,
			  const struct plan_sign_input *in, struct plan_signature *out, struct tdm_err *err)
{
	static const char *const methods[] = {"in_person", "telehealth", "electronic", NULL};
	struct audit_event ev;
	int open, patient = !strcmp(in->role, "patient");
	memset(out, 0, sizeof *out);
	if (!patient && strcmp(in->role, "clinician"))
		return tdm_fail(err, TDM_EINVAL, "role", "role must be clinician or patient");
	if (in->version < 1)
		return tdm_fail(err, TDM_EINVAL, "version", "version is required: the version signed");
	for (const char *c = in->signed_by_name; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return tdm_fail(err, TDM_EINVAL, "signed_by_name", "signed_by_name must be one line of text");
	for (const char *c = in->attestation; *c; c++)
		if (((unsigned char)*c < 0x20 && *c != '\n' && *c != '\r' && *c != '\t') || *c == 0x7f)
			return tdm_fail(err, TDM_EINVAL, "attestation", "attestation must not contain control characters");
	if (patient) {
		int ok = 0;
		for (int i = 0; methods[i]; i++)
			ok |= !strcmp(in->method, methods[i]);
		if (strspn(in->signed_by_name, " ") == strlen(in->signed_by_name))
			return tdm_fail(err, TDM_EINVAL, "signed_by_name", "signed_by_name is required: the patient's"
					" name as signed");
		if (!ok)
			return tdm_fail(err, TDM_EINVAL, "method", "method must be in_person, telehealth or electronic");
		if (strspn(in->attestation, " ") == strlen(in->attestation))
			return tdm_fail(err, TDM_EINVAL, "attestation", "attestation is required: how the staff member"
					" saw the patient sign");
	} else if (in->signed_by_name[0] || in->method[0] || in->attestation[0]) {
		const char *f = in->signed_by_name[0] ? "signed_by_name" : in->method[0] ? "method" : "attestation";
		return tdm_fail(err, TDM_EINVAL, f, "%s applies to a patient's signature only", f);
	}
	struct plan *row = calloc(1, sizeof *row);
	struct plan_version_info *cur = malloc(sizeof *cur);
	struct plan_doc *doc = malloc(sizeof *doc);
	enum tdm_status rc = TDM_OK;
	if (!row || !cur || !doc) {
		rc = nomem(err);
		goto done;
	}
	rc = plan_open(db, a, plan_id, DB_WRITE, "plan.sign", &ev, row, &open, err);
	if (!open)
		goto done;
	if (!rc && !patient && !(access_roles_at(a, row->site_id) & (ROLE_PRESCRIBER | ROLE_THERAPIST)))
		rc = tdm_fail(err, TDM_EFORBIDDEN, "role", "a clinician's signature needs the prescriber or"
			      " therapist role at the patient's site");
	if (!rc)
		rc = load_version(db, plan_id, 0, cur, doc, NULL, err);
	if (!rc && in->version != cur->version)
		rc = tdm_fail(err, TDM_ECONFLICT, "version", "version %d is not the newest (%d); read it before"
			      " signing", in->version, cur->version);
	for (int i = 0; !rc && i < cur->n_signatures; i++) {
		const struct plan_signature *g = &cur->signatures[i];
		if (patient && !strcmp(g->role, "patient"))
			rc = tdm_fail(err, TDM_ECONFLICT, "role", "the patient's signature on version %d was recorded"
				      " by %s at %s", cur->version, g->recorded_by, g->signed_at);
		else if (!patient && !strcmp(g->role, "clinician") && !strcmp(g->signed_by, a->username))
			rc = tdm_fail(err, TDM_ECONFLICT, "role", "%s already signed version %d at %s", a->username,
				      cur->version, g->signed_at);
	}
	if (!rc && cur->n_signatures >= PLAN_MAX_SIGNATURES)
		rc = tdm_fail(err, TDM_ECONFLICT, "role", "version %d has the most signatures kept", cur->version);
	if (!rc) {
		char now[INSTANT_LEN];
		instant_now(now);
		struct stmt *st = db_prepare(db,
			"INSERT INTO plan_signature(version_id, role, signed_by, method, attestation, signed_at,"
			" recorded_by) VALUES (?,?,?,?,?,?,?) RETURNING id", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, cur->id);
			db_bind_text(st, 2, in->role);
			db_bind_text(st, 3, patient ? in->signed_by_name : a->username);
			db_bind_text(st, 4, patient ? in->method : NULL);
			db_bind_text(st, 5, patient ? in->attestation : NULL);
			db_bind_text(st, 6, now);
			db_bind_text(st, 7, a->username);
			rc = db_insert_id(st, &out->id, err);
		}
		if (!rc) {
			out->version = cur->version;
			snprintf(out->role, sizeof out->role, "%s", in->role);
			snprintf(out->signed_by, sizeof out->signed_by, "%s", patient ? in->signed_by_name : a->username);
			snprintf(out->method, sizeof out->method, "%s", patient ? in->method : "");
			snprintf(out->attestation, sizeof out->attestation, "%s", patient ? in->attestation : "");
			snprintf(out->signed_at, sizeof out->signed_at, "%s", now);
			snprintf(out->recorded_by, sizeof out->recorded_by, "%s", a->username);
		}
	}
	snprintf(ev.detail, sizeof ev.detail, "version=%d role=%s", in->version, in->role);
	rc = audit_finish(db, a, rc, &ev, err);
done:
	free(row);
	free(cur);
	free(doc);
	return rc;
}

/* ---- the clinic's list ---- */

struct due_row {
	struct plan_due_item it;
	char level[16];
	char anchor[DATE_LEN];
};

static void read_due(struct stmt *st, void *row)
{
	struct due_row *r = row;
	r->it.episode_id = db_col_int(st, 0);
	r->it.patient_id = db_col_int(st, 1);
	r->it.site_id = db_col_int(st, 2);
	COPY(r->it.mrn, 3);
	COPY(r->it.family_name, 4);
	COPY(r->it.given_name, 5);
	COPY(r->it.admitted_on, 6);
	COPY(r->level, 7);
	r->it.plan_id = db_col_int(st, 8);
	COPY(r->anchor, 9);
}

static int by_due(const void *x, const void *y)
{
	const struct plan_due_item *a = x, *b = y;
	int ra = !strcmp(a->review.status, "overdue") ? 0 : 1, rb = !strcmp(b->review.status, "overdue") ? 0 : 1;
	if (ra != rb)
		return ra - rb;
	int c = strcmp(a->review.due_on, b->review.due_on);
	if (c)
		return c;
	return a->patient_id < b->patient_id ? -1 : a->patient_id > b->patient_id;
}

#define DUE_MAX_EPISODES 100000

enum tdm_status plan_due(struct db *db, const struct actor *a, int64_t site_id,
			 struct plan_due_item **rows, int *n, int *truncated, struct tdm_err *err)
{
	struct due_row *eps = NULL;
	int n_eps = 0;
	char today[DATE_LEN];
	*rows = NULL;
	*n = 0;
	*truncated = 0;
	date_today(today);
	enum tdm_status rc = TDM_OK;
	if (site_id && !access_at(a, site_id))
		rc = tdm_fail(err, TDM_ENOTFOUND, "site", "no site %" PRId64, site_id);
	enum tdm_status rc2 = db_begin(db, DB_AUDITED_READ, err);
	if (rc2)
		return rc2;
	if (!rc) {
		struct stmt *st = db_prepare(db,
			"SELECT e.id, e.patient_id, p.site_id, p.mrn, v.family_name, v.given_name, e.admitted_on,"
			" COALESCE((SELECT pl.level FROM placement pl WHERE pl.episode_id = e.id"
			"  ORDER BY pl.id DESC LIMIT 1), ''), COALESCE(pn.id, 0),"
			" COALESCE((SELECT MAX(pv.effective_on) FROM plan_version pv WHERE pv.plan_id = pn.id"
			"  AND pv.kind IN ('create', 'review')), '')"
			" FROM episode e JOIN patient p ON p.id = e.patient_id"
			" JOIN patient_version v ON v.patient_id = p.id AND v.is_current = 1"
			" LEFT JOIN plan pn ON pn.episode_id = e.id"
			" WHERE NOT EXISTS (SELECT 1 FROM discharge d WHERE d.episode_id = e.id)"
			" AND (? = 0 OR p.site_id = ?)"
			" AND (? = 1 OR p.site_id IN (SELECT site_id FROM user_role WHERE user_id = ?"
			" AND revoked_at IS NULL AND (role_bit & ?) <> 0)) ORDER BY e.id", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, site_id);
			db_bind_int(st, 2, site_id);
			db_bind_int(st, 3, a->all_sites);
			db_bind_int(st, 4, a->user_id);
			db_bind_int(st, 5, a->route_roles);
			rc = db_collect(st, sizeof *eps, DUE_MAX_EPISODES, read_due, (void **)&eps, &n_eps, err);
		}
	}
	int cap = 0;
	for (int i = 0; !rc && i < n_eps; i++) {
		struct due_row *r = &eps[i];
		if (r->it.plan_id) {
			snprintf(r->it.kind, sizeof r->it.kind, "review");
			plan_review_schedule(r->level, r->anchor, today, &r->it.review);
		} else {
			int days = plan_initial_days(r->level);
			int64_t adm, t;
			if (!days || day_of(r->it.admitted_on, &adm) || day_of(today, &t))
				continue;
			snprintf(r->it.kind, sizeof r->it.kind, "initial");
			struct plan_review *v = &r->it.review;
			memset(v, 0, sizeof *v);
			snprintf(v->level, sizeof v->level, "%s", r->level);
			v->interval_days = days;
			date_from_days(adm + days, v->due_on);
			snprintf(v->status, sizeof v->status, "%s",
				 t > adm + days ? "overdue" : adm + days - t <= plan_lead_days() ? "due" : "ok");
		}
		if (strcmp(r->it.review.status, "due") && strcmp(r->it.review.status, "overdue"))
			continue;
		if (*n == PLAN_DUE_MAX) {
			*truncated = 1;
			continue;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			struct plan_due_item *nr = realloc(*rows, (size_t)cap * sizeof *nr);
			if (!nr) {
				rc = nomem(err);
				break;
			}
			*rows = nr;
		}
		(*rows)[(*n)++] = r->it;
	}
	free(eps);
	if (!rc && *n > 1)
		qsort(*rows, (size_t)*n, sizeof **rows, by_due);
	struct audit_event ev = {.action = "plan.due", .object_type = "CarePlan", .site_id = site_id};
	snprintf(ev.detail, sizeof ev.detail, "items=%d%s", *n, *truncated ? " (truncated)" : "");
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}

enum tdm_status plan_has_objective(struct db *db, int64_t patient_id, int64_t plan_id, const char *key,
				   int *found, struct tdm_err *err)
{
	*found = 0;
	struct plan *p = calloc(1, sizeof *p);
	if (!p)
		return nomem(err);
	enum tdm_status rc = load_row(db, plan_id, p, err);
	if (!rc && p->patient_id != patient_id)
		rc = tdm_fail(err, TDM_ENOTFOUND, "plan", "no plan %" PRId64 " for this patient", plan_id);
	if (!rc)
		rc = load_version(db, plan_id, 0, &p->v, &p->doc, NULL, err);
	for (int i = 0; !rc && i < p->doc.n_problems; i++)
		for (int g = 0; g < p->doc.problems[i].n_goals; g++)
			for (int o = 0; o < p->doc.problems[i].goals[g].n_objectives; o++)
				*found |= !strcmp(p->doc.problems[i].goals[g].objectives[o].key, key);
	free(p);
	return rc;
}
