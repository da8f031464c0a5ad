#include "domain/patient.h"
#include "domain/account.h"
#include "domain/audit.h"
#include "domain/diagnosis.h"
#include "domain/episode.h"
#include "domain/icd10.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- validation ---- */

static int has_ctrl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static enum tdm_status check_text(const char *field, const char *v, int required,
				  struct tdm_err *err)
{
	if (required && !v[0])
		return tdm_fail(err, TDM_EINVAL, field, "%s is required", field);
	if (has_ctrl(v))
		return tdm_fail(err, TDM_EINVAL, field, "%s must not contain control characters", field);
	if (v[0] && (isspace((unsigned char)v[0]) || isspace((unsigned char)v[strlen(v) - 1])))
		return tdm_fail(err, TDM_EINVAL, field, "%s must not start or end with spaces", field);
	return TDM_OK;
}

static enum tdm_status check_phone(const char *field, const char *v, struct tdm_err *err)
{
	int digits = 0;
	for (const char *s = v; *s; s++) {
		if (isdigit((unsigned char)*s))
			digits++;
		else if (!strchr(" +-().", *s))
			return tdm_fail(err, TDM_EINVAL, field,
					"%s may hold digits, spaces and + - ( ) . only", field);
	}
	if (v[0] && (digits < 3 || digits > 20))
		return tdm_fail(err, TDM_EINVAL, field, "%s must have 3 to 20 digits", field);
	return TDM_OK;
}

static enum tdm_status check_language(const char *v, struct tdm_err *err)
{
	/* BCP 47 shape: 2-3 letters, then -subtags of 1-8 letters/digits. */
	size_t i = 0, seg = 0;
	if (!v[0])
		return TDM_OK;
	while (isalpha((unsigned char)v[i]))
		i++;
	int ok = i >= 2 && i <= 3;
	while (ok && v[i] == '-') {
		i++;
		seg = 0;
		while (isalnum((unsigned char)v[i])) {
			i++;
			seg++;
		}
		ok = seg >= 1 && seg <= 8;
	}
	if (!ok || v[i])
		return tdm_fail(err, TDM_EINVAL, "preferred_language",
				"preferred_language must be a language tag such as en, es or pt-BR");
	return TDM_OK;
}

