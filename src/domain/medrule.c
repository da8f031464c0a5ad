/*
 * medrule.c - the medication safety rules (docs/clinical-rules.md,
 * "Medication rules"). Thresholds, the medications each rule applies to and
 * the source every alert cites come from DIR/medication-rules.conf; what a
 * rule looks at (which result, which score, which comparison) is here. No
 * medication id is written in C: rules name medications by formulary id,
 * class or flag in the rules file.
 *
 * Every rule is one function of (order, context) that adds at most one
 * alert. A rule that needs the dose in mg and gets another unit says it
 * could not check, as an info alert under its own id.
 */
#include "domain/medrule.h"
#include "util/conf.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EPS 1e-6          /* doses, levels and ms are compared with this slack */
#define SET_MAX 16        /* ids in one medication set */
#define WORD_MAX 16       /* substance = ... entries of a section */
#define WORD_LEN 32
#define TEXT_LEN 256
#define NUM_MAX 3         /* thresholds of one section */

/* Sections of the rules file; each is the rule of that id. */
enum sec {
	S_ALLERGY,
	S_DUPLICATE,
	S_MDN_LIMIT,
	S_MDN_DOSE_LABEL,
	S_MDN_DAY_LABEL,
	S_BUP_COWS,
	S_BUP_DAY1,
	S_NTX_AGONIST,
	S_NTX_SCREEN,
	S_NTX_FREE,
	S_DSF_ALCOHOL,
	S_DSF_INTERACTION,
	S_ACA_CONTRA,
	S_ACA_DOSE,
	S_OPIOID_CNS,
	S_MDN_QTC,
	S_MDN_QT_MED,
	S_LI_OVERDUE,
	S_LI_HIGH,
	S_SERO,
	S_DOSE_USUAL,
	S_COUNT
};

/* What a section must (or may) carry. */
enum {
	RULE = 1,         /* a rule: needs why */
	NEED_A = 2,       /* medication/class/flag ... */
	NEED_B = 4,       /* with_medication/with_class/with_flag ... */
	NEED_WORDS = 8,   /* substance = ... */
	MAY_MISSING = 16  /* report_missing = yes|no */
};

struct numdef {
	const char *key;
	double lo, hi;
};

struct secdef {
	const char *name;
	unsigned needs;
	const char *code_key; /* "instrument" | "lab" | NULL */
	struct numdef num[NUM_MAX];
};

static const struct secdef defs[S_COUNT] = {
	[S_ALLERGY] = {"allergy", RULE, NULL, {{NULL, 0, 0}}},
	[S_DUPLICATE] = {"duplicate_order", RULE, NULL, {{NULL, 0, 0}}},
	[S_MDN_LIMIT] = {"methadone_first_day_limit", RULE | NEED_A, NULL, {{"limit_mg", 0, 10000}}},
	[S_MDN_DOSE_LABEL] = {"methadone_first_dose_label", RULE | NEED_A, NULL, {{"max_mg", 0, 10000}}},
	[S_MDN_DAY_LABEL] = {"methadone_first_day_label", RULE | NEED_A, NULL, {{"max_mg", 0, 10000}}},
	[S_BUP_COWS] = {"buprenorphine_induction_cows", RULE | NEED_A, "instrument",
			{{"min_score", 0, 48}, {"window_hours", 0.1, 72}}},
	[S_BUP_DAY1] = {"buprenorphine_day1_total", RULE | NEED_A, NULL, {{"max_mg", 0, 10000}}},
	[S_NTX_AGONIST] = {"naltrexone_with_agonist", RULE | NEED_A | NEED_B, NULL, {{NULL, 0, 0}}},
	[S_NTX_SCREEN] = {"naltrexone_opioid_screen", RULE | NEED_A | NEED_WORDS, NULL, {{"window_days", 1, 365}}},
	[S_NTX_FREE] = {"naltrexone_opioid_free", RULE | NEED_A, NULL, {{"min_days", 1, 365}}},
	[S_DSF_ALCOHOL] = {"disulfiram_alcohol", RULE | NEED_A | NEED_WORDS, NULL,
			   {{"window_hours", 1, 720}, {"breath_alcohol_above", 0, 1}}},
	[S_DSF_INTERACTION] = {"disulfiram_interaction", RULE | NEED_A | NEED_B, NULL, {{NULL, 0, 0}}},
	[S_ACA_CONTRA] = {"acamprosate_renal_contraindicated", RULE | NEED_A | MAY_MISSING, "lab",
			  {{"max_crcl", 0, 250}}},
	[S_ACA_DOSE] = {"acamprosate_renal_dose", RULE | NEED_A, "lab",
			{{"max_crcl", 0, 250}, {"max_dose_mg", 0, 10000}}},
	[S_OPIOID_CNS] = {"opioid_cns_depressant", RULE | NEED_A | NEED_B, NULL, {{NULL, 0, 0}}},
	[S_MDN_QTC] = {"methadone_qtc", RULE | NEED_A | MAY_MISSING, NULL,
		       {{"warn_ms", 300, 800}, {"block_ms", 300, 800}}},
	[S_MDN_QT_MED] = {"methadone_qt_comedication", RULE | NEED_A | NEED_B, NULL, {{NULL, 0, 0}}},
	[S_LI_OVERDUE] = {"lithium_level_overdue", RULE | NEED_A, "lab", {{"max_age_days", 1, 730}}},
	[S_LI_HIGH] = {"lithium_level_high", RULE | NEED_A, "lab", {{"min_level", 0, 10}}},
	[S_SERO] = {"serotonergic_combination", RULE | NEED_A | NEED_B, NULL, {{NULL, 0, 0}}},
	[S_DOSE_USUAL] = {"dose_above_usual", RULE, NULL, {{NULL, 0, 0}}},
};

