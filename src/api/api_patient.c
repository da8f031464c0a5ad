/*
 * api_patient.c - /api/v1/patients: register, search, read, update.
 */
#include "api/api.h"
#include "domain/account.h"
#include "domain/level.h"
#include "domain/patient.h"
#include "util/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *api_patient_json(const struct patient *p);

json_t *api_patient_json(const struct patient *p)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:b, s:o, s:o, s:i,"
			      " s:s, s:s}",
			      "id", (json_int_t)p->id, "mrn", p->mrn, "site", p->site_code,
			      "family_name", p->family_name, "given_name", p->given_name,
			      "preferred_name", api_text(p->preferred_name), "birth_date", p->birth_date,
			      "sex_at_birth", p->sex_at_birth, "gender_identity",
			      api_text(p->gender_identity), "dual_diagnosis", p->dual_diagnosis,
			      "level", api_text(p->level),
			      "episode_id", p->episode_id ? json_integer(p->episode_id) : json_null(),
			      "version", p->version, "created_at", p->created_at, "updated_at",
			      p->updated_at);
	if (!o)
		return NULL;
	json_object_set_new(o, "phone", api_text(p->phone));
	json_object_set_new(o, "email", api_text(p->email));
	json_object_set_new(o, "address", json_pack("{s:o, s:o, s:o, s:o}", "line",
						    api_text(p->address_line), "city", api_text(p->city),
						    "region", api_text(p->region), "postal_code",
						    api_text(p->postal_code)));
	json_object_set_new(o, "emergency_contact",
			    p->emergency_name[0] || p->emergency_phone[0]
				    ? json_pack("{s:o, s:o, s:o}", "name", api_text(p->emergency_name),
						"relationship", api_text(p->emergency_relationship),
						"phone", api_text(p->emergency_phone))
				    : json_null());
	json_object_set_new(o, "preferred_language", api_text(p->preferred_language));
	return o;
}

static const char *const patient_fields[] = {
	"mrn", "family_name", "given_name", "preferred_name", "birth_date", "sex_at_birth",
	"gender_identity", "phone", "email", "address", "emergency_contact", "preferred_language",
	"site", "reason", NULL};

struct field_map {
	const char *key;
	unsigned bit;
	size_t off, max;
};

#define F(k, bit, m, max) {k, bit, offsetof(struct patient, m), max}
static const struct field_map top[] = {
	F("mrn", PF_MRN, mrn, TDM_LEN_MRN),
	F("family_name", PF_FAMILY, family_name, TDM_LEN_NAME),
	F("given_name", PF_GIVEN, given_name, TDM_LEN_NAME),
	F("preferred_name", PF_PREFERRED, preferred_name, TDM_LEN_NAME),
	F("sex_at_birth", PF_SEX, sex_at_birth, 15),
	F("gender_identity", PF_GENDER, gender_identity, TDM_LEN_GENDER),
	F("phone", PF_PHONE, phone, TDM_LEN_PHONE),
	F("email", PF_EMAIL, email, TDM_LEN_EMAIL),
	F("preferred_language", PF_LANGUAGE, preferred_language, TDM_LEN_LANGUAGE),
};
static const struct field_map address[] = {
	F("line", PF_ADDRESS, address_line, TDM_LEN_ADDRESS),
	F("city", PF_CITY, city, TDM_LEN_CITY),
	F("region", PF_REGION, region, TDM_LEN_REGION),
	F("postal_code", PF_POSTAL, postal_code, TDM_LEN_POSTAL),
};
static const struct field_map emergency[] = {
	F("name", PF_EM_NAME, emergency_name, TDM_LEN_NAME),
	F("relationship", PF_EM_REL, emergency_relationship, TDM_LEN_GENDER),
	F("phone", PF_EM_PHONE, emergency_phone, TDM_LEN_PHONE),
};
#undef F

/* Reads the string fields in map from o into p; sets *mask for present keys.
 * prefix names nested fields in errors ("address.city"). */
static enum tdm_status read_fields(struct api_ctx *c, json_t *o, const struct field_map *map,
				   int n, const char *prefix, struct patient *p, unsigned *mask)
{
	for (int i = 0; i < n; i++) {
		json_t *v = json_object_get(o, map[i].key);
		if (!v)
			continue;
		char *dst = (char *)p + map[i].off;
		enum tdm_status rc = api_str(c, o, map[i].key, 0, map[i].max, dst, map[i].max + 1);
		if (rc) {
			if (prefix) {
				char f[64];
				snprintf(f, sizeof f, "%s.%s", prefix, map[i].key);
				snprintf(c->err.field, sizeof c->err.field, "%s", f);
			}
			return rc;
		}
		*mask |= map[i].bit;
	}
	return TDM_OK;
}

static enum tdm_status read_nested(struct api_ctx *c, json_t *o, const char *key,
				   const struct field_map *map, int n, struct patient *p,
				   unsigned *mask)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return TDM_OK;
	if (json_is_null(v)) {
		for (int i = 0; i < n; i++)
			*mask |= map[i].bit; /* clears them */
		return TDM_OK;
	}
	if (!json_is_object(v))
		return tdm_fail(&c->err, TDM_EINVAL, key, "%s must be an object", key);
	const char *k;
	json_t *x;
	json_object_foreach(v, k, x) {
		int ok = 0;
		for (int i = 0; i < n; i++)
			ok |= !strcmp(k, map[i].key);
		if (!ok)
			return tdm_fail(&c->err, TDM_EINVAL, key, "unknown field '%s.%.40s'", key, k);
	}
	return read_fields(c, v, map, n, key, p, mask);
}

