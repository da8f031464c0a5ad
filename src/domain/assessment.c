#include "domain/assessment.h"
#include "domain/alert.h"
#include "domain/audit.h"
#include "domain/patient.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static enum tdm_status check_time(const char *t, struct tdm_err *err)
{
	time_t v;
	if (instant_parse(t, &v))
		return tdm_fail(err, TDM_EINVAL, "administered_at",
				"administered_at must be a UTC time like 2026-11-29T08:30:00Z");
	if (v > time(NULL) + 300)
		return tdm_fail(err, TDM_EINVAL, "administered_at", "administered_at %s is in the future", t);
	return TDM_OK;
}

/* What a rule found, in words, for the alert. */
static void describe(const struct instrument *in, const struct instr_alert *r, const int *values,
		     int total, char *out, size_t n)
{
	if (r->item[0]) {
		int k = instrument_item_index(in, r->item);
		snprintf(out, n, "%s item %s answered %d (rule: %d or more); total %d", in->code, r->item,
			 k >= 0 ? values[k] : 0, r->item_min, total);
	} else {
		snprintf(out, n, "%s total %d (rule: %d or more)", in->code, total, r->total_min);
	}
}

enum tdm_status assessment_insert(struct db *db, const char *who, int64_t patient_id,
				  int64_t site_id, const struct assessment_input *inp,
				  struct assessment *out, struct tdm_err *err)
{
	const struct instrument *in = inp->in;
	struct instr_score sc;
	enum tdm_status rc = instrument_score(in, inp->values, &sc, err);
	if (rc)
		return rc;
	char now[INSTANT_LEN];
	instant_now(now);
	memset(out, 0, sizeof *out);
	out->patient_id = patient_id;
	out->site_id = site_id;
	snprintf(out->instrument, sizeof out->instrument, "%s", in->code);
	snprintf(out->version, sizeof out->version, "%s", in->version);
	out->total = sc.total;
	out->prorated = sc.prorated;
	snprintf(out->band, sizeof out->band, "%s", sc.band ? sc.band->label : "");
	snprintf(out->severity, sizeof out->severity, "%s", sc.band ? sc.band->severity : "");
	snprintf(out->interpretation, sizeof out->interpretation, "%s", sc.band ? sc.band->interpretation : "");
	snprintf(out->answered_by, sizeof out->answered_by, "%s", inp->answered_by[0] ? inp->answered_by : "staff");
	snprintf(out->administered_at, sizeof out->administered_at, "%s",
		 inp->administered_at[0] ? inp->administered_at : now);
	snprintf(out->note, sizeof out->note, "%s", inp->note);
	snprintf(out->recorded_at, sizeof out->recorded_at, "%s", now);
	snprintf(out->recorded_by, sizeof out->recorded_by, "%s", who);

