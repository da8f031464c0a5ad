#include "domain/trigger.h"
#include "domain/audit.h"
#include "domain/patient.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COPY(dst, i) snprintf(dst, sizeof dst, "%s", db_col_text(st, i))

/* Each kind of item: its table's statements (literals: the statement cache
 * keys on them). */
static const struct kind {
	const char *name, *object_type;
	const char *count_active; /* (patient) -> active items */
	const char *owner;        /* (id) -> patient_id */
} kinds[] = {
	{"trigger", "Trigger",
	 "SELECT COUNT(*) FROM patient_trigger x WHERE x.patient_id = ? AND NOT EXISTS (SELECT 1 FROM"
	 " relapse_item_retired r WHERE r.kind = 'trigger' AND r.item_id = x.id)",
	 "SELECT patient_id FROM patient_trigger WHERE id = ?"},
	{"coping_strategy", "CopingStrategy",
	 "SELECT COUNT(*) FROM coping_strategy x WHERE x.patient_id = ? AND NOT EXISTS (SELECT 1 FROM"
	 " relapse_item_retired r WHERE r.kind = 'coping_strategy' AND r.item_id = x.id)",
	 "SELECT patient_id FROM coping_strategy WHERE id = ?"},
	{"warning_sign", "WarningSign",
	 "SELECT COUNT(*) FROM warning_sign x WHERE x.patient_id = ? AND NOT EXISTS (SELECT 1 FROM"
	 " relapse_item_retired r WHERE r.kind = 'warning_sign' AND r.item_id = x.id)",
	 "SELECT patient_id FROM warning_sign WHERE id = ?"},
	{"contact", "SupportContact",
	 "SELECT COUNT(*) FROM support_contact x WHERE x.patient_id = ? AND NOT EXISTS (SELECT 1 FROM"
	 " relapse_item_retired r WHERE r.kind = 'contact' AND r.item_id = x.id)",
	 "SELECT patient_id FROM support_contact WHERE id = ?"},
};
enum { K_TRIGGER, K_COPING, K_SIGN, K_CONTACT };

static const struct kind *kind_named(const char *name)
{
	for (size_t i = 0; name && i < sizeof kinds / sizeof kinds[0]; i++)
		if (!strcmp(kinds[i].name, name))
			return &kinds[i];
	return NULL;
}

int trigger_category_known(const char *category)
{
	static const char *const cats[] = {"people", "places", "feelings", "situations", "other"};
	for (size_t i = 0; category && i < sizeof cats / sizeof cats[0]; i++)
		if (!strcmp(category, cats[i]))
			return 1;
	return 0;
}

void relapse_plan_release(struct relapse_plan *p)
{
	free(p->triggers);
	free(p->strategies);
	free(p->ratings);
	free(p->signs);
	free(p->contacts);
	p->triggers = NULL;
	p->strategies = NULL;
	p->ratings = NULL;
	p->signs = NULL;
	p->contacts = NULL;
	p->n_triggers = p->n_strategies = p->n_ratings = p->n_signs = p->n_contacts = 0;
}

static enum tdm_status check_text(const char *field, const char *s, int required, size_t max, struct tdm_err *err)
{
	if (required && (!s || !*s))
		return tdm_fail(err, TDM_EINVAL, field, "%s is required", field);
	if (s && strlen(s) > max)
		return tdm_fail(err, TDM_EINVAL, field, "%s is longer than %zu characters", field, max);
	return TDM_OK;
}

/* Refuses a new item past RELAPSE_MAX_ITEMS active ones. */
static enum tdm_status room_for(struct db *db, const struct kind *k, int64_t patient_id, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, k->count_active, err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, patient_id);
	int64_t n = 0;
	int found;
	enum tdm_status rc = db_query_int(st, &n, &found, err);
	if (!rc && n >= RELAPSE_MAX_ITEMS)
		rc = tdm_fail(err, TDM_ECONFLICT, k->name, "the patient has %d active items of this kind: retire one first",
			      RELAPSE_MAX_ITEMS);
	return rc;
}