enum { F_CNS = 1, F_QT = 2, F_SERO = 4 };

/* Medications a rule applies to: listed ids, classes or flags, minus the
 * excepted ids and classes. */
struct medset {
	char ids[SET_MAX][MED_ID_LEN];
	int n_ids;
	unsigned classes, flags;
	char except_ids[SET_MAX][MED_ID_LEN];
	int n_except;
	unsigned except_classes;
};

struct section {
	int line;             /* first entry, for errors */
	char source[TEXT_LEN], why[TEXT_LEN];
	struct medset a, b;
	char words[WORD_MAX][WORD_LEN];
	int n_words;
	char code[WORD_LEN];
	int report_missing;   /* -1 unset */
	double num[NUM_MAX];
	int has_num[NUM_MAX];
};

struct rules {
	int loaded;
	struct section s[S_COUNT];
};

static struct rules R;

/* ---- loading ---- */

static int class_of(const char *name)
{
	for (int c = 0; c < MED_CLASS_COUNT; c++)
		if (!strcmp(name, formulary_class_name((enum med_class)c)))
			return c;
	return -1;
}

static unsigned flag_of(const char *name)
{
	return !strcmp(name, "cns_depressant") ? F_CNS
	       : !strcmp(name, "qt_prolonging") ? F_QT
	       : !strcmp(name, "serotonergic") ? F_SERO
					       : 0;
}

/* Adds one "medication/class/flag/except_*" value to set. Returns NULL or
 * what is wrong. */
static const char *set_add(struct medset *set, const char *key, const char *v)
{
	if (!strcmp(key, "medication") || !strcmp(key, "except_medication")) {
		int ex = key[0] == 'e';
		int *n = ex ? &set->n_except : &set->n_ids;
		const struct medication *m = formulary_find(v);
		if (!m)
			return "is not a medication of the formulary";
		if (*n == SET_MAX)
			return "too many medications";
		snprintf(ex ? set->except_ids[*n] : set->ids[*n], MED_ID_LEN, "%s", m->id);
		(*n)++;
		return NULL;
	}
	if (!strcmp(key, "class") || !strcmp(key, "except_class")) {
		int c = class_of(v);
		if (c < 0)
			return "is not a formulary class";
		if (key[0] == 'e')
			set->except_classes |= 1u << c;
		else
			set->classes |= 1u << c;
		return NULL;
	}
	if (!strcmp(key, "flag")) {
		unsigned f = flag_of(v);
		if (!f)
			return "must be cns_depressant, qt_prolonging or serotonergic";
		set->flags |= f;
		return NULL;
	}
	return "is not a key of this section";
}

static int set_empty(const struct medset *set)
{
	return !set->n_ids && !set->classes && !set->flags;
}

static int is_set_key(const char *k)
{
	return !strcmp(k, "medication") || !strcmp(k, "class") || !strcmp(k, "flag") ||
	       !strcmp(k, "except_medication") || !strcmp(k, "except_class");
}

/* One conf entry into its section. Returns TDM_OK or TDM_EINVAL naming
 * file:line, the section and the key. */
