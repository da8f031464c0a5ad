/*
 * copy.c - `tandem migrate-store` and `tandem backup`.
 *
 * The table list is the schema's, parents before children. SQL text is built
 * once per table from these constants (never from input).
 */
#include "store/copy.h"
#include "util/buf.h"

#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const struct table {
	const char *name;
	const char *cols;
	const char *key; /* auto-increment column to resync on PostgreSQL, or NULL */
} tables[] = {
	{"site", "id, code, name, created_at", "id"},
	{"app_user", "id, username, password_hash, created_at, disabled_at", "id"},
	{"user_role", "id, user_id, site_id, role, role_bit, granted_at, granted_by, revoked_at", "id"},
	{"session", "id, token_hash, user_id, created_at, expires_at, revoked_at, client_addr", "id"},
	{"login_attempt", "id, username, client_addr, at, ok", "id"},
	{"audit", "seq, at, user_id, username, roles, site_id, action, patient_id, object_type,"
		  " object_id, outcome, client_addr, request_id, detail, prev_hash, hash", NULL},
	{"patient", "id, site_id, mrn, created_at, created_by", "id"},
	{"patient_version", "id, patient_id, family_name, given_name, preferred_name, birth_date,"
			    " sex_at_birth, gender_identity, phone, email, address_line, city, region,"
			    " postal_code, emergency_name, emergency_relationship, emergency_phone,"
			    " preferred_language, search_name, reason, recorded_at, recorded_by,"
			    " is_current", "id"},
	{"diagnosis", "id, patient_id, code, category, substance, pattern, onset_date, note,"
		      " recorded_at, recorded_by", "id"},
	{"diagnosis_status", "id, diagnosis_id, status, effective_on, reason, recorded_at,"
			     " recorded_by", "id"},
	{"episode", "id, patient_id, site_id, admitted_on, recorded_at, recorded_by", "id"},
	{"placement", "id, episode_id, level, asam_level, asam_edition, started_on, reason,"
		      " recorded_at, recorded_by", "id"},
	{"discharge", "id, episode_id, discharged_on, reason, note, recorded_at, recorded_by", "id"},
	{"meta", "key, value", NULL},
	{"instrument_def", "id, code, version, definition, imported_at, imported_by", "id"},
	{"checkin", "id, patient_id, site_id, token_hash, code_hash, instruments, created_at, created_by,"
		    " expires_at, used_at", "id"},
	{"assessment", "id, patient_id, site_id, instrument, version, total, band, severity,"
		       " interpretation, prorated, answered_by, administered_at, checkin_id, note,"
		       " recorded_at, recorded_by", "id"},
	{"assessment_answer", "assessment_id, item, value", NULL},
	{"alert", "id, patient_id, site_id, assessment_id, rule_id, kind, severity, message, found,"
		  " why, source, roles, raised_at", "id"},
	{"alert_ack", "id, alert_id, note, acked_at, acked_by", "id"},
	{"schedule", "id, patient_id, instrument, every_minutes, starts_at, reason, created_at,"
		     " created_by", "id"},
	{"schedule_stop", "id, schedule_id, reason, stopped_at, stopped_by", "id"},
	{"allergy", "id, patient_id, substance, medication_id, kind, reaction, severity, noted_on,"
		    " recorded_at, recorded_by", "id"},
	{"allergy_status", "id, allergy_id, status, reason, recorded_at, recorded_by", "id"},
	{"result", "id, patient_id, site_id, kind, substance, outcome, expected, code, value, unit,"
		   " taken_at, note, recorded_at, recorded_by", "id"},
	{"result_status", "id, result_id, status, reason, recorded_at, recorded_by", "id"},
	{"med_order", "id, patient_id, site_id, medication, unit, route, frequency, start_on, stop_on,"
		      " indication_id, instructions, created_at, created_by", "id"},
	{"med_order_event", "id, order_id, kind, dose, titration_id, effective_on, reason, recorded_at, recorded_by", "id"},
	{"med_order_alert", "id, order_id, event_id, rule, severity, message, why, source, override_reason,"
			    " recorded_at, recorded_by", "id"},
	{"med_titration", "id, order_id, plan, created_at, created_by", "id"},
	{"med_titration_step", "id, titration_id, order_id, effective_on, dose", "id"},
	{"takehome_decision", "id, patient_id, site_id, medication, approved_days, max_days, treatment_day,"
			      " factors, reason, decided_at, decided_by", "id"},
	{"takehome_education", "id, patient_id, note, recorded_at, recorded_by", "id"},
	{"takehome_dispense", "id, order_id, patient_id, site_id, first_on, days, bottles, amount, closure,"
			      " decision_id, recorded_at, recorded_by", "id"},
	{"takehome_return", "id, dispense_id, bottles, condition, note, recorded_at, recorded_by", "id"},
	{"med_admin", "id, order_id, patient_id, site_id, dose_on, slot, attempt, status, amount, unit,"
		      " dispense_id, note, user_id, idem_key, idem_hash, recorded_at, recorded_by", "id"},
	{"med_admin_void", "id, admin_id, reason, recorded_at, recorded_by", "id"},
	{"diversion", "id, patient_id, noted_on, note, recorded_at, recorded_by", "id"},
	/* treatment plans (migration 5) */
	{"plan", "id, patient_id, site_id, episode_id, created_at, created_by", "id"},
	{"plan_version", "id, plan_id, version, kind, effective_on, content, last_key, note, recorded_at,"
			 " recorded_by", "id"},
	{"plan_signature", "id, version_id, role, signed_by, method, attestation, signed_at, recorded_by", "id"},
	/* therapy: sessions, attendance, notes, triggers (migration 6) */
	{"therapy_series", "id, site_id, kind, modality, title, clinician_id, room, telehealth, first_at, minutes,"
			   " sessions, created_at, created_by", "id"},
	{"therapy_series_patient", "id, series_id, patient_id, added_at, added_by, removed_at, removed_by", "id"},
	{"therapy_session", "id, site_id, series_id, kind, modality, title, clinician_id, room, telehealth,"
			    " starts_at, ends_at, minutes, created_at, created_by", "id"},
	{"therapy_session_cancel", "id, session_id, reason, cancelled_at, cancelled_by", "id"},
	{"therapy_session_patient", "id, session_id, patient_id, added_at, added_by, removed_at, removed_by", "id"},
	{"attendance", "id, session_id, patient_id, status, note, recorded_at, recorded_by", "id"},
	{"supervision", "id, user_id, supervisor_id, started_at, started_by, ended_at, ended_by", "id"},
	{"progress_note", "id, session_id, site_id, author_id, author, created_at", "id"},
	{"progress_note_version", "id, note_id, version, format, recorded_at, recorded_by", "id"},
	{"progress_note_patient", "version_id, patient_id", NULL},
	{"progress_note_part", "id, version_id, patient_id, section, body", "id"},
	{"progress_note_objective", "version_id, patient_id, plan_id, objective_key", NULL},
	{"progress_note_signature", "id, note_id, version_id, kind, user_id, username, signed_at, cosigner_id", "id"},
	{"progress_note_addendum", "id, note_id, patient_id, body, author_id, author, signed_at", "id"},
	{"psychotherapy_note", "id, patient_id, site_id, session_id, author_id, author, body, created_at", "id"},
	{"alert_recipient", "id, alert_id, user_id", "id"},
	{"patient_trigger", "id, patient_id, category, description, recorded_at, recorded_by", "id"},
	{"coping_strategy", "id, patient_id, description, recorded_at, recorded_by", "id"},
	{"coping_trigger", "strategy_id, trigger_id", NULL},
	{"coping_rating", "id, strategy_id, effectiveness, note, rated_on, recorded_at, recorded_by", "id"},
	{"warning_sign", "id, patient_id, description, recorded_at, recorded_by", "id"},
	{"support_contact", "id, patient_id, name, relationship, phone, recorded_at, recorded_by", "id"},
	{"relapse_item_retired", "id, kind, item_id, reason, retired_at, retired_by", "id"},
};
#define N_TABLES ((int)(sizeof tables / sizeof tables[0]))

