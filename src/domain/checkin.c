#include "domain/checkin.h"
#include "domain/audit.h"
#include "domain/patient.h"
#include "util/limits.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Codes are typed on a tablet: upper case without look-alikes. */
static void make_code(char out[CHECKIN_CODE_LEN])
{
	char pw[CHECKIN_CODE_LEN];
	crypto_password(pw, sizeof pw);
	for (int i = 0; i < CHECKIN_CODE_LEN - 1; i++)
		out[i] = (char)toupper((unsigned char)pw[i]);
	out[CHECKIN_CODE_LEN - 1] = '\0';
}

/* Normalises a typed code: upper case, dashes and spaces dropped. */
static int norm_code(const char *in, char out[CHECKIN_CODE_LEN])
{
	int j = 0;
	for (; *in; in++) {
		if (*in == '-' || *in == ' ')
			continue;
		if (j == CHECKIN_CODE_LEN - 1 || !isalnum((unsigned char)*in))
			return -1;
		out[j++] = (char)toupper((unsigned char)*in);
	}
	out[j] = '\0';
	return j == CHECKIN_CODE_LEN - 1 ? 0 : -1;
}

static int split_codes(const char *list, const char **out, char *buf, size_t n)
{
	int k = 0;
	snprintf(buf, n, "%s", list);
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t && k < CHECKIN_MAX_INSTRUMENTS; t = strtok_r(NULL, ",", &save))
		out[k++] = t;
	return k;
}

enum tdm_status checkin_create(struct db *db, const struct actor *a, int64_t patient_id,
			       const char *const *codes, int n_codes, int expires_minutes,
			       struct checkin *out, struct tdm_err *err)
{
	char list[CHECKIN_MAX_INSTRUMENTS * 18] = "";
	memset(out, 0, sizeof *out);
	if (n_codes < 1 || n_codes > CHECKIN_MAX_INSTRUMENTS)
		return tdm_fail(err, TDM_EINVAL, "instruments", "give 1 to %d instruments", CHECKIN_MAX_INSTRUMENTS);
	for (int i = 0; i < n_codes; i++) {
		const struct instrument *in = instrument_find(codes[i]);
		if (!in)
			return tdm_fail(err, TDM_EINVAL, "instruments", "no instrument '%.20s'", codes[i]);
		if (!in->self_report)
			return tdm_fail(err, TDM_EINVAL, "instruments", "%s is rated by a clinician, not the patient",
					in->code);
		for (int j = 0; j < i; j++)
			if (out->instruments[j] == in)
				return tdm_fail(err, TDM_EINVAL, "instruments", "%s is listed twice", in->code);
		out->instruments[out->n_instruments++] = in;
		size_t used = strlen(list);
		snprintf(list + used, sizeof list - used, "%s%s", i ? "," : "", in->code);
	}
	if (expires_minutes < CHECKIN_MIN_MINUTES || expires_minutes > CHECKIN_MAX_MINUTES)
		return tdm_fail(err, TDM_EINVAL, "expires_minutes", "expires_minutes must be %d to %d",
				CHECKIN_MIN_MINUTES, CHECKIN_MAX_MINUTES);
	struct audit_event ev;
	int open;
	enum tdm_status rc = patient_open(db, a, patient_id, DB_WRITE, "checkin.create", "Checkin", &ev, &open, err);
	if (!open)
		return rc;
	char now[INSTANT_LEN], th[SHA256_HEX], ch[SHA256_HEX];
	instant_now(now);
	instant_format(time(NULL) + (time_t)expires_minutes * 60, out->expires_at);
	crypto_token(out->token);
	make_code(out->code);
	crypto_sha256_hex(out->token, strlen(out->token), th);
	crypto_sha256_hex(out->code, strlen(out->code), ch);
	out->patient_id = patient_id;
	out->site_id = ev.site_id;
	if (!rc) {
		struct stmt *st = db_prepare(db,
			"INSERT INTO checkin(patient_id, site_id, token_hash, code_hash, instruments, created_at,"
			" created_by, expires_at) VALUES (?,?,?,?,?,?,?,?) RETURNING id", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			db_bind_int(st, 2, ev.site_id);
			db_bind_text(st, 3, th);
			db_bind_text(st, 4, ch);
			db_bind_text(st, 5, list);
			db_bind_text(st, 6, now);
			db_bind_text(st, 7, a->username);
			db_bind_text(st, 8, out->expires_at);
			rc = db_insert_id(st, &out->id, err);
		}
	}
	if (!rc)
		snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, out->id);
	snprintf(ev.detail, sizeof ev.detail, "%s; expires %s", list, out->expires_at);
	return audit_finish(db, a, rc, &ev, err);
}

