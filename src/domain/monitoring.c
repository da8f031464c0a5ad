/*
 * monitoring.c - due and overdue monitoring per medication order, from
 * data/monitoring.conf, the orders (med_order, med_order_event) and the
 * latest matching result. A clinic-wide list costs three queries whatever
 * the number of patients.
 */
#include "domain/monitoring.h"
#include "domain/audit.h"
#include "domain/patient.h"
#include "util/conf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ORDERS 50000
#define MAX_LATEST 200000

static struct {
	struct monitor_rule rules[MONITOR_MAX_RULES];
	int n;
	int lead_days;
} M;

/* ---- configuration ---- */

static int parse_days(const char *s, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || *end || errno || v < 0 || v > 3650)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_yes(const char *s, int *out)
{
	if (!strcmp(s, "yes"))
		*out = 1;
	else if (!strcmp(s, "no"))
		*out = 0;
	else
		return -1;
	return 0;
}

struct labs {
	char codes[64][32];
	int n;
};

static int lab_known(const struct labs *l, const char *code)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->codes[i], code))
			return 1;
	return 0;
}

static enum tdm_status load_labs(const char *dir, struct labs *l, struct tdm_err *err)
{
	char path[512];
	struct conf c;
	memset(l, 0, sizeof *l);
	snprintf(path, sizeof path, "%s/results.conf", dir);
	enum tdm_status rc = conf_load(&c, path, err);
	if (rc)
		return rc;
	for (int i = 0; i < c.n; i++)
		if (!strcmp(c.e[i].section, "lab") && l->n < 64 && strlen(c.e[i].key) < sizeof l->codes[0])
			snprintf(l->codes[l->n++], sizeof l->codes[0], "%s", c.e[i].key);
	conf_release(&c);
	return TDM_OK;
}

static int rule_entry(struct monitor_rule *r, const char *k, const char *v)
{
	if (!strcmp(k, "medication")) {
		const struct medication *m = formulary_find(v);
		if (!m)
			return -1;
		snprintf(r->medication, sizeof r->medication, "%s", m->id);
	} else if (!strcmp(k, "kind")) {
		if (strcmp(v, "ecg") && strcmp(v, "lab") && strcmp(v, "uds"))
			return -1;
		snprintf(r->kind, sizeof r->kind, "%s", v);
	} else if (!strcmp(k, "code")) {
		if (r->n_codes == MONITOR_MAX_CODES || strlen(v) >= sizeof r->codes[0])
			return -1;
		snprintf(r->codes[r->n_codes++], sizeof r->codes[0], "%s", v);
	} else if (!strcmp(k, "what")) {
		if (strlen(v) >= sizeof r->what)
			return -1;
		snprintf(r->what, sizeof r->what, "%s", v);
	} else if (!strcmp(k, "source")) {
		snprintf(r->source, sizeof r->source, "%s", v);
	} else if (!strcmp(k, "baseline")) {
		return parse_yes(v, &r->baseline);
	} else if (!strcmp(k, "restart_on_dose_change")) {
		return parse_yes(v, &r->restart_on_change);
	} else if (!strcmp(k, "baseline_lookback_days")) {
		return parse_days(v, &r->lookback_days);
	} else if (!strcmp(k, "first_within_days")) {
		return parse_days(v, &r->first_days);
	} else if (!strcmp(k, "every_days")) {
		return parse_days(v, &r->every_days);
	} else {
		return -1;
	}
	return 0;
}

