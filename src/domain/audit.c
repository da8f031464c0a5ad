#include "domain/audit.h"
#include "util/buf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* The canonical text of a row: each field length-prefixed, so no choice of
 * field contents can make two different rows hash alike. */
static void canon_field(struct buf *b, const char *s)
{
	buf_printf(b, "%zu:%s;", strlen(s), s);
}

static void canon_int(struct buf *b, int64_t v)
{
	char t[24];
	snprintf(t, sizeof t, "%" PRId64, v);
	canon_field(b, t);
}

static int row_hash(const char *prev, const struct audit_row *r, char out[SHA256_HEX])
{
	struct buf b;
	buf_init(&b, 8192);
	canon_field(&b, prev);
	canon_int(&b, r->seq);
	canon_field(&b, r->at);
	canon_int(&b, r->user_id);
	canon_field(&b, r->username);
	canon_field(&b, r->roles);
	canon_int(&b, r->site_id);
	canon_field(&b, r->action);
	canon_int(&b, r->patient_id);
	canon_field(&b, r->object_type);
	canon_field(&b, r->object_id);
	canon_field(&b, r->outcome);
	canon_field(&b, r->client_addr);
	canon_field(&b, r->request_id);
	canon_field(&b, r->detail);
	int bad = b.err;
	if (!bad)
		crypto_sha256_hex(b.p, b.len, out);
	buf_release(&b);
	return bad ? -1 : 0;
}

static const char *outcome_of(enum tdm_status rc)
{
	return rc == TDM_OK ? "ok" : tdm_code_name(rc);
}