static enum tdm_status read_patient(struct api_ctx *c, json_t *o, struct patient *p,
				    unsigned *mask)
{
	enum tdm_status rc;
	memset(p, 0, sizeof *p);
	*mask = 0;
	if ((rc = read_fields(c, o, top, (int)(sizeof top / sizeof top[0]), NULL, p, mask)))
		return rc;
	if (json_object_get(o, "birth_date")) {
		if ((rc = api_date(c, o, "birth_date", 0, p->birth_date)))
			return rc;
		*mask |= PF_BIRTH;
	}
	if ((rc = read_nested(c, o, "address", address, 4, p, mask)))
		return rc;
	return read_nested(c, o, "emergency_contact", emergency, 3, p, mask);
}

void api_patient_create(struct api_ctx *c)
{
	json_t *o = api_body(c, patient_fields);
	if (!o)
		return;
	struct patient p;
	unsigned mask;
	char site[TDM_LEN_CODE + 1];
	enum tdm_status rc = read_patient(c, o, &p, &mask);
	if (!rc)
		rc = api_str(c, o, "site", 0, TDM_LEN_CODE, site, sizeof site);
	if (!rc && json_object_get(o, "reason"))
		rc = tdm_fail(&c->err, TDM_EINVAL, "reason", "reason applies to updates only");
	if (!rc && !p.family_name[0])
		rc = tdm_fail(&c->err, TDM_EINVAL, "family_name", "family_name is required");
	if (!rc && !p.given_name[0])
		rc = tdm_fail(&c->err, TDM_EINVAL, "given_name", "given_name is required");
	if (!rc && !p.birth_date[0])
		rc = tdm_fail(&c->err, TDM_EINVAL, "birth_date", "birth_date is required (YYYY-MM-DD)");
	json_decref(o);
	if (!rc)
		rc = patient_create(c->db, &c->actor, &p, site, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	api_reply(c, 201, api_patient_json(&p));
}

void api_patient_get(struct api_ctx *c)
{
	struct patient p;
	enum tdm_status rc = patient_get(c->db, &c->actor, c->ids[0], &p, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	api_reply(c, 200, api_patient_json(&p));
}

void api_patient_update(struct api_ctx *c)
{
	json_t *o = api_body(c, patient_fields);
	if (!o)
		return;
	struct patient p, out;
	unsigned mask;
	char reason[TDM_LEN_REASON + 1];
	enum tdm_status rc = read_patient(c, o, &p, &mask);
	if (!rc && json_object_get(o, "site"))
		rc = tdm_fail(&c->err, TDM_EINVAL, "site", "a patient's site cannot be changed here");
	if (!rc)
		rc = api_str(c, o, "reason", 1, TDM_LEN_REASON, reason, sizeof reason);
	json_decref(o);
	if (!rc)
		rc = patient_update(c->db, &c->actor, c->ids[0], &p, mask, reason, &out, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	api_reply(c, 200, api_patient_json(&out));
}

void api_patient_list(struct api_ctx *c)
{
	static const char *const params[] = {"q", "mrn", "birth_date", "level", "dual", "site",
					     "limit", "offset", NULL};
	struct patient_query q;
	memset(&q, 0, sizeof q);
	enum tdm_status rc = api_query_only(c, params);
	if (!rc)
		rc = api_page(c, &q.limit, &q.offset);
	const char *v;
	if (!rc && (v = api_query(c, "q"))) {
		if (strlen(v) > TDM_LEN_NAME)
			rc = tdm_fail(&c->err, TDM_EINVAL, "q", "q is longer than %d characters", TDM_LEN_NAME);
		else
			snprintf(q.q, sizeof q.q, "%s", v);
	}
	if (!rc && (v = api_query(c, "mrn"))) {
		if (strlen(v) > TDM_LEN_MRN)
			rc = tdm_fail(&c->err, TDM_EINVAL, "mrn", "mrn is longer than %d characters", TDM_LEN_MRN);
		else
			snprintf(q.mrn, sizeof q.mrn, "%s", v);
	}
	if (!rc && (v = api_query(c, "birth_date"))) {
		if (!date_valid(v))
			rc = tdm_fail(&c->err, TDM_EINVAL, "birth_date",
				      "birth_date must be a real date in the form YYYY-MM-DD");
		else
			snprintf(q.birth_date, sizeof q.birth_date, "%s", v);
	}
	if (!rc && (v = api_query(c, "level"))) {
		if (!level_find(v))
			rc = tdm_fail(&c->err, TDM_EINVAL, "level", "level must be one of: %s",
				      level_list_text());
		else
			snprintf(q.level, sizeof q.level, "%s", v);
	}
	if (!rc && (v = api_query(c, "dual"))) {
		if (strcmp(v, "true") && strcmp(v, "false"))
			rc = tdm_fail(&c->err, TDM_EINVAL, "dual", "dual must be true or false");
		else
			q.dual_only = !strcmp(v, "true");
	}
	if (!rc && (v = api_query(c, "site"))) {
		struct site s;
		if (strlen(v) > TDM_LEN_CODE || site_by_code(c->db, v, &s, &c->err))
			rc = tdm_fail(&c->err, TDM_EINVAL, "site", "no site with code '%.16s'", v);
		else
			q.site_id = s.id;
	}
	struct patient *rows = NULL;
	int n = 0;
	int64_t total = 0;
	if (!rc)
		rc = patient_search(c->db, &c->actor, &q, &rows, &n, &total, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *items = json_array();
	for (int i = 0; items && i < n; i++)
		json_array_append_new(items, api_patient_json(&rows[i]));
	free(rows);
	api_reply(c, 200, api_page_json(items, total, q.limit, q.offset));
}