/* A complete rule: kind and codes agree with data/results.conf. */
static const char *rule_problem(const struct monitor_rule *r, const struct labs *l)
{
	if (!r->medication[0] || !r->kind[0] || !r->what[0] || !r->source[0])
		return "needs medication, kind, what and source";
	if (!strcmp(r->kind, "uds") && r->n_codes)
		return "a drug screen rule has no code";
	if (!strcmp(r->kind, "ecg") && (r->n_codes != 1 || strcmp(r->codes[0], "qtc")))
		return "an ecg rule has code qtc";
	if (!strcmp(r->kind, "lab")) {
		if (!r->n_codes)
			return "a lab rule needs a code";
		for (int i = 0; i < r->n_codes; i++)
			if (!lab_known(l, r->codes[i]))
				return "a lab code is not in results.conf [lab]";
	}
	if (!r->baseline && !r->first_days && !r->every_days)
		return "nothing is ever due (baseline, first_within_days and every_days all off)";
	return NULL;
}

enum tdm_status monitoring_load(const char *dir, struct tdm_err *err)
{
	char path[512];
	struct conf c;
	struct labs labs;
	memset(&M, 0, sizeof M);
	M.lead_days = 14;
	enum tdm_status rc = load_labs(dir, &labs, err);
	if (rc)
		return rc;
	snprintf(path, sizeof path, "%s/monitoring.conf", dir);
	rc = conf_load(&c, path, err);
	if (rc)
		return rc;
	struct monitor_rule *cur = NULL;
	for (int i = 0; i < c.n && !rc; i++) {
		const struct conf_entry *e = &c.e[i];
		int bad;
		if (!strcmp(e->section, "settings")) {
			bad = strcmp(e->key, "lead_days") || parse_days(e->value, &M.lead_days);
		} else {
			if (!cur || strcmp(cur->id, e->section)) {
				for (int j = 0; j < M.n && !rc; j++)
					if (!strcmp(M.rules[j].id, e->section))
						rc = tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: rule [%s] appears twice", path,
							      e->line, e->section);
				if (rc)
					break;
				if (M.n == MONITOR_MAX_RULES) {
					rc = tdm_fail(err, TDM_EINVAL, NULL, "%s: more than %d rules", path, MONITOR_MAX_RULES);
					break;
				}
				cur = &M.rules[M.n++];
				snprintf(cur->id, sizeof cur->id, "%s", e->section);
			}
			bad = rule_entry(cur, e->key, e->value);
		}
		if (bad)
			rc = tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: bad entry '%s' in [%s]", path, e->line, e->key,
				      e->section);
	}
	conf_release(&c);
	for (int i = 0; !rc && i < M.n; i++) {
		const char *why = rule_problem(&M.rules[i], &labs);
		if (why)
			rc = tdm_fail(err, TDM_EINVAL, NULL, "%s: rule [%s]: %s", path, M.rules[i].id, why);
	}
	if (rc)
		M.n = 0;
	return rc;
}

int monitoring_rule_count(void)
{
	return M.n;
}

const struct monitor_rule *monitoring_rule_at(int i)
{
	return i >= 0 && i < M.n ? &M.rules[i] : NULL;
}

int monitoring_lead_days(void)
{
	return M.lead_days;
}

/* ---- the schedule ---- */

static int day_num(const char *s, int64_t *out)
{
	int y, m, d;
	if (!s || date_parse(s, &y, &m, &d))
		return -1;
	*out = date_days(y, m, d);
	return 0;
}

void monitoring_schedule(const struct monitor_rule *r, const char *anchor, const char *last,
			 const char *today, struct monitor_item *out)
{
	int64_t a, l = 0, t, due = 0;
	int has_last = last && !day_num(last, &l), has_due = 1;
	const char *stage;
	snprintf(out->last_done, sizeof out->last_done, "%s", has_last ? last : "");
	if (day_num(anchor, &a) || day_num(today, &t)) {
		out->due_on[0] = '\0';
		snprintf(out->stage, sizeof out->stage, "done");
		snprintf(out->status, sizeof out->status, "ok");
		return;
	}
	/* A result counts from the baseline look-back before the anchor on. */
	int counts = has_last && l >= a - (r->baseline ? r->lookback_days : 0);
	if (!counts) {
		stage = r->baseline ? "baseline" : r->first_days ? "first" : "periodic";
		due = r->baseline ? a : a + (r->first_days ? r->first_days : r->every_days);
	} else if (l <= a && r->first_days) {
		stage = "first";
		due = a + r->first_days;
	} else if (r->every_days) {
		stage = "periodic";
		due = l + r->every_days;
	} else {
		stage = "done";
		has_due = 0;
	}
	snprintf(out->stage, sizeof out->stage, "%s", stage);
	if (has_due)
		date_from_days(due, out->due_on);
	else
		out->due_on[0] = '\0';
	const char *status = !has_due ? "ok" : t > due ? "overdue" : due - t <= M.lead_days ? "due" : "ok";
	snprintf(out->status, sizeof out->status, "%s", status);
}