enum tdm_status patient_validate(const struct patient *p, struct tdm_err *err)
{
	enum tdm_status rc;
	if ((rc = check_text("family_name", p->family_name, 1, err)) ||
	    (rc = check_text("given_name", p->given_name, 1, err)) ||
	    (rc = check_text("preferred_name", p->preferred_name, 0, err)) ||
	    (rc = check_text("gender_identity", p->gender_identity, 0, err)) ||
	    (rc = check_text("address.line", p->address_line, 0, err)) ||
	    (rc = check_text("address.city", p->city, 0, err)) ||
	    (rc = check_text("address.region", p->region, 0, err)) ||
	    (rc = check_text("address.postal_code", p->postal_code, 0, err)) ||
	    (rc = check_text("emergency_contact.name", p->emergency_name, 0, err)) ||
	    (rc = check_text("emergency_contact.relationship", p->emergency_relationship, 0, err)) ||
	    (rc = check_phone("phone", p->phone, err)) ||
	    (rc = check_phone("emergency_contact.phone", p->emergency_phone, err)) ||
	    (rc = check_language(p->preferred_language, err)))
		return rc;
	for (const char *s = p->mrn; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-')
			return tdm_fail(err, TDM_EINVAL, "mrn", "mrn may hold only letters, digits and '-'");
	if (p->email[0]) {
		const char *at = strchr(p->email, '@');
		if (!at || at == p->email || strchr(at + 1, '@') || !strchr(at + 1, '.') ||
		    strpbrk(p->email, " \t<>,;\"") || has_ctrl(p->email))
			return tdm_fail(err, TDM_EINVAL, "email", "email must look like name@example.org");
	}
	if (!p->birth_date[0])
		return tdm_fail(err, TDM_EINVAL, "birth_date", "birth_date is required (YYYY-MM-DD)");
	if (!date_valid(p->birth_date))
		return tdm_fail(err, TDM_EINVAL, "birth_date",
				"birth_date '%s' is not a real date in the form YYYY-MM-DD", p->birth_date);
	char today[DATE_LEN];
	date_today(today);
	if (strcmp(p->birth_date, today) > 0)
		return tdm_fail(err, TDM_EINVAL, "birth_date", "birth_date %s is in the future", p->birth_date);
	if (date_age_years(p->birth_date, today) > 120)
		return tdm_fail(err, TDM_EINVAL, "birth_date", "birth_date %s gives an age over 120 years",
				p->birth_date);
	static const char *sexes[] = {"female", "male", "intersex", "unknown", NULL};
	int ok = 0;
	for (int i = 0; sexes[i]; i++)
		ok |= !strcmp(p->sex_at_birth, sexes[i]);
	if (!ok)
		return tdm_fail(err, TDM_EINVAL, "sex_at_birth",
				"sex_at_birth must be female, male, intersex or unknown");
	return TDM_OK;
}

/* ---- reading ---- */

#define VERSION_COLS                                                                    \
	"v.family_name, v.given_name, v.preferred_name, v.birth_date, v.sex_at_birth,"  \
	" v.gender_identity, v.phone, v.email, v.address_line, v.city, v.region,"       \
	" v.postal_code, v.emergency_name, v.emergency_relationship, v.emergency_phone," \
	" v.preferred_language, v.recorded_at, v.recorded_by"

#define COPY(dst, i) snprintf(dst, sizeof dst, "%s", db_col_text(st, i))

/* Columns: p.id, p.site_id, s.code, p.mrn, p.created_at, then VERSION_COLS. */
static void read_patient(struct stmt *st, struct patient *p)
{
	memset(p, 0, sizeof *p);
	p->id = db_col_int(st, 0);
	p->site_id = db_col_int(st, 1);
	COPY(p->site_code, 2);
	COPY(p->mrn, 3);
	COPY(p->created_at, 4);
	COPY(p->family_name, 5);
	COPY(p->given_name, 6);
	COPY(p->preferred_name, 7);
	COPY(p->birth_date, 8);
	COPY(p->sex_at_birth, 9);
	COPY(p->gender_identity, 10);
	COPY(p->phone, 11);
	COPY(p->email, 12);
	COPY(p->address_line, 13);
	COPY(p->city, 14);
	COPY(p->region, 15);
	COPY(p->postal_code, 16);
	COPY(p->emergency_name, 17);
	COPY(p->emergency_relationship, 18);
	COPY(p->emergency_phone, 19);
	COPY(p->preferred_language, 20);
	COPY(p->updated_at, 21);
	COPY(p->updated_by, 22);
}

/* Fills the derived fields: dual flag, current level, version count. */
static enum tdm_status derive(struct db *db, struct patient *p, struct tdm_err *err)
{
	enum tdm_status rc = diagnosis_dual(db, p->id, &p->dual_diagnosis, err);
	if (!rc)
		rc = episode_current(db, p->id, &p->episode_id, p->level, err);
	if (!rc) {
		struct stmt *st = db_prepare(db,
			"SELECT COUNT(*) FROM patient_version WHERE patient_id = ?", err);
		int64_t n = 0;
		int found;
		if (!st)
			return err->code;
		db_bind_int(st, 1, p->id);
		rc = db_query_int(st, &n, &found, err);
		p->version = (int)n;
	}
	return rc;
}

enum tdm_status patient_visible(struct db *db, const struct actor *a, int64_t id,
				int64_t *site_id, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, "SELECT site_id FROM patient WHERE id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, id);
	int found;
	int64_t site = 0;
	enum tdm_status rc = db_query_int(st, &site, &found, err);
	if (rc)
		return rc;
	if (site_id)
		*site_id = site;
	if (!found || !access_at(a, site))
		return tdm_fail(err, TDM_ENOTFOUND, "patient", "no patient %" PRId64, id);
	return TDM_OK;
}

enum tdm_status patient_open(struct db *db, const struct actor *a, int64_t patient_id,
			     enum db_tx tx, const char *action, const char *object_type,
			     struct audit_event *ev, int *open, struct tdm_err *err)
{
	memset(ev, 0, sizeof *ev);
	ev->action = action;
	ev->object_type = object_type;
	ev->patient_id = patient_id;
	enum tdm_status rc = db_begin(db, tx, err);
	*open = rc == TDM_OK;
	if (rc)
		return rc;
	rc = patient_visible(db, a, patient_id, &ev->site_id, err);
	if (rc == TDM_ENOTFOUND && ev->site_id)
		ev->outcome = "denied";
	return rc;
}

static enum tdm_status load(struct db *db, int64_t id, struct patient *out, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"SELECT p.id, p.site_id, s.code, p.mrn, p.created_at, " VERSION_COLS
		" FROM patient p JOIN site s ON s.id = p.site_id"
		" JOIN patient_version v ON v.patient_id = p.id AND v.is_current = 1"
		" WHERE p.id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, id);
	int s = db_step(st, err);
	if (s == DB_ROW)
		read_patient(st, out);
	db_done(st);
	if (s < 0)
		return err->code;
	if (s != DB_ROW)
		return tdm_fail(err, TDM_ENOTFOUND, "patient", "no patient %" PRId64, id);
	return derive(db, out, err);
}

static void ev_for(struct audit_event *ev, const char *action, int64_t site, int64_t id)
{
	memset(ev, 0, sizeof *ev);
	ev->action = action;
	ev->site_id = site;
	ev->patient_id = id;
	ev->object_type = "Patient";
	snprintf(ev->object_id, sizeof ev->object_id, "%" PRId64, id);
}

enum tdm_status patient_get(struct db *db, const struct actor *a, int64_t id,
			    struct patient *out, struct tdm_err *err)
{
	enum tdm_status rc;
	struct audit_event ev;
	int open;
	rc = patient_open(db, a, id, DB_AUDITED_READ, "patient.read", "Patient", &ev, &open, err);
	if (!open)
		return rc;
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, id);
	if (!rc)
		rc = load(db, id, out, err);
	return audit_finish(db, a, rc, &ev, err);
}