enum tdm_status audit_append(struct db *db, const struct actor *a,
			     const struct audit_event *ev, struct tdm_err *err)
{
	struct audit_row r;
	char prev[SHA256_HEX] = GENESIS;
	enum tdm_status rc;
	memset(&r, 0, sizeof r);

	/* One chain head: appends are serialised with every writer. */
	if ((rc = db_serialize(db, err)))
		return rc;
	struct stmt *st = db_prepare(db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", err);
	if (!st)
		return err->code;
	int s = db_step(st, err);
	if (s == DB_ROW) {
		r.seq = db_col_int(st, 0) + 1;
		snprintf(prev, sizeof prev, "%s", db_col_text(st, 1));
	} else {
		r.seq = 1;
	}
	db_done(st);
	if (s < 0)
		return err->code;

	instant_now(r.at);
	r.user_id = a->user_id;
	snprintf(r.username, sizeof r.username, "%s", a->username);
	unsigned held = ev->site_id ? access_roles_at(a, ev->site_id) : access_roles_any(a);
	role_names(held, r.roles, sizeof r.roles);
	r.site_id = ev->site_id;
	snprintf(r.action, sizeof r.action, "%s", ev->action);
	r.patient_id = ev->patient_id;
	snprintf(r.object_type, sizeof r.object_type, "%s", ev->object_type ? ev->object_type : "");
	snprintf(r.object_id, sizeof r.object_id, "%s", ev->object_id);
	snprintf(r.outcome, sizeof r.outcome, "%s", ev->outcome ? ev->outcome : "ok");
	snprintf(r.client_addr, sizeof r.client_addr, "%s", a->addr);
	snprintf(r.request_id, sizeof r.request_id, "%s", a->request_id);
	snprintf(r.detail, sizeof r.detail, "%s", ev->detail);

	char hash[SHA256_HEX];
	if (row_hash(prev, &r, hash))
		return tdm_fail(err, TDM_EINTERNAL, NULL, "audit row too large");

	st = db_prepare(db,
		"INSERT INTO audit(seq, at, user_id, username, roles, site_id, action, patient_id,"
		" object_type, object_id, outcome, client_addr, request_id, detail, prev_hash, hash)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, r.seq);
	db_bind_text(st, 2, r.at);
	db_bind_int(st, 3, r.user_id);
	db_bind_text(st, 4, r.username);
	db_bind_text(st, 5, r.roles);
	db_bind_int(st, 6, r.site_id);
	db_bind_text(st, 7, r.action);
	db_bind_int(st, 8, r.patient_id);
	db_bind_text(st, 9, r.object_type);
	db_bind_text(st, 10, r.object_id);
	db_bind_text(st, 11, r.outcome);
	db_bind_text(st, 12, r.client_addr);
	db_bind_text(st, 13, r.request_id);
	db_bind_text(st, 14, r.detail);
	db_bind_text(st, 15, prev);
	db_bind_text(st, 16, hash);
	rc = db_run(st, err);
	return rc;
}

enum tdm_status audit_finish(struct db *db, const struct actor *a, enum tdm_status rc,
			     struct audit_event *ev, struct tdm_err *err)
{
	if (rc == TDM_OK) {
		ev->outcome = ev->outcome ? ev->outcome : "ok";
		rc = audit_append(db, a, ev, err);
		if (rc == TDM_OK)
			return db_commit(db, err);
		db_rollback(db);
		return rc;
	}
	db_rollback(db);
	if (rc == TDM_EBUSY || rc == TDM_EDB || rc == TDM_ENOMEM)
		return rc; /* the store itself is in trouble; the log says so */
	/* Record the refused or failed attempt on its own. */
	struct tdm_err e2;
	tdm_err_clear(&e2);
	if (!ev->outcome)
		ev->outcome = outcome_of(rc);
	if (db_begin(db, DB_WRITE, &e2) == TDM_OK) {
		if (audit_append(db, a, ev, &e2) == TDM_OK)
			db_commit(db, &e2);
		else
			db_rollback(db);
	}
	return rc;
}

static void read_row(struct stmt *st, struct audit_row *r)
{
	r->seq = db_col_int(st, 0);
	snprintf(r->at, sizeof r->at, "%s", db_col_text(st, 1));
	r->user_id = db_col_int(st, 2);
	snprintf(r->username, sizeof r->username, "%s", db_col_text(st, 3));
	snprintf(r->roles, sizeof r->roles, "%s", db_col_text(st, 4));
	r->site_id = db_col_int(st, 5);
	snprintf(r->action, sizeof r->action, "%s", db_col_text(st, 6));
	r->patient_id = db_col_int(st, 7);
	snprintf(r->object_type, sizeof r->object_type, "%s", db_col_text(st, 8));
	snprintf(r->object_id, sizeof r->object_id, "%s", db_col_text(st, 9));
	snprintf(r->outcome, sizeof r->outcome, "%s", db_col_text(st, 10));
	snprintf(r->client_addr, sizeof r->client_addr, "%s", db_col_text(st, 11));
	snprintf(r->request_id, sizeof r->request_id, "%s", db_col_text(st, 12));
	snprintf(r->detail, sizeof r->detail, "%s", db_col_text(st, 13));
}

#define AUDIT_COLS "seq, at, user_id, username, roles, site_id, action, patient_id," \
	" object_type, object_id, outcome, client_addr, request_id, detail"

/* Rows of one patient, or all rows; either way only rows of sites where the
 * actor holds the route's roles, plus rows tied to no site (logins,
 * refusals at the router). */
#define AUDIT_WHERE                                                                      \
	" (? = 0 OR patient_id = ?) AND (? = 1 OR site_id = 0 OR site_id IN"           \
	" (SELECT site_id FROM user_role WHERE user_id = ? AND revoked_at IS NULL"        \
	" AND (role_bit & ?) <> 0))"

static void bind_where(struct stmt *st, const struct actor *a, int64_t patient_id)
{
	db_bind_int(st, 1, patient_id);
	db_bind_int(st, 2, patient_id);
	db_bind_int(st, 3, a->all_sites);
	db_bind_int(st, 4, a->user_id);
	db_bind_int(st, 5, a->route_roles);
}

enum tdm_status audit_list(struct db *db, const struct actor *a, int64_t patient_id,
			   int limit, int offset, struct audit_row **rows, int *n,
			   int64_t *total, struct tdm_err *err)
{
	struct audit_event ev = {.action = "audit.read", .patient_id = patient_id,
				 .object_type = "AuditTrail"};
	enum tdm_status rc;
	*rows = NULL;
	*n = 0;
	*total = 0;
	if ((rc = db_begin(db, DB_AUDITED_READ, err)))
		return rc;
	/* The patient must exist at a site the actor may audit. */
	if (patient_id > 0) {
		struct stmt *st = db_prepare(db, "SELECT site_id FROM patient WHERE id = ?", err);
		int64_t site = 0;
		int found = 0;
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			rc = db_query_int(st, &site, &found, err);
		}
		if (!rc && (!found || !access_at(a, site))) {
			ev.outcome = found ? "denied" : NULL;
			rc = tdm_fail(err, TDM_ENOTFOUND, "patient", "no patient %" PRId64, patient_id);
		}
		ev.site_id = site;
	} else if (!a->all_sites && !(access_roles_any(a) & a->route_roles)) {
		rc = tdm_fail(err, TDM_EFORBIDDEN, NULL, "not allowed");
	}
	if (!rc) {
		struct stmt *st = db_prepare(db, "SELECT COUNT(*) FROM audit WHERE" AUDIT_WHERE, err);
		int found;
		if (!st) {
			rc = err->code;
		} else {
			bind_where(st, a, patient_id);
			rc = db_query_int(st, total, &found, err);
		}
	}
	if (!rc) {
		*rows = calloc((size_t)(limit > 0 ? limit : 1), sizeof **rows);
		if (!*rows)
			rc = tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	}
	if (!rc) {
		struct stmt *st = db_prepare(db,
			"SELECT " AUDIT_COLS " FROM audit WHERE" AUDIT_WHERE
			" ORDER BY seq DESC LIMIT ? OFFSET ?", err);
		if (!st) {
			rc = err->code;
		} else {
			bind_where(st, a, patient_id);
			db_bind_int(st, 6, limit);
			db_bind_int(st, 7, offset);
			int s;
			while ((s = db_step(st, err)) == DB_ROW && *n < limit)
				read_row(st, &(*rows)[(*n)++]);
			if (s < 0)
				rc = err->code;
			db_done(st);
		}
	}
	snprintf(ev.detail, sizeof ev.detail, "rows=%d", *n);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}

enum tdm_status audit_patient_by_mrn(struct db *db, const char *mrn, int64_t *patient_id,
				     struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, "SELECT id FROM patient WHERE mrn = ?", err);
	if (!st)
		return err->code;
	db_bind_text(st, 1, mrn);
	int found = 0;
	enum tdm_status rc = db_query_int(st, patient_id, &found, err);
	if (!rc && !found)
		rc = tdm_fail(err, TDM_ENOTFOUND, "mrn", "no patient with that MRN");
	return rc;
}

