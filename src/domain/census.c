#include "domain/census.h"
#include "domain/audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define VISIBLE(col)                                                                   \
	" (? = 1 OR " col " IN (SELECT site_id FROM user_role WHERE user_id = ?"       \
	" AND revoked_at IS NULL AND (role_bit & ?) <> 0)) AND (? = 0 OR " col " = ?)"

static void bind_visible(struct stmt *st, int first, const struct actor *a, int64_t site)
{
	db_bind_int(st, first, a->all_sites);
	db_bind_int(st, first + 1, a->user_id);
	db_bind_int(st, first + 2, a->route_roles);
	db_bind_int(st, first + 3, site);
	db_bind_int(st, first + 4, site);
}

static enum tdm_status count(struct db *db, const char *sql, const struct actor *a, int64_t site,
			     const char *since, int64_t *out, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, sql, err);
	if (!st)
		return err->code;
	db_bind_text(st, 1, since);
	bind_visible(st, 2, a, site);
	int found;
	return db_query_int(st, out, &found, err);
}

/* The counting queries, inside the caller's transaction on rdb. */
static enum tdm_status count_census(struct db *rdb, const struct actor *a, int64_t site_id,
				    struct census *out, struct tdm_err *err)
{
	enum tdm_status rc = TDM_OK;
	struct stmt *st = db_prepare(rdb,
		"SELECT pl.level, COUNT(*) FROM episode e JOIN placement pl ON pl.id ="
		" (SELECT MAX(id) FROM placement WHERE episode_id = e.id)"
		" WHERE NOT EXISTS (SELECT 1 FROM discharge d WHERE d.episode_id = e.id) AND"
		VISIBLE("e.site_id") " GROUP BY pl.level", err);
	if (!st)
		return err->code;
	bind_visible(st, 1, a, site_id);
	int s;
	while ((s = db_step(st, err)) == DB_ROW) {
		const char *lv = db_col_text(st, 0);
		int64_t c = db_col_int(st, 1);
		out->total += c;
		for (int i = 0; i < out->n_levels; i++)
			if (!strcmp(out->levels[i].level, lv))
				out->levels[i].patients = c;
	}
	if (s < 0)
		rc = err->code;
	db_done(st);
	char since[DATE_LEN];
	date_add_days(out->as_of, -30, since);
	if (!rc)
		rc = count(rdb, "SELECT COUNT(*) FROM episode e WHERE e.admitted_on > ? AND"
			   VISIBLE("e.site_id"), a, site_id, since, &out->admissions_30d, err);
	if (!rc)
		rc = count(rdb, "SELECT COUNT(*) FROM discharge d JOIN episode e ON e.id = d.episode_id"
			   " WHERE d.discharged_on > ? AND" VISIBLE("e.site_id"),
			   a, site_id, since, &out->discharges_30d, err);
	return rc;
}

static void census_reset(struct census *out, int64_t site_id)
{
	memset(out, 0, sizeof *out);
	date_today(out->as_of);
	out->site_id = site_id;
	for (int i = 0; i < level_count() && i < LEVEL_MAX; i++) {
		snprintf(out->levels[i].level, sizeof out->levels[i].level, "%s", level_at(i)->id);
		snprintf(out->levels[i].label, sizeof out->levels[i].label, "%s", level_at(i)->label);
		out->n_levels++;
	}
}

enum tdm_status census_get(struct db *db, struct db *replica, const struct actor *a,
			   int64_t site_id, struct census *out, struct tdm_err *err)
{
	enum tdm_status rc = TDM_OK;
	census_reset(out, site_id);
	if (site_id && !access_at(a, site_id))
		rc = tdm_fail(err, TDM_ENOTFOUND, "site", "no site %" PRId64, site_id);
	int counted = 0;
	if (!rc && replica && replica != db) {
		/* Count on the replica; a replica that is down or lagging out of
		 * reach falls back to the primary. */
		if (db_begin(replica, DB_READ, err) == TDM_OK) {
			counted = count_census(replica, a, site_id, out, err) == TDM_OK;
			db_rollback(replica);
		}
		if (!counted)
			census_reset(out, site_id);
		out->from_replica = counted;
	}
	enum tdm_status rc2 = db_begin(db, DB_AUDITED_READ, err);
	if (rc2)
		return rc2;
	if (!rc && !counted)
		rc = count_census(db, a, site_id, out, err);
	struct audit_event ev = {.action = "census.read", .object_type = "Census", .site_id = site_id};
	snprintf(ev.detail, sizeof ev.detail, "total=%" PRId64 "%s", out->total,
		 out->from_replica ? " (replica)" : "");
	return audit_finish(db, a, rc, &ev, err);
}