/* ---- writing ---- */

static void search_name(const struct patient *p, char *out, size_t n)
{
	snprintf(out, n, "%s %s %s", p->family_name, p->given_name, p->preferred_name);
	for (char *s = out; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static enum tdm_status insert_version(struct db *db, const struct actor *a, int64_t pid,
				      const struct patient *p, const char *reason,
				      struct tdm_err *err)
{
	char now[INSTANT_LEN], sname[3 * TDM_LEN_NAME + 4];
	instant_now(now);
	search_name(p, sname, sizeof sname);
	struct stmt *st = db_prepare(db,
		"UPDATE patient_version SET is_current = 0 WHERE patient_id = ? AND is_current = 1", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, pid);
	enum tdm_status rc = db_run(st, err);
	if (rc)
		return rc;
	st = db_prepare(db,
		"INSERT INTO patient_version(patient_id, family_name, given_name, preferred_name,"
		" birth_date, sex_at_birth, gender_identity, phone, email, address_line, city, region,"
		" postal_code, emergency_name, emergency_relationship, emergency_phone,"
		" preferred_language, search_name, reason, recorded_at, recorded_by, is_current)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)", err);
	if (!st)
		return err->code;
	const char *vals[] = {p->family_name, p->given_name, p->preferred_name, p->birth_date,
			      p->sex_at_birth, p->gender_identity, p->phone, p->email,
			      p->address_line, p->city, p->region, p->postal_code,
			      p->emergency_name, p->emergency_relationship, p->emergency_phone,
			      p->preferred_language};
	db_bind_int(st, 1, pid);
	for (int i = 0; i < (int)(sizeof vals / sizeof vals[0]); i++)
		db_bind_text(st, i + 2, vals[i][0] || i < 5 ? vals[i] : NULL);
	db_bind_text(st, 18, sname);
	db_bind_text(st, 19, reason);
	db_bind_text(st, 20, now);
	db_bind_text(st, 21, a->username);
	return db_run(st, err);
}

/* Picks the site a new patient goes to. */
static enum tdm_status pick_site(struct db *db, const struct actor *a, const char *code,
				 struct site *site, struct tdm_err *err)
{
	enum tdm_status rc;
	if (code && *code) {
		rc = site_by_code(db, code, site, err);
		if (rc == TDM_ENOTFOUND)
			rc = tdm_fail(err, TDM_EINVAL, "site", "no site with code '%.16s'", code);
		if (!rc && !access_at(a, site->id))
			rc = tdm_fail(err, TDM_EFORBIDDEN, "site",
				      "you may not register patients at site '%s'", code);
		return rc;
	}
	/* The only site the actor may register at, else the default site. */
	int64_t only = 0;
	int count = 0;
	for (int i = 0; i < a->n_grants; i++)
		if (a->grants[i].roles & a->route_roles) {
			only = a->grants[i].site_id;
			count++;
		}
	if (count == 1 && !a->all_sites) {
		struct stmt *st = db_prepare(db, "SELECT id, code, name FROM site WHERE id = ?", err);
		if (!st)
			return err->code;
		db_bind_int(st, 1, only);
		int s = db_step(st, err);
		if (s == DB_ROW) {
			site->id = db_col_int(st, 0);
			snprintf(site->code, sizeof site->code, "%s", db_col_text(st, 1));
			snprintf(site->name, sizeof site->name, "%s", db_col_text(st, 2));
		}
		db_done(st);
		return s == DB_ROW ? TDM_OK : s < 0 ? err->code : tdm_fail(err, TDM_ENOTFOUND, "site", "site gone");
	}
	rc = site_default(db, site, err);
	if (!rc && !access_at(a, site->id))
		rc = tdm_fail(err, TDM_EINVAL, "site",
			      "site is required: you hold roles at several sites");
	return rc;
}

static enum tdm_status assign_mrn(struct db *db, char *mrn, size_t n, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, "SELECT COALESCE(MAX(id), 0) FROM patient", err);
	if (!st)
		return err->code;
	int64_t max = 0;
	int found;
	enum tdm_status rc = db_query_int(st, &max, &found, err);
	if (rc)
		return rc;
	for (int64_t k = max + 1; k < max + 100; k++) {
		snprintf(mrn, n, "T%07" PRId64, k);
		st = db_prepare(db, "SELECT COUNT(*) FROM patient WHERE mrn = ?", err);
		if (!st)
			return err->code;
		db_bind_text(st, 1, mrn);
		int64_t taken = 0;
		if ((rc = db_query_int(st, &taken, &found, err)))
			return rc;
		if (!taken)
			return TDM_OK;
	}
	return tdm_fail(err, TDM_ECONFLICT, "mrn", "could not assign a free MRN");
}

enum tdm_status patient_create(struct db *db, const struct actor *a, struct patient *p,
			       const char *site_code, struct tdm_err *err)
{
	enum tdm_status rc;
	if (!p->sex_at_birth[0])
		snprintf(p->sex_at_birth, sizeof p->sex_at_birth, "unknown");
	if ((rc = patient_validate(p, err)))
		return rc;
	if ((rc = db_begin(db, DB_WRITE, err)))
		return rc;
	struct site site = {0};
	char now[INSTANT_LEN];
	instant_now(now);
	rc = pick_site(db, a, site_code, &site, err);
	if (!rc && !p->mrn[0])
		rc = assign_mrn(db, p->mrn, sizeof p->mrn, err);
	if (!rc) {
		struct stmt *st = db_prepare(db,
			"INSERT INTO patient(site_id, mrn, created_at, created_by) VALUES (?, ?, ?, ?)"
			" RETURNING id", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, site.id);
			db_bind_text(st, 2, p->mrn);
			db_bind_text(st, 3, now);
			db_bind_text(st, 4, a->username);
			rc = db_insert_id(st, &p->id, err);
			if (rc == TDM_ECONFLICT)
				rc = tdm_fail(err, TDM_ECONFLICT, "mrn", "MRN '%s' is already in use", p->mrn);
		}
	}
	if (!rc)
		rc = insert_version(db, a, p->id, p, "registered", err);
	if (!rc)
		rc = load(db, p->id, p, err);
	struct audit_event ev;
	ev_for(&ev, "patient.create", site.id, rc ? 0 : p->id);
	return audit_finish(db, a, rc, &ev, err);
}

