/*
 * api_meds.c - medication orders, titration, administrations, the dosing
 * window and the MAR (docs/api.md "Medications").
 */
#include "api/api.h"
#include "domain/dosing.h"
#include "domain/formulary.h"
#include "domain/order.h"
#include "util/crypto.h"
#include "util/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *alert_json(const struct rule_alert *r, int overridden, const char *override_reason)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "rule", r->rule, "severity",
			      medrule_severity_name(r->severity), "message", r->message, "why", r->why, "source",
			      r->source, "config_key", api_text(r->config_key));
	if (o && overridden) {
		json_object_set_new(o, "overridden", json_true());
		json_object_set_new(o, "override_reason", json_string(override_reason ? override_reason : ""));
	}
	return o;
}

static json_t *alerts_json(const struct order_alerts *al, const char *override_reason)
{
	json_t *arr = json_array();
	for (int i = 0; arr && i < al->n; i++)
		json_array_append_new(arr, alert_json(&al->a[i], al->overridden[i], override_reason));
	return arr;
}

/* 409 with the alerts that blocked, or the plain error. */
static void fail_with_alerts(struct api_ctx *c, enum tdm_status rc, const struct order_alerts *al)
{
	api_fail(c, rc);
	if (rc == TDM_ECONFLICT && al->n && c->out)
		json_object_set_new(c->out, "alerts", alerts_json(al, NULL));
}

static json_t *order_json(const struct order *o)
{
	const struct medication *m = formulary_find(o->medication);
	json_t *next = o->next_on[0] ? json_pack("{s:s, s:f}", "on", o->next_on, "dose", o->next_dose) : json_null();
	return json_pack("{s:I, s:I, s:I, s:s, s:s, s:f, s:s, s:s, s:s, s:i, s:s, s:o, s:o, s:o, s:s, s:b, s:o,"
			 " s:s, s:s}",
			 "id", (json_int_t)o->id, "patient_id", (json_int_t)o->patient_id, "site_id",
			 (json_int_t)o->site_id, "medication", o->medication, "medication_name", m ? m->name : o->medication,
			 "dose", o->dose, "unit", o->unit, "route", o->route, "frequency", o->frequency, "per_day",
			 order_freq_per_day(o->frequency), "start_on", o->start_on, "stop_on", api_text(o->stop_on),
			 "indication_id", o->indication_id ? json_integer(o->indication_id) : json_null(),
			 "instructions", api_text(o->instructions), "status", o->status, "titrating", o->titrating,
			 "next_step", next, "created_at", o->created_at, "created_by", o->created_by);
}

static json_t *detail_json(const struct order_detail *d)
{
	json_t *o = order_json(&d->o);
	if (!o)
		return NULL;
	json_t *evs = json_array();
	for (int i = 0; evs && i < d->n_events; i++) {
		const struct order_event *e = &d->events[i];
		json_array_append_new(evs, json_pack("{s:I, s:s, s:o, s:s, s:o, s:s, s:s}", "id", (json_int_t)e->id,
						     "kind", e->kind, "dose", e->has_dose ? json_real(e->dose) : json_null(),
						     "effective_on", e->effective_on, "reason", api_text(e->reason),
						     "recorded_at", e->recorded_at, "recorded_by", e->recorded_by));
	}
	json_object_set_new(o, "events", evs);
	json_t *al = json_array();
	for (int i = 0; al && i < d->n_alerts; i++) {
		const struct order_alert_row *r = &d->alerts[i];
		json_t *x = alert_json(&r->a, r->override_reason[0] != '\0', r->override_reason);
		if (x) {
			json_object_set_new(x, "event_id", r->event_id ? json_integer(r->event_id) : json_null());
			json_object_set_new(x, "recorded_at", json_string(r->recorded_at));
			json_object_set_new(x, "recorded_by", json_string(r->recorded_by));
		}
		json_array_append_new(al, x);
	}
	json_object_set_new(o, "alerts", al);
	json_t *ts = json_array();
	for (int i = 0; ts && i < d->n_titrations; i++) {
		const struct titration *t = &d->titrations[i];
		json_t *steps = json_array();
		for (int k = 0; steps && k < t->n_steps; k++)
			json_array_append_new(steps, json_pack("{s:s, s:f, s:b}", "on", t->steps[k].on, "dose",
							       t->steps[k].dose, "applies", t->steps[k].applies));
		json_t *plan = json_loads(t->plan, 0, NULL);
		json_array_append_new(ts, json_pack("{s:I, s:o, s:s, s:s, s:o, s:o}", "id", (json_int_t)t->id, "plan",
						    plan ? plan : json_null(), "created_at", t->created_at, "created_by",
						    t->created_by, "paused_on", api_text(t->paused_on), "steps", steps));
	}
	json_object_set_new(o, "titrations", ts);
	return o;
}