/* Begins the write on the patient, checks the cap; *open as patient_open. */
static enum tdm_status begin_add(struct db *db, const struct actor *a, int64_t patient_id, const struct kind *k,
				 const char *action, struct audit_event *ev, int *open, struct tdm_err *err)
{
	enum tdm_status rc = patient_open(db, a, patient_id, DB_WRITE, action, k->object_type, ev, open, err);
	if (*open && !rc)
		rc = room_for(db, k, patient_id, err);
	return rc;
}

enum tdm_status trigger_add(struct db *db, const struct actor *a, int64_t patient_id, const char *category,
			    const char *description, int64_t *id, struct tdm_err *err)
{
	*id = 0;
	if (!trigger_category_known(category))
		return tdm_fail(err, TDM_EINVAL, "category", "category must be people, places, feelings, situations or other");
	enum tdm_status rc = check_text("description", description, 1, RELAPSE_LEN_TEXT, err);
	if (rc)
		return rc;
	struct audit_event ev;
	int open;
	rc = begin_add(db, a, patient_id, &kinds[K_TRIGGER], "trigger.create", &ev, &open, err);
	if (!open)
		return rc;
	if (!rc) {
		char now[INSTANT_LEN];
		instant_now(now);
		struct stmt *st = db_prepare(db,
			"INSERT INTO patient_trigger(patient_id, category, description, recorded_at, recorded_by)"
			" VALUES (?,?,?,?,?) RETURNING id", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			db_bind_text(st, 2, category);
			db_bind_text(st, 3, description);
			db_bind_text(st, 4, now);
			db_bind_text(st, 5, a->username);
			rc = db_insert_id(st, id, err);
		}
	}
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, *id);
	snprintf(ev.detail, sizeof ev.detail, "category %s", category);
	return audit_finish(db, a, rc, &ev, err);
}

/* 1 when trigger_id is an active trigger of the patient. */
static enum tdm_status active_trigger(struct db *db, int64_t patient_id, int64_t trigger_id, int *ok,
				      struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"SELECT COUNT(*) FROM patient_trigger t WHERE t.id = ? AND t.patient_id = ? AND NOT EXISTS"
		" (SELECT 1 FROM relapse_item_retired r WHERE r.kind = 'trigger' AND r.item_id = t.id)", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, trigger_id);
	db_bind_int(st, 2, patient_id);
	int64_t n = 0;
	int found;
	enum tdm_status rc = db_query_int(st, &n, &found, err);
	*ok = n > 0;
	return rc;
}

enum tdm_status coping_add(struct db *db, const struct actor *a, int64_t patient_id, const char *description,
			   const int64_t *trigger_ids, int n, int64_t *id, struct tdm_err *err)
{
	*id = 0;
	enum tdm_status rc = check_text("description", description, 1, RELAPSE_LEN_TEXT, err);
	if (rc)
		return rc;
	if (n < 0 || n > COPING_MAX_TRIGGERS)
		return tdm_fail(err, TDM_EINVAL, "trigger_ids", "at most %d triggers", COPING_MAX_TRIGGERS);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++)
			if (trigger_ids[i] == trigger_ids[j])
				return tdm_fail(err, TDM_EINVAL, "trigger_ids", "trigger %" PRId64 " is listed twice",
						trigger_ids[i]);
	struct audit_event ev;
	int open;
	rc = begin_add(db, a, patient_id, &kinds[K_COPING], "coping.create", &ev, &open, err);
	if (!open)
		return rc;
	for (int i = 0; !rc && i < n; i++) {
		int ok = 0;
		rc = active_trigger(db, patient_id, trigger_ids[i], &ok, err);
		if (!rc && !ok)
			rc = tdm_fail(err, TDM_EINVAL, "trigger_ids", "no active trigger %" PRId64 " of this patient",
				      trigger_ids[i]);
	}
	if (!rc) {
		char now[INSTANT_LEN];
		instant_now(now);
		struct stmt *st = db_prepare(db,
			"INSERT INTO coping_strategy(patient_id, description, recorded_at, recorded_by)"
			" VALUES (?,?,?,?) RETURNING id", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			db_bind_text(st, 2, description);
			db_bind_text(st, 3, now);
			db_bind_text(st, 4, a->username);
			rc = db_insert_id(st, id, err);
		}
	}
	for (int i = 0; !rc && i < n; i++) {
		struct stmt *st = db_prepare(db, "INSERT INTO coping_trigger(strategy_id, trigger_id) VALUES (?,?)", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, *id);
			db_bind_int(st, 2, trigger_ids[i]);
			rc = db_run(st, err);
		}
	}
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, *id);
	snprintf(ev.detail, sizeof ev.detail, "linked to %d trigger%s", n, n == 1 ? "" : "s");
	return audit_finish(db, a, rc, &ev, err);
}

