#include "domain/therapy.h"
#include "util/conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct therapy_config cfg;

static struct {
	char id[THERAPY_LEN_MODALITY + 1];
	char label[THERAPY_LEN_LABEL + 1];
} modalities[THERAPY_MAX_MODALITIES];
static int n_modalities;

/* "site.room" or "room" (every site). */
static char rooms[THERAPY_MAX_ROOMS][TDM_LEN_CODE + THERAPY_LEN_ROOM + 2];
static int n_rooms;

static char crisis[THERAPY_MAX_CRISIS][THERAPY_LEN_LABEL * 2];
static int n_crisis;

static void defaults(void)
{
	cfg.min_minutes = 15;
	cfg.max_minutes = 240;
	cfg.max_group_size = 15;
	cfg.max_family_patients = 6;
	cfg.max_series_sessions = 52;
	cfg.max_days_back = 30;
	cfg.max_days_ahead = 366;
	cfg.consecutive_unexcused_alert = 2;
	cfg.unsigned_after_hours = 24;
}

/* An identifier of [a-z0-9_-], 1..max characters. */
static int ident_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (!n || n > max)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static int parse_setting(const char *v, int lo, int hi, int *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (end == v || *end || errno || n < lo || n > hi)
		return -1;
	*out = (int)n;
	return 0;
}

static int setting(const struct conf_entry *e)
{
	static const struct {
		const char *section, *key;
		int lo, hi;
		int *dst;
	} known[] = {
		{"session", "min_minutes", 5, 600, &cfg.min_minutes},
		{"session", "max_minutes", 5, 600, &cfg.max_minutes},
		{"session", "max_group_size", 2, THERAPY_GROUP_CEILING, &cfg.max_group_size},
		{"session", "max_family_patients", 1, THERAPY_GROUP_CEILING, &cfg.max_family_patients},
		{"session", "max_series_sessions", 1, THERAPY_SERIES_CEILING, &cfg.max_series_sessions},
		{"session", "max_days_back", 0, 3660, &cfg.max_days_back},
		{"session", "max_days_ahead", 1, 3660, &cfg.max_days_ahead},
		{"attendance", "consecutive_unexcused_alert", 1, 50, &cfg.consecutive_unexcused_alert},
		{"notes", "unsigned_after_hours", 1, 24 * 90, &cfg.unsigned_after_hours},
	};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (!strcmp(e->section, known[i].section) && !strcmp(e->key, known[i].key))
			return parse_setting(e->value, known[i].lo, known[i].hi, known[i].dst);
	return -1;
}

static int add_room(const struct conf_entry *e)
{
	const char *dot = strchr(e->key, '.');
	char site[TDM_LEN_CODE + 1] = "";
	const char *room = e->key;
	if (dot) {
		if (dot == e->key || (size_t)(dot - e->key) > TDM_LEN_CODE)
			return -1;
		memcpy(site, e->key, (size_t)(dot - e->key));
		site[dot - e->key] = '\0';
		room = dot + 1;
	}
	if (n_rooms == THERAPY_MAX_ROOMS || !ident_ok(room, THERAPY_LEN_ROOM) || (dot && !ident_ok(site, TDM_LEN_CODE)))
		return -1;
	snprintf(rooms[n_rooms++], sizeof rooms[0], "%s", e->key);
	return 0;
}

enum tdm_status therapy_load(const char *dir, struct tdm_err *err)
{
	char path[512];
	struct conf c;
	defaults();
	n_modalities = n_rooms = n_crisis = 0;
	snprintf(path, sizeof path, "%s/therapy.conf", dir);
	enum tdm_status rc = conf_load(&c, path, err);
	if (rc)
		return rc;
	for (int i = 0; i < c.n && !rc; i++) {
		const struct conf_entry *e = &c.e[i];
		int bad = 0;
		if (!strcmp(e->section, "modality")) {
			bad = n_modalities == THERAPY_MAX_MODALITIES || !ident_ok(e->key, THERAPY_LEN_MODALITY) ||
			      strlen(e->value) > THERAPY_LEN_LABEL || therapy_modality_known(e->key);
			if (!bad) {
				snprintf(modalities[n_modalities].id, sizeof modalities[0].id, "%s", e->key);
				snprintf(modalities[n_modalities++].label, sizeof modalities[0].label, "%s", e->value);
			}
		} else if (!strcmp(e->section, "room")) {
			bad = add_room(e);
		} else if (!strcmp(e->section, "crisis")) {
			bad = strcmp(e->key, "line") || n_crisis == THERAPY_MAX_CRISIS;
			if (!bad)
				snprintf(crisis[n_crisis++], sizeof crisis[0], "%s", e->value);
		} else if (!strcmp(e->section, "session") || !strcmp(e->section, "attendance") ||
			   !strcmp(e->section, "notes")) {
			bad = setting(e);
		}
		if (bad)
			rc = tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: bad entry '%s'", path, e->line, e->key);
	}
	conf_release(&c);
	if (!rc && !n_modalities)
		rc = tdm_fail(err, TDM_EINVAL, NULL, "%s: [modality] lists no modality", path);
	if (!rc && cfg.min_minutes > cfg.max_minutes)
		rc = tdm_fail(err, TDM_EINVAL, NULL, "%s: min_minutes is above max_minutes", path);
	return rc;
}