void api_order_create(struct api_ctx *c)
{
	static const char *const fields[] = {"medication", "dose", "unit", "route", "frequency", "start_on",
					     "stop_on", "indication_id", "instructions", "override_reason", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	struct order_input in;
	memset(&in, 0, sizeof in);
	int ind = 0;
	enum tdm_status rc = api_str(c, o, "medication", 1, MED_ID_LEN - 1, in.medication, sizeof in.medication);
	if (!rc)
		rc = api_number(c, o, "dose", 1, &in.dose, NULL);
	if (!rc)
		rc = api_str(c, o, "unit", 1, MED_UNIT_LEN - 1, in.unit, sizeof in.unit);
	if (!rc)
		rc = api_str(c, o, "route", 1, MED_ROUTE_LEN - 1, in.route, sizeof in.route);
	if (!rc)
		rc = api_str(c, o, "frequency", 1, ORDER_FREQ_LEN - 1, in.frequency, sizeof in.frequency);
	if (!rc)
		rc = api_date(c, o, "start_on", 0, in.start_on);
	if (!rc)
		rc = api_date(c, o, "stop_on", 0, in.stop_on);
	if (!rc)
		rc = api_int(c, o, "indication_id", 0, 1, 2147483647, &ind);
	in.indication_id = ind;
	if (!rc)
		rc = api_str(c, o, "instructions", 0, ORDER_LEN_INSTRUCTIONS, in.instructions, sizeof in.instructions);
	if (!rc)
		rc = api_str(c, o, "override_reason", 0, TDM_LEN_REASON, in.override_reason, sizeof in.override_reason);
	json_decref(o);
	struct order out;
	struct order_alerts al = {.n = 0};
	if (!rc)
		rc = order_create(c->db, &c->actor, c->ids[0], &in, &out, &al, &c->err);
	if (rc) {
		fail_with_alerts(c, rc, &al);
		return;
	}
	json_t *j = order_json(&out);
	if (j)
		json_object_set_new(j, "alerts", alerts_json(&al, in.override_reason));
	api_reply(c, 201, j);
}

void api_order_list(struct api_ctx *c)
{
	static const char *const params[] = {"status", NULL};
	enum tdm_status rc = api_query_only(c, params);
	const char *status = api_query(c, "status");
	if (!rc && status && strcmp(status, "active") && strcmp(status, "all"))
		rc = tdm_fail(&c->err, TDM_EINVAL, "status", "status must be active or all");
	struct order *rows = NULL;
	int n = 0;
	if (!rc)
		rc = order_list(c->db, &c->actor, c->ids[0], status && !strcmp(status, "all"), &rows, &n, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *items = json_array();
	for (int i = 0; items && i < n; i++)
		json_array_append_new(items, order_json(&rows[i]));
	free(rows);
	api_reply(c, 200, api_page_json(items, n, n, 0));
}

void api_order_get(struct api_ctx *c)
{
	struct order_detail d;
	enum tdm_status rc = api_query_only(c, (const char *const[]){NULL});
	if (!rc)
		rc = order_get(c->db, &c->actor, c->ids[0], &d, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	api_reply(c, 200, detail_json(&d));
	order_detail_free(&d);
}

void api_order_event(struct api_ctx *c)
{
	static const char *const fields[] = {"kind", "dose", "effective_on", "reason", "override_reason", NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	char kind[20], eff[DATE_LEN], reason[TDM_LEN_REASON + 1], over[TDM_LEN_REASON + 1];
	double dose = 0;
	int has = 0;
	enum tdm_status rc = api_str(c, o, "kind", 1, 19, kind, sizeof kind);
	if (!rc)
		rc = api_number(c, o, "dose", 0, &dose, &has);
	if (!rc)
		rc = api_date(c, o, "effective_on", 0, eff);
	if (!rc)
		rc = api_str(c, o, "reason", 1, TDM_LEN_REASON, reason, sizeof reason);
	if (!rc)
		rc = api_str(c, o, "override_reason", 0, TDM_LEN_REASON, over, sizeof over);
	json_decref(o);
	struct order out;
	struct order_alerts al = {.n = 0};
	if (!rc)
		rc = order_event_add(c->db, &c->actor, c->ids[0], kind, dose, has, eff, reason, over, &out, &al,
				     &c->err);
	if (rc) {
		fail_with_alerts(c, rc, &al);
		return;
	}
	json_t *j = order_json(&out);
	if (j)
		json_object_set_new(j, "alerts", alerts_json(&al, over));
	api_reply(c, 201, j);
}

void api_titration_create(struct api_ctx *c)
{
	static const char *const fields[] = {"step", "every_days", "target", "steps", "start_on", "override_reason",
					     NULL};
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	struct titration_input in;
	memset(&in, 0, sizeof in);
	json_t *steps = json_object_get(o, "steps");
	enum tdm_status rc = TDM_OK;
	if (steps) {
		if (json_object_get(o, "step") || json_object_get(o, "every_days") || json_object_get(o, "target"))
			rc = tdm_fail(&c->err, TDM_EINVAL, "steps", "give either steps or step/every_days/target");
		else if (!json_is_array(steps) || !json_array_size(steps))
			rc = tdm_fail(&c->err, TDM_EINVAL, "steps", "steps must be a non-empty list");
		else if (json_array_size(steps) > ORDER_MAX_STEPS)
			rc = tdm_fail(&c->err, TDM_ETOOBIG, "steps", "at most %d steps", ORDER_MAX_STEPS);
		for (size_t i = 0; !rc && i < json_array_size(steps); i++) {
			json_t *s = json_array_get(steps, i);
			json_t *day = json_object_get(s, "day"), *dose = json_object_get(s, "dose");
			if (!json_is_object(s) || json_object_size(s) != 2 || !json_is_integer(day) || !json_is_number(dose))
				rc = tdm_fail(&c->err, TDM_EINVAL, "steps", "steps[%zu] must be {\"day\": N, \"dose\": N}", i);
			else {
				json_int_t dv = json_integer_value(day);
				in.steps[i].day = dv < 0 ? -1 : dv > 1000 ? 1000 : (int)dv;
				in.steps[i].dose = json_number_value(dose);
				in.n_steps++;
			}
		}
	} else {
		rc = api_number(c, o, "step", 1, &in.step, NULL);
		if (!rc)
			rc = api_int(c, o, "every_days", 1, 1, 90, &in.every_days);
		if (!rc)
			rc = api_number(c, o, "target", 1, &in.target, NULL);
	}
	if (!rc)
		rc = api_date(c, o, "start_on", 0, in.start_on);
	if (!rc)
		rc = api_str(c, o, "override_reason", 0, TDM_LEN_REASON, in.override_reason, sizeof in.override_reason);
	json_decref(o);
	struct order_detail d;
	struct order_alerts al = {.n = 0};
	if (!rc)
		rc = order_titrate(c->db, &c->actor, c->ids[0], &in, &d, &al, &c->err);
	if (rc) {
		fail_with_alerts(c, rc, &al);
		return;
	}
	json_t *j = detail_json(&d);
	order_detail_free(&d);
	if (j)
		json_object_set_new(j, "new_alerts", alerts_json(&al, in.override_reason));
	api_reply(c, 201, j);
}

static void titration_pause(struct api_ctx *c, int pause)
{
	char reason[TDM_LEN_REASON + 1];
	if (!api_reason_body(c, reason))
		return;
	struct order_detail d;
	enum tdm_status rc = order_titration_pause(c->db, &c->actor, c->ids[0], pause, reason, &d, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	api_reply(c, 200, detail_json(&d));
	order_detail_free(&d);
}

void api_titration_pause(struct api_ctx *c)
{
	titration_pause(c, 1);
}

void api_titration_resume(struct api_ctx *c)
{
	titration_pause(c, 0);
}

/* ---- administrations ---- */

static json_t *admin_json(const struct admin *a)
{
	return json_pack("{s:I, s:I, s:I, s:s, s:s, s:i, s:s, s:o, s:s, s:o, s:o, s:b, s:s, s:s}", "id",
			 (json_int_t)a->id, "order_id", (json_int_t)a->order_id, "patient_id",
			 (json_int_t)a->patient_id, "medication", a->medication, "dose_on", a->dose_on, "slot", a->slot,
			 "status", a->status, "amount", a->has_amount ? json_real(a->amount) : json_null(), "unit",
			 a->unit, "note", api_text(a->note), "dispense_id",
			 a->dispense_id ? json_integer(a->dispense_id) : json_null(), "voided", a->voided,
			 "recorded_at", a->recorded_at, "recorded_by", a->recorded_by);
}

struct admin_call {
	const struct actor *a;
	int64_t order_id;
	const struct admin_input *in;
	struct admin_result *out;
};

static enum tdm_status admin_call_fn(struct db *db, void *arg, struct tdm_err *err)
{
	struct admin_call *x = arg;
	return admin_record(db, x->a, x->order_id, x->in, x->out, err);
}

void api_admin_create(struct api_ctx *c)
{
	static const char *const fields[] = {"status", "amount", "slot", "dose_on", "note", "days", "closure", NULL};
	struct admin_input in;
	memset(&in, 0, sizeof in);
	/* The key is checked before the body so a retry is recognised even
	 * when the body is wrong in the same way twice. */
	if (!c->idem_key || !*c->idem_key || strlen(c->idem_key) > DOSING_KEY_LEN) {
		tdm_fail(&c->err, TDM_EINVAL, "Idempotency-Key", "the Idempotency-Key header is required (1-%d characters)",
			 DOSING_KEY_LEN);
		api_fail(c, TDM_EINVAL);
		return;
	}
	json_t *o = api_body(c, fields);
	if (!o)
		return;
	snprintf(in.key, sizeof in.key, "%s", c->idem_key);
	/* The request's fingerprint: order id and canonical body. */
	json_object_set_new(o, "#order", json_integer(c->ids[0]));
	char *canon = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
	json_object_del(o, "#order");
	if (canon) {
		crypto_sha256_hex(canon, strlen(canon), in.hash);
		free(canon);
	}
	enum tdm_status rc = in.hash[0] ? TDM_OK : tdm_fail(&c->err, TDM_ENOMEM, NULL, "out of memory");
	if (!rc)
		rc = api_str(c, o, "status", 1, 11, in.status, sizeof in.status);
	if (!rc)
		rc = api_number(c, o, "amount", 0, &in.amount, &in.has_amount);
	if (!rc)
		rc = api_int(c, o, "slot", 0, 1, DOSING_MAX_SLOTS, &in.slot);
	if (!rc)
		rc = api_date(c, o, "dose_on", 0, in.dose_on);
	if (!rc)
		rc = api_str(c, o, "note", 0, TDM_LEN_REASON, in.note, sizeof in.note);
	if (!rc)
		rc = api_int(c, o, "days", 0, 1, DOSING_MAX_TAKEHOME, &in.days);
	if (!rc)
		rc = api_bool(c, o, "closure", &in.closure);
	json_decref(o);
	struct admin_result *r = calloc(1, sizeof *r);
	if (!rc && !r)
		rc = tdm_fail(&c->err, TDM_ENOMEM, NULL, "out of memory");
	if (!rc) {
		/* Through group commit: many nurses' doses share one durable
		 * commit; this returns once ours is on disk (or failed). */
		struct admin_call x = {&c->actor, c->ids[0], &in, r};
		rc = group_run(c->group, c->db, admin_call_fn, &x, &c->err);
	}
	if (rc) {
		if (r)
			fail_with_alerts(c, rc, &r->alerts);
		else
			api_fail(c, rc);
		free(r);
		return;
	}
	json_t *j = admin_json(&r->a);
	if (j) {
		json_object_set_new(j, "alerts", alerts_json(&r->alerts, NULL));
		if (r->dispense_id && !r->replayed)
			json_object_set_new(j, "dispense", json_pack("{s:I, s:s, s:i, s:i}", "id", (json_int_t)r->dispense_id,
								     "first_on", r->first_on, "days", r->days, "bottles",
								     r->days));
	}
	c->replayed = r->replayed;
	free(r);
	api_reply(c, 201, j);
}

void api_admin_void(struct api_ctx *c)
{
	char reason[TDM_LEN_REASON + 1];
	if (!api_reason_body(c, reason))
		return;
	struct admin a;
	enum tdm_status rc = admin_void(c->db, &c->actor, c->ids[0], reason, &a, &c->err);
	if (rc)
		api_fail(c, rc);
	else
		api_reply(c, 200, admin_json(&a));
}

void api_dosing(struct api_ctx *c)
{
	static const char *const params[] = {"site", "date", NULL};
	int64_t site = 0;
	enum tdm_status rc = api_query_only(c, params);
	if (!rc)
		rc = api_query_id(c, "site", &site);
	for (int i = 0; !rc && !site && i < c->actor.n_grants; i++)
		if (c->actor.grants[i].roles & c->actor.route_roles)
			site = c->actor.grants[i].site_id;
	if (!rc && !site)
		rc = tdm_fail(&c->err, TDM_EINVAL, "site", "site is required");
	const char *date = api_query(c, "date");
	struct queue q;
	if (!rc)
		rc = dosing_queue(c->db, &c->actor, site, date ? date : "", &q, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *items = json_array();
	for (int i = 0; items && i < q.n; i++) {
		const struct queue_item *it = &q.items[i];
		const struct medication *m = formulary_find(it->o.medication);
		json_t *slots = json_array();
		for (int k = 0; slots && k < it->n_slots; k++) {
			const struct queue_slot *s = &it->slots[k];
			json_t *js = json_pack("{s:i, s:s}", "slot", s->slot, "status", s->status);
			if (js && s->admin_id) {
				json_object_set_new(js, "administration_id", json_integer(s->admin_id));
				json_object_set_new(js, "amount", s->has_amount ? json_real(s->amount) : json_null());
				json_object_set_new(js, "recorded_by", json_string(s->recorded_by));
				json_object_set_new(js, "recorded_at", json_string(s->recorded_at));
			}
			json_array_append_new(slots, js);
		}
		json_t *flags = json_array();
		if (flags && it->needs_reassessment)
			json_array_append_new(flags, json_pack("{s:s, s:s, s:s}", "rule", "missed_doses", "severity", "block",
							       "message", "consecutive missed doses: a prescriber must reassess before the next dose"));
		if (flags && !strcmp(it->o.status, "held"))
			json_array_append_new(flags, json_pack("{s:s, s:s, s:s}", "rule", "on_hold", "severity", "info",
							       "message", "the order is on hold"));
		json_t *last = it->last_on[0] ? json_pack("{s:s, s:f, s:s}", "on", it->last_on, "amount", it->last_amount,
							  "status", it->last_status)
					      : json_null();
		json_array_append_new(
			items,
			json_pack("{s:{s:I, s:s, s:s}, s:{s:I, s:s, s:s, s:f, s:s, s:s, s:s, s:i, s:s}, s:o, s:o, s:i, s:i,"
				  " s:b, s:i, s:o}",
				  "patient", "id", (json_int_t)it->patient_id, "mrn", it->mrn, "name", it->name, "order", "id",
				  (json_int_t)it->o.id, "medication", it->o.medication, "medication_name",
				  m ? m->name : it->o.medication, "dose", it->o.dose, "unit", it->o.unit, "route", it->o.route,
				  "frequency", it->o.frequency, "per_day", it->per_day, "status", it->o.status, "slots", slots,
				  "last_dose", last, "bottles_due_back", it->bottles_due_back, "consecutive_missed",
				  it->consecutive_missed, "needs_reassessment", it->needs_reassessment, "open_alerts",
				  it->open_alerts, "flags", flags));
	}
	json_t *body = json_pack("{s:I, s:s, s:o, s:{s:i, s:i, s:i}}", "site_id", (json_int_t)q.site_id, "date", q.date,
				 "items", items, "summary", "due", q.due, "done", q.done, "patients", q.n);
	free(q.items);
	api_reply(c, 200, body);
}

void api_mar(struct api_ctx *c)
{
	static const char *const params[] = {"from", "to", NULL};
	enum tdm_status rc = api_query_only(c, params);
	struct mar m;
	const char *from = api_query(c, "from"), *to = api_query(c, "to");
	if (!rc)
		rc = dosing_mar(c->db, &c->actor, c->ids[0], from ? from : "", to ? to : "", &m, &c->err);
	if (rc) {
		api_fail(c, rc);
		return;
	}
	json_t *days = json_array();
	char d[DATE_LEN];
	snprintf(d, sizeof d, "%s", m.from);
	for (int k = 0; days && k <= DOSING_MAR_DAYS && strcmp(d, m.to) <= 0; k++, date_add_days(d, 1, d))
		json_array_append_new(days, json_string(d));
	json_t *orders = json_array();
	for (int i = 0; orders && i < m.n; i++) {
		json_t *cells = json_array();
		for (int k = 0; cells && k < m.rows[i].n_cells; k++) {
			const struct mar_cell *x = &m.rows[i].cells[k];
			json_t *cj = json_pack("{s:s, s:i, s:s, s:o}", "on", x->on, "slot", x->slot, "status", x->status,
					       "amount", x->has_amount ? json_real(x->amount) : json_null());
			if (cj && x->admin_id) {
				json_object_set_new(cj, "administration_id", json_integer(x->admin_id));
				json_object_set_new(cj, "recorded_by", json_string(x->recorded_by));
			}
			json_array_append_new(cells, cj);
		}
		json_array_append_new(orders, json_pack("{s:o, s:o}", "order", order_json(&m.rows[i].o), "cells", cells));
	}
	json_t *body = json_pack("{s:s, s:s, s:o, s:o}", "from", m.from, "to", m.to, "days", days, "orders", orders);
	dosing_mar_free(&m);
	api_reply(c, 200, body);
}