static enum tdm_status take(struct rules *t, const struct conf *c, const struct conf_entry *e,
			    struct tdm_err *err)
{
	int id = -1;
	for (int i = 0; i < S_COUNT && id < 0; i++)
		if (!strcmp(e->section, defs[i].name))
			id = i;
	if (id < 0)
		return tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: unknown section [%s]", c->path, e->line,
				e->section);
	const struct secdef *d = &defs[id];
	struct section *s = &t->s[id];
	const char *k = e->key, *v = e->value, *why = NULL;
	if (!s->line)
		s->line = e->line;
	if (!strcmp(k, "source") || (!strcmp(k, "why") && (d->needs & RULE))) {
		char *dst = k[0] == 's' ? s->source : s->why;
		if (*dst)
			why = "is given twice";
		else if (!*v)
			why = "must not be empty";
		else
			snprintf(dst, TEXT_LEN, "%s", v);
	} else if ((d->needs & NEED_A) && is_set_key(k)) {
		why = set_add(&s->a, k, v);
	} else if ((d->needs & NEED_B) && !strncmp(k, "with_", 5) && is_set_key(k + 5)) {
		why = set_add(&s->b, k + 5, v);
	} else if ((d->needs & NEED_WORDS) && !strcmp(k, "substance")) {
		if (s->n_words == WORD_MAX || strlen(v) >= WORD_LEN || !*v)
			why = "is empty, too long or one too many";
		else
			snprintf(s->words[s->n_words++], WORD_LEN, "%s", v);
	} else if (d->code_key && !strcmp(k, d->code_key)) {
		if (s->code[0])
			why = "is given twice";
		else if (!*v || strlen(v) >= WORD_LEN)
			why = "is empty or too long";
		else
			snprintf(s->code, WORD_LEN, "%s", v);
	} else if ((d->needs & MAY_MISSING) && !strcmp(k, "report_missing")) {
		if (s->report_missing >= 0)
			why = "is given twice";
		else if (!strcmp(v, "yes") || !strcmp(v, "no"))
			s->report_missing = v[0] == 'y';
		else
			why = "must be yes or no";
	} else {
		int j = -1;
		for (int i = 0; i < NUM_MAX && d->num[i].key && j < 0; i++)
			if (!strcmp(k, d->num[i].key))
				j = i;
		double x;
		if (j < 0)
			why = "is not a key of this section";
		else if (s->has_num[j])
			why = "is given twice";
		else if (conf_double(v, &x))
			why = "must be a number";
		else if (x < d->num[j].lo || x > d->num[j].hi)
			why = "is out of range";
		else {
			s->num[j] = x;
			s->has_num[j] = 1;
		}
	}
	if (why)
		return tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: [%s] %s %s", c->path, e->line, e->section, k,
				why);
	return TDM_OK;
}

/* After all entries: every section present and complete. */
static enum tdm_status complete(const struct rules *t, const char *path, struct tdm_err *err)
{
	for (int i = 0; i < S_COUNT; i++) {
		const struct secdef *d = &defs[i];
		const struct section *s = &t->s[i];
		const char *miss = NULL;
		if (!s->line)
			return tdm_fail(err, TDM_EINVAL, NULL, "%s: missing section [%s]", path, d->name);
		if (!s->source[0])
			miss = "source";
		else if ((d->needs & RULE) && !s->why[0])
			miss = "why";
		else if ((d->needs & NEED_A) && set_empty(&s->a))
			miss = "medication, class or flag";
		else if ((d->needs & NEED_B) && set_empty(&s->b))
			miss = "with_medication, with_class or with_flag";
		else if ((d->needs & NEED_WORDS) && !s->n_words)
			miss = "substance";
		else if (d->code_key && !s->code[0])
			miss = d->code_key;
		else if ((d->needs & MAY_MISSING) && s->report_missing < 0)
			miss = "report_missing";
		for (int j = 0; !miss && j < NUM_MAX && d->num[j].key; j++)
			if (!s->has_num[j])
				miss = d->num[j].key;
		if (miss)
			return tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: [%s] needs %s", path, s->line, d->name,
					miss);
	}
	const struct section *q = &t->s[S_MDN_QTC];
	if (q->num[0] >= q->num[1])
		return tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: [methadone_qtc] warn_ms must be below block_ms",
				path, q->line);
	if (t->s[S_ACA_CONTRA].num[0] >= t->s[S_ACA_DOSE].num[0])
		return tdm_fail(err, TDM_EINVAL, NULL,
				"%s:%d: [acamprosate_renal_dose] max_crcl must be above the contraindication's",
				path, t->s[S_ACA_DOSE].line);
	return TDM_OK;
}

enum tdm_status medrule_load(const char *dir, struct tdm_err *err)
{
	char path[512];
	struct conf c;
	snprintf(path, sizeof path, "%s/medication-rules.conf", dir);
	enum tdm_status rc = conf_load(&c, path, err);
	if (rc)
		return rc;
	struct rules *t = calloc(1, sizeof *t);
	if (!t) {
		conf_release(&c);
		return tdm_fail(err, TDM_ENOMEM, NULL, "out of memory reading %s", path);
	}
	for (int i = 0; i < S_COUNT; i++)
		t->s[i].report_missing = -1;
	for (int i = 0; i < c.n && !rc; i++)
		rc = take(t, &c, &c.e[i], err);
	if (!rc)
		rc = complete(t, path, err);
	conf_release(&c);
	if (!rc) {
		t->loaded = 1;
		R = *t;
	}
	free(t);
	return rc;
}

const char *medrule_severity_name(enum rule_severity s)
{
	return s == RULE_BLOCK ? "block" : s == RULE_WARN ? "warn" : "info";
}

/* ---- helpers for the rules ---- */

struct out {
	struct rule_alert a[S_COUNT + 2];
	int n;
};

static void emit(struct out *o, enum sec id, enum rule_severity sev, const char *key, const char *fmt,
		 ...) __attribute__((format(printf, 5, 6)));

/* Adds an alert of rule `id`; key is the threshold's key in the section
 * (NULL: none). */