/* Inside a transaction: finds and checks a check-in. */
static enum tdm_status find(struct db *db, const char *token, const char *code, struct checkin *out,
			    struct tdm_err *err)
{
	char h[SHA256_HEX], norm[CHECKIN_CODE_LEN];
	memset(out, 0, sizeof *out);
	if (token && strlen(token) == TOKEN_LEN - 1) {
		crypto_sha256_hex(token, strlen(token), h);
	} else if (code && !norm_code(code, norm)) {
		crypto_sha256_hex(norm, strlen(norm), h);
	} else {
		return tdm_fail(err, TDM_ENOTFOUND, code ? "code" : NULL,
				"This check-in link or code is not valid. Ask the front desk for a new one.");
	}
	struct stmt *st = db_prepare(db,
		"SELECT c.id, c.patient_id, c.site_id, c.instruments, c.expires_at, COALESCE(c.used_at, ''),"
		" v.given_name, v.preferred_name FROM checkin c"
		" JOIN patient_version v ON v.patient_id = c.patient_id AND v.is_current = 1"
		" WHERE c.token_hash = ? OR c.code_hash = ?", err);
	if (!st)
		return err->code;
	db_bind_text(st, 1, h);
	db_bind_text(st, 2, h);
	int s = db_step(st, err);
	char list[CHECKIN_MAX_INSTRUMENTS * 18] = "";
	if (s == DB_ROW) {
		out->id = db_col_int(st, 0);
		out->patient_id = db_col_int(st, 1);
		out->site_id = db_col_int(st, 2);
		snprintf(list, sizeof list, "%s", db_col_text(st, 3));
		snprintf(out->expires_at, sizeof out->expires_at, "%s", db_col_text(st, 4));
		snprintf(out->used_at, sizeof out->used_at, "%s", db_col_text(st, 5));
		const char *pref = db_col_text(st, 7);
		snprintf(out->given_name, sizeof out->given_name, "%s", *pref ? pref : db_col_text(st, 6));
	}
	db_done(st);
	if (s < 0)
		return err->code;
	if (s != DB_ROW)
		return tdm_fail(err, TDM_ENOTFOUND, code ? "code" : NULL,
				"This check-in link or code is not valid. Ask the front desk for a new one.");
	if (out->used_at[0])
		return tdm_fail(err, TDM_ECONFLICT, NULL,
				"This check-in was already completed. Thank you. Ask the front desk if you need another.");
	time_t exp;
	if (instant_parse(out->expires_at, &exp) || time(NULL) > exp)
		return tdm_fail(err, TDM_EGONE, NULL,
				"This check-in has expired. Ask the front desk for a new one.");
	const char *codes[CHECKIN_MAX_INSTRUMENTS];
	char buf[sizeof list];
	int n = split_codes(list, codes, buf, sizeof buf);
	for (int i = 0; i < n; i++) {
		const struct instrument *in = instrument_find(codes[i]);
		if (!in)
			return tdm_fail(err, TDM_ECONFLICT, NULL, "This check-in can no longer be answered.");
		out->instruments[out->n_instruments++] = in;
	}
	return TDM_OK;
}

/* Guessing codes from one address is throttled like logins: failures are
 * login_attempt rows under the name "#checkin". */
static enum tdm_status throttled(struct db *db, const char *addr, struct tdm_err *err)
{
	char since[INSTANT_LEN];
	instant_format(time(NULL) - TDM_LOGIN_WINDOW_SECONDS, since);
	struct stmt *st = db_prepare(db,
		"SELECT COUNT(*) FROM login_attempt WHERE username = '#checkin' AND client_addr = ?"
		" AND ok = 0 AND at > ?", err);
	if (!st)
		return err->code;
	db_bind_text(st, 1, addr);
	db_bind_text(st, 2, since);
	int64_t n = 0;
	int found;
	enum tdm_status rc = db_query_int(st, &n, &found, err);
	if (!rc && n >= TDM_CHECKIN_MAX_FAILS)
		rc = tdm_fail(err, TDM_ETHROTTLED, NULL,
			      "Too many wrong codes from this device. Ask the front desk for help.");
	return rc;
}