/* Loads an item's patient inside a transaction; absent or another site's is
 * TDM_ENOTFOUND (denied). */
static enum tdm_status item_patient(struct db *db, const struct actor *a, const struct kind *k, int64_t id,
				    int64_t *patient_id, struct audit_event *ev, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, k->owner, err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, id);
	int found;
	enum tdm_status rc = db_query_int(st, patient_id, &found, err);
	if (rc)
		return rc;
	if (!found)
		return tdm_fail(err, TDM_ENOTFOUND, k->name, "no %s %" PRId64, k->name, id);
	ev->patient_id = *patient_id;
	rc = patient_visible(db, a, *patient_id, &ev->site_id, err);
	if (rc == TDM_ENOTFOUND) {
		ev->outcome = "denied";
		rc = tdm_fail(err, TDM_ENOTFOUND, k->name, "no %s %" PRId64, k->name, id);
	}
	return rc;
}

enum tdm_status coping_rate(struct db *db, const struct actor *a, int64_t strategy_id, int effectiveness,
			    const char *note, const char *rated_on, int64_t *patient_id, int64_t *id,
			    struct tdm_err *err)
{
	char today[DATE_LEN];
	date_today(today);
	*id = 0;
	*patient_id = 0;
	if (effectiveness < EFFECTIVENESS_MIN || effectiveness > EFFECTIVENESS_MAX)
		return tdm_fail(err, TDM_EINVAL, "effectiveness", "effectiveness must be a whole number from %d (did not"
				" help) to %d (helped a lot)", EFFECTIVENESS_MIN, EFFECTIVENESS_MAX);
	enum tdm_status rc = check_text("note", note, 0, TDM_LEN_REASON, err);
	if (rc)
		return rc;
	if (rated_on && *rated_on && !date_valid(rated_on))
		return tdm_fail(err, TDM_EINVAL, "rated_on", "rated_on must be a date YYYY-MM-DD");
	if (rated_on && *rated_on && strcmp(rated_on, today) > 0)
		return tdm_fail(err, TDM_EINVAL, "rated_on", "rated_on %s is in the future", rated_on);
	if ((rc = db_begin(db, DB_WRITE, err)))
		return rc;
	struct audit_event ev = {.action = "coping.rate", .object_type = "CopingStrategy"};
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, strategy_id);
	rc = item_patient(db, a, &kinds[K_COPING], strategy_id, patient_id, &ev, err);
	if (!rc) {
		char now[INSTANT_LEN];
		instant_now(now);
		struct stmt *st = db_prepare(db,
			"INSERT INTO coping_rating(strategy_id, effectiveness, note, rated_on, recorded_at, recorded_by)"
			" VALUES (?,?,?,?,?,?) RETURNING id", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, strategy_id);
			db_bind_int(st, 2, effectiveness);
			db_bind_text(st, 3, note && *note ? note : NULL);
			db_bind_text(st, 4, rated_on && *rated_on ? rated_on : today);
			db_bind_text(st, 5, now);
			db_bind_text(st, 6, a->username);
			rc = db_insert_id(st, id, err);
		}
	}
	snprintf(ev.detail, sizeof ev.detail, "effectiveness %d", effectiveness);
	return audit_finish(db, a, rc, &ev, err);
}