static void emit(struct out *o, enum sec id, enum rule_severity sev, const char *key, const char *fmt,
		 ...)
{
	if (o->n == (int)(sizeof o->a / sizeof o->a[0]))
		return;
	struct rule_alert *a = &o->a[o->n++];
	va_list ap;
	memset(a, 0, sizeof *a);
	snprintf(a->rule, sizeof a->rule, "%s", defs[id].name);
	a->severity = sev;
	va_start(ap, fmt);
	vsnprintf(a->message, sizeof a->message, fmt, ap);
	va_end(ap);
	snprintf(a->why, sizeof a->why, "%s", R.s[id].why);
	snprintf(a->source, sizeof a->source, "%s", R.s[id].source);
	if (key)
		snprintf(a->config_key, sizeof a->config_key, "%s.%s", defs[id].name, key);
}

static double th(enum sec id, int i)
{
	return R.s[id].num[i];
}

static int in_set(const struct medset *set, const struct medication *m)
{
	unsigned bit = 1u << m->cls, fl = (m->cns_depressant ? F_CNS : 0) |
					  (m->qt_prolonging ? F_QT : 0) | (m->serotonergic ? F_SERO : 0);
	for (int i = 0; i < set->n_except; i++)
		if (!strcasecmp(set->except_ids[i], m->id))
			return 0;
	if (set->except_classes & bit)
		return 0;
	for (int i = 0; i < set->n_ids; i++)
		if (!strcasecmp(set->ids[i], m->id))
			return 1;
	return (set->classes & bit) || (set->flags & fl);
}

static int applies(enum sec id, const struct rule_order *o)
{
	return in_set(&R.s[id].a, o->med);
}

static const char *unit_of(const struct rule_order *o)
{
	return o->unit[0] ? o->unit : o->med->default_unit;
}

static int in_mg(const struct rule_order *o)
{
	return !strcasecmp(unit_of(o), "mg");
}

/* The info alert of a rule that needs mg and got another unit. */
static void unit_unchecked(struct out *out, enum sec id, const struct rule_order *o, const char *key,
			   const char *what)
{
	emit(out, id, RULE_INFO, key, "%s could not be checked: the dose is in %s, the rule in mg", what,
	     unit_of(o));
}

/* How a day's total is made, as text: "" for one dose and nothing given
 * yet; " (20 mg already given today + 2 x 15 mg ordered)" otherwise. */
static void ordered_text(const struct rule_order *o, char *buf, size_t n)
{
	char given[40] = "", ord[40];
	if (o->per_day > 1)
		snprintf(ord, sizeof ord, "%d x %g mg", o->per_day, o->dose);
	else
		snprintf(ord, sizeof ord, "%g mg", o->dose);
	if (o->given_today > EPS)
		snprintf(given, sizeof given, "%g mg already given today + ", o->given_today);
	if (!given[0] && o->per_day <= 1)
		buf[0] = '\0';
	else
		snprintf(buf, n, " (%s%s ordered)", given, ord);
}

static double day_amount(const struct rule_order *o)
{
	return o->dose * (o->per_day > 0 ? o->per_day : 1);
}

/* Clinic-local "YYYY-MM-DD HH:MM". */
static void when(time_t t, char out[20])
{
	struct tm tm;
	if (!localtime_r(&t, &tm) || !strftime(out, 20, "%Y-%m-%d %H:%M", &tm))
		snprintf(out, 20, "(unknown time)");
}

static int day_number(const char *date, int64_t *out)
{
	int y, m, d;
	if (!date || date_parse(date, &y, &m, &d))
		return -1;
	*out = date_days(y, m, d);
	return 0;
}

static int64_t today_number(const struct rule_ctx *c)
{
	int64_t n;
	char day[DATE_LEN];
	if (!day_number(c->today, &n))
		return n;
	date_local_day(c->now, day);
	return day_number(day, &n) ? 0 : n;
}

/* Whole clinic-local days from instant t to today (0: today). */
static int64_t days_ago(const struct rule_ctx *c, time_t t)
{
	char day[DATE_LEN];
	int64_t n;
	date_local_day(t, day);
	return day_number(day, &n) ? 0 : today_number(c) - n;
}

/* The newest result of kind (and code, when code is not NULL), or NULL. */
static const struct rule_result *latest(const struct rule_ctx *c, const char *kind, const char *code)
{
	const struct rule_result *best = NULL;
	for (int i = 0; i < c->n_results && i < RULE_MAX_RESULTS; i++) {
		const struct rule_result *r = &c->results[i];
		if (strcmp(r->kind, kind) || (code && strcasecmp(r->code, code)))
			continue;
		if (!best || r->taken_at > best->taken_at)
			best = r;
	}
	return best;
}

static int is_word(const struct section *s, const char *w)
{
	for (int i = 0; i < s->n_words; i++)
		if (!strcasecmp(s->words[i], w))
			return 1;
	return 0;
}

/* An active order other than the one being changed. */
static const struct rule_active *other(const struct rule_order *o, const struct rule_ctx *c, int i)
{
	const struct rule_active *a = &c->active[i];
	if (!a->med || (o->order_id && a->order_id == o->order_id))
		return NULL;
	return a;
}

