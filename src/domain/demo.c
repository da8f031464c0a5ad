/*
 * demo.c - the synthetic demo cohort (see demo.h).
 *
 * Each patient is first planned (profile, track, episodes, diagnoses, all as
 * day offsets from today, <= 0) from a random stream of its own, then written
 * through the domain calls in date order. The stream of patient i depends on
 * the seed and i only, so a cohort is the same for a seed on any machine.
 */
#include "domain/demo.h"
#include "domain/demo_measures.h"
#include "domain/demo_meds.h"
#include "domain/demo_therapy.h"
#include "domain/diagnosis.h"
#include "domain/episode.h"
#include "domain/icd10.h"
#include "domain/level.h"
#include "domain/patient.h"
#include "util/date.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define DEMO_HISTORY 700   /* oldest admission, days before today */
#define DEMO_OTP_HISTORY 900 /* OTP stays reach further back: years of daily doses */
#define DEMO_STEPS 14      /* placements per planned episode */
#define DEMO_EPISODES 3    /* episodes per patient */
#define DEMO_DX 8          /* diagnoses per patient */
#define YEAR 365

#define COUNT_OF(t) ((int)(sizeof(t) / sizeof((t)[0])))

/* ---- deterministic randomness: splitmix64 ---- */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); 0 when n <= 1. */
static int rng_below(struct rng *r, int n)
{
	return n <= 1 ? 0 : (int)(rng_next(r) % (uint64_t)n);
}

/* Uniform in [lo, hi]; lo when hi <= lo. */
static int rng_range(struct rng *r, int lo, int hi)
{
	return hi <= lo ? lo : lo + rng_below(r, hi - lo + 1);
}

static int rng_pct(struct rng *r, int pct)
{
	return rng_below(r, 100) < pct;
}