const struct therapy_config *therapy_config(void)
{
	return &cfg;
}

int therapy_modality_known(const char *id)
{
	return therapy_modality_label(id) != NULL;
}

const char *therapy_modality_label(const char *id)
{
	for (int i = 0; id && i < n_modalities; i++)
		if (!strcmp(modalities[i].id, id))
			return modalities[i].label;
	return NULL;
}

int therapy_modality_count(void)
{
	return n_modalities;
}

const char *therapy_modality_at(int i)
{
	return i >= 0 && i < n_modalities ? modalities[i].id : NULL;
}

int therapy_room_known(const char *site_code, const char *room)
{
	char full[sizeof rooms[0] + 8];
	if (!room || !ident_ok(room, THERAPY_LEN_ROOM))
		return 0;
	snprintf(full, sizeof full, "%s.%s", site_code ? site_code : "", room);
	for (int i = 0; i < n_rooms; i++)
		if (!strcmp(rooms[i], room) || !strcmp(rooms[i], full))
			return 1;
	return 0;
}

int therapy_crisis_count(void)
{
	return n_crisis;
}

const char *therapy_crisis_at(int i)
{
	return i >= 0 && i < n_crisis ? crisis[i] : NULL;
}

static int num(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int therapy_parse_time(const char *s, time_t *out)
{
	char day[DATE_LEN];
	int y, mo, d, h, mi, se = 0, oh = 0, om = 0, sign = 0;
	size_t n = s ? strlen(s) : 0;
	if (n < 17 || n > 25 || s[10] != 'T')
		return -1;
	memcpy(day, s, 10);
	day[10] = '\0';
	if (date_parse(day, &y, &mo, &d) || num(s + 11, 2, &h) || s[13] != ':' || num(s + 14, 2, &mi))
		return -1;
	const char *p = s + 16;
	if (*p == ':') {
		if (num(p + 1, 2, &se))
			return -1;
		p += 3;
	}
	if (!strcmp(p, "Z")) {
		sign = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':' && !num(p + 1, 2, &oh) &&
		   !num(p + 4, 2, &om)) {
		sign = *p == '+' ? 1 : -1;
		if (oh > 14 || om > 59)
			return -1;
	} else {
		return -1;
	}
	if (h > 23 || mi > 59 || se > 59)
		return -1;
	int64_t t = date_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - sign * (oh * 3600 + om * 60);
	*out = (time_t)t;
	return 0;
}

int therapy_local_midnight(const char *day, time_t *out)
{
	int y, m, d;
	if (date_parse(day, &y, &m, &d))
		return -1;
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = t;
	return 0;
}

enum tdm_status therapy_audit_finish(struct db *db, const struct actor *a, enum tdm_status rc,
				     struct audit_event *ev, const int64_t *ids, int n,
				     struct tdm_err *err)
{
	if (rc || n <= 1) {
		ev->patient_id = n > 0 ? ids[0] : 0;
		return audit_finish(db, a, rc, ev, err);
	}
	for (int i = 0; i < n - 1 && !rc; i++) {
		struct audit_event one = *ev;
		one.patient_id = ids[i];
		one.outcome = ev->outcome ? ev->outcome : "ok";
		rc = audit_append(db, a, &one, err);
	}
	ev->patient_id = ids[n - 1];
	if (rc) {
		db_rollback(db);
		return rc;
	}
	return audit_finish(db, a, rc, ev, err);
}

enum tdm_status therapy_username(struct db *db, int64_t user_id, char *out, size_t n,
				 struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, "SELECT username FROM app_user WHERE id = ?", err);
	out[0] = '\0';
	if (!st)
		return err->code;
	db_bind_int(st, 1, user_id);
	int s = db_step(st, err);
	if (s == DB_ROW)
		snprintf(out, n, "%s", db_col_text(st, 0));
	db_done(st);
	return s < 0 ? err->code : TDM_OK;
}