#define APPLY(bit, f) if (mask & (bit)) memcpy(cur.f, in->f, sizeof cur.f)

enum tdm_status patient_update(struct db *db, const struct actor *a, int64_t id,
			       const struct patient *in, unsigned mask, const char *reason,
			       struct patient *out, struct tdm_err *err)
{
	enum tdm_status rc;
	if (!reason || !*reason)
		return tdm_fail(err, TDM_EINVAL, "reason", "reason is required for a change of record");
	if (!mask)
		return tdm_fail(err, TDM_EINVAL, NULL, "nothing to change");
	struct patient cur;
	struct audit_event ev;
	int open;
	rc = patient_open(db, a, id, DB_WRITE, "patient.update", "Patient", &ev, &open, err);
	if (!open)
		return rc;
	snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, id);
	if (!rc)
		rc = load(db, id, &cur, err);
	if (!rc) {
		APPLY(PF_FAMILY, family_name);
		APPLY(PF_GIVEN, given_name);
		APPLY(PF_PREFERRED, preferred_name);
		APPLY(PF_BIRTH, birth_date);
		APPLY(PF_SEX, sex_at_birth);
		APPLY(PF_GENDER, gender_identity);
		APPLY(PF_PHONE, phone);
		APPLY(PF_EMAIL, email);
		APPLY(PF_ADDRESS, address_line);
		APPLY(PF_CITY, city);
		APPLY(PF_REGION, region);
		APPLY(PF_POSTAL, postal_code);
		APPLY(PF_EM_NAME, emergency_name);
		APPLY(PF_EM_REL, emergency_relationship);
		APPLY(PF_EM_PHONE, emergency_phone);
		APPLY(PF_LANGUAGE, preferred_language);
		if (mask & PF_MRN)
			rc = tdm_fail(err, TDM_EINVAL, "mrn", "the MRN of a patient cannot be changed");
	}
	if (!rc)
		rc = patient_validate(&cur, err);
	if (!rc)
		rc = insert_version(db, a, id, &cur, reason, err);
	if (!rc)
		rc = load(db, id, out, err);
	snprintf(ev.detail, sizeof ev.detail, "%.200s", reason);
	return audit_finish(db, a, rc, &ev, err);
}