static int n_active(const struct rule_ctx *c)
{
	return c->n_active < RULE_MAX_ACTIVE ? c->n_active : RULE_MAX_ACTIVE;
}

/* ---- the rules ---- */

static void r_allergy(const struct rule_order *o, const struct rule_ctx *c, struct out *out)
{
	for (int i = 0; i < c->n_allergies && i < RULE_MAX_ALLERGIES; i++) {
		char sub[sizeof c->allergies[0].substance];
		const char *p = c->allergies[i].substance;
		while (*p == ' ' || *p == '\t')
			p++;
		snprintf(sub, sizeof sub, "%s", p);
		size_t n = strlen(sub);
		while (n && (sub[n - 1] == ' ' || sub[n - 1] == '\t'))
			sub[--n] = '\0';
		int hit = (c->allergies[i].medication[0] && !strcasecmp(c->allergies[i].medication, o->med->id)) ||
			  (n && (!strcasecmp(sub, o->med->id) || !strcasecmp(sub, o->med->name)));
		if (hit) {
			emit(out, S_ALLERGY, RULE_BLOCK, NULL,
			     "%s ordered; the patient has an active allergy recorded to %s", o->med->name,
			     n ? sub : c->allergies[i].medication);
			return;
		}
	}
}

static void r_duplicate(const struct rule_order *o, const struct rule_ctx *c, struct out *out)
{
	if (o->is_change && !o->order_id)
		return;
	for (int i = 0; i < n_active(c); i++) {
		const struct rule_active *a = other(o, c, i);
		if (a && !strcasecmp(a->med->id, o->med->id)) {
			emit(out, S_DUPLICATE, RULE_BLOCK, NULL,
			     "%s already has an active order (order %lld, %g %s, %d a day); change the dose of the "
			     "existing order instead",
			     o->med->name, (long long)a->order_id, a->dose, a->med->default_unit, a->per_day);
			return;
		}
	}
}

static void r_methadone_start(const struct rule_order *o, struct out *out)
{
	char ord[96];
	int limit_fired = 0;
	if (!o->new_start)
		return;
	double total = o->given_today + day_amount(o);
	ordered_text(o, ord, sizeof ord);
	if (applies(S_MDN_LIMIT, o)) {
		double lim = th(S_MDN_LIMIT, 0);
		if (!in_mg(o))
			unit_unchecked(out, S_MDN_LIMIT, o, "limit_mg", "The first-day total limit");
		else if (total > lim + EPS) {
			limit_fired = 1;
			emit(out, S_MDN_LIMIT, RULE_BLOCK, "limit_mg",
			     "first-day %s total would be %g mg%s; the limit is %g mg unless a higher dose is "
			     "documented as clinically indicated",
			     o->med->id, total, ord, lim);
		}
	}
	if (applies(S_MDN_DOSE_LABEL, o) && o->given_today <= EPS) {
		double max = th(S_MDN_DOSE_LABEL, 0);
		if (!in_mg(o))
			unit_unchecked(out, S_MDN_DOSE_LABEL, o, "max_mg", "The label's first-dose advice");
		else if (o->dose > max + EPS)
			emit(out, S_MDN_DOSE_LABEL, RULE_INFO, "max_mg",
			     "first %s dose %g mg is above the label's initial dose of %g mg (advice, not a block)",
			     o->med->id, o->dose, max);
	}
	if (applies(S_MDN_DAY_LABEL, o) && !limit_fired) {
		double max = th(S_MDN_DAY_LABEL, 0);
		if (!in_mg(o))
			unit_unchecked(out, S_MDN_DAY_LABEL, o, "max_mg", "The label's first-day advice");
		else if (total > max + EPS)
			emit(out, S_MDN_DAY_LABEL, RULE_INFO, "max_mg",
			     "first-day %s total would be %g mg, above the label's first-day %g mg (advice, not a "
			     "block)",
			     o->med->id, total, max);
	}
}

static void r_bup_cows(const struct rule_order *o, const struct rule_ctx *c, struct out *out)
{
	if (!o->new_start || o->given_today > EPS || !applies(S_BUP_COWS, o))
		return;
	const struct section *s = &R.s[S_BUP_COWS];
	double min = s->num[0], hours = s->num[1];
	const struct rule_score *best = NULL;
	for (int i = 0; i < c->n_scores && i < RULE_MAX_SCORES; i++)
		if (!strcasecmp(c->scores[i].instrument, s->code) && (!best || c->scores[i].at > best->at))
			best = &c->scores[i];
	if (!best) {
		emit(out, S_BUP_COWS, RULE_BLOCK, "min_score",
		     "no COWS score is recorded; the first %s dose needs a COWS of at least %g within the last %g "
		     "hours",
		     o->med->id, min, hours);
		return;
	}
	char t[20];
	when(best->at, t);
	double age = difftime(c->now, best->at);
	if (age > hours * 3600.0 + EPS)
		emit(out, S_BUP_COWS, RULE_BLOCK, "window_hours",
		     "the latest COWS was %d at %s, %.1f hours ago; the first %s dose needs a COWS of at least %g "
		     "within the last %g hours",
		     best->total, t, age / 3600.0, o->med->id, min, hours);
	else if (best->total < min - EPS)
		emit(out, S_BUP_COWS, RULE_BLOCK, "min_score",
		     "the latest COWS was %d at %s, below %g; the first %s dose needs a COWS of at least %g "
		     "(reassess and score again)",
		     best->total, t, min, o->med->id, min);
}