static void record_failure(struct db *db, const char *addr)
{
	struct tdm_err e2;
	char now[INSTANT_LEN];
	instant_now(now);
	if (db_begin(db, DB_WRITE, &e2))
		return;
	struct stmt *st = db_prepare(db,
		"INSERT INTO login_attempt(username, client_addr, at, ok) VALUES ('#checkin', ?, ?, 0)", &e2);
	if (st) {
		db_bind_text(st, 1, addr);
		db_bind_text(st, 2, now);
		if (!db_run(st, &e2) && !db_commit(db, &e2))
			return;
	}
	db_rollback(db);
}

/* The actor of a check-in: the patient behind the link, or "anonymous". */
static void patient_actor(struct actor *who, const struct checkin *c, const char *addr,
			  const char *request_id)
{
	actor_system(who, "checkin");
	who->all_sites = 0;
	if (c->id)
		snprintf(who->username, sizeof who->username, "patient:checkin/%" PRId64, c->id);
	else
		snprintf(who->username, sizeof who->username, "anonymous:checkin");
	snprintf(who->addr, sizeof who->addr, "%s", addr);
	snprintf(who->request_id, sizeof who->request_id, "%s", request_id);
}

static void checkin_event(struct audit_event *ev, const char *action, const struct checkin *c)
{
	memset(ev, 0, sizeof *ev);
	ev->action = action;
	ev->object_type = "Checkin";
	ev->patient_id = c->patient_id;
	ev->site_id = c->site_id;
	if (c->id)
		snprintf(ev->object_id, sizeof ev->object_id, "%" PRId64, c->id);
}

enum tdm_status checkin_open(struct db *db, const char *token, const char *code,
			     const char *client_addr, const char *request_id, const char *action,
			     int audit_success, struct checkin *out, struct tdm_err *err)
{
	enum tdm_status rc = db_begin(db, DB_WRITE, err);
	if (rc)
		return rc;
	rc = throttled(db, client_addr, err);
	if (!rc)
		rc = find(db, token, code, out, err);
	struct actor who;
	struct audit_event ev;
	patient_actor(&who, out, client_addr, request_id);
	checkin_event(&ev, action, out);
	if (!rc && !audit_success) {
		db_rollback(db);
		return TDM_OK;
	}
	/* Every opening and every refusal is on the trail, against the
	 * patient when the link was real. */
	rc = audit_finish(db, &who, rc, &ev, err);
	if (rc == TDM_ENOTFOUND)
		record_failure(db, client_addr);
	return rc;
}

enum tdm_status checkin_submit(struct db *db, const char *token, const char *code,
			       int (*values)[INSTR_MAX_ITEMS], int n, const char *client_addr,
			       const char *request_id, struct assessment *results,
			       struct tdm_err *err)
{
	struct checkin c;
	enum tdm_status rc = db_begin(db, DB_WRITE, err);
	if (rc)
		return rc;
	struct actor who;
	struct audit_event ev;
	rc = find(db, token, code, &c, err);
	patient_actor(&who, &c, client_addr, request_id);
	checkin_event(&ev, "checkin.submit", &c);
	if (!rc && n != c.n_instruments)
		rc = tdm_fail(err, TDM_EINVAL, "answers", "answer all %d questionnaires", c.n_instruments);
	for (int i = 0; !rc && i < c.n_instruments; i++) {
		struct assessment_input inp;
		memset(&inp, 0, sizeof inp);
		inp.in = c.instruments[i];
		memcpy(inp.values, values[i], sizeof inp.values);
		snprintf(inp.answered_by, sizeof inp.answered_by, "patient");
		inp.checkin_id = c.id;
		rc = assessment_insert(db, who.username, c.patient_id, c.site_id, &inp, &results[i], err);
		if (rc == TDM_EINVAL && !strncmp(err->field, "items.", 6)) {
			/* Say which questionnaire: answers.<k>.items.<id>. */
			char f[sizeof err->field];
			snprintf(f, sizeof f, "answers.%d.%s", i, err->field);
			snprintf(err->field, sizeof err->field, "%s", f);
		}
	}
	if (!rc) {
		char now[INSTANT_LEN];
		instant_now(now);
		/* used_at IS NULL: a racing second submit changes nothing. */
		struct stmt *st = db_prepare(db,
			"UPDATE checkin SET used_at = ? WHERE id = ? AND used_at IS NULL", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_text(st, 1, now);
			db_bind_int(st, 2, c.id);
			rc = db_run(st, err);
		}
	}
	snprintf(ev.detail, sizeof ev.detail, "%d questionnaires", c.n_instruments);
	return audit_finish(db, &who, rc, &ev, err);
}