enum tdm_status warning_sign_add(struct db *db, const struct actor *a, int64_t patient_id,
				 const char *description, int64_t *id, struct tdm_err *err)
{
	*id = 0;
	enum tdm_status rc = check_text("description", description, 1, RELAPSE_LEN_TEXT, err);
	if (rc)
		return rc;
	struct audit_event ev;
	int open;
	rc = begin_add(db, a, patient_id, &kinds[K_SIGN], "warning_sign.create", &ev, &open, err);
	if (!open)
		return rc;
	if (!rc) {
		char now[INSTANT_LEN];
		instant_now(now);
		struct stmt *st = db_prepare(db,
			"INSERT INTO warning_sign(patient_id, description, recorded_at, recorded_by) VALUES (?,?,?,?)"
			" RETURNING id", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			db_bind_text(st, 2, description);
			db_bind_text(st, 3, now);
			db_bind_text(st, 4, a->username);
			rc = db_insert_id(st, id, err);
		}
	}
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, *id);
	return audit_finish(db, a, rc, &ev, err);
}

enum tdm_status support_contact_add(struct db *db, const struct actor *a, int64_t patient_id, const char *name,
				    const char *relationship, const char *phone, int64_t *id,
				    struct tdm_err *err)
{
	*id = 0;
	enum tdm_status rc = check_text("name", name, 1, TDM_LEN_NAME, err);
	if (!rc)
		rc = check_text("relationship", relationship, 0, RELAPSE_LEN_RELATION, err);
	if (!rc)
		rc = check_text("phone", phone, 0, TDM_LEN_PHONE, err);
	for (const char *p = phone; !rc && p && *p; p++)
		if (!strchr("0123456789+-() .x", *p))
			rc = tdm_fail(err, TDM_EINVAL, "phone", "phone may hold digits, spaces and + - ( ) . x only");
	if (rc)
		return rc;
	struct audit_event ev;
	int open;
	rc = begin_add(db, a, patient_id, &kinds[K_CONTACT], "contact.create", &ev, &open, err);
	if (!open)
		return rc;
	if (!rc) {
		char now[INSTANT_LEN];
		instant_now(now);
		struct stmt *st = db_prepare(db,
			"INSERT INTO support_contact(patient_id, name, relationship, phone, recorded_at, recorded_by)"
			" VALUES (?,?,?,?,?,?) RETURNING id", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			db_bind_text(st, 2, name);
			db_bind_text(st, 3, relationship && *relationship ? relationship : NULL);
			db_bind_text(st, 4, phone && *phone ? phone : NULL);
			db_bind_text(st, 5, now);
			db_bind_text(st, 6, a->username);
			rc = db_insert_id(st, id, err);
		}
	}
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, *id);
	return audit_finish(db, a, rc, &ev, err);
}

enum tdm_status relapse_retire(struct db *db, const struct actor *a, int64_t patient_id, const char *kind,
			       int64_t item_id, const char *reason, struct tdm_err *err)
{
	const struct kind *k = kind_named(kind);
	if (!k)
		return tdm_fail(err, TDM_EINVAL, "kind", "kind must be trigger, coping_strategy, warning_sign or contact");
	if (item_id <= 0)
		return tdm_fail(err, TDM_EINVAL, "id", "id must be a positive id");
	enum tdm_status rc = check_text("reason", reason, 1, TDM_LEN_REASON, err);
	if (rc)
		return rc;
	struct audit_event ev;
	int open;
	rc = patient_open(db, a, patient_id, DB_WRITE, "relapse_item.retire", k->object_type, &ev, &open, err);
	if (!open)
		return rc;
	int64_t owner = 0;
	if (!rc) {
		struct stmt *st = db_prepare(db, k->owner, err);
		int found = 0;
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, item_id);
			rc = db_query_int(st, &owner, &found, err);
		}
		if (!rc && (!found || owner != patient_id))
			rc = tdm_fail(err, TDM_ENOTFOUND, "id", "no %s %" PRId64 " on this chart", k->name, item_id);
	}
	if (!rc) {
		char now[INSTANT_LEN];
		instant_now(now);
		struct stmt *st = db_prepare(db,
			"INSERT INTO relapse_item_retired(kind, item_id, reason, retired_at, retired_by) VALUES (?,?,?,?,?)",
			err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_text(st, 1, k->name);
			db_bind_int(st, 2, item_id);
			db_bind_text(st, 3, reason);
			db_bind_text(st, 4, now);
			db_bind_text(st, 5, a->username);
			rc = db_run(st, err);
			if (rc == TDM_ECONFLICT)
				rc = tdm_fail(err, TDM_ECONFLICT, "id", "%s %" PRId64 " is already retired", k->name, item_id);
		}
	}
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, item_id);
	snprintf(ev.detail, sizeof ev.detail, "%s retired: %.200s", k->name, reason);
	return audit_finish(db, a, rc, &ev, err);
}