/* Built SQL, one set per table, kept for the process (statement caches key on
 * these pointers). */
static char sql_select[N_TABLES][640], sql_insert[N_TABLES][768], sql_count[N_TABLES][96];

static int count_cols(const char *cols)
{
	int n = 1;
	for (const char *p = cols; *p; p++)
		n += *p == ',';
	return n;
}

static void build_sql(void)
{
	for (int i = 0; i < N_TABLES; i++) {
		const struct table *t = &tables[i];
		int n = count_cols(t->cols);
		snprintf(sql_select[i], sizeof sql_select[i], "SELECT %s FROM %s ORDER BY 1", t->cols, t->name);
		snprintf(sql_count[i], sizeof sql_count[i], "SELECT COUNT(*) FROM %s", t->name);
		int len = snprintf(sql_insert[i], sizeof sql_insert[i], "INSERT INTO %s(%s) VALUES (",
				   t->name, t->cols);
		for (int c = 0; c < n; c++)
			len += snprintf(sql_insert[i] + len, sizeof sql_insert[i] - (size_t)len, "%s?",
					c ? "," : "");
		snprintf(sql_insert[i] + len, sizeof sql_insert[i] - (size_t)len, ")");
	}
}

static enum tdm_status table_count(struct db *db, int i, int64_t *n, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, sql_count[i], err);
	if (!st)
		return err->code;
	int found;
	return db_query_int(st, n, &found, err);
}

