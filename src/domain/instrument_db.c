/*
 * instrument_db.c - instruments a clinic imports (wording Tandem may not
 * ship: full AUDIT, DAST-10, C-SSRS): checked, stored in the database so that
 * every server of the clinic loads them, and audited.
 */
#include "domain/audit.h"
#include "domain/instrument.h"
#include "domain/instrument_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tdm_status instrument_import(struct db *db, const struct actor *a, const char *json,
				  size_t len, const char *origin, char *code, size_t code_len,
				  struct tdm_err *err)
{
	struct instrument *in = NULL;
	enum tdm_status rc = instrument_parse(json, len, origin, &in, err);
	if (rc)
		return rc;
	const struct instrument *old = instrument_find(in->code);
	if (old && !old->imported) {
		rc = tdm_fail(err, TDM_ECONFLICT, "code", "%s is built in (data/instruments); import it "
			      "under another code", in->code);
		free(in);
		return rc;
	}
	in->imported = 1;
	snprintf(code, code_len, "%s", in->code);
	if ((rc = db_begin(db, DB_WRITE, err))) {
		free(in);
		return rc;
	}
	char now[INSTANT_LEN];
	instant_now(now);
	struct stmt *st = db_prepare(db,
		"INSERT INTO instrument_def(code, version, definition, imported_at, imported_by)"
		" VALUES (?,?,?,?,?)", err);
	if (!st) {
		rc = err->code;
	} else {
		db_bind_text(st, 1, in->code);
		db_bind_text(st, 2, in->version);
		db_bind_text(st, 3, json);
		db_bind_text(st, 4, now);
		db_bind_text(st, 5, a->username);
		rc = db_run(st, err);
	}
	struct audit_event ev = {.action = "instrument.import", .object_type = "Instrument"};
	snprintf(ev.object_id, sizeof ev.object_id, "%s", in->code);
	snprintf(ev.detail, sizeof ev.detail, "version %s from %.180s", in->version, origin);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		free(in);
		return rc;
	}
	return instrument_register(in, err);
}

enum tdm_status instrument_load_db(struct db *db, struct tdm_err *err)
{
	enum tdm_status rc = db_begin(db, DB_READ, err);
	if (rc)
		return rc;
	/* The newest import of each code wins. */
	struct stmt *st = db_prepare(db,
		"SELECT code, definition FROM instrument_def d WHERE id ="
		" (SELECT MAX(id) FROM instrument_def WHERE code = d.code) ORDER BY code", err);
	if (!st) {
		db_rollback(db);
		return err->code;
	}
	int s;
	while (!rc && (s = db_step(st, err)) == DB_ROW) {
		const char *text = db_col_text(st, 1);
		char origin[64];
		snprintf(origin, sizeof origin, "imported %s", db_col_text(st, 0));
		struct instrument *in = NULL;
		rc = instrument_parse(text, strlen(text), origin, &in, err);
		if (!rc) {
			in->imported = 1;
			rc = instrument_register(in, err);
		}
	}
	if (!rc && s < 0)
		rc = err->code;
	db_done(st);
	db_rollback(db);
	return rc;
}