/* ---- reading ---- */

#define RETIRED(kind, alias)                                                                   \
	" LEFT JOIN relapse_item_retired r ON r.kind = '" kind "' AND r.item_id = " alias ".id"   \
	" WHERE " alias ".patient_id = ? AND (? = 0 OR r.id IS NULL)"
#define META_COLS ", x.recorded_at, x.recorded_by, r.reason, r.retired_at"

static void read_meta(struct stmt *st, int i, struct relapse_meta *m)
{
	COPY(m->recorded_at, i);
	COPY(m->recorded_by, i + 1);
	m->retired = !db_col_null(st, i + 3);
	COPY(m->retired_reason, i + 2);
	COPY(m->retired_at, i + 3);
}

static void read_trigger(struct stmt *st, void *row)
{
	struct trigger_item *t = row;
	t->id = db_col_int(st, 0);
	COPY(t->category, 1);
	COPY(t->description, 2);
	read_meta(st, 3, &t->m);
}

static void read_coping(struct stmt *st, void *row)
{
	struct coping_item *c = row;
	c->id = db_col_int(st, 0);
	COPY(c->description, 1);
	read_meta(st, 2, &c->m);
}

static void read_sign(struct stmt *st, void *row)
{
	struct warning_sign_item *w = row;
	w->id = db_col_int(st, 0);
	COPY(w->description, 1);
	read_meta(st, 2, &w->m);
}

static void read_contact(struct stmt *st, void *row)
{
	struct contact_item *c = row;
	c->id = db_col_int(st, 0);
	COPY(c->name, 1);
	COPY(c->relationship, 2);
	COPY(c->phone, 3);
	read_meta(st, 4, &c->m);
}

static void read_rating(struct stmt *st, void *row)
{
	struct coping_rating *r = row;
	r->id = db_col_int(st, 0);
	r->strategy_id = db_col_int(st, 1);
	r->effectiveness = (int)db_col_int(st, 2);
	COPY(r->note, 3);
	COPY(r->rated_on, 4);
	COPY(r->recorded_at, 5);
	COPY(r->recorded_by, 6);
}

static enum tdm_status collect(struct db *db, const char *sql, int64_t patient_id, int active_only, size_t sz,
			       void (*read)(struct stmt *, void *), void **rows, int *n, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, sql, err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, patient_id);
	db_bind_int(st, 2, active_only);
	return db_collect(st, sz, RELAPSE_LIST_MAX, read, rows, n, err);
}

static struct coping_item *strategy(struct relapse_plan *p, int64_t id)
{
	for (int i = 0; i < p->n_strategies; i++)
		if (p->strategies[i].id == id)
			return &p->strategies[i];
	return NULL;
}