enum tdm_status audit_verify(struct db *db, struct audit_report *rep, struct tdm_err *err)
{
	memset(rep, 0, sizeof *rep);
	enum tdm_status rc = db_begin(db, DB_READ, err);
	if (rc)
		return rc;
	struct stmt *st = db_prepare(db,
		"SELECT " AUDIT_COLS ", prev_hash, hash FROM audit ORDER BY seq", err);
	if (!st) {
		db_rollback(db);
		return err->code;
	}
	char prev[SHA256_HEX] = GENESIS, calc[SHA256_HEX];
	int64_t expect = 1;
	int s;
	struct audit_row r;
	while ((s = db_step(st, err)) == DB_ROW) {
		read_row(st, &r);
		const char *stored_prev = db_col_text(st, 14);
		const char *stored = db_col_text(st, 15);
		rep->rows++;
		if (r.seq != expect) {
			rep->bad_seq = r.seq;
			snprintf(rep->why, sizeof rep->why,
				 "expected row %" PRId64 " but found %" PRId64 ": rows removed or renumbered",
				 expect, r.seq);
			break;
		}
		if (strcmp(stored_prev, prev) != 0) {
			rep->bad_seq = r.seq;
			snprintf(rep->why, sizeof rep->why,
				 "does not follow the row before it: rows removed, inserted or reordered");
			break;
		}
		if (row_hash(prev, &r, calc) || strcmp(calc, stored) != 0) {
			rep->bad_seq = r.seq;
			snprintf(rep->why, sizeof rep->why, "contents do not match its hash: row edited");
			break;
		}
		snprintf(prev, sizeof prev, "%s", stored);
		expect++;
	}
	db_done(st);
	db_rollback(db);
	return s < 0 ? err->code : TDM_OK;
}