static void r_bup_day1(const struct rule_order *o, struct out *out)
{
	if (!o->new_start || !applies(S_BUP_DAY1, o))
		return;
	double max = th(S_BUP_DAY1, 0), total = o->given_today + day_amount(o);
	char ord[96];
	ordered_text(o, ord, sizeof ord);
	if (!in_mg(o))
		unit_unchecked(out, S_BUP_DAY1, o, "max_mg", "The day-1 total");
	else if (total > max + EPS)
		emit(out, S_BUP_DAY1, RULE_WARN, "max_mg",
		     "day-1 %s total would be %g mg%s, above the day-1 limit of %g mg", o->med->id, total, ord,
		     max);
}

/* A combination rule: the order in set a with an active order in set b,
 * or the order in b with an active order in a. */
static void r_pair(const struct rule_order *o, const struct rule_ctx *c, struct out *out, enum sec id,
		   enum rule_severity sev, const char *tail)
{
	const struct section *s = &R.s[id];
	int in_a = in_set(&s->a, o->med), in_b = in_set(&s->b, o->med), n = 0, more = 0;
	char list[200] = "";
	size_t len = 0;
	if (!in_a && !in_b)
		return;
	for (int i = 0; i < n_active(c); i++) {
		const struct rule_active *a = other(o, c, i);
		if (!a || !strcasecmp(a->med->id, o->med->id))
			continue;
		if (!((in_a && in_set(&s->b, a->med)) || (in_b && in_set(&s->a, a->med))))
			continue;
		char item[96];
		int k = snprintf(item, sizeof item, "%s%s %g %s (order %lld)", n ? ", " : "", a->med->name, a->dose,
				 a->med->default_unit, (long long)a->order_id);
		if (k > 0 && len + (size_t)k < sizeof list) {
			memcpy(list + len, item, (size_t)k + 1);
			len += (size_t)k;
			n++;
		} else {
			more++;
		}
	}
	if (!n && !more)
		return;
	emit(out, id, sev, NULL, "%s ordered with an active order for %s%s%s", o->med->name, list,
	     more ? " and others" : "", tail);
}

static void r_ntx_screen(const struct rule_order *o, const struct rule_ctx *c, struct out *out)
{
	if (!applies(S_NTX_SCREEN, o))
		return;
	const struct section *s = &R.s[S_NTX_SCREEN];
	const struct rule_result *best = NULL;
	for (int i = 0; i < c->n_results && i < RULE_MAX_RESULTS; i++) {
		const struct rule_result *r = &c->results[i];
		if (strcmp(r->kind, "uds") || !r->positive || !is_word(s, r->substance) ||
		    days_ago(c, r->taken_at) >= s->num[0])
			continue;
		if (!best || r->taken_at > best->taken_at)
			best = r;
	}
	if (!best)
		return;
	char t[20];
	when(best->taken_at, t);
	emit(out, S_NTX_SCREEN, RULE_BLOCK, "window_days",
	     "urine drug screen positive for %s on %s%s, within the last %g days; %s needs a negative opioid "
	     "screen",
	     best->substance, t, best->expected ? " (an expected positive: the patient is on it)" : "",
	     s->num[0], o->med->id);
}

static void r_ntx_free(const struct rule_order *o, const struct rule_ctx *c, struct out *out)
{
	int64_t last;
	if (!applies(S_NTX_FREE, o) || !c->last_agonist_on[0] || day_number(c->last_agonist_on, &last))
		return;
	int64_t d = today_number(c) - last;
	double min = th(S_NTX_FREE, 0);
	if (d < min - EPS)
		emit(out, S_NTX_FREE, RULE_BLOCK, "min_days",
		     "the last opioid agonist known to Tandem was on %s, %lld day%s ago; %s needs at least %g "
		     "opioid-free days",
		     c->last_agonist_on, (long long)(d > 0 ? d : 0), d == 1 ? "" : "s", o->med->id, min);
}