/* ---- search ---- */

static void like_pattern(const char *q, char *out, size_t n)
{
	size_t j = 0;
	if (n < 4)
		return;
	out[j++] = '%';
	for (; *q && j + 3 < n; q++) {
		char c = (char)tolower((unsigned char)*q);
		if (c == '%' || c == '_' || c == '\\')
			out[j++] = '\\';
		out[j++] = c;
	}
	out[j++] = '%';
	out[j] = '\0';
}

/* The current placement's column `col` of the open episode of patient `pid`
 * (a scalar subquery; NULL when not in care). */
#define CURRENT_PLACEMENT(col, pid)                                                       \
	"(SELECT " col " FROM episode e JOIN placement pl ON pl.id ="                        \
	" (SELECT MAX(id) FROM placement WHERE episode_id = e.id) WHERE e.patient_id = " pid \
	" AND NOT EXISTS (SELECT 1 FROM discharge d WHERE d.episode_id = e.id)"             \
	" ORDER BY e.id DESC LIMIT 1)"

#define SEARCH_WHERE                                                                        \
	" FROM patient p JOIN site s ON s.id = p.site_id"                                   \
	" JOIN patient_version v ON v.patient_id = p.id AND v.is_current = 1"               \
	" WHERE (? = 1 OR p.site_id IN (SELECT site_id FROM user_role WHERE user_id = ?"     \
	"   AND revoked_at IS NULL AND (role_bit & ?) <> 0))"                                \
	" AND (? = 0 OR p.site_id = ?)"                                                     \
	" AND (? = '' OR v.search_name LIKE ? ESCAPE '\\')"                                  \
	" AND (? = '' OR p.mrn = ?)"                                                        \
	" AND (? = '' OR v.birth_date = ?)"                                                 \
	" AND (? = '' OR ? = (SELECT pl.level FROM episode e JOIN placement pl"              \
	"   ON pl.episode_id = e.id WHERE e.patient_id = p.id AND NOT EXISTS"                \
	"   (SELECT 1 FROM discharge d WHERE d.episode_id = e.id) ORDER BY pl.id DESC LIMIT 1))" \
	" AND (? = 0 OR " ICD10_DUAL_SQL("p.id") ")"