/* ---- reading orders and results ---- */

struct mon_order {
	int64_t id, patient_id, site_id;
	char medication[MED_ID_LEN];
	char start_on[DATE_LEN];
	char changed_on[DATE_LEN];   /* latest dose change by today, "" none */
	char mrn[TDM_LEN_MRN + 1];
	char family_name[TDM_LEN_NAME + 1];
	char given_name[TDM_LEN_NAME + 1];
};

struct latest {
	int64_t patient_id;
	char kind[16];
	char code[32];
	char day[DATE_LEN];          /* clinic-local day of the latest taken_at */
};

#define COPY(dst, i) snprintf(dst, sizeof dst, "%s", db_col_text(st, i))

static void read_order(struct stmt *st, void *row)
{
	struct mon_order *o = row;
	o->id = db_col_int(st, 0);
	o->patient_id = db_col_int(st, 1);
	o->site_id = db_col_int(st, 2);
	COPY(o->medication, 3);
	COPY(o->start_on, 4);
	COPY(o->changed_on, 5);
	COPY(o->mrn, 6);
	COPY(o->family_name, 7);
	COPY(o->given_name, 8);
}

static void read_latest(struct stmt *st, void *row)
{
	struct latest *l = row;
	time_t t;
	l->patient_id = db_col_int(st, 0);
	COPY(l->kind, 1);
	COPY(l->code, 2);
	if (instant_parse(db_col_text(st, 3), &t))
		snprintf(l->day, sizeof l->day, "%.10s", db_col_text(st, 3));
	else
		date_local_day(t, l->day);
}

/* Patient p (0: all), site s (0: all visible), the actor's visible sites. */
#define SCOPE(col)                                                                           \
	" AND (? = 0 OR " col ".patient_id = ?) AND (? = 0 OR p.site_id = ?)"                \
	" AND (? = 1 OR p.site_id IN (SELECT site_id FROM user_role WHERE user_id = ?"        \
	" AND revoked_at IS NULL AND (role_bit & ?) <> 0))"

static void bind_scope(struct stmt *st, int first, const struct actor *a, int64_t pid, int64_t site)
{
	db_bind_int(st, first, pid);
	db_bind_int(st, first + 1, pid);
	db_bind_int(st, first + 2, site);
	db_bind_int(st, first + 3, site);
	db_bind_int(st, first + 4, a->all_sites);
	db_bind_int(st, first + 5, a->user_id);
	db_bind_int(st, first + 6, a->route_roles);
}

static enum tdm_status load_orders(struct db *db, const struct actor *a, int64_t pid, int64_t site,
				   const char *today, struct mon_order **rows, int *n, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"SELECT o.id, o.patient_id, p.site_id, o.medication, o.start_on, COALESCE((SELECT"
		" MAX(e.effective_on) FROM med_order_event e WHERE e.order_id = o.id AND e.kind = 'change'"
		" AND e.effective_on <= ?), ''), p.mrn, v.family_name, v.given_name FROM med_order o"
		" JOIN patient p ON p.id = o.patient_id"
		" JOIN patient_version v ON v.patient_id = p.id AND v.is_current = 1"
		" WHERE NOT EXISTS (SELECT 1 FROM med_order_event e WHERE e.order_id = o.id"
		" AND e.kind = 'discontinue' AND e.effective_on <= ?) AND (o.stop_on IS NULL OR o.stop_on >= ?)"
		SCOPE("o") " ORDER BY o.patient_id, o.id", err);
	if (!st)
		return err->code;
	db_bind_text(st, 1, today);
	db_bind_text(st, 2, today);
	db_bind_text(st, 3, today);
	bind_scope(st, 4, a, pid, site);
	return db_collect(st, sizeof **rows, MAX_ORDERS, read_order, (void **)rows, n, err);
}