	struct stmt *st = db_prepare(db,
		"INSERT INTO assessment(patient_id, site_id, instrument, version, total, band, severity,"
		" interpretation, prorated, answered_by, administered_at, checkin_id, note, recorded_at,"
		" recorded_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, patient_id);
	db_bind_int(st, 2, site_id);
	db_bind_text(st, 3, out->instrument);
	db_bind_text(st, 4, out->version);
	db_bind_int(st, 5, out->total);
	db_bind_text(st, 6, out->band);
	db_bind_text(st, 7, out->severity);
	db_bind_text(st, 8, out->interpretation[0] ? out->interpretation : NULL);
	db_bind_int(st, 9, out->prorated);
	db_bind_text(st, 10, out->answered_by);
	db_bind_text(st, 11, out->administered_at);
	if (inp->checkin_id)
		db_bind_int(st, 12, inp->checkin_id);
	else
		db_bind_null(st, 12);
	db_bind_text(st, 13, out->note[0] ? out->note : NULL);
	db_bind_text(st, 14, now);
	db_bind_text(st, 15, who);
	if ((rc = db_insert_id(st, &out->id, err)))
		return rc;
	for (int i = 0; i < in->n_items && !rc; i++) {
		snprintf(out->answers[i].item, sizeof out->answers[i].item, "%s", in->items[i].id);
		out->answers[i].value = inp->values[i];
		out->n_answers++;
		st = db_prepare(db, "INSERT INTO assessment_answer(assessment_id, item, value) VALUES (?,?,?)", err);
		if (!st)
			return err->code;
		db_bind_int(st, 1, out->id);
		db_bind_text(st, 2, in->items[i].id);
		if (inp->values[i] == INSTR_MISSING)
			db_bind_null(st, 3);
		else
			db_bind_int(st, 3, inp->values[i]);
		rc = db_run(st, err);
	}
	for (int k = 0; k < sc.n_alerts && !rc; k++) {
		char *found = out->alert_found[k];
		describe(in, sc.alerts[k], inp->values, sc.total, found, sizeof out->alert_found[k]);
		rc = alert_raise(db, patient_id, site_id, out->id, sc.alerts[k], found, &out->alert_ids[k], err);
		out->alerts[k] = sc.alerts[k];
		out->n_alerts++;
	}
	return rc;
}

enum tdm_status assessment_record(struct db *db, const struct actor *a, int64_t patient_id,
				  const struct assessment_input *inp, struct assessment *out,
				  struct tdm_err *err)
{
	enum tdm_status rc;
	if (inp->administered_at[0] && (rc = check_time(inp->administered_at, err)))
		return rc;
	if (strlen(inp->note) > TDM_LEN_REASON)
		return tdm_fail(err, TDM_EINVAL, "note", "note is longer than %d characters", TDM_LEN_REASON);
	struct audit_event ev;
	int open;
	rc = patient_open(db, a, patient_id, DB_WRITE, "assessment.create", "Assessment", &ev, &open, err);
	if (!open)
		return rc;
	if (!rc)
		rc = assessment_insert(db, a->username, patient_id, ev.site_id, inp, out, err);
	if (!rc) {
		snprintf(ev.object_id, sizeof ev.object_id, "%" PRId64, out->id);
		snprintf(ev.detail, sizeof ev.detail, "%s total %d %s; alerts %d", out->instrument,
			 out->total, out->band, out->n_alerts);
	} else {
		snprintf(ev.detail, sizeof ev.detail, "%s", inp->in->code);
	}
	return audit_finish(db, a, rc, &ev, err);
}

#define COPY(dst, i) snprintf(dst, sizeof dst, "%s", db_col_text(st, i))

static enum tdm_status load_answers(struct db *db, struct assessment *as, struct tdm_err *err)
{
	struct stmt *st = db_prepare(db,
		"SELECT item, value FROM assessment_answer WHERE assessment_id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, as->id);
	int s;
	const struct instrument *in = instrument_find(as->instrument);
	as->n_answers = 0;
	/* In the instrument's item order when it is still loaded. */
	while ((s = db_step(st, err)) == DB_ROW && as->n_answers < INSTR_MAX_ITEMS) {
		const char *item = db_col_text(st, 0);
		int idx = in ? instrument_item_index(in, item) : -1;
		int slot = idx >= 0 && idx < INSTR_MAX_ITEMS ? idx : as->n_answers;
		snprintf(as->answers[slot].item, sizeof as->answers[slot].item, "%s", item);
		as->answers[slot].value = db_col_null(st, 1) ? INSTR_MISSING : (int)db_col_int(st, 1);
		if (slot + 1 > as->n_answers)
			as->n_answers = slot + 1;
	}
	db_done(st);
	return s < 0 ? err->code : TDM_OK;
}

enum tdm_status assessment_list(struct db *db, const struct actor *a, int64_t patient_id,
				const char *instrument, int limit, struct assessment **rows, int *n,
				struct tdm_err *err)
{
	return assessment_page(db, a, patient_id, instrument, limit, 0, rows, n, NULL, err);
}

enum tdm_status assessment_page(struct db *db, const struct actor *a, int64_t patient_id,
				const char *instrument, int limit, int offset, struct assessment **rows,
				int *n, int64_t *total, struct tdm_err *err)
{
	struct audit_event ev;
	int open;
	*rows = NULL;
	*n = 0;
	if (total)
		*total = 0;
	enum tdm_status rc = patient_open(db, a, patient_id, DB_AUDITED_READ, "assessment.list", "Assessment", &ev, &open, err);
	if (!open)
		return rc;
	const char *f = instrument ? instrument : "";
	if (!rc && total) {
		struct stmt *st = db_prepare(db,
			"SELECT COUNT(*) FROM assessment WHERE patient_id = ? AND (? = '' OR instrument = ?)", err);
		int found;
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			db_bind_text(st, 2, f);
			db_bind_text(st, 3, f);
			rc = db_query_int(st, total, &found, err);
		}
	}
	if (!rc && !(*rows = calloc((size_t)(limit > 0 ? limit : 1), sizeof **rows)))
		rc = tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	if (!rc) {
		/* The newest `limit`, returned oldest first. */
		struct stmt *st = db_prepare(db,
			"SELECT id, site_id, instrument, version, total, band, severity, interpretation,"
			" prorated, answered_by, administered_at, note, recorded_at, recorded_by"
			" FROM assessment WHERE patient_id = ? AND (? = '' OR instrument = ?)"
			" ORDER BY administered_at DESC, id DESC LIMIT ? OFFSET ?", err);
		if (!st) {
			rc = err->code;
		} else {
			db_bind_int(st, 1, patient_id);
			db_bind_text(st, 2, f);
			db_bind_text(st, 3, f);
			db_bind_int(st, 4, limit);
			db_bind_int(st, 5, offset);
			int s;
			while ((s = db_step(st, err)) == DB_ROW && *n < limit) {
				struct assessment *as = &(*rows)[(*n)++];
				as->id = db_col_int(st, 0);
				as->patient_id = patient_id;
				as->site_id = db_col_int(st, 1);
				COPY(as->instrument, 2);
				COPY(as->version, 3);
				as->total = (int)db_col_int(st, 4);
				COPY(as->band, 5);
				COPY(as->severity, 6);
				COPY(as->interpretation, 7);
				as->prorated = (int)db_col_int(st, 8);
				COPY(as->answered_by, 9);
				COPY(as->administered_at, 10);
				COPY(as->note, 11);
				COPY(as->recorded_at, 12);
				COPY(as->recorded_by, 13);
			}
			if (s < 0)
				rc = err->code;
			db_done(st);
		}
	}
	for (int i = 0; !rc && i < *n; i++)
		rc = load_answers(db, &(*rows)[i], err);
	/* oldest first */
	for (int i = 0; !rc && i < *n / 2; i++) {
		struct assessment tmp = (*rows)[i];
		(*rows)[i] = (*rows)[*n - 1 - i];
		(*rows)[*n - 1 - i] = tmp;
	}
	snprintf(ev.detail, sizeof ev.detail, "instrument=%.16s results=%d", instrument ? instrument : "", *n);
	rc = audit_finish(db, a, rc, &ev, err);
	if (rc) {
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}
