/*
 * api_session.c - log in, log out, who am I; health, levels and sites.
 */
#include "api/api.h"
#include "domain/account.h"
#include "domain/level.h"
#include "util/limits.h"

#include <stdlib.h>
#include <string.h>

void api_health(struct api_ctx *c)
{
	int version = 0;
	enum tdm_status rc = migrate_version(c->db, &version, &c->err);
	if (rc) {
		api_fail(c, TDM_EBUSY);
		return;
	}
	api_reply(c, 200, json_pack("{s:s, s:s, s:i, s:s}", "status", "ok", "version", TANDEM_VERSION,
				    "schema", version, "time_zone", date_zone()));
}

void api_session_create(struct api_ctx *c)
{
	static const char *const fields[] = {"username", "password", NULL};
	char user[TDM_LEN_USERNAME + 1], pw[TDM_LEN_PASSWORD + 1];
	char token[TOKEN_LEN], expires[INSTANT_LEN];
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	enum tdm_status rc = api_str(c, o, "username", 1, TDM_LEN_USERNAME, user, sizeof user);
	if (!rc)
		rc = api_str(c, o, "password", 1, TDM_LEN_PASSWORD, pw, sizeof pw);
	json_decref(o);
	if (!rc)
		rc = account_login(c->db, user, pw, c->actor.addr, c->actor.request_id, token, expires,
				   &c->err);
	crypto_wipe(pw, sizeof pw);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	api_reply(c, 201, json_pack("{s:s, s:s, s:s}", "token", token, "token_type", "Bearer",
				    "expires_at", expires));
	crypto_wipe(token, sizeof token);
}

void api_session_delete(struct api_ctx *c)
{
	enum tdm_status rc = account_logout(c->db, &c->actor, c->token, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	api_reply(c, 204, NULL);
}

static json_t *sites_json(struct api_ctx *c, int with_roles)
{
	struct site *sites = NULL;
	int n = 0;
	enum tdm_status rc = site_list(c->db, &c->actor, &sites, &n, &c->err);
	if (rc)
		return NULL;
	json_t *arr = json_array();
	for (int i = 0; arr && i < n; i++) {
		json_t *s = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)sites[i].id, "code",
				      sites[i].code, "name", sites[i].name);
		if (s && with_roles) {
			json_t *roles = json_array();
			unsigned m = access_roles_at(&c->actor, sites[i].id);
			for (unsigned bit = 1; roles && bit <= ROLE_AUDITOR; bit <<= 1)
				if (m & bit)
					json_array_append_new(roles, json_string(role_name(bit)));
			json_object_set_new(s, "roles", roles);
		}
		json_array_append_new(arr, s);
	}
	free(sites);
	return arr;
}

void api_me(struct api_ctx *c)
{
	json_t *sites = sites_json(c, 1);
	if (!sites) {
		api_fail(c, c->err.code ? c->err.code : TDM_ENOMEM);
		return;
	}
	char roles[96];
	role_names(access_roles_any(&c->actor), roles, sizeof roles);
	api_reply(c, 200, json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)c->actor.user_id,
				    "username", c->actor.username, "roles", roles, "sites", sites));
}

void api_sites(struct api_ctx *c)
{
	json_t *sites = sites_json(c, 0);
	if (!sites) {
		api_fail(c, c->err.code ? c->err.code : TDM_ENOMEM);
		return;
	}
	api_reply(c, 200, json_pack("{s:o}", "items", sites));
}

void api_levels(struct api_ctx *c)
{
	json_t *arr = json_array();
	for (int i = 0; arr && i < level_count(); i++) {
		const struct level *l = level_at(i);
		json_t *asam = json_array();
		for (int j = 0; asam && j < l->n_asam; j++)
			json_array_append_new(asam, json_string(l->asam[j]));
		json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:s, s:s}", "id", l->id, "label",
						     l->label, "asam_levels", asam, "asam_default",
						     l->asam_default, "asam_edition", ASAM_EDITION));
	}
	api_reply(c, 200, json_pack("{s:o}", "items", arr));
}

/* Staff who may be named as a session's clinician or a plan's responsible
 * clinician: usernames and roles, no patient data. */
void api_staff(struct api_ctx *c)
{
	static const char *const params[] = {"site", NULL};
	int64_t site = 0;
	enum tdm_status rc = api_query_only(c, params);
	if (!rc)
		rc = api_query_id(c, "site", &site);
	struct staff *rows = NULL;
	int n = 0;
	if (!rc)
		rc = account_staff(c->db, &c->actor, site, &rows, &n, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *items = json_array();
	for (int i = 0; items && i < n; i++) {
		json_t *roles = json_array();
		for (unsigned bit = 1; roles && bit <= ROLE_AUDITOR; bit <<= 1)
			if (rows[i].roles & bit)
				json_array_append_new(roles, json_string(role_name(bit)));
		json_array_append_new(items, json_pack("{s:s, s:I, s:o}", "username", rows[i].username, "site_id",
						       (json_int_t)rows[i].site_id, "roles", roles));
	}
	free(rows);
	api_reply(c, 200, json_pack("{s:o}", "items", items));
}