/* Counts by day: "SELECT day, COUNT(*) ... GROUP BY day" into out->days. */
static enum tdm_status per_day(struct db *rdb, const char *sql, const struct actor *a,
			       int64_t site, const char *since, struct census_daily *out,
			       int which, struct tdm_err *err)
{
	struct stmt *st = db_prepare(rdb, sql, err);
	if (!st)
		return err->code;
	db_bind_text(st, 1, since);
	bind_visible(st, 2, a, site);
	int s;
	while ((s = db_step(st, err)) == DB_ROW) {
		const char *day = db_col_text(st, 0);
		for (int i = 0; i < out->n_days; i++) {
			if (strcmp(out->days[i].date, day))
				continue;
			if (which)
				out->days[i].discharges = db_col_int(st, 1);
			else
				out->days[i].admissions = db_col_int(st, 1);
		}
	}
	db_done(st);
	return s < 0 ? err->code : TDM_OK;
}

static enum tdm_status count_daily(struct db *rdb, const struct actor *a, int64_t site,
				   struct census_daily *out, struct tdm_err *err)
{
	char since[DATE_LEN];
	int64_t admitted = 0, discharged = 0;
	/* "since" is the day before the window: totals up to it, then day by day. */
	date_add_days(out->as_of, -out->n_days, since);
	enum tdm_status rc = count(rdb, "SELECT COUNT(*) FROM episode e WHERE e.admitted_on <= ? AND"
				   VISIBLE("e.site_id"), a, site, since, &admitted, err);
	if (!rc)
		rc = count(rdb, "SELECT COUNT(*) FROM discharge d JOIN episode e ON e.id = d.episode_id"
			   " WHERE d.discharged_on <= ? AND" VISIBLE("e.site_id"), a, site, since,
			   &discharged, err);
	if (!rc)
		rc = per_day(rdb, "SELECT e.admitted_on, COUNT(*) FROM episode e WHERE e.admitted_on > ?"
			     " AND" VISIBLE("e.site_id") " GROUP BY e.admitted_on", a, site, since, out, 0, err);
	if (!rc)
		rc = per_day(rdb, "SELECT d.discharged_on, COUNT(*) FROM discharge d JOIN episode e"
			     " ON e.id = d.episode_id WHERE d.discharged_on > ? AND" VISIBLE("e.site_id")
			     " GROUP BY d.discharged_on", a, site, since, out, 1, err);
	for (int i = 0; !rc && i < out->n_days; i++) {
		admitted += out->days[i].admissions;
		discharged += out->days[i].discharges;
		out->days[i].in_care = admitted - discharged;
	}
	return rc;
}

static void daily_reset(struct census_daily *out, int64_t site_id, int days)
{
	memset(out, 0, sizeof *out);
	date_today(out->as_of);
	out->site_id = site_id;
	out->n_days = days;
	for (int i = 0; i < days; i++)
		date_add_days(out->as_of, i - days + 1, out->days[i].date);
}

enum tdm_status census_daily(struct db *db, struct db *replica, const struct actor *a,
			     int64_t site_id, int days, struct census_daily *out,
			     struct tdm_err *err)
{
	enum tdm_status rc = TDM_OK;
	if (days < 1 || days > CENSUS_MAX_DAYS)
		return tdm_fail(err, TDM_EINVAL, "days", "days must be 1 to %d", CENSUS_MAX_DAYS);
	daily_reset(out, site_id, days);
	if (site_id && !access_at(a, site_id))
		rc = tdm_fail(err, TDM_ENOTFOUND, "site", "no site %" PRId64, site_id);
	int counted = 0;
	if (!rc && replica && replica != db) {
		if (db_begin(replica, DB_READ, err) == TDM_OK) {
			counted = count_daily(replica, a, site_id, out, err) == TDM_OK;
			db_rollback(replica);
		}
		if (!counted)
			daily_reset(out, site_id, days);
		out->from_replica = counted;
	}
	enum tdm_status rc2 = db_begin(db, DB_AUDITED_READ, err);
	if (rc2)
		return rc2;
	if (!rc && !counted)
		rc = count_daily(db, a, site_id, out, err);
	struct audit_event ev = {.action = "census.daily", .object_type = "Census", .site_id = site_id};
	snprintf(ev.detail, sizeof ev.detail, "days=%d%s", days, out->from_replica ? " (replica)" : "");
	return audit_finish(db, a, rc, &ev, err);
}