static enum tdm_status copy_table(struct db *src, struct db *dst, int i, int64_t *rows,
				  struct tdm_err *err)
{
	int ncols = count_cols(tables[i].cols);
	struct stmt *in = db_prepare(src, sql_select[i], err);
	if (!in)
		return err->code;
	struct stmt *out = db_prepare(dst, sql_insert[i], err);
	if (!out) {
		db_done(in);
		return err->code;
	}
	int s;
	enum tdm_status rc = TDM_OK;
	while (!rc && (s = db_step(in, err)) == DB_ROW) {
		for (int c = 0; c < ncols; c++) {
			if (db_col_null(in, c))
				db_bind_null(out, c + 1);
			else
				db_bind_text(out, c + 1, db_col_text(in, c));
		}
		rc = db_run(out, err);
		(*rows)++;
	}
	if (!rc && s < 0)
		rc = err->code;
	db_done(in);
	return rc;
}

enum tdm_status copy_store(struct db *src, struct db *dst, struct copy_report *rep,
			   struct tdm_err *err)
{
	int vs = 0, vd = 0;
	enum tdm_status rc;
	memset(rep, 0, sizeof *rep);
	build_sql();
	if ((rc = migrate_version(src, &vs, err)) || (rc = migrate_version(dst, &vd, err)))
		return rc;
	if (vs != vd)
		return tdm_fail(err, TDM_EINVAL, "to", "schema versions differ: source %d, target %d", vs, vd);
	if ((rc = db_begin(src, DB_READ, err)))
		return rc;
	if ((rc = db_begin(dst, DB_WRITE, err))) {
		db_rollback(src);
		return rc;
	}
	for (int i = 0; !rc && i < N_TABLES; i++) {
		int64_t n = 0;
		rc = table_count(dst, i, &n, err);
		if (!rc && n)
			rc = tdm_fail(err, TDM_ECONFLICT, "to", "target table %s is not empty (%" PRId64 " rows)",
				      tables[i].name, n);
	}
	for (int i = 0; !rc && i < N_TABLES; i++) {
		rc = copy_table(src, dst, i, &rep->rows, err);
		rep->tables++;
	}
	/* PostgreSQL: move each sequence past the copied ids. */
	for (int i = 0; !rc && i < N_TABLES && !strcmp(dst->ops->name, "postgresql"); i++) {
		if (!tables[i].key)
			continue;
		char sql[256];
		snprintf(sql, sizeof sql,
			 "SELECT setval(pg_get_serial_sequence('%s', '%s'), COALESCE(MAX(%s), 0) + 1, false)"
			 " FROM %s", tables[i].name, tables[i].key, tables[i].key, tables[i].name);
		rc = db_exec(dst, sql, err);
	}
	/* Verify by counts before committing. */
	for (int i = 0; !rc && i < N_TABLES; i++) {
		int64_t a = 0, b = 0;
		rc = table_count(src, i, &a, err);
		if (!rc)
			rc = table_count(dst, i, &b, err);
		if (!rc && a != b) {
			snprintf(rep->mismatch, sizeof rep->mismatch, "%s: %" PRId64 " rows in source, %" PRId64
				 " in target", tables[i].name, a, b);
			rc = tdm_fail(err, TDM_EDB, NULL, "count mismatch: %s", rep->mismatch);
		}
	}
	db_rollback(src);
	if (rc) {
		db_rollback(dst);
		return rc;
	}
	return db_commit(dst, err);
}

enum tdm_status copy_sqlite_backup(const char *src_path, const char *dest_path,
				   struct tdm_err *err)
{
	struct stat st;
	if (stat(src_path, &st) != 0)
		return tdm_fail(err, TDM_EIO, "db", "no database file %s", src_path);
	if (stat(dest_path, &st) == 0)
		return tdm_fail(err, TDM_ECONFLICT, "dest", "%s exists; choose a new file", dest_path);
	sqlite3 *src = NULL, *dst = NULL;
	enum tdm_status rc = TDM_OK;
	if (sqlite3_open_v2(src_path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_open_v2(dest_path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		rc = tdm_fail(err, TDM_EIO, NULL, "cannot open: %s",
			      sqlite3_errmsg(dst ? dst : src));
	} else {
		sqlite3_busy_timeout(src, 10000);
		sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
		if (!b) {
			rc = tdm_fail(err, TDM_EIO, NULL, "backup: %s", sqlite3_errmsg(dst));
		} else {
			int r;
			/* Copy in steps so the server's writers are not blocked for long. */
			while ((r = sqlite3_backup_step(b, 256)) == SQLITE_OK || r == SQLITE_BUSY ||
			       r == SQLITE_LOCKED)
				sqlite3_sleep(r == SQLITE_OK ? 0 : 50);
			sqlite3_backup_finish(b);
			if (r != SQLITE_DONE)
				rc = tdm_fail(err, TDM_EIO, NULL, "backup failed: %s", sqlite3_errstr(r));
		}
	}
	sqlite3_close(src);
	sqlite3_close(dst);
	if (rc)
		remove(dest_path);
	return rc;
}