static void r_dsf_alcohol(const struct rule_order *o, const struct rule_ctx *c, struct out *out)
{
	if (!applies(S_DSF_ALCOHOL, o))
		return;
	const struct section *s = &R.s[S_DSF_ALCOHOL];
	double window = s->num[0] * 3600.0, above = s->num[1];
	const struct rule_result *best = NULL;
	for (int i = 0; i < c->n_results && i < RULE_MAX_RESULTS; i++) {
		const struct rule_result *r = &c->results[i];
		int hit = (!strcmp(r->kind, "breath_alcohol") && r->value > above + EPS) ||
			  (!strcmp(r->kind, "uds") && r->positive && is_word(s, r->substance));
		if (hit && difftime(c->now, r->taken_at) < window - EPS && (!best || r->taken_at > best->taken_at))
			best = r;
	}
	if (!best)
		return;
	char t[20], what[64];
	when(best->taken_at, t);
	if (!strcmp(best->kind, "breath_alcohol"))
		snprintf(what, sizeof what, "breath alcohol %g", best->value);
	else
		snprintf(what, sizeof what, "urine screen positive for %s", best->substance);
	double age = difftime(c->now, best->taken_at) / 3600.0;
	emit(out, S_DSF_ALCOHOL, RULE_BLOCK, "window_hours",
	     "%s at %s, %.1f hours ago; %s needs at least %g hours without alcohol", what, t, age > 0 ? age : 0,
	     o->med->id, s->num[0]);
}

static void r_acamprosate(const struct rule_order *o, const struct rule_ctx *c, struct out *out)
{
	const struct section *k = &R.s[S_ACA_CONTRA], *d = &R.s[S_ACA_DOSE];
	int ck = applies(S_ACA_CONTRA, o), cd = applies(S_ACA_DOSE, o);
	if (!ck && !cd)
		return;
	const struct rule_result *rk = latest(c, "lab", k->code), *rd = latest(c, "lab", d->code);
	char t[20];
	if (ck && !rk) {
		if (k->report_missing)
			emit(out, S_ACA_CONTRA, RULE_INFO, "max_crcl",
			     "no %s is recorded: the renal limits of %s (contraindicated at or below %g mL/min, %g mg "
			     "per dose up to %g mL/min) could not be checked",
			     k->code, o->med->id, k->num[0], d->num[1], d->num[0]);
		return;
	}
	if (ck && rk->value <= k->num[0] + EPS) {
		when(rk->taken_at, t);
		emit(out, S_ACA_CONTRA, RULE_BLOCK, "max_crcl",
		     "latest %s is %g mL/min (%s), at or below %g mL/min: %s is contraindicated", k->code, rk->value,
		     t, k->num[0], o->med->id);
		return;
	}
	if (!cd || !rd || rd->value <= k->num[0] + EPS || rd->value > d->num[0] + EPS)
		return;
	if (!in_mg(o)) {
		unit_unchecked(out, S_ACA_DOSE, o, "max_dose_mg", "The renal dose limit");
		return;
	}
	if (o->dose > d->num[1] + EPS) {
		when(rd->taken_at, t);
		emit(out, S_ACA_DOSE, RULE_BLOCK, "max_dose_mg",
		     "latest %s is %g mL/min (%s), between %g and %g mL/min: the dose for this range is %g mg three "
		     "times daily; %g mg per dose was ordered",
		     d->code, rd->value, t, k->num[0], d->num[0], d->num[1], o->dose);
	}
}

static void r_methadone_qtc(const struct rule_order *o, const struct rule_ctx *c, struct out *out)
{
	if (!applies(S_MDN_QTC, o))
		return;
	const struct section *s = &R.s[S_MDN_QTC];
	const struct rule_result *r = latest(c, "ecg", NULL);
	if (!r) {
		if (s->report_missing)
			emit(out, S_MDN_QTC, RULE_INFO, "warn_ms",
			     "no ECG (QTc) is recorded; an ECG is advised before %s treatment, within 30 days and yearly",
			     o->med->id);
		return;
	}
	char t[20];
	when(r->taken_at, t);
	if (r->value >= s->num[1] - EPS) {
		int increase = !o->is_change || o->dose > o->prev_dose + EPS;
		if (increase)
			emit(out, S_MDN_QTC, RULE_BLOCK, "block_ms",
			     "latest QTc is %g ms (%s), at or above %g ms: a %s of %s is blocked", r->value, t, s->num[1],
			     o->is_change ? "dose increase" : "new order", o->med->id);
		else
			emit(out, S_MDN_QTC, RULE_WARN, "block_ms",
			     "latest QTc is %g ms (%s), at or above %g ms; not blocked because the dose does not "
			     "increase (%g to %g mg)",
			     r->value, t, s->num[1], o->prev_dose, o->dose);
	} else if (r->value >= s->num[0] - EPS) {
		emit(out, S_MDN_QTC, RULE_WARN, "warn_ms",
		     "latest QTc is %g ms (%s), between %g and %g ms: discuss risks and benefits and monitor more "
		     "often",
		     r->value, t, s->num[0], s->num[1]);
	}
}