/* Binds SEARCH_WHERE's parameters from position b + 1 on. */
static void bind_search(struct stmt *st, int b, const struct actor *a,
			const struct patient_query *q, const char *like)
{
	db_bind_int(st, b + 1, a->all_sites);
	db_bind_int(st, b + 2, a->user_id);
	db_bind_int(st, b + 3, a->route_roles);
	db_bind_int(st, b + 4, q->site_id);
	db_bind_int(st, b + 5, q->site_id);
	db_bind_text(st, b + 6, q->q);
	db_bind_text(st, b + 7, like);
	db_bind_text(st, b + 8, q->mrn);
	db_bind_text(st, b + 9, q->mrn);
	db_bind_text(st, b + 10, q->birth_date);
	db_bind_text(st, b + 11, q->birth_date);
	db_bind_text(st, b + 12, q->level);
	db_bind_text(st, b + 13, q->level);
	db_bind_int(st, b + 14, q->dual_only);
	icd10_bind_dual(st, b + 15);
}

/* Parameters bind_search uses; LIMIT and OFFSET follow them. */
#define SEARCH_PARAMS (14 + ICD10_DUAL_PARAMS)

enum tdm_status patient_search(struct db *db, const struct actor *a,
			       const struct patient_query *q, struct patient **rows, int *n,
			       int64_t *total, struct tdm_err *err)
{
	char like[3 * TDM_LEN_NAME + 4];
	enum tdm_status rc;
	*rows = NULL;
	*n = 0;
	*total = 0;
	like_pattern(q->q, like, sizeof like);
	if ((rc = db_begin(db, DB_AUDITED_READ, err)))
		return rc;
	struct stmt *st = db_prepare(db, "SELECT COUNT(*)" SEARCH_WHERE, err);
	if (!st) {
		rc = err->code;
	} else {
		bind_search(st, 0, a, q, like);
		int found;
		rc = db_query_int(st, total, &found, err);
	}
	if (!rc) {
		*rows = calloc((size_t)(q->limit > 0 ? q->limit : 1), sizeof **rows);
		if (!*rows)
			rc = tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	}
	if (!rc) {
		/* The page, with the derived fields computed in the same query
		 * (one round trip instead of three a row). */
		st = db_prepare(db,
			"SELECT pg.*, CASE WHEN " ICD10_DUAL_SQL("pg.id") " THEN 1 ELSE 0 END,"
			" COALESCE(" CURRENT_PLACEMENT("pl.level", "pg.id") ", ''),"
			" COALESCE(" CURRENT_PLACEMENT("e.id", "pg.id") ", 0),"
			" (SELECT COUNT(*) FROM patient_version x WHERE x.patient_id = pg.id)"
			" FROM (SELECT p.id, p.site_id, s.code, p.mrn, p.created_at, " VERSION_COLS SEARCH_WHERE
			" ORDER BY v.family_name, v.given_name, p.id LIMIT ? OFFSET ?) pg"
			" ORDER BY pg.family_name, pg.given_name, pg.id", err);
		if (!st) {
			rc = err->code;
		} else {
			int first = icd10_bind_dual(st, 1);
			bind_search(st, first, a, q, like);
			db_bind_int(st, first + SEARCH_PARAMS + 1, q->limit);
			db_bind_int(st, first + SEARCH_PARAMS + 2, q->offset);
			int s;
			while ((s = db_step(st, err)) == DB_ROW && *n < q->limit) {
				struct patient *p = &(*rows)[(*n)++];
				read_patient(st, p);
				p->dual_diagnosis = db_col_int(st, 23) == 1;
				snprintf(p->level, sizeof p->level, "%s", db_col_text(st, 24));
				p->episode_id = db_col_int(st, 25);
				p->version = (int)db_col_int(st, 26);
			}
			if (s < 0)
				rc = err->code;
			db_done(st);
		}
	}
	struct audit_event ev = {.action = "patient.search", .object_type = "PatientSearch",
				 .site_id = q->site_id};
	snprintf(ev.detail, sizeof ev.detail,
		 "q=%.40s mrn=%.32s birth_date=%s level=%s dual=%d results=%d", q->q, q->mrn,
		 q->birth_date, q->level, q->dual_only, *n);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}
