#include "domain/demo_measures.h"
#include "domain/alert.h"
#include "domain/assessment.h"
#include "domain/instrument.h"
#include "domain/schedule.h"
#include "util/date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct rnd {
	uint64_t s;
};

static uint64_t next(struct rnd *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int below(struct rnd *r, int n)
{
	return n > 0 ? (int)(next(r) % (uint64_t)n) : 0;
}

/* Answers whose total comes close to target: items in random order take the
 * largest value they allow within what is left. `hold` names an item kept at
 * hold_value (PHQ-9 item 9), "" for none. */
static void fill(const struct instrument *in, int target, struct rnd *r, const char *hold,
		 int hold_value, int *values)
{
	int order[INSTR_MAX_ITEMS], n = 0;
	for (int i = 0; i < INSTR_MAX_ITEMS; i++)
		values[i] = INSTR_MISSING;
	for (int i = 0; i < in->n_items; i++) {
		if (!in->items[i].scored)
			continue;
		if (hold[0] && !strcmp(in->items[i].id, hold)) {
			values[i] = hold_value;
			target -= hold_value;
			continue;
		}
		values[i] = in->items[i].min;
		target -= in->items[i].min;
		order[n++] = i;
	}
	for (int k = n - 1; k > 0; k--) {
		int j = below(r, k + 1), t = order[k];
		order[k] = order[j];
		order[j] = t;
	}
	/* Spread rather than pile up: several passes adding a little. */
	for (int pass = 0; pass < 8 && target > 0; pass++) {
		for (int k = 0; k < n && target > 0; k++) {
			const struct instr_item *it = &in->items[order[k]];
			int cur = values[order[k]], best = cur;
			if (it->n_options) {
				for (int o = 0; o < it->n_options; o++) {
					int v = it->options[o].value;
					if (v > cur && v - cur <= target && (best == cur || v < best))
						best = v; /* the next step up */
				}
			} else if (cur < it->max) {
				best = cur + 1;
			}
			target -= best - cur;
			values[order[k]] = best;
		}
	}
}

static enum tdm_status record(struct db *db, const struct actor *a, int64_t pid,
			      const struct instrument *in, const int *values, time_t at,
			      struct assessment *out, struct tdm_err *err)
{
	struct assessment_input inp;
	memset(&inp, 0, sizeof inp);
	inp.in = in;
	memcpy(inp.values, values, sizeof inp.values);
	instant_format(at, inp.administered_at);
	return assessment_record(db, a, pid, &inp, out, err);
}

/* A course of scores every 14 days: baseline, then a response that depends
 * on the kind of course. */
static enum tdm_status course(struct db *db, const struct actor *a, const struct demo_measure_plan *p,
			      const struct instrument *in, const char *hold_item, struct rnd *r, int item9,
			      struct demo_measure_counts *c, struct tdm_err *err)
{
	time_t now = time(NULL);
	int start = p->care_start, end = p->in_care ? 0 : p->care_end;
	if (start < -400)
		start = end - 180; /* keep histories to the last months of care */
	int base = 10 + below(r, in->max_total > 21 ? 13 : 9);
	int kind = below(r, 20); /* 0-7 strong response, 8-14 partial, 15-19 none */
	int points = (end - start) / 14 + 1;
	if (points > 14)
		points = 14;
	struct assessment as;
	enum tdm_status rc = TDM_OK;
	for (int k = 0; k < points && !rc; k++) {
		double f = points > 1 ? (double)k / (points - 1) : 0;
		int total = kind < 8 ? base - (int)(f * (base - 2)) : kind < 15 ? base - (int)(f * base * 0.45) : base;
		total += below(r, 5) - 2;
		if (total < 0)
			total = 0;
		if (total > in->max_total)
			total = in->max_total;
		int hold9 = item9 && k == 0 ? 1 : 0;
		/* Two patients get a recent item-9 answer, left open for the inbox. */
		if (item9 == 2 && k == points - 1)
			hold9 = 1;
		int values[INSTR_MAX_ITEMS];
		/* Item 9 stays 0 unless this course is one of the few with a
		 * positive answer: the demo's alerts are deliberate. */
		fill(in, total, r, hold_item, hold9, values);
		time_t at = now + (time_t)(start + k * 14) * 86400 - (time_t)(2 + below(r, 6)) * 3600;
		if (at > now - 600)
			at = now - 600;
		rc = record(db, a, p->patient_id, in, values, at, &as, err);
		c->assessments += !rc;
		for (int i = 0; !rc && i < as.n_alerts; i++) {
			if (item9 == 2 && k == points - 1) {
				c->alerts_open++;
				continue;
			}
			struct alert out;
			rc = alert_ack(db, a, as.alert_ids[i],
				       "Seen the same day: safety plan reviewed, C-SSRS screen negative, "
				       "follow-up booked.", &out, err);
			c->alerts_acked += !rc;
		}
	}
	return rc;
}

/* Withdrawal scores every 4 hours since the detox placement began, easing. */
static enum tdm_status withdrawal(struct db *db, const struct actor *a,
				  const struct demo_measure_plan *p, const struct instrument *in,
				  int start_total, struct rnd *r, struct demo_measure_counts *c,
				  struct tdm_err *err)
{
	time_t now = time(NULL);
	time_t t0 = now + (time_t)p->level_start * 86400 + 6 * 3600;
	if (t0 < now - 2 * 86400)
		t0 = now - 2 * 86400; /* the last two days of the flowsheet */
	struct assessment as;
	enum tdm_status rc = TDM_OK;
	int total = start_total;
	for (time_t at = t0; at < now - 1800 && !rc; at += 4 * 3600) {
		int values[INSTR_MAX_ITEMS];
		fill(in, total, r, "", 0, values);
		rc = record(db, a, p->patient_id, in, values, at, &as, err);
		c->assessments += !rc;
		for (int i = 0; !rc && i < as.n_alerts; i++) {
			struct alert out;
			rc = alert_ack(db, a, as.alert_ids[i], "Prescriber notified; dose given per protocol.", &out, err);
			c->alerts_acked += !rc;
		}
		total -= 1 + below(r, 3);
		if (total < 2)
			total = 2 + below(r, 2);
	}
	return rc;
}

static enum tdm_status add_schedule(struct db *db, const struct actor *a, int64_t pid, const char *code,
				    int minutes, const char *why, struct demo_measure_counts *c,
				    struct tdm_err *err)
{
	struct schedule s;
	enum tdm_status rc = schedule_add(db, a, pid, code, minutes, NULL, why, &s, err);
	c->schedules += !rc;
	return rc;
}

enum tdm_status demo_measures(struct db *db, const struct actor *a,
			      const struct demo_measure_plan *p, uint64_t seed,
			      struct demo_measure_counts *c, struct tdm_err *err)
{
	struct rnd r = {seed ^ ((uint64_t)p->patient_id * 0x2545f4914f6cdd1dULL)};
	const struct instrument *phq = instrument_find("PHQ-9"), *gad = instrument_find("GAD-7");
	const struct instrument *ciwa = instrument_find("CIWA-Ar"), *cows = instrument_find("COWS");
	enum tdm_status rc = TDM_OK;
	int measured = p->care_start < 0 && p->care_end - p->care_start >= 14;
	if (measured && p->depression && phq) {
		int roll = below(&r, 100);
		int item9 = roll < 3 ? 2 : roll < 12 ? 1 : 0;
		if (item9 == 2 && !p->in_care)
			item9 = 1;
		rc = course(db, a, p, phq, "9", &r, item9, c, err);
	}
	if (!rc && measured && p->anxiety && gad)
		rc = course(db, a, p, gad, "", &r, 0, c, err);
	int detox = p->in_care && p->level && !strcmp(p->level, "detox");
	if (!rc && detox && p->alcohol && ciwa)
		rc = withdrawal(db, a, p, ciwa, 14 + below(&r, 8), &r, c, err);
	if (!rc && detox && p->opioid && cows)
		rc = withdrawal(db, a, p, cows, 12 + below(&r, 8), &r, c, err);
	if (!rc && detox && p->alcohol && ciwa)
		rc = add_schedule(db, a, p->patient_id, ciwa->code, 240,
				  "withdrawal management: reassess per protocol", c, err);
	if (!rc && detox && p->opioid && cows)
		rc = add_schedule(db, a, p->patient_id, cows->code, 240,
				  "withdrawal management: reassess per protocol", c, err);
	int outpatient = p->in_care && p->level &&
			 (!strcmp(p->level, "iop") || !strcmp(p->level, "outpatient") || !strcmp(p->level, "php"));
	if (!rc && outpatient && p->depression && phq)
		rc = add_schedule(db, a, p->patient_id, phq->code, 14 * 1440,
				  "measurement-based care: depression every two weeks", c, err);
	if (!rc && outpatient && p->anxiety && gad)
		rc = add_schedule(db, a, p->patient_id, gad->code, 14 * 1440,
				  "measurement-based care: anxiety every two weeks", c, err);
	return rc;
}