static void r_lithium(const struct rule_order *o, const struct rule_ctx *c, struct out *out)
{
	char t[20];
	if (applies(S_LI_OVERDUE, o)) {
		const struct section *s = &R.s[S_LI_OVERDUE];
		const struct rule_result *r = latest(c, "lab", s->code);
		if (!r) {
			emit(out, S_LI_OVERDUE, RULE_WARN, "max_age_days",
			     "no %s level is recorded; levels are due at least every %g days (and 5-7 days after a start "
			     "or dose change)",
			     s->code, s->num[0]);
		} else {
			int64_t d = days_ago(c, r->taken_at);
			when(r->taken_at, t);
			if (d > s->num[0] + EPS)
				emit(out, S_LI_OVERDUE, RULE_WARN, "max_age_days",
				     "the latest %s level was on %s, %lld days ago; levels are due at least every %g days",
				     s->code, t, (long long)d, s->num[0]);
		}
	}
	if (applies(S_LI_HIGH, o)) {
		const struct section *s = &R.s[S_LI_HIGH];
		const struct rule_result *r = latest(c, "lab", s->code);
		if (r && r->value >= s->num[0] - EPS) {
			when(r->taken_at, t);
			emit(out, S_LI_HIGH, RULE_WARN, "min_level",
			     "latest %s level is %g mmol/L (%s), at or above %g mmol/L (= mEq/L)", s->code, r->value, t,
			     s->num[0]);
		}
	}
}

/* The order's amount in the period of one usual-dose entry; -1 when it
 * cannot be compared. */
static double amount_per(const struct rule_order *o, const char *per)
{
	if (!strcmp(per, "dose") || o->per_day <= 0)
		return o->dose; /* a single dose above a daily/weekly/monthly max is above it */
	if (!strcmp(per, "day"))
		return o->dose * o->per_day;
	if (!strcmp(per, "week"))
		return o->dose * o->per_day * 7;
	if (!strcmp(per, "month"))
		return o->dose * o->per_day * 28;
	return -1;
}

/* Info when the order is above the maximum of every usual-dose entry that
 * could apply (its route, or any when the route is unknown). */
static void r_dose_usual(const struct rule_order *o, struct out *out)
{
	const struct medication *m = o->med;
	const struct med_dose *first = NULL;
	int applicable = 0, compared = 0, above = 0;
	double amount = 0;
	for (int i = 0; i < m->n_doses && i < MED_MAX_DOSES; i++) {
		const struct med_dose *d = &m->doses[i];
		if (d->route[0] && o->route[0] && strcasecmp(d->route, o->route))
			continue;
		applicable++;
		double x = amount_per(o, d->per);
		if (strcasecmp(d->unit, unit_of(o)) || x < 0)
			continue;
		compared++;
		if (x > d->max + EPS) {
			above++;
			if (!first) {
				first = d;
				amount = x;
			}
		}
	}
	if (applicable && !compared)
		emit(out, S_DOSE_USUAL, RULE_INFO, NULL,
		     "the usual dose could not be checked: the dose is in %s, the formulary's usual dose in %s",
		     unit_of(o), m->doses[0].unit);
	else if (compared && above == compared)
		emit(out, S_DOSE_USUAL, RULE_INFO, NULL,
		     "%s %g %s per %s is above the usual maximum of %g %s per %s (formulary; not a block)", m->id,
		     amount, first->unit, first->per, first->max, first->unit, first->per);
}

int medrule_check(const struct rule_order *o, const struct rule_ctx *ctx, struct rule_alert *out, int max)
{
	struct out a;
	a.n = 0;
	if (!o || !o->med || !ctx || !out || max <= 0)
		return 0;
	if (!R.loaded) {
		memset(out, 0, sizeof *out);
		snprintf(out->rule, sizeof out->rule, "rules_not_loaded");
		out->severity = RULE_BLOCK;
		snprintf(out->message, sizeof out->message, "the medication rules are not loaded");
		snprintf(out->why, sizeof out->why, "No safety rule could be checked.");
		snprintf(out->source, sizeof out->source, "data/medication-rules.conf");
		return 1;
	}
	r_allergy(o, ctx, &a);
	r_duplicate(o, ctx, &a);
	r_methadone_start(o, &a);
	r_bup_cows(o, ctx, &a);
	r_bup_day1(o, &a);
	r_pair(o, ctx, &a, S_NTX_AGONIST, RULE_BLOCK, "");
	r_ntx_screen(o, ctx, &a);
	r_ntx_free(o, ctx, &a);
	r_dsf_alcohol(o, ctx, &a);
	r_pair(o, ctx, &a, S_DSF_INTERACTION, RULE_BLOCK, "");
	r_acamprosate(o, ctx, &a);
	r_pair(o, ctx, &a, S_OPIOID_CNS, RULE_WARN,
	       "; a warning that does not block the order (FDA 2017: do not withhold opioid treatment)");
	r_methadone_qtc(o, ctx, &a);
	r_pair(o, ctx, &a, S_MDN_QT_MED, RULE_WARN, "");
	r_lithium(o, ctx, &a);
	r_pair(o, ctx, &a, S_SERO, RULE_WARN, "");
	r_dose_usual(o, &a);
	/* Most severe first; rules keep their order within a severity. */
	int n = 0;
	for (int sev = RULE_BLOCK; sev >= RULE_INFO; sev--)
		for (int i = 0; i < a.n && n < max; i++)
			if ((int)a.a[i].severity == sev)
				out[n++] = a.a[i];
	return n;
}