static enum tdm_status load_latest(struct db *db, const struct actor *a, int64_t pid, int64_t site,
				   struct latest **rows, int *n, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"SELECT r.patient_id, r.kind, COALESCE(r.code, ''), MAX(r.taken_at) FROM result r"
		" JOIN patient p ON p.id = r.patient_id WHERE r.kind IN ('ecg', 'lab', 'uds')"
		" AND NOT EXISTS (SELECT 1 FROM result_status s WHERE s.result_id = r.id)" SCOPE("r")
		" GROUP BY r.patient_id, r.kind, COALESCE(r.code, '') ORDER BY r.patient_id", err);
	if (!st)
		return err->code;
	bind_scope(st, 1, a, pid, site);
	return db_collect(st, sizeof **rows, MAX_LATEST, read_latest, (void **)rows, n, err);
}

/* The latest result day of a rule's kind and codes for a patient, among the
 * rows lat[lo..hi) of that patient. "" when none. */
static const char *latest_for(const struct monitor_rule *r, const struct latest *lat, int lo, int hi)
{
	const char *best = "";
	for (int i = lo; i < hi; i++) {
		if (strcmp(lat[i].kind, r->kind))
			continue;
		int match = !r->n_codes;
		for (int c = 0; c < r->n_codes; c++)
			match |= !strcmp(lat[i].code, r->codes[c]);
		if (match && strcmp(lat[i].day, best) > 0)
			best = lat[i].day;
	}
	return best;
}

static int by_due(const void *x, const void *y)
{
	const struct monitor_item *a = x, *b = y;
	int ra = !strcmp(a->status, "overdue") ? 0 : !strcmp(a->status, "due") ? 1 : 2;
	int rb = !strcmp(b->status, "overdue") ? 0 : !strcmp(b->status, "due") ? 1 : 2;
	if (ra != rb)
		return ra - rb;
	if (!a->due_on[0] != !b->due_on[0])
		return !a->due_on[0] - !b->due_on[0];
	int c = strcmp(a->due_on, b->due_on);
	if (c)
		return c;
	return a->patient_id < b->patient_id ? -1 : a->patient_id > b->patient_id;
}