/* Index into a table of weights. */
static int rng_weighted(struct rng *r, const int *w, int n)
{
	int total = 0, x;
	for (int i = 0; i < n; i++)
		total += w[i];
	x = rng_below(r, total);
	for (int i = 0; i < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

#define ONE_OF(r, t) ((t)[rng_below((r), COUNT_OF(t))])

/* ---- clinical tables ---- */

enum { LV_DETOX, LV_RES, LV_PHP, LV_IOP, LV_OP, LV_AFTER, LV_OTP, LV_N };

static const char *const level_ids[LV_N] = {
	"detox", "residential", "php", "iop", "outpatient", "aftercare", "otp",
};
/* Typical days in each level (a stay that runs its course). */
static const int dur_min[LV_N] = {3, 14, 10, 28, 30, 60, 90};
static const int dur_max[LV_N] = {7, 45, 28, 70, 180, 365, DEMO_OTP_HISTORY};

enum profile { PR_DUAL, PR_SUBSTANCE, PR_NICOTINE_MH, PR_MENTAL, PR_N };
static const int profile_w[PR_N] = {44, 36, 12, 8};

struct substance {
	const char *severe[2]; /* dependence; the first is the usual one */
	const char *mild;      /* abuse or use: patients never in PHP or more intensive care */
	int weight;            /* share of primary substances (continuum track) */
	int detox;             /* withdrawal commonly managed in detox */
};

enum { SU_ALCOHOL, SU_OPIOID, SU_STIMULANT, SU_COCAINE, SU_CANNABIS, SU_SEDATIVE, SU_OTHER, SU_N };
static const struct substance substances[SU_N] = {
	{{"F10.20", "F10.239"}, "F10.10", 38, 1},
	{{"F11.20", "F11.20"}, "F11.90", 18, 1},
	{{"F15.20", "F15.20"}, "F15.10", 14, 0},
	{{"F14.20", "F14.20"}, "F14.10", 11, 0},
	{{"F12.20", "F12.20"}, "F12.10", 10, 0},
	{{"F13.20", "F13.20"}, "F13.20", 5, 1},
	{{"F19.20", "F19.20"}, "F19.20", 4, 0},
};
static const char *const otp_codes[] = {"F11.20", "F11.20", "F11.20", "F11.20", "F11.21"};
static const char *const co_use_codes[SU_N] = {
	"F10.20", "F11.20", "F15.20", "F14.20", "F12.20", "F13.20", "F19.20",
};

static const char *const mh_codes[] = {
	"F32.1", "F33.1", "F41.1", "F43.10", "F31.81", "F20.9", "F90.9", "F60.3",
};
static const int mh_w[] = {14, 16, 20, 18, 8, 4, 10, 10};
/* Diagnoses that may later be resolved. */
static const char *const resolvable_codes[] = {"F32.1", "F43.10", "F41.1"};

struct discharge_kind {
	const char *reason;
	const char *note;
};
enum { DC_COMPLETED, DC_LAMA, DC_LOST, DC_TRANSFERRED };
static const struct discharge_kind discharge_kinds[] = {
	{"completed", "treatment plan completed; recovery supports in place"},
	{"left_against_advice", "left before planned completion, against clinical advice"},
	{"lost_to_follow_up", "no contact after repeated outreach"},
	{"transferred", "transferred to a program closer to home"},
};

/* ---- the plan of one patient ---- */

struct ep_plan {
	int n;                         /* placements */
	int lv[DEMO_STEPS];
	const char *asam[DEMO_STEPS];  /* NULL: the level's default */
	int start[DEMO_STEPS];         /* day offsets from today */
	int open;
	int end;                       /* discharge day offset when closed */
	int kind;                      /* discharge_kinds index when closed */
};

struct dx_plan {
	const char *code;
	int onset;
	int resolved;                  /* day offset; 1 when not resolved */
};

struct plan {
	int profile, otp, substance;   /* substance: SU_*, -1 none */
	int forced_lv;                 /* open at this level today, -1 none */
	int recent_discharge;          /* discharged within the last 30 days */
	int n_ep;
	struct ep_plan ep[DEMO_EPISODES]; /* oldest first */
	int birth;                     /* day offset of birth */
	int n_dx;
	struct dx_plan dx[DEMO_DX];
};

static int detox_prone(const struct plan *pl)
{
	return pl->otp || (pl->substance >= 0 && substances[pl->substance].detox);
}

/* Lowest level a patient without a substance-use focus is placed in. */
static int min_level(const struct plan *pl)
{
	return pl->profile == PR_NICOTINE_MH || pl->profile == PR_MENTAL ? LV_PHP : LV_DETOX;
}

/* An ASAM level within the level of care, or NULL for its default. */
static const char *pick_asam(struct rng *r, int lv)
{
	static const char *const detox[] = {"3.7-WM", "3.7-WM", "3.7-WM", "3.2-WM"};
	static const char *const res[] = {"3.5", "3.5", "3.5", "3.7", "3.7", "3.1"};
	const char *want = lv == LV_DETOX ? ONE_OF(r, detox) : lv == LV_RES ? ONE_OF(r, res) : NULL;
	const struct level *l = level_find(level_ids[lv]);
	for (int i = 0; want && l && i < l->n_asam; i++)
		if (!strcmp(l->asam[i], want))
			return want;
	return NULL;
}

static void push(struct rng *r, struct ep_plan *e, int lv)
{
	if (e->n < DEMO_STEPS) {
		e->asam[e->n] = pick_asam(r, lv);
		e->lv[e->n++] = lv;
	}
}

/* Steps down the continuum from `from` to `to`, sometimes skipping PHP and
 * now and then with one return to residential after a return to use. */
static void path_continuum(struct rng *r, struct ep_plan *e, int from, int to, int prone,
			   int may_step_up)
{
	int stepped_up = !may_step_up || !rng_pct(r, 8);
	for (int lv = from; lv <= to; lv++) {
		if (lv == LV_PHP && lv != from && lv != to && rng_pct(r, 35))
			continue;
		push(r, e, lv);
		if (!stepped_up && (lv == LV_IOP || lv == LV_OP) && lv < to) {
			stepped_up = 1;
			if (prone && rng_pct(r, 30))
				push(r, e, LV_DETOX);
			push(r, e, LV_RES);
			lv = LV_RES;
		}
	}
}

/* Where a path down to `to` starts: a few levels higher, never aftercare. */
static int pick_start(struct rng *r, const struct plan *pl, int to)
{
	int s = to - rng_below(r, (to < 4 ? to : 4) + 1);
	if (s > LV_OP)
		s = LV_OP;
	if (s == LV_RES && detox_prone(pl) && rng_pct(r, 50))
		s = LV_DETOX;
	if (s == LV_DETOX && !detox_prone(pl))
		s = LV_RES;
	return s < min_level(pl) ? min_level(pl) : s;
}

/* The level a patient in care is in today. */
static int pick_current(struct rng *r, const struct plan *pl)
{
	static const int w[] = {6, 18, 12, 22, 26, 16};
	static const int w_mh[] = {0, 0, 20, 35, 35, 10};
	int lv = rng_weighted(r, min_level(pl) > LV_DETOX ? w_mh : w, COUNT_OF(w));
	if (lv == LV_DETOX && !detox_prone(pl))
		lv = LV_RES;
	return lv;
}

/* The last level of a closed episode, and how it ended. */
static int pick_closed_end(struct rng *r, const struct plan *pl, int completed_pct, int *kind)
{
	static const int early_w[] = {15, 30, 15, 25, 15};
	static const int kind_w[] = {0, 45, 35, 20};
	int lv;
	if (rng_pct(r, completed_pct)) {
		*kind = DC_COMPLETED;
		return rng_pct(r, 60) ? LV_AFTER : LV_OP;
	}
	*kind = rng_weighted(r, kind_w, COUNT_OF(kind_w));
	lv = rng_weighted(r, early_w, COUNT_OF(early_w));
	if (lv == LV_DETOX && !detox_prone(pl))
		lv = LV_RES;
	return lv < min_level(pl) ? min_level(pl) : lv;
}

/* Lays the placements out backwards from `end` (discharge day, or today for
 * an open episode); dur[k] is the time spent in step k. Steps wholly before
 * the demo history are dropped, and the first start is clamped into it. */
static void layout(struct ep_plan *e, const int *dur, int end, int history)
{
	int day = end, drop = 0;
	for (int k = e->n - 1; k >= 0; k--) {
		day -= dur[k];
		e->start[k] = day;
	}
	while (drop < e->n - 1 && e->start[drop + 1] <= -history)
		drop++;
	if (drop) {
		e->n -= drop;
		memmove(e->lv, e->lv + drop, (size_t)e->n * sizeof e->lv[0]);
		memmove(e->asam, e->asam + drop, (size_t)e->n * sizeof e->asam[0]);
		memmove(e->start, e->start + drop, (size_t)e->n * sizeof e->start[0]);
	}
	if (e->start[0] < -history)
		e->start[0] = -history;
}

/* Days in each step; the last one runs lo..hi days. */
static void durations(struct rng *r, const struct ep_plan *e, int lo, int hi, int *dur)
{
	for (int k = 0; k < e->n - 1; k++)
		dur[k] = rng_range(r, dur_min[e->lv[k]], dur_max[e->lv[k]]);
	dur[e->n - 1] = rng_range(r, lo, hi);
}

/* An OTP episode: mostly long stays in the OTP. */
static void plan_otp(struct rng *r, struct ep_plan *e, int end)
{
	static const int kind_w[] = {20, 20, 30, 30};
	int dur[DEMO_STEPS], last;
	if (e->open && rng_pct(r, 15))
		push(r, e, LV_DETOX);
	push(r, e, LV_OTP);
	if (e->open && e->n == 1 && rng_pct(r, 10))
		push(r, e, LV_OP); /* tapered off medication */
	last = e->lv[e->n - 1];
	if (!e->open)
		e->kind = rng_weighted(r, kind_w, COUNT_OF(kind_w));
	durations(r, e, e->open ? 1 : 14, dur_max[last], dur);
	layout(e, dur, end, DEMO_OTP_HISTORY);
}

/* A continuum episode (detox ... aftercare). */
static void plan_continuum(struct rng *r, const struct plan *pl, struct ep_plan *e, int end,
			   int completed_pct)
{
	int dur[DEMO_STEPS], to, lo;
	if (e->open)
		to = pl->forced_lv >= 0 ? pl->forced_lv : pick_current(r, pl);
	else
		to = pick_closed_end(r, pl, completed_pct, &e->kind);
	path_continuum(r, e, pick_start(r, pl, to), to, detox_prone(pl), min_level(pl) == LV_DETOX);
	lo = !e->open && e->kind == DC_COMPLETED ? dur_min[to] : 1;
	durations(r, e, lo, e->open && to == LV_DETOX ? 6 : dur_max[to], dur);
	layout(e, dur, end, DEMO_HISTORY);
}

static void plan_episode(struct rng *r, const struct plan *pl, struct ep_plan *e, int open,
			 int end, int completed_pct)
{
	memset(e, 0, sizeof *e);
	e->open = open;
	e->end = end;
	if (pl->otp)
		plan_otp(r, e, end);
	else
		plan_continuum(r, pl, e, end, completed_pct);
}

/* The current or last episode, then earlier ones for readmitted patients. */
static void plan_episodes(struct rng *r, struct plan *pl)
{
	static const int n_ep_w[] = {78, 17, 5};
	struct ep_plan tmp[DEMO_EPISODES];
	int open = pl->forced_lv >= 0 ||
		   (!pl->recent_discharge && rng_pct(r, pl->otp ? 85 : 58));
	int end = open ? 0 : pl->recent_discharge ? -rng_below(r, 30) : -rng_below(r, 421);
	int want = 1 + rng_weighted(r, n_ep_w, COUNT_OF(n_ep_w)), n = 0;
	plan_episode(r, pl, &tmp[n++], open, end, 55);
	while (n < want) {
		end = tmp[n - 1].start[0] - rng_range(r, 7, 180);
		if (end < -(DEMO_HISTORY - 30))
			break;
		plan_episode(r, pl, &tmp[n++], 0, end, 30);
	}
	pl->n_ep = n;
	for (int k = 0; k < n; k++)
		pl->ep[k] = tmp[n - 1 - k];
}

/* Birth 18-75 years ago, and at least 18 at the first admission. */
static void plan_birth(struct rng *r, struct plan *pl)
{
	int age = rng_pct(r, 85) ? 18 * YEAR + (rng_below(r, 42 * YEAR) + rng_below(r, 42 * YEAR)) / 2
				 : rng_range(r, 18 * YEAR, 75 * YEAR);
	int adult = pl->ep[0].start[0] - 18 * YEAR - 6; /* 18 years and leap days */
	pl->birth = -age - 5;
	if (pl->birth > adult)
		pl->birth = adult - rng_below(r, YEAR);
}

/* A day between age 13 and shortly before the first admission. */
static int plan_onset(struct rng *r, const struct plan *pl)
{
	return rng_range(r, pl->birth + 13 * YEAR, pl->ep[0].start[0] - 30);
}

static int has_dx(const struct plan *pl, const char *code)
{
	for (int i = 0; i < pl->n_dx; i++)
		if (!strcmp(pl->dx[i].code, code))
			return 1;
	return 0;
}

static void add_plan_dx(struct rng *r, struct plan *pl, const char *code, int resolve)
{
	struct dx_plan *d;
	if (pl->n_dx == DEMO_DX || has_dx(pl, code))
		return;
	d = &pl->dx[pl->n_dx++];
	d->code = code;
	d->onset = plan_onset(r, pl);
	d->resolved = resolve ? rng_range(r, d->onset + 30, -1) : 1;
}

static const char *pick_mh(struct rng *r)
{
	return mh_codes[rng_weighted(r, mh_w, COUNT_OF(mh_w))];
}

/* Was the patient ever placed in detox, residential or PHP? */
static int intensive(const struct plan *pl)
{
	for (int k = 0; k < pl->n_ep; k++)
		for (int j = 0; j < pl->ep[k].n; j++)
			if (pl->ep[k].lv[j] <= LV_PHP)
				return 1;
	return 0;
}

/* Substance codes: the primary one, sometimes a second substance, often
 * nicotine beside them. */
static void plan_substance_dx(struct rng *r, struct plan *pl)
{
	if (pl->substance < 0)
		return;
	const struct substance *s = &substances[pl->substance];
	if (pl->otp)
		add_plan_dx(r, pl, ONE_OF(r, otp_codes), 0);
	else if (!intensive(pl) && rng_pct(r, 40))
		add_plan_dx(r, pl, s->mild, 0);
	else
		add_plan_dx(r, pl, s->severe[rng_pct(r, 25)], 0);
	if (rng_pct(r, 25)) {
		int other = rng_below(r, SU_N);
		if (other != pl->substance && !(pl->otp && other == SU_OPIOID))
			add_plan_dx(r, pl, co_use_codes[other], 0);
	}
	if (rng_pct(r, 45))
		add_plan_dx(r, pl, "F17.210", 0);
}

static void plan_diagnoses(struct rng *r, struct plan *pl)
{
	pl->n_dx = 0;
	if (pl->profile == PR_DUAL || pl->profile == PR_SUBSTANCE)
		plan_substance_dx(r, pl);
	if (pl->profile == PR_NICOTINE_MH)
		add_plan_dx(r, pl, "F17.210", 0);
	if (pl->profile != PR_SUBSTANCE) {
		add_plan_dx(r, pl, pick_mh(r), 0);
		if (rng_pct(r, 30))
			add_plan_dx(r, pl, pick_mh(r), 0);
	}
	if (rng_pct(r, 10))
		add_plan_dx(r, pl, ONE_OF(r, resolvable_codes), 1);
}

/* Profile and track; forced levels need a fitting patient. */
static void plan_profile(struct rng *r, struct plan *pl)
{
	int lv = pl->forced_lv;
	pl->profile = rng_weighted(r, profile_w, COUNT_OF(profile_w));
	if ((lv == LV_DETOX || lv == LV_RES || lv == LV_OTP) && pl->profile >= PR_NICOTINE_MH)
		pl->profile = PR_DUAL;
	pl->otp = lv == LV_OTP || (lv < 0 && pl->profile <= PR_SUBSTANCE && rng_pct(r, 19));
	pl->substance = -1;
	if (pl->otp)
		pl->substance = SU_OPIOID;
	else if (pl->profile <= PR_SUBSTANCE) {
		int w[SU_N];
		for (int i = 0; i < SU_N; i++)
			w[i] = substances[i].weight;
		pl->substance = rng_weighted(r, w, SU_N);
		if (lv == LV_DETOX && !substances[pl->substance].detox)
			pl->substance = SU_ALCOHOL;
	}
}

/* Every stride-th patient is in care at a given level, so every level has a
 * census; a few others were discharged within the last 30 days. */
static void plan_patient(struct rng *r, int i, int n, struct plan *pl)
{
	int stride = n >= 70 ? 10 : n >= 14 ? n / 7 : 1;
	memset(pl, 0, sizeof *pl);
	pl->forced_lv = i % stride == 0 ? (i / stride) % LV_N : -1;
	pl->recent_discharge = stride >= 2 && i % stride == stride / 2 && (i / stride) % 2 == 0;
	plan_profile(r, pl);
	plan_episodes(r, pl);
	plan_birth(r, pl);
	plan_diagnoses(r, pl);
}

/* ---- demographics ---- */

static const char *const surnames[] = {
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
	"Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Thompson",
	"White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen",
	"King", "Wright", "Scott", "Nguyen", "Hill", "Green", "Adams", "Nelson",
	"Baker", "Hall", "Campbell", "Mitchell", "Carter", "Roberts", "Phillips", "Evans",
	"Turner", "Parker", "Collins", "Edwards", "Stewart", "Morris", "Murphy", "Cook",
};
static const char *const surnames_es[] = {
	"Garcia", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Perez",
	"Sanchez", "Ramirez", "Torres", "Flores", "Rivera", "Gomez", "Diaz", "Reyes",
	"Cruz", "Morales", "Ortiz",
};
static const char *const given_f[] = {
	"Mary", "Jennifer", "Linda", "Patricia", "Elizabeth", "Susan", "Jessica", "Sarah",
	"Karen", "Lisa", "Nancy", "Ashley", "Emily", "Michelle", "Amanda", "Melissa",
	"Stephanie", "Rebecca", "Laura", "Amy", "Angela", "Heather", "Nicole", "Rachel",
};
static const char *const given_m[] = {
	"James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph",
	"Thomas", "Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Steven", "Andrew",
	"Joshua", "Kevin", "Brian", "Ryan", "Jason", "Justin", "Eric", "Tyler",
};
static const char *const given_f_es[] = {
	"Maria", "Ana", "Carmen", "Rosa", "Lucia", "Sofia", "Gabriela", "Daniela",
};
static const char *const given_m_es[] = {
	"Jose", "Luis", "Carlos", "Juan", "Miguel", "Jorge", "Alejandro", "Diego",
};
static const char *const given_any[] = {
	"Alex", "Jordan", "Taylor", "Casey", "Riley", "Morgan", "Jamie", "Avery", "Quinn",
};
static const char *const languages_other[] = {"vi", "zh", "ru", "ar", "pt-BR", "fr", "pl"};
/* Whom a patient names as emergency contact: that person's sex ("" either),
 * whether they share the family name, and the patient's least age for it. */
static const struct {
	const char *rel, *sex;
	int kin, min_age;
} relations[] = {
	{"mother", "female", 1, 0}, {"father", "male", 1, 0}, {"sister", "female", 1, 0},
	{"brother", "male", 1, 0}, {"daughter", "female", 1, 40}, {"son", "male", 1, 40},
	{"spouse", "", 1, 20}, {"spouse", "", 1, 20}, {"partner", "", 0, 0}, {"friend", "", 0, 0},
};

static const char *pick_given(struct rng *r, const char *sex, int spanish)
{
	if (!strcmp(sex, "female"))
		return spanish ? ONE_OF(r, given_f_es) : ONE_OF(r, given_f);
	if (!strcmp(sex, "male"))
		return spanish ? ONE_OF(r, given_m_es) : ONE_OF(r, given_m);
	return ONE_OF(r, given_any);
}

static void fake_phone(struct rng *r, char *out, size_t n)
{
	snprintf(out, n, "555-01%02d", rng_below(r, 100));
}

static void fill_contact(struct rng *r, struct patient *p, int age, int spanish)
{
	static const char *const sexes[] = {"female", "male"};
	int k;
	do
		k = rng_below(r, COUNT_OF(relations));
	while (age < relations[k].min_age);
	const char *sex = relations[k].sex[0] ? relations[k].sex : ONE_OF(r, sexes);
	const char *family = relations[k].kin ? p->family_name
		: spanish ? ONE_OF(r, surnames_es) : ONE_OF(r, surnames);
	snprintf(p->emergency_name, sizeof p->emergency_name, "%.40s %.50s",
		 pick_given(r, sex, spanish), family);
	snprintf(p->emergency_relationship, sizeof p->emergency_relationship, "%s",
		 relations[k].rel);
	fake_phone(r, p->emergency_phone, sizeof p->emergency_phone);
}

static void fill_patient(struct rng *r, int i, const struct plan *pl, const char *today,
			 struct patient *p)
{
	int x = rng_below(r, 100), spanish;
	memset(p, 0, sizeof *p);
	snprintf(p->mrn, sizeof p->mrn, "DEMO-%05d", i + 1);
	snprintf(p->sex_at_birth, sizeof p->sex_at_birth, "%s",
		 x < 52 ? "male" : x < 97 ? "female" : "unknown");
	x = rng_below(r, 100);
	snprintf(p->preferred_language, sizeof p->preferred_language, "%s",
		 x < 80 ? "en" : x < 93 ? "es" : ONE_OF(r, languages_other));
	spanish = !strcmp(p->preferred_language, "es") || (x < 80 && rng_pct(r, 10));
	snprintf(p->family_name, sizeof p->family_name, "%s",
		 spanish ? ONE_OF(r, surnames_es) : ONE_OF(r, surnames));
	snprintf(p->given_name, sizeof p->given_name, "%s", pick_given(r, p->sex_at_birth, spanish));
	date_add_days(today, pl->birth, p->birth_date);
	fake_phone(r, p->phone, sizeof p->phone);
	if (rng_pct(r, 30))
		snprintf(p->email, sizeof p->email, "demo%05d@example.org", i + 1);
	snprintf(p->address_line, sizeof p->address_line, "Synthetic demo record");
	if (rng_pct(r, 60))
		fill_contact(r, p, -pl->birth / YEAR, spanish);
}

/* ---- writing through the domain ---- */

static const char *from_phrase(int lv)
{
	static const char *const t[LV_N] = {
		"withdrawal stabilised", "residential goals met", "stable in partial hospitalization",
		"intensive outpatient completed", "outpatient goals met", "continuing care",
		"medication taper completed",
	};
	return t[lv];
}

static const char *to_phrase(int lv)
{
	static const char *const t[LV_N] = {
		"withdrawal management", "residential", "partial hospitalization",
		"intensive outpatient", "outpatient", "continuing care", "the opioid treatment program",
	};
	return t[lv];
}

static void step_reason(int from, int to, int mental, char *out, size_t n)
{
	if (to == LV_OTP)
		snprintf(out, n, "withdrawal managed; medication for opioid use disorder started in OTP");
	else if (to < from && from != LV_OTP)
		snprintf(out, n, "%s; step up to %s",
			 mental ? "symptoms worsened" : "return to use", to_phrase(to));
	else
		snprintf(out, n, "%s; %s %s", from_phrase(from),
			 to == LV_AFTER ? "move to" : "step down to", to_phrase(to));
}

static void admit_reason(int lv, int readmit, int mental, char *out, size_t n)
{
	if (!readmit)
		snprintf(out, n, "admitted to %s%s", to_phrase(lv),
			 lv == LV_AFTER ? " after treatment elsewhere" : "");
	else
		snprintf(out, n, "readmitted to %s after %s", to_phrase(lv),
			 mental ? "worsening symptoms" : "a return to use");
}

static enum tdm_status admit(struct db *db, const struct actor *a, int64_t pid,
			     const struct ep_plan *e, const char *today, const char *why,
			     int64_t *eid, struct tdm_err *err)
{
	struct episode ep;
	char day[DATE_LEN];
	date_add_days(today, e->start[0], day);
	enum tdm_status rc = episode_admit(db, a, pid, level_ids[e->lv[0]], e->asam[0], day, why,
					   &ep, err);
	*eid = ep.id;
	episode_release(&ep);
	return rc;
}

static enum tdm_status place(struct db *db, const struct actor *a, int64_t eid,
			     const struct ep_plan *e, int k, int mental, const char *today,
			     struct tdm_err *err)
{
	struct episode ep;
	char day[DATE_LEN], why[200];
	date_add_days(today, e->start[k], day);
	step_reason(e->lv[k - 1], e->lv[k], mental, why, sizeof why);
	enum tdm_status rc = episode_place(db, a, eid, level_ids[e->lv[k]], e->asam[k], day, why,
					   &ep, err);
	episode_release(&ep);
	return rc;
}

static enum tdm_status discharge(struct db *db, const struct actor *a, int64_t eid,
				 const struct ep_plan *e, const char *today, struct tdm_err *err)
{
	struct episode ep;
	char day[DATE_LEN];
	const struct discharge_kind *k = &discharge_kinds[e->kind];
	date_add_days(today, e->end, day);
	enum tdm_status rc = episode_discharge(db, a, eid, day, k->reason, k->note, &ep, err);
	episode_release(&ep);
	return rc;
}

static enum tdm_status run_episode(struct db *db, const struct actor *a, int64_t pid,
				   const struct plan *pl, int idx, const char *today,
				   struct demo_summary *sum, struct tdm_err *err)
{
	const struct ep_plan *e = &pl->ep[idx];
	int mental = pl->profile >= PR_NICOTINE_MH;
	int64_t eid = 0;
	char why[200];
	admit_reason(e->lv[0], idx > 0, mental, why, sizeof why);
	enum tdm_status rc = admit(db, a, pid, e, today, why, &eid, err);
	if (rc)
		return rc;
	sum->episodes++;
	sum->placements++;
	for (int k = 1; k < e->n; k++) {
		if ((rc = place(db, a, eid, e, k, mental, today, err)))
			return rc;
		sum->placements++;
	}
	if (!e->open) {
		if ((rc = discharge(db, a, eid, e, today, err)))
			return rc;
		sum->discharged++;
	}
	return TDM_OK;
}

/* Records one planned diagnosis; *sub and *mh collect the dual-diagnosis
 * halves of the ones left active. */
static enum tdm_status run_dx(struct db *db, const struct actor *a, int64_t pid,
			      const struct dx_plan *x, const char *today, int *sub, int *mh,
			      struct demo_summary *sum, struct tdm_err *err)
{
	struct diagnosis d, out;
	char on[DATE_LEN];
	memset(&d, 0, sizeof d);
	snprintf(d.cls.code, sizeof d.cls.code, "%s", x->code);
	date_add_days(today, x->onset, d.onset_date);
	enum tdm_status rc = diagnosis_add(db, a, pid, &d, err);
	if (rc)
		return rc;
	sum->diagnoses++;
	if (x->resolved <= 0) {
		date_add_days(today, x->resolved, on);
		return diagnosis_set_status(db, a, d.id, "resolved", on,
					    "symptoms in full remission; criteria no longer met", &out, err);
	}
	*sub |= icd10_counts_substance(&d.cls);
	*mh |= icd10_counts_mental(&d.cls);
	return TDM_OK;
}

_Static_assert(DEMO_EPISODES <= DEMO_MEDS_EPISODES && DEMO_STEPS <= DEMO_MEDS_STEPS,
	       "demo_meds.h holds every planned episode and placement");

/* What demo_meds needs of the plan: episodes with their placements. */
static void med_plan(const struct plan *pl, int64_t pid, struct demo_med_plan *mp)
{
	memset(mp, 0, sizeof *mp);
	mp->patient_id = pid;
	mp->otp = pl->otp;
	mp->opioid = pl->substance == SU_OPIOID;
	mp->alcohol = pl->substance == SU_ALCOHOL;
	mp->depression = has_dx(pl, "F32.1") || has_dx(pl, "F33.1");
	mp->anxiety = has_dx(pl, "F41.1") || has_dx(pl, "F43.10");
	mp->bipolar = has_dx(pl, "F31.81");
	mp->psychosis = has_dx(pl, "F20.9");
	mp->n_ep = pl->n_ep;
	for (int k = 0; k < pl->n_ep; k++) {
		const struct ep_plan *e = &pl->ep[k];
		struct demo_med_episode *m = &mp->ep[k];
		m->start = e->start[0];
		m->open = e->open;
		m->end = e->open ? 0 : e->end;
		m->discharge_reason = e->open ? NULL : discharge_kinds[e->kind].reason;
		m->n = e->n;
		for (int j = 0; j < e->n; j++) {
			m->level[j] = level_ids[e->lv[j]];
			m->level_start[j] = e->start[j];
		}
	}
}

static enum tdm_status load_patient(struct db *db, const struct actor *a, struct rng *r, int i,
				    const struct plan *pl, const char *today, struct demo_med_counts *medc,
				    struct demo_therapy *th, struct demo_summary *sum, struct tdm_err *err)
{
	struct patient p;
	int sub = 0, mh = 0;
	fill_patient(r, i, pl, today, &p);
	enum tdm_status rc = patient_create(db, a, &p, NULL, err);
	if (rc)
		return rc;
	sum->patients++;
	for (int k = 0; !rc && k < pl->n_dx; k++)
		rc = run_dx(db, a, p.id, &pl->dx[k], today, &sub, &mh, sum, err);
	for (int k = 0; !rc && k < pl->n_ep; k++)
		rc = run_episode(db, a, p.id, pl, k, today, sum, err);
	sum->dual += sub && mh;
	if (!rc && pl->n_ep) {
		const struct ep_plan *e = &pl->ep[pl->n_ep - 1];
		struct demo_measure_plan mp = {
			.patient_id = p.id,
			.depression = has_dx(pl, "F32.1") || has_dx(pl, "F33.1") || has_dx(pl, "F31.81"),
			.anxiety = has_dx(pl, "F41.1") || has_dx(pl, "F43.10"),
			.alcohol = pl->substance == SU_ALCOHOL,
			.opioid = pl->substance == SU_OPIOID || pl->otp,
			.in_care = e->open,
			.level = e->open ? level_ids[e->lv[e->n - 1]] : NULL,
			.care_start = e->start[0],
			.care_end = e->open ? 0 : e->end,
			.level_start = e->start[e->n - 1],
		};
		struct demo_measure_counts mc = {0};
		rc = demo_measures(db, a, &mp, (uint64_t)i * 7919u, &mc, err);
		sum->assessments += mc.assessments;
		sum->alerts_open += mc.alerts_open;
		sum->schedules += mc.schedules;
	}
	if (!rc && pl->n_ep) {
		struct demo_med_plan dp;
		med_plan(pl, p.id, &dp);
		rc = demo_meds(db, a, &dp, rng_next(r), medc, err);
		if (!rc)
			rc = demo_therapy_patient(th, db, a, &dp, rng_next(r), err);
	}
	return rc;
}

/* ---- entry point ---- */

static enum tdm_status check_ready(struct db *db, int n, struct tdm_err *err)
{
	int64_t count = 0;
	int found;
	if (n < 1 || n > DEMO_MAX_PATIENTS)
		return tdm_fail(err, TDM_EINVAL, "n", "the demo cohort holds 1 to %d patients",
				DEMO_MAX_PATIENTS);
	for (int i = 0; i < LV_N; i++)
		if (!level_find(level_ids[i]))
			return tdm_fail(err, TDM_EINVAL, "level",
					"the demo needs the level of care '%s' (data/levels.conf)",
					level_ids[i]);
	enum tdm_status rc = db_begin(db, DB_READ, err);
	if (rc)
		return rc;
	struct stmt *st = db_prepare(db, "SELECT COUNT(*) FROM patient", err);
	rc = st ? db_query_int(st, &count, &found, err) : err->code;
	db_rollback(db);
	if (!rc && count > 0)
		rc = tdm_fail(err, TDM_ECONFLICT, NULL,
			      "the database already holds %" PRId64 " patients; demo data loads"
			      " only into an empty database", count);
	return rc;
}

enum tdm_status demo_load(struct db *db, const struct actor *a, int n, unsigned seed,
			  struct demo_summary *out, struct tdm_err *err)
{
	struct demo_summary sum = {0};
	struct demo_med_counts medc = {0};
	struct demo_therapy *th = NULL;
	struct demo_therapy_counts thc;
	char today[DATE_LEN];
	enum tdm_status rc = check_ready(db, n, err);
	date_today(today);
	if (!rc)
		rc = demo_therapy_begin(db, a, n, seed, &th, err);
	for (int i = 0; !rc && i < n; i++) {
		struct rng r = {((uint64_t)seed << 32) ^ (uint64_t)i * 0xd1b54a32d192ed03ULL};
		struct plan pl;
		plan_patient(&r, i, n, &pl);
		rc = load_patient(db, a, &r, i, &pl, today, &medc, th, &sum, err);
	}
	if (!rc)
		rc = demo_therapy_sessions(th, db, a, err);
	demo_therapy_end(th, &thc);
	sum.plans = thc.plans;
	sum.plan_versions = thc.plan_versions;
	sum.therapy_sessions = thc.sessions;
	sum.attendance = thc.attendance;
	sum.progress_notes = thc.notes;
	sum.med_orders = medc.orders;
	sum.med_administrations = medc.administrations;
	sum.takehome_dispenses = medc.dispenses;
	sum.results = medc.results;
	if (out)
		*out = sum;
	return rc;
}