/* Links and ratings, attached to the strategies read. */
static enum tdm_status load_coping_details(struct db *db, struct relapse_plan *p, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"SELECT ct.strategy_id, ct.trigger_id FROM coping_trigger ct JOIN coping_strategy c ON c.id = ct.strategy_id"
		" WHERE c.patient_id = ? ORDER BY ct.strategy_id, ct.trigger_id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, p->patient_id);
	int r;
	while ((r = db_step(st, err)) == DB_ROW) {
		struct coping_item *c = strategy(p, db_col_int(st, 0));
		if (c && c->n_triggers < COPING_MAX_TRIGGERS)
			c->trigger_ids[c->n_triggers++] = db_col_int(st, 1);
	}
	db_done(st);
	if (r < 0)
		return err->code;
	st = db_prepare(db,
		"SELECT g.id, g.strategy_id, g.effectiveness, COALESCE(g.note, ''), g.rated_on, g.recorded_at,"
		" g.recorded_by FROM coping_rating g JOIN coping_strategy c ON c.id = g.strategy_id"
		" WHERE c.patient_id = ? ORDER BY g.rated_on, g.id LIMIT ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, p->patient_id);
	db_bind_int(st, 2, RELAPSE_LIST_MAX);
	enum tdm_status rc = db_collect(st, sizeof *p->ratings, RELAPSE_LIST_MAX, read_rating, (void **)&p->ratings,
					&p->n_ratings, err);
	double sum[RELAPSE_LIST_MAX] = {0};
	for (int i = 0; !rc && i < p->n_ratings; i++) {
		struct coping_item *c = strategy(p, p->ratings[i].strategy_id);
		if (!c)
			continue;
		c->n_ratings++;
		c->latest = p->ratings[i].effectiveness;
		snprintf(c->latest_on, sizeof c->latest_on, "%s", p->ratings[i].rated_on);
		sum[c - p->strategies] += p->ratings[i].effectiveness;
	}
	for (int i = 0; !rc && i < p->n_strategies; i++)
		if (p->strategies[i].n_ratings)
			p->strategies[i].mean = sum[i] / p->strategies[i].n_ratings;
	return rc;
}

static enum tdm_status load_header(struct db *db, struct relapse_plan *p, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"SELECT p.mrn, v.family_name, v.given_name, COALESCE(v.preferred_name, '') FROM patient p"
		" JOIN patient_version v ON v.patient_id = p.id AND v.is_current = 1 WHERE p.id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, p->patient_id);
	int r = db_step(st, err);
	if (r == DB_ROW) {
		COPY(p->mrn, 0);
		COPY(p->family_name, 1);
		COPY(p->given_name, 2);
		COPY(p->preferred_name, 3);
	}
	db_done(st);
	return r < 0 ? err->code : TDM_OK;
}

enum tdm_status relapse_plan_load(struct db *db, const struct actor *a, int64_t patient_id, int active_only,
				  const char *action, struct relapse_plan *out, struct tdm_err *err)
{
	memset(out, 0, sizeof *out);
	out->patient_id = patient_id;
	instant_now(out->generated_at);
	struct audit_event ev;
	int open;
	enum tdm_status rc = patient_open(db, a, patient_id, DB_AUDITED_READ, action, "RelapsePreventionPlan", &ev,
					  &open, err);
	if (!open)
		return rc;
	if (!rc)
		rc = load_header(db, out, err);
	if (!rc)
		rc = collect(db, "SELECT x.id, x.category, x.description" META_COLS " FROM patient_trigger x"
			     RETIRED("trigger", "x") " ORDER BY x.category, x.id", patient_id, active_only,
			     sizeof *out->triggers, read_trigger, (void **)&out->triggers, &out->n_triggers, err);
	if (!rc)
		rc = collect(db, "SELECT x.id, x.description" META_COLS " FROM coping_strategy x"
			     RETIRED("coping_strategy", "x") " ORDER BY x.id", patient_id, active_only,
			     sizeof *out->strategies, read_coping, (void **)&out->strategies, &out->n_strategies, err);
	if (!rc)
		rc = load_coping_details(db, out, err);
	if (!rc)
		rc = collect(db, "SELECT x.id, x.description" META_COLS " FROM warning_sign x"
			     RETIRED("warning_sign", "x") " ORDER BY x.id", patient_id, active_only,
			     sizeof *out->signs, read_sign, (void **)&out->signs, &out->n_signs, err);
	if (!rc)
		rc = collect(db, "SELECT x.id, x.name, COALESCE(x.relationship, ''), COALESCE(x.phone, '')" META_COLS
			     " FROM support_contact x" RETIRED("contact", "x") " ORDER BY x.id", patient_id, active_only,
			     sizeof *out->contacts, read_contact, (void **)&out->contacts, &out->n_contacts, err);
	snprintf(ev.detail, sizeof ev.detail, "triggers=%d strategies=%d signs=%d contacts=%d", out->n_triggers,
		 out->n_strategies, out->n_signs, out->n_contacts);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc)
		relapse_plan_release(out);
	return rc;
}