/* Builds the items: every one (all = 1) or only due and overdue ones. */
static enum tdm_status build(const struct mon_order *o, int n_o, const struct latest *lat, int n_l,
			     const char *today, int all, struct monitor_item **rows, int *n, int *truncated,
			     struct tdm_err *err)
{
	int cap = 0, lo = 0;
	*rows = NULL;
	*n = 0;
	*truncated = 0;
	for (int i = 0; i < n_o; i++) {
		/* results and orders are both sorted by patient */
		while (lo < n_l && lat[lo].patient_id < o[i].patient_id)
			lo++;
		int hi = lo;
		while (hi < n_l && lat[hi].patient_id == o[i].patient_id)
			hi++;
		for (int r = 0; r < M.n; r++) {
			const struct monitor_rule *rule = &M.rules[r];
			if (strcmp(rule->medication, o[i].medication))
				continue;
			struct monitor_item it;
			memset(&it, 0, sizeof it);
			const char *anchor = rule->restart_on_change && strcmp(o[i].changed_on, o[i].start_on) > 0
						     ? o[i].changed_on : o[i].start_on;
			monitoring_schedule(rule, anchor, latest_for(rule, lat, lo, hi), today, &it);
			if (!all && !strcmp(it.status, "ok"))
				continue;
			if (*n == MONITOR_MAX_ITEMS) {
				*truncated = 1;
				continue;
			}
			it.rule = rule;
			it.order_id = o[i].id;
			it.patient_id = o[i].patient_id;
			it.site_id = o[i].site_id;
			snprintf(it.anchor_on, sizeof it.anchor_on, "%s", anchor);
			memcpy(it.mrn, o[i].mrn, sizeof it.mrn);
			memcpy(it.family_name, o[i].family_name, sizeof it.family_name);
			memcpy(it.given_name, o[i].given_name, sizeof it.given_name);
			if (*n == cap) {
				cap = cap ? cap * 2 : 16;
				struct monitor_item *nr = realloc(*rows, (size_t)cap * sizeof *nr);
				if (!nr) {
					free(*rows);
					*rows = NULL;
					*n = 0;
					return tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
				}
				*rows = nr;
			}
			(*rows)[(*n)++] = it;
		}
	}
	if (*n > 1)
		qsort(*rows, (size_t)*n, sizeof **rows, by_due);
	return TDM_OK;
}

static enum tdm_status collect(struct db *db, const struct actor *a, int64_t pid, int64_t site, int all,
			       struct monitor_item **rows, int *n, int *truncated, struct tdm_err *err)
{
	char today[DATE_LEN];
	struct mon_order *o = NULL;
	struct latest *lat = NULL;
	int n_o = 0, n_l = 0;
	date_today(today);
	enum tdm_status rc = load_orders(db, a, pid, site, today, &o, &n_o, err);
	if (!rc && n_o)
		rc = load_latest(db, a, pid, site, &lat, &n_l, err);
	if (!rc)
		rc = build(o, n_o, lat, n_l, today, all, rows, n, truncated, err);
	if (!rc && (n_o == MAX_ORDERS || n_l == MAX_LATEST))
		*truncated = 1; /* more than the caps: the list is incomplete */
	free(o);
	free(lat);
	return rc;
}

enum tdm_status monitoring_patient(struct db *db, const struct actor *a, int64_t patient_id,
				   struct monitor_item **rows, int *n, struct tdm_err *err)
{
	struct audit_event ev;
	int open, truncated = 0;
	*rows = NULL;
	*n = 0;
	enum tdm_status rc = patient_open(db, a, patient_id, DB_AUDITED_READ, "monitoring.read", "Monitoring", &ev,
					  &open, err);
	if (!open)
		return rc;
	if (!rc) {
		/* patient_open checked the site; the scope's site test then passes. */
		struct actor all = *a;
		all.all_sites = 1;
		rc = collect(db, &all, patient_id, 0, 1, rows, n, &truncated, err);
	}
	snprintf(ev.detail, sizeof ev.detail, "items=%d", *n);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}

enum tdm_status monitoring_clinic(struct db *db, const struct actor *a, int64_t site_id,
				  struct monitor_item **rows, int *n, int *truncated,
				  struct tdm_err *err)
{
	*rows = NULL;
	*n = 0;
	*truncated = 0;
	enum tdm_status rc = TDM_OK;
	if (site_id && !access_at(a, site_id))
		rc = tdm_fail(err, TDM_ENOTFOUND, "site", "no site %" PRId64, site_id);
	enum tdm_status rc2 = db_begin(db, DB_AUDITED_READ, err);
	if (rc2)
		return rc2;
	if (!rc)
		rc = collect(db, a, 0, site_id, 0, rows, n, truncated, err);
	struct audit_event ev = {.action = "monitoring.list", .object_type = "Monitoring", .site_id = site_id};
	snprintf(ev.detail, sizeof ev.detail, "items=%d%s", *n, *truncated ? " (truncated)" : "");
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}
