/*
 * demo_therapy.c - therapy data for the synthetic demo cohort (see
 * demo_therapy.h).
 *
 * Days are offsets from today (<= 0 for anything recorded; sessions may be
 * scheduled up to DEMO_THERAPY_AHEAD days ahead); times of day are minutes
 * after local midnight. Every recorded instant is at most a minute ago.
 *
 * Sessions are planned in memory first (groups, then individual sessions
 * around them, each checked against the clinician's, the room's and every
 * patient's grid of half-hour slots), then attendance is decided per patient
 * in time order, and only then is anything written, oldest session first.
 */
#include "domain/demo_therapy.h"
#include "domain/account.h"
#include "domain/audit.h"
#include "domain/note.h"
#include "domain/plan.h"
#include "domain/session.h"
#include "domain/therapy.h"
#include "util/date.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COUNT_OF(t) ((int)(sizeof(t) / sizeof((t)[0])))
#define PICK(r, t) ((t)[below((r), COUNT_OF(t))])
#define NEVER (1 << 29)   /* a day offset never reached */
#define MAX_DX 24
#define MAX_ORDERS 32
#define MAX_KEYS 12       /* objective keys remembered for notes */
#define MAX_VERSIONS 200  /* per plan (PLAN_MAX_VERSIONS is the hard limit) */

/* ---- deterministic randomness: splitmix64 ---- */

struct rnd {
	uint64_t s;
};

static uint64_t rnd_next(struct rnd *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int below(struct rnd *r, int n)
{
	return n > 1 ? (int)(rnd_next(r) % (uint64_t)n) : 0;
}

static int range(struct rnd *r, int lo, int hi)
{
	return hi <= lo ? lo : lo + below(r, hi - lo + 1);
}

static int pct(struct rnd *r, int p)
{
	return below(r, 100) < p;
}

/* A stable hash of two numbers (orders rosters without a stream). */
static uint64_t mix(uint64_t a, uint64_t b)
{
	struct rnd r = {a * 0x9e6c63d0676a9a99ULL ^ b};
	return rnd_next(&r);
}

/* ---- days and instants ---- */

struct clock {
	char today[DATE_LEN];
	int64_t today_days;
	int y, m, d;
	time_t now;
};

static void clock_init(struct clock *c)
{
	c->now = time(NULL);
	date_today(c->today);
	date_parse(c->today, &c->y, &c->m, &c->d);
	c->today_days = date_days(c->y, c->m, c->d);
}

static void day_str(const struct clock *c, int off, char out[DATE_LEN])
{
	date_from_days(c->today_days + off, out);
}

/* Day offset of a stored day ("YYYY-MM-DD..."), NEVER when unreadable. */
static int day_off(const struct clock *c, const char *s)
{
	int y, m, d;
	char day[DATE_LEN];
	snprintf(day, sizeof day, "%.10s", s ? s : "");
	if (date_parse(day, &y, &m, &d))
		return NEVER;
	return (int)(date_days(y, m, d) - c->today_days);
}

/* 0 Sunday ... 6 Saturday (1970-01-01 was a Thursday). */
static int weekday(const struct clock *c, int off)
{
	int64_t w = (c->today_days + off + 4) % 7;
	return (int)(w < 0 ? w + 7 : w);
}

/* The instant of day `off` at `min` minutes past local midnight. */
static time_t at(const struct clock *c, int off, int min)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = c->y - 1900;
	tm.tm_mon = c->m - 1;
	tm.tm_mday = c->d + off;
	tm.tm_hour = min / 60;
	tm.tm_min = min % 60;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* A recorded instant: never later than a minute ago. */
static void rec_t(const struct clock *c, time_t t, char out[INSTANT_LEN])
{
	if (t == (time_t)-1 || t > c->now - 60)
		t = c->now - 60;
	instant_format(t, out);
}

static void rec(const struct clock *c, int off, int min, char out[INSTANT_LEN])
{
	rec_t(c, at(c, off, min), out);
}

/* A bigger array (NULL when out of memory; p is kept then). */
static void *grow(void *p, int *cap, int need, size_t sz)
{
	if (need <= *cap)
		return p;
	int c = *cap ? *cap * 2 : 256;
	while (c < need)
		c *= 2;
	void *q = realloc(p, (size_t)c * sz);
	if (q)
		*cap = c;
	return q;
}

/* ---- multi-row inserts ---- */

/* Rows are sent `per` to a statement (the PostgreSQL store binds at most 64
 * parameters, and caches statements by their SQL text's address, so the
 * texts are literals); a last partial batch goes 4, 2 or 1 rows at a time. */
enum { V_NULL, V_INT, V_TEXT };

struct bval {
	int type;
	int64_t i;
	char *s;
};

struct batch {
	const char *one, *two, *four, *full; /* 1, 2, 4 and `per` rows */
	int cols, per, n; /* n: values pending */
	struct bval v[64];
};

static void batch_init(struct batch *b, const char *one, const char *two, const char *four, const char *full,
		       int cols, int per)
{
	memset(b, 0, sizeof *b);
	b->one = one;
	b->two = two;
	b->four = four;
	b->full = full;
	b->cols = cols;
	b->per = per;
}

static enum tdm_status batch_send(struct db *db, struct batch *b, const char *sql, int from, int count,
				  struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, sql, err);
	if (!st)
		return err->code;
	for (int i = 0; i < count; i++) {
		const struct bval *v = &b->v[from + i];
		if (v->type == V_INT)
			db_bind_int(st, i + 1, v->i);
		else if (v->type == V_TEXT)
			db_bind_text(st, i + 1, v->s);
		else
			db_bind_null(st, i + 1);
	}
	return db_run(st, err);
}

static void batch_clear(struct batch *b)
{
	for (int i = 0; i < b->n; i++)
		free(b->v[i].s);
	b->n = 0;
}

static enum tdm_status batch_flush(struct db *db, struct batch *b, struct tdm_err *err)
{
	enum tdm_status rc = TDM_OK;
	if (b->n == b->cols * b->per)
		rc = batch_send(db, b, b->full, 0, b->n, err);
	else
		for (int k = 0; !rc && k < b->n;) {
			int rows = (b->n - k) / b->cols, m = rows >= 4 ? 4 : rows >= 2 ? 2 : 1;
			rc = batch_send(db, b, m == 4 ? b->four : m == 2 ? b->two : b->one, k, m * b->cols, err);
			k += m * b->cols;
		}
	batch_clear(b);
	return rc;
}

/* Appends values; a completed batch is sent. Call with the row's values in
 * column order. */
static enum tdm_status bv(struct db *db, struct batch *b, int type, int64_t i, const char *s, struct tdm_err *err)
{
	struct bval *v = &b->v[b->n++];
	v->type = type == V_TEXT && !s ? V_NULL : type;
	v->i = i;
	v->s = NULL;
	if (v->type == V_TEXT && !(v->s = strdup(s))) {
		batch_clear(b);
		return tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	}
	return b->n == b->cols * b->per ? batch_flush(db, b, err) : TDM_OK;
}

#define BI(b, v) bv(db, (b), V_INT, (v), NULL, err)
#define BT(b, v) bv(db, (b), V_TEXT, 0, (v), err)
#define BN(b) bv(db, (b), V_NULL, 0, NULL, err)

/* A batch of rows ROW after HEAD, FULL being `per` of them. */
#define BATCH(b, HEAD, ROW, FULL, cols, per) \
	batch_init((b), HEAD ROW, HEAD R2(ROW), HEAD R4(ROW), HEAD FULL, (cols), (per))
#define R2(x) x "," x
#define R4(x) R2(x) "," R2(x)
#define R8(x) R4(x) "," R4(x)

#define PV_HEAD "INSERT INTO plan_version(plan_id, version, kind, effective_on, content, last_key, note, recorded_at," \
	" recorded_by) VALUES "
#define PV_ROW "(?,?,?,?,?,?,?,?,?)"
#define PS_HEAD "INSERT INTO plan_signature(version_id, role, signed_by, method, attestation, signed_at, recorded_by)" \
	" VALUES "
#define PS_ROW "((SELECT id FROM plan_version WHERE plan_id = ? AND version = ?),?,?,?,?,?,?)"
#define SP_HEAD "INSERT INTO therapy_session_patient(session_id, patient_id, added_at, added_by) VALUES "
#define SP_ROW "(?,?,?,?)"
#define AT_HEAD "INSERT INTO attendance(session_id, patient_id, status, note, recorded_at, recorded_by) VALUES "
#define AT_ROW "(?,?,?,?,?,?)"
#define NP_HEAD "INSERT INTO progress_note_patient(version_id, patient_id) VALUES "
#define NP_ROW "(?,?)"
#define PT_HEAD "INSERT INTO progress_note_part(version_id, patient_id, section, body) VALUES "
#define PT_ROW "(?,?,?,?)"
#define NO_HEAD "INSERT INTO progress_note_objective(version_id, patient_id, plan_id, objective_key) VALUES "
#define NO_ROW "(?,?,?,?)"
#define NS_HEAD "INSERT INTO progress_note_signature(note_id, version_id, kind, user_id, username, signed_at," \
	" cosigner_id) VALUES "
#define NS_ROW "(?,?,?,?,?,?,?)"
#define CT_HEAD "INSERT INTO coping_trigger(strategy_id, trigger_id) VALUES "
#define CT_ROW "(?,?)"
#define CR_HEAD "INSERT INTO coping_rating(strategy_id, effectiveness, note, rated_on, recorded_at, recorded_by)" \
	" VALUES "
#define CR_ROW "(?,?,?,?,?,?)"
#define WS_HEAD "INSERT INTO warning_sign(patient_id, description, recorded_at, recorded_by) VALUES "
#define WS_ROW "(?,?,?,?)"
#define SC_HEAD "INSERT INTO support_contact(patient_id, name, relationship, phone, recorded_at, recorded_by) VALUES "
#define SC_ROW "(?,?,?,?,?,?)"
#define MB_HEAD "INSERT INTO therapy_series_patient(series_id, patient_id, added_at, added_by, removed_at," \
	" removed_by) VALUES "
#define MB_ROW "(?,?,?,?,?,?)"

/* ---- levels of care and kinds of problem ---- */

enum { L_DETOX, L_RES, L_PHP, L_IOP, L_OP, L_AFTER, L_OTP, L_N };
static const char *const level_names[L_N] = {"detox", "residential", "php", "iop", "outpatient", "aftercare", "otp"};
static const char *const level_words[L_N] = {
	"withdrawal management", "residential", "partial hospitalization", "intensive outpatient", "outpatient",
	"continuing care", "the opioid treatment program",
};

static int level_of(const char *name)
{
	for (int i = 0; name && i < L_N; i++)
		if (!strcmp(name, level_names[i]))
			return i;
	return L_OP;
}

/* How often the primary clinician sees the patient, by level. */
static const char *const individual_freq[L_N] = {
	"daily brief check-ins", "weekly individual; daily groups", "weekly individual; groups 5 days a week",
	"weekly individual; groups 3 times a week", "every 2 weeks", "monthly", "every 2 weeks",
};
/* Objective target dates: days from the plan's day, by level. */
static const int target_lo[L_N] = {7, 21, 21, 42, 60, 60, 60};
static const int target_hi[L_N] = {14, 30, 30, 60, 90, 90, 90};

enum kind {
	K_ALCOHOL, K_OPIOID, K_STIMULANT, K_COCAINE, K_CANNABIS, K_SEDATIVE, K_OTHER_SU, K_NICOTINE,
	K_DEPRESSION, K_ANXIETY, K_PTSD, K_BIPOLAR, K_PSYCHOSIS, K_ADHD, K_BPD, K_OTHER_MH, K_N
};
#define KB(k) (1u << (k))
#define SU_KINDS (KB(K_ALCOHOL) | KB(K_OPIOID) | KB(K_STIMULANT) | KB(K_COCAINE) | KB(K_CANNABIS) | \
		  KB(K_SEDATIVE) | KB(K_OTHER_SU))

enum { M_NONE, M_PHQ9, M_GAD7, M_FENTANYL };

struct kind_info {
	const char *problem[3];
	const char *goal[4];
	const char *objective[3];
	int measure;
	const char *modality[2];
};

static const struct kind_info kinds[K_N] = {
	[K_ALCOHOL] = {
		{"Alcohol use disorder: daily drinking with blackouts and morning withdrawal shakes",
		 "Alcohol use disorder: drinking has cost a job and a DUI; unable to cut down despite trying",
		 "Alcohol use disorder: drinks to stop the shaking and to get to sleep"},
		{"Stop drinking before work", "I want to be sober at my daughter's wedding",
		 "Keep my license and my job", "Wake up without the shakes"},
		{"Name three high-risk drinking situations and a plan for each",
		 "Go to at least two mutual-help meetings a week and check in with a sponsor",
		 "Thirty days in a row with no drinking, logged daily"},
		M_NONE, {"relapse_prevention", "twelve_step_facilitation"}},
	[K_OPIOID] = {
		{"Opioid use disorder, severe: daily fentanyl use with a non-fatal overdose this year",
		 "Opioid use disorder: injecting heroin and fentanyl; lost housing",
		 "Opioid use disorder: started with prescribed pain pills, now buying pills on the street"},
		{"I want to get my kids back", "Stay off fentanyl and keep my job",
		 "Stop living from one dose to the next", "Not die the way my friend did"},
		{"Take medication as prescribed and keep every dosing and prescriber visit",
		 "Carry naloxone and teach one family member how to use it",
		 "Name three people I can call instead of using"},
		M_FENTANYL, {"relapse_prevention", "motivational_interviewing"}},
	[K_STIMULANT] = {
		{"Stimulant use disorder (methamphetamine): binges of several days with paranoia and no sleep",
		 "Methamphetamine use disorder: daily use, weight loss, lost work",
		 "Stimulant use disorder: uses meth to stay awake on double shifts"},
		{"Stop using meth so I can sleep and think straight", "Get my health back",
		 "Be someone my family can trust again", "Keep a job for more than a month"},
		{"Give a urine sample at every contingency-management visit",
		 "Plan every weekend hour by hour with sober activities",
		 "Notice the early signs of a binge and call for support"},
		M_NONE, {"contingency_management", "cbt"}},
	[K_COCAINE] = {
		{"Cocaine use disorder: weekend binges that now run into the work week",
		 "Cocaine use disorder: smoking crack daily; debts and conflict at home",
		 "Cocaine use disorder: uses with alcohol at bars several nights a week"},
		{"Stop spending my paycheck on coke", "Be home on Friday nights with my family",
		 "Stay out of trouble with the law", "Pay off what I owe"},
		{"Give a urine sample at every contingency-management visit",
		 "Hand my bank card to my partner on payday for the first two months",
		 "Replace Friday nights out with one planned sober activity"},
		M_NONE, {"contingency_management", "cbt"}},
	[K_CANNABIS] = {
		{"Cannabis use disorder: smokes from waking until bed; lost motivation and work",
		 "Cannabis use disorder: daily use to manage anxiety, unable to stop despite trying",
		 "Cannabis use disorder: high-potency concentrates daily; sleep and memory problems"},
		{"Pass the drug test for the warehouse job", "Feel motivated again",
		 "Sleep without needing to smoke", "Remember what I did yesterday"},
		{"No use on weekdays, then stop altogether", "Use two sleep-hygiene strategies every night",
		 "Log urges and what helped every day"},
		M_NONE, {"motivational_interviewing", "cbt"}},
	[K_SEDATIVE] = {
		{"Sedative use disorder: benzodiazepines from several prescribers and the street",
		 "Sedative use disorder: daily alprazolam beyond the prescription; withdrawal seizure risk",
		 "Sedative use disorder: pills to sleep and to calm down every day"},
		{"Get off the pills without having a seizure", "Handle my anxiety without pills",
		 "Be awake enough to drive my kids", "Stop lying to my doctor"},
		{"Follow the taper schedule without extra doses", "Practise a relaxation skill every day",
		 "One prescriber and one pharmacy only"},
		M_NONE, {"cbt", "psychoeducation"}},
	[K_OTHER_SU] = {
		{"Polysubstance use disorder: uses whatever is available, several substances a week",
		 "Other substance use disorder: synthetic cannabinoids and pills most days",
		 "Polysubstance use: alcohol, pills and stimulants depending on the week"},
		{"Stop using anything so I can be present for my kids", "Stay clean for my probation",
		 "Get my life back on track", "Stop waking up not knowing what I took"},
		{"Name my high-risk people, places and things and avoid them",
		 "Attend every scheduled group and individual session",
		 "Build a week of sober routine: work, meetings, exercise"},
		M_NONE, {"relapse_prevention", "motivational_interviewing"}},
	[K_NICOTINE] = {
		{"Tobacco use disorder: a pack a day; wants to quit",
		 "Nicotine dependence: smoking and vaping throughout the day",
		 "Nicotine dependence: smokes when craving other substances"},
		{"Quit smoking before my surgery", "Breathe easier on the stairs",
		 "Save the money I spend on cigarettes", "Not smell like smoke around my grandkids"},
		{"Set a quit date and use nicotine replacement as prescribed", "Under ten cigarettes a day",
		 "Smoke-free home and car"},
		M_NONE, {"motivational_interviewing", "cbt"}},
	[K_DEPRESSION] = {
		{"Major depressive disorder: low mood, poor sleep and hopelessness that feed the use",
		 "Recurrent depression: withdraws from family, stops eating, has missed weeks of work",
		 "Depression: no interest in anything; drinks or uses to feel something"},
		{"Get out of bed and back to work", "Feel like myself again", "Enjoy time with my grandkids",
		 "Stop thinking everyone would be better off without me"},
		{"One pleasant or meaningful activity every day (behavioural activation)",
		 "Regular sleep and wake times five days a week",
		 "Keep the safety plan on my phone and use it"},
		M_PHQ9, {"cbt", "psychoeducation"}},
	[K_ANXIETY] = {
		{"Generalized anxiety disorder: constant worry and tension; uses to calm down",
		 "Anxiety: panic attacks in stores and on buses; drinks before going out",
		 "Generalized anxiety: cannot switch off at night; uses to sleep"},
		{"Go to the grocery store without a panic attack", "Stop worrying all the time",
		 "Calm down without a drink", "Take the bus to work"},
		{"Paced breathing twice a day, with anxiety rated before and after",
		 "Face one avoided situation every week", "Worry time: 15 minutes a day, not all day"},
		M_GAD7, {"cbt", "psychoeducation"}},
	[K_PTSD] = {
		{"Posttraumatic stress disorder: nightmares, flashbacks and hypervigilance; uses to numb",
		 "PTSD after an assault: avoids going out, startles easily, drinks to sleep",
		 "PTSD after combat: anger, nightmares and isolation; uses to get through the night"},
		{"Sleep through the night without nightmares", "Feel safe in my own home", "Stop reliving it every day",
		 "Be around people again"},
		{"Use a grounding skill when triggered instead of using",
		 "Complete the trauma-focused therapy course", "Keep the nightmare log and bring it to sessions"},
		M_GAD7, {"trauma_focused", "cbt"}},
	[K_BIPOLAR] = {
		{"Bipolar disorder: manic spells with spending and no sleep, then depression; stops medication when well",
		 "Bipolar disorder: mood swings with heavy use during highs",
		 "Bipolar disorder: two hospitalisations last year; unsure about medication"},
		{"Keep my moods steady so I don't lose another job", "Stay out of the hospital",
		 "Know when a high is coming", "Keep my family close"},
		{"Take the mood stabiliser daily and keep lab appointments",
		 "Track mood and sleep daily and bring the chart to sessions",
		 "Write down the early warning signs of mania with family"},
		M_PHQ9, {"psychoeducation", "cbt"}},
	[K_PSYCHOSIS] = {
		{"Schizophrenia: hears voices when stressed or using; lost housing before",
		 "Schizophrenia: paranoid thoughts, missed appointments, uses cannabis to cope",
		 "Psychotic disorder: several admissions; isolation and poor self-care"},
		{"Keep my apartment and stay out of the hospital", "Have a friend to talk to",
		 "Get the voices quieter", "Work part time"},
		{"Keep every appointment, with reminders from the case manager",
		 "Take the antipsychotic daily", "Stay housed, with rent paid on time"},
		M_NONE, {"case_management", "psychoeducation"}},
	[K_ADHD] = {
		{"ADHD: disorganisation and impulsivity at work and home; uses stimulants to focus",
		 "ADHD: loses jobs for lateness; acts on impulse, including using",
		 "ADHD: cannot finish tasks; bills and appointments slip"},
		{"Finish what I start at work", "Stop losing my keys, my bills and my temper",
		 "Be on time for a month", "Keep a job"},
		{"Daily planner and phone reminders, checked every morning", "Break tasks into 15-minute steps",
		 "Pause and count to ten before acting on an urge"},
		M_NONE, {"cbt", "psychoeducation"}},
	[K_BPD] = {
		{"Borderline personality disorder: intense emotions, self-harm urges and stormy relationships",
		 "Borderline personality disorder: uses and self-harms when overwhelmed",
		 "Emotional dysregulation: chaotic relationships and crises most weeks"},
		{"Stop hurting myself when I get overwhelmed", "Keep my relationships from blowing up",
		 "Feel my feelings without drowning in them", "Stop ending up in the ER"},
		{"Use a distress-tolerance skill before acting on an urge", "Fill in a diary card every day",
		 "Complete the DBT skills group module"},
		M_NONE, {"dbt", "cbt"}},
	[K_OTHER_MH] = {
		{"Mental health condition that makes recovery harder",
		 "Mental health symptoms that interfere with work and treatment",
		 "Mental health condition with poor follow-up in the past"},
		{"Feel better and stay well", "Understand what is going on with me", "Keep my appointments",
		 "Get back to work"},
		{"Attend every scheduled session", "Learn two skills for managing symptoms",
		 "Tell the team when symptoms change"},
		M_NONE, {"cbt", "psychoeducation"}},
};

static int kind_substance(int k)
{
	return k <= K_NICOTINE;
}

/* The kind of a diagnosis from its category, substance and code. */
static int kind_of(const char *category, const char *substance, const char *code)
{
	static const struct {
		const char *substance;
		int kind;
	} su[] = {{"alcohol", K_ALCOHOL}, {"opioid", K_OPIOID}, {"stimulant", K_STIMULANT}, {"cocaine", K_COCAINE},
		  {"cannabis", K_CANNABIS}, {"sedative", K_SEDATIVE}, {"nicotine", K_NICOTINE}};
	static const struct {
		const char *prefix;
		int kind;
	} mh[] = {{"F32", K_DEPRESSION}, {"F33", K_DEPRESSION}, {"F41", K_ANXIETY}, {"F43", K_PTSD}, {"F31", K_BIPOLAR},
		  {"F2", K_PSYCHOSIS}, {"F90", K_ADHD}, {"F60", K_BPD}};
	if (!strcmp(category, "substance_use")) {
		for (int i = 0; i < COUNT_OF(su); i++)
			if (substance && !strcmp(substance, su[i].substance))
				return su[i].kind;
		return K_OTHER_SU;
	}
	if (!strcmp(category, "mental_health")) {
		for (int i = 0; i < COUNT_OF(mh); i++)
			if (!strncmp(code, mh[i].prefix, strlen(mh[i].prefix)))
				return mh[i].kind;
		return K_OTHER_MH;
	}
	return -1;
}

/* ---- the cohort ---- */

static const struct {
	const char *username;
	int weight;          /* share of primary patients */
	const char *format;  /* preferred note format */
} staff_def[DEMO_THERAPY_STAFF] = {
	{"demo.okafor", 24, "DAP"},
	{"demo.reyes", 30, "SOAP"},
	{"demo.chen", 30, "BIRP"},
	{"demo.walsh", 16, "DAP"}, /* in training: supervised by demo.okafor */
};
#define SUPERVISOR 0
#define SUPERVISED 3

/* What the sessions need of one patient. */
struct tpat {
	int64_t id, site_id;
	int therapist;
	unsigned kinds;          /* KB(kind) of the active diagnoses */
	int otp;
	int start, end, open;    /* the current or last episode */
	int n;
	int lv[DEMO_MEDS_STEPS];
	int lv_start[DEMO_MEDS_STEPS];
	int64_t plan_id;
	int plan_day;            /* the plan's first day */
	int n_keys;
	char keys[MAX_KEYS][PLAN_KEY_LEN];
	int key_su[MAX_KEYS];    /* the objective's problem is a substance one */
	uint64_t seed;
};

struct demo_therapy {
	struct clock c;
	uint64_t seed;
	int64_t site_id;
	char site_code[TDM_LEN_CODE + 1];
	int64_t staff_id[DEMO_THERAPY_STAFF];
	struct tpat *pat;
	int n, cap;
	struct demo_therapy_counts k;
};

/* Level on day `off`, or -1 when not in care then (open episodes stay at
 * their current level in the days ahead). */
static int level_on(const struct tpat *p, int off)
{
	if (off < p->start || (!p->open && off >= p->end))
		return -1;
	int lv = p->lv[0];
	for (int i = 1; i < p->n && p->lv_start[i] <= off; i++)
		lv = p->lv[i];
	return lv;
}

/* ---- staff ---- */

/* The password hash of the demo clinicians: not a hash, so no password
 * verifies against it. */
#define NO_PASSWORD "!demo: no password; an admin sets one with tandem user passwd"

static enum tdm_status staff_user(struct demo_therapy *t, struct db *db, const struct actor *a, int i,
				  struct tdm_err *err)
{
	const char *name = staff_def[i].username;
	char now[INSTANT_LEN];
	instant_now(now);
	struct stmt *st = db_prepare(db, "SELECT id FROM app_user WHERE username = ?", err);
	if (!st)
		return err->code;
	db_bind_text(st, 1, name);
	int found = 0;
	enum tdm_status rc = db_query_int(st, &t->staff_id[i], &found, err);
	if (!rc && !found) {
		st = db_prepare(db, "INSERT INTO app_user(username, password_hash, created_at) VALUES (?, ?, ?)"
				" RETURNING id", err);
		if (!st)
			return err->code;
		db_bind_text(st, 1, name);
		db_bind_text(st, 2, NO_PASSWORD);
		db_bind_text(st, 3, now);
		rc = db_insert_id(st, &t->staff_id[i], err);
		t->k.staff += !rc;
		struct audit_event ev = {.action = "user.create", .object_type = "User", .site_id = t->site_id};
		snprintf(ev.object_id, sizeof ev.object_id, "%s", name);
		snprintf(ev.detail, sizeof ev.detail, "synthetic demo clinician (therapist); no password: nobody can"
			 " sign in until an admin sets one");
		if (!rc)
			rc = audit_append(db, a, &ev, err);
	}
	/* The therapist role at the demo site, unless held already. */
	st = rc ? NULL : db_prepare(db, "SELECT COUNT(*) FROM user_role WHERE user_id = ? AND site_id = ? AND role_bit = ?"
				    " AND revoked_at IS NULL", err);
	if (!rc && !st)
		return err->code;
	int64_t have = 0;
	if (!rc) {
		db_bind_int(st, 1, t->staff_id[i]);
		db_bind_int(st, 2, t->site_id);
		db_bind_int(st, 3, ROLE_THERAPIST);
		rc = db_query_int(st, &have, &found, err);
	}
	if (!rc && !have) {
		st = db_prepare(db, "INSERT INTO user_role(user_id, site_id, role, role_bit, granted_at, granted_by)"
				" VALUES (?, ?, ?, ?, ?, ?)", err);
		if (!st)
			return err->code;
		db_bind_int(st, 1, t->staff_id[i]);
		db_bind_int(st, 2, t->site_id);
		db_bind_text(st, 3, role_name(ROLE_THERAPIST));
		db_bind_int(st, 4, ROLE_THERAPIST);
		db_bind_text(st, 5, now);
		db_bind_text(st, 6, a->username);
		rc = db_run(st, err);
	}
	return rc;
}

static enum tdm_status staff_supervision(struct demo_therapy *t, struct db *db, const struct actor *a,
					 struct tdm_err *err)
{
	struct stmt *st = db_prepare(db, "SELECT COUNT(*) FROM supervision WHERE user_id = ? AND ended_at IS NULL", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, t->staff_id[SUPERVISED]);
	int64_t have = 0;
	int found;
	enum tdm_status rc = db_query_int(st, &have, &found, err);
	if (rc || have)
		return rc;
	char since[INSTANT_LEN];
	rec(&t->c, -400, 9 * 60, since);
	st = db_prepare(db, "INSERT INTO supervision(user_id, supervisor_id, started_at, started_by) VALUES (?,?,?,?)", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, t->staff_id[SUPERVISED]);
	db_bind_int(st, 2, t->staff_id[SUPERVISOR]);
	db_bind_text(st, 3, since);
	db_bind_text(st, 4, a->username);
	rc = db_run(st, err);
	struct audit_event ev = {.action = "user.supervise", .object_type = "User", .site_id = t->site_id};
	snprintf(ev.object_id, sizeof ev.object_id, "%s", staff_def[SUPERVISED].username);
	snprintf(ev.detail, sizeof ev.detail, "synthetic demo: supervised by %s", staff_def[SUPERVISOR].username);
	return rc ? rc : audit_append(db, a, &ev, err);
}

enum tdm_status demo_therapy_begin(struct db *db, const struct actor *a, int n, uint64_t seed,
				   struct demo_therapy **out, struct tdm_err *err)
{
	struct demo_therapy *t = calloc(1, sizeof *t);
	*out = t;
	if (!t || !(t->pat = calloc((size_t)(n > 0 ? n : 1), sizeof *t->pat)))
		return tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	t->cap = n > 0 ? n : 1;
	t->seed = seed;
	clock_init(&t->c);
	struct site s;
	enum tdm_status rc = site_default(db, &s, err);
	if (rc)
		return rc;
	t->site_id = s.id;
	snprintf(t->site_code, sizeof t->site_code, "%s", s.code);
	if ((rc = db_begin(db, DB_WRITE, err)))
		return rc;
	for (int i = 0; !rc && i < DEMO_THERAPY_STAFF; i++)
		rc = staff_user(t, db, a, i, err);
	if (!rc)
		rc = staff_supervision(t, db, a, err);
	if (!rc)
		rc = db_commit(db, err);
	if (rc)
		db_rollback(db);
	return rc;
}

void demo_therapy_end(struct demo_therapy *t, struct demo_therapy_counts *out)
{
	if (out)
		*out = t ? t->k : (struct demo_therapy_counts){0};
	if (t)
		free(t->pat);
	free(t);
}

/* ---- one patient: plans ---- */

struct pdx {
	int64_t id;
	int kind;
	int resolved; /* day offset it was resolved, NEVER when not */
};

struct pord {
	int64_t id, indication;
	int start, stop; /* stop NEVER when open-ended */
};

/* A problem of a plan: its kind and diagnoses. */
struct pgroup {
	int kind;
	int64_t dx[PLAN_MAX_DIAGNOSES];
	int n_dx;
};

/* A plan signature waiting for its version to be written. */
struct psig {
	int64_t plan_id;
	int version, patient, tele;
	const char *who;
	char at[INSTANT_LEN];
};

struct px {
	struct demo_therapy *t;
	struct db *db;
	const struct actor *a;
	struct tdm_err *err;
	const struct clock *c;
	struct rnd r;
	const struct demo_med_plan *p;
	struct tpat *tp;
	int64_t pid, site_id;
	char name[2 * TDM_LEN_NAME + 2];
	struct pdx dx[MAX_DX];
	int n_dx;
	struct pord ord[MAX_ORDERS];
	int n_ord;
	int64_t ep_id[DEMO_MEDS_EPISODES];
	int n_ep;
	struct pgroup grp[PLAN_MAX_PROBLEMS];
	int n_grp;
	struct plan_doc *doc;
	int64_t last_key;
	struct batch pv, ps, ct, cr, ws, sc;
	struct psig *sig;
	int n_sig, cap_sig;
};

static void put(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s);
}
#define PUT(dst, s) put((dst), sizeof(dst), (s))

static enum tdm_status load_patient_rows(struct px *x)
{
	struct db *db = x->db;
	struct tdm_err *err = x->err;
	struct stmt *st = db_prepare(db,
		"SELECT p.site_id, v.given_name, v.family_name FROM patient p JOIN patient_version v"
		" ON v.patient_id = p.id AND v.is_current = 1 WHERE p.id = ?", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, x->pid);
	int s = db_step(st, err);
	if (s == DB_ROW) {
		x->site_id = db_col_int(st, 0);
		snprintf(x->name, sizeof x->name, "%s %s", db_col_text(st, 1), db_col_text(st, 2));
	}
	db_done(st);
	if (s < 0)
		return err->code;
	if (s != DB_ROW)
		return tdm_fail(err, TDM_ENOTFOUND, "patient", "demo: no patient %" PRId64, x->pid);
	st = db_prepare(db,
		"SELECT d.id, d.category, COALESCE(d.substance, ''), d.code,"
		" COALESCE((SELECT s.status FROM diagnosis_status s WHERE s.diagnosis_id = d.id ORDER BY s.id DESC LIMIT 1),"
		" 'active'), COALESCE((SELECT s.effective_on FROM diagnosis_status s WHERE s.diagnosis_id = d.id"
		" ORDER BY s.id DESC LIMIT 1), '') FROM diagnosis d WHERE d.patient_id = ? ORDER BY d.id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, x->pid);
	while ((s = db_step(st, err)) == DB_ROW) {
		const char *status = db_col_text(st, 4);
		int k = kind_of(db_col_text(st, 1), db_col_text(st, 2), db_col_text(st, 3));
		if (x->n_dx == MAX_DX || k < 0 || !strcmp(status, "entered_in_error"))
			continue;
		struct pdx *d = &x->dx[x->n_dx++];
		d->id = db_col_int(st, 0);
		d->kind = k;
		d->resolved = strcmp(status, "resolved") ? NEVER : day_off(x->c, db_col_text(st, 5));
	}
	db_done(st);
	if (s < 0)
		return err->code;
	st = db_prepare(db, "SELECT id, COALESCE(indication_id, 0), start_on, COALESCE(stop_on, ''),"
			" COALESCE((SELECT MIN(e.effective_on) FROM med_order_event e WHERE e.order_id = o.id"
			" AND e.kind = 'discontinue'), '') FROM med_order o WHERE patient_id = ? ORDER BY start_on, id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, x->pid);
	while ((s = db_step(st, err)) == DB_ROW) {
		if (x->n_ord == MAX_ORDERS)
			continue;
		struct pord *o = &x->ord[x->n_ord++];
		o->id = db_col_int(st, 0);
		o->indication = db_col_int(st, 1);
		o->start = day_off(x->c, db_col_text(st, 2));
		int stop = day_off(x->c, db_col_text(st, 3)), disc = day_off(x->c, db_col_text(st, 4));
		o->stop = stop < disc ? stop : disc;
	}
	db_done(st);
	if (s < 0)
		return err->code;
	st = db_prepare(db, "SELECT id FROM episode WHERE patient_id = ? ORDER BY admitted_on, id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, x->pid);
	while ((s = db_step(st, err)) == DB_ROW)
		if (x->n_ep < DEMO_MEDS_EPISODES)
			x->ep_id[x->n_ep++] = db_col_int(st, 0);
	db_done(st);
	if (s < 0)
		return err->code;
	if (x->n_ep != x->p->n_ep)
		return tdm_fail(err, TDM_EINTERNAL, NULL, "demo: patient %" PRId64 " has %d episodes, %d planned", x->pid,
				x->n_ep, x->p->n_ep);
	return TDM_OK;
}

/* The problems of an episode's plan: one per substance (three at most, the
 * rest joining the first), nicotine apart, one per mental-health condition;
 * diagnoses resolved before the episode are left out. */
static void group_problems(struct px *x, const struct demo_med_episode *e)
{
	x->n_grp = 0;
	for (int pass = 0; pass < 3; pass++)
		for (int i = 0; i < x->n_dx; i++) {
			const struct pdx *d = &x->dx[i];
			int su = d->kind < K_NICOTINE, nic = d->kind == K_NICOTINE;
			if ((pass == 0 && !su) || (pass == 1 && !nic) || (pass == 2 && kind_substance(d->kind)))
				continue;
			if (d->resolved != NEVER && d->resolved <= e->start)
				continue;
			int g = 0;
			while (g < x->n_grp && x->grp[g].kind != d->kind)
				g++;
			if (g == x->n_grp && su && x->n_grp >= 3)
				g = 0;
			if (g == x->n_grp) {
				if (x->n_grp == PLAN_MAX_PROBLEMS)
					continue;
				memset(&x->grp[g], 0, sizeof x->grp[g]);
				x->grp[x->n_grp++].kind = d->kind;
			}
			if (x->grp[g].n_dx < PLAN_MAX_DIAGNOSES)
				x->grp[g].dx[x->grp[g].n_dx++] = d->id;
		}
}

/* Gives every item without a key the next number, in document order (as
 * plan.c does). */
static void assign_keys(struct plan_doc *d, int64_t *last)
{
#define KEY(k, letter) \
	if (!(k)[0])   \
	snprintf((k), PLAN_KEY_LEN, "%c%" PRId64, (letter), ++*last)
	for (int i = 0; i < d->n_problems; i++) {
		struct plan_problem *p = &d->problems[i];
		KEY(p->key, 'P');
		for (int g = 0; g < p->n_goals; g++) {
			KEY(p->goals[g].key, 'G');
			for (int o = 0; o < p->goals[g].n_objectives; o++)
				KEY(p->goals[g].objectives[o].key, 'O');
		}
		for (int v = 0; v < p->n_interventions; v++)
			KEY(p->interventions[v].key, 'I');
	}
#undef KEY
}

static int has_text_objective(const struct plan_problem *p, const char *text)
{
	for (int g = 0; g < p->n_goals; g++)
		for (int o = 0; o < p->goals[g].n_objectives; o++)
			if (!strcmp(p->goals[g].objectives[o].text, text))
				return 1;
	return 0;
}

static void target(struct px *x, int day, int lv, char out[DATE_LEN])
{
	day_str(x->c, day + range(&x->r, target_lo[lv], target_hi[lv]), out);
}

static void add_objective(struct px *x, struct plan_goal *g, const char *text, int measure, int day, int lv)
{
	if (g->n_objectives == PLAN_MAX_OBJECTIVES)
		return;
	struct plan_objective *o = &g->objectives[g->n_objectives++];
	memset(o, 0, sizeof *o);
	PUT(o->text, text);
	PUT(o->status, "open");
	target(x, day, lv, o->target_date);
	struct plan_measure *m = &o->measure;
	if (measure == M_PHQ9 || measure == M_GAD7) {
		PUT(m->kind, "instrument");
		PUT(m->instrument, measure == M_PHQ9 ? "PHQ-9" : "GAD-7");
		PUT(m->comparator, "below");
		m->value = 10;
	} else if (measure == M_FENTANYL) {
		PUT(m->kind, "negative_screens");
		m->weeks = 12;
		PUT(m->substance, "fentanyl");
		/* Twelve weeks take longer than most targets. */
		day_str(x->c, day + range(&x->r, 90, 120), o->target_date);
	}
}

/* A text objective of the kind not in the problem yet ("" when none). */
static const char *new_objective_text(struct px *x, const struct plan_problem *p, int kind)
{
	int k0 = below(&x->r, 3);
	for (int j = 0; j < 3; j++) {
		const char *s = kinds[kind].objective[(k0 + j) % 3];
		if (!has_text_objective(p, s))
			return s;
	}
	return "";
}

static const char *group_freq(int lv)
{
	static const char *const f[L_N] = {"daily groups", "daily", "5 x week", "3 x week", "weekly", "weekly",
					   "weekly"};
	return f[lv];
}

static void add_therapy(struct plan_problem *p, const char *modality, const char *freq, const char *who,
			const char *desc)
{
	if (p->n_interventions == PLAN_MAX_INTERVENTIONS)
		return;
	struct plan_intervention *v = &p->interventions[p->n_interventions++];
	memset(v, 0, sizeof *v);
	PUT(v->kind, "therapy");
	PUT(v->modality, modality);
	PUT(v->frequency, freq);
	PUT(v->responsible, who);
	PUT(v->description, desc);
}

/* Medication interventions for the problem's orders active on `day`. */
static void add_orders(struct px *x, struct plan_problem *p, int day)
{
	for (int i = 0; i < x->n_ord && p->n_interventions < PLAN_MAX_INTERVENTIONS; i++) {
		const struct pord *o = &x->ord[i];
		int mine = 0, there = 0;
		for (int j = 0; j < p->n_diagnoses; j++)
			mine |= o->indication == p->diagnosis_ids[j];
		for (int j = 0; j < p->n_interventions; j++)
			there |= p->interventions[j].order_id == o->id;
		if (!mine || there || o->start > day || o->stop <= day)
			continue;
		struct plan_intervention *v = &p->interventions[p->n_interventions++];
		memset(v, 0, sizeof *v);
		PUT(v->kind, "medication");
		v->order_id = o->id;
		PUT(v->description, "As prescribed; adherence and side effects reviewed at every session");
	}
}

static void build_doc(struct px *x, int day, int lv, const char *who)
{
	struct plan_doc *d = x->doc;
	struct rnd *r = &x->r;
	memset(d, 0, sizeof *d);
	for (int i = 0; i < x->n_grp; i++) {
		const struct pgroup *g = &x->grp[i];
		const struct kind_info *ki = &kinds[g->kind];
		struct plan_problem *p = &d->problems[d->n_problems++];
		PUT(p->text, ki->problem[below(r, 3)]);
		memcpy(p->diagnosis_ids, g->dx, sizeof g->dx);
		p->n_diagnoses = g->n_dx;
		int g0 = below(r, 4);
		struct plan_goal *goal = &p->goals[p->n_goals++];
		PUT(goal->text, ki->goal[g0]);
		if (ki->measure != M_NONE)
			add_objective(x, goal, ki->measure == M_PHQ9 ? "PHQ-9 below 10"
					       : ki->measure == M_GAD7 ? "GAD-7 below 10"
								     : "12 weeks of negative fentanyl screens",
				      ki->measure, day, lv);
		for (int k = range(r, 1, 2); k > 0; k--)
			add_objective(x, goal, new_objective_text(x, p, g->kind), M_NONE, day, lv);
		if (pct(r, 30)) {
			struct plan_goal *g2 = &p->goals[p->n_goals++];
			PUT(g2->text, ki->goal[(g0 + range(r, 1, 3)) % 4]);
			const char *s = new_objective_text(x, p, g->kind);
			add_objective(x, g2, s[0] ? s : "Review progress with the primary clinician every session", M_NONE,
				      day, lv);
		}
		add_therapy(p, ki->modality[0], individual_freq[lv], who, i ? "" : "Individual sessions with the primary clinician");
		if (pct(r, 45))
			add_therapy(p, ki->modality[1], group_freq(lv), who, "Group sessions");
		if (kind_substance(g->kind) && g->kind != K_NICOTINE && lv <= L_IOP && pct(r, 25))
			add_therapy(p, "family_therapy", "weekly", who, "Multi-family group with the people the patient names");
		add_orders(x, p, day);
	}
	assign_keys(d, &x->last_key);
}

/* A review or a change of level: objectives past their target are met,
 * extended or dropped; now and then a new one; frequencies follow the
 * level; orders started since join. Returns a word for the version's note. */
static const char *revise_doc(struct px *x, int day, int lv, int change)
{
	struct plan_doc *d = x->doc;
	struct rnd *r = &x->r;
	char today[DATE_LEN];
	day_str(x->c, day, today);
	int met = 0, extended = 0, added = 0;
	for (int i = 0; i < d->n_problems; i++) {
		struct plan_problem *p = &d->problems[i];
		for (int g = 0; g < p->n_goals; g++)
			for (int o = 0; o < p->goals[g].n_objectives; o++) {
				struct plan_objective *ob = &p->goals[g].objectives[o];
				if (strcmp(ob->status, "open") || strcmp(ob->target_date, today) > 0)
					continue;
				int roll = below(r, 100);
				if (ob->measure.kind[0] ? roll < 20 : roll < 55) {
					PUT(ob->status, "achieved");
					met++;
				} else if (ob->measure.kind[0] || roll < 90) {
					day_str(x->c, day + range(r, 28, 60), ob->target_date);
					extended++;
				} else {
					PUT(ob->status, "discontinued");
				}
			}
		if (!change && p->n_goals && pct(r, 18)) {
			struct plan_goal *g = &p->goals[below(r, p->n_goals)];
			const char *s = new_objective_text(x, p, x->grp[i < x->n_grp ? i : 0].kind);
			if (s[0] && g->n_objectives < PLAN_MAX_OBJECTIVES) {
				add_objective(x, g, s, M_NONE, day, lv);
				added++;
			}
		}
		for (int v = 0; change && v < p->n_interventions; v++) {
			struct plan_intervention *iv = &p->interventions[v];
			if (!strcmp(iv->kind, "therapy"))
				PUT(iv->frequency, !strcmp(iv->description, "Group sessions") ? group_freq(lv)
						   : !strcmp(iv->modality, "family_therapy") ? "weekly" : individual_freq[lv]);
		}
		add_orders(x, p, day);
	}
	assign_keys(d, &x->last_key);
	return added ? "objectives added" : met ? "objectives met" : extended ? "targets extended" : "no changes";
}

static enum tdm_status write_version(struct px *x, int64_t plan_id, int version, const char *kind, int day,
				     const char *note, const char *who, int signed_by_clinician, int signed_by_patient)
{
	struct db *db = x->db;
	struct tdm_err *err = x->err;
	struct rnd *r = &x->r;
	char eff[DATE_LEN], at_s[INSTANT_LEN], *content = NULL;
	day_str(x->c, day, eff);
	time_t t = at(x->c, day, range(r, 9 * 60, 17 * 60));
	rec_t(x->c, t, at_s);
	enum tdm_status rc = plan_doc_format(x->doc, &content, err);
	if (!rc)
		rc = BI(&x->pv, plan_id);
	if (!rc)
		rc = BI(&x->pv, version);
	if (!rc)
		rc = BT(&x->pv, kind);
	if (!rc)
		rc = BT(&x->pv, eff);
	if (!rc)
		rc = BT(&x->pv, content);
	if (!rc)
		rc = BI(&x->pv, x->last_key);
	if (!rc)
		rc = BT(&x->pv, note);
	if (!rc)
		rc = BT(&x->pv, at_s);
	if (!rc)
		rc = BT(&x->pv, who);
	free(content);
	x->t->k.plan_versions += !rc;
	/* Signatures are written once the patient's versions are in (each
	 * names its version by plan and number). */
	for (int s = 0; !rc && s < 2; s++) {
		if (!(s ? signed_by_patient : signed_by_clinician))
			continue;
		struct psig *g = grow(x->sig, &x->cap_sig, x->n_sig + 1, sizeof *g);
		if (!g)
			return tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
		x->sig = g;
		g = &x->sig[x->n_sig++];
		g->plan_id = plan_id;
		g->version = version;
		g->patient = s;
		g->tele = s && pct(r, 15);
		g->who = who;
		rec_t(x->c, t + 60 * range(r, 2, 40) + 60 * s, g->at);
	}
	return rc;
}

static enum tdm_status write_signatures(struct px *x)
{
	struct db *db = x->db;
	struct tdm_err *err = x->err;
	enum tdm_status rc = x->pv.n ? batch_flush(db, &x->pv, err) : TDM_OK;
	for (int i = 0; !rc && i < x->n_sig; i++) {
		const struct psig *g = &x->sig[i];
		rc = BI(&x->ps, g->plan_id);
		if (!rc)
			rc = BI(&x->ps, g->version);
		if (!rc)
			rc = BT(&x->ps, g->patient ? "patient" : "clinician");
		if (!rc)
			rc = BT(&x->ps, g->patient ? x->name : g->who);
		if (!rc)
			rc = BT(&x->ps, g->patient ? (g->tele ? "telehealth" : "in_person") : NULL);
		if (!rc)
			rc = BT(&x->ps, !g->patient ? NULL
				       : g->tele ? "The patient reviewed the plan with me by video and agreed to it."
						 : "The patient reviewed the plan with me and signed in my presence.");
		if (!rc)
			rc = BT(&x->ps, g->at);
		if (!rc)
			rc = BT(&x->ps, g->who);
		x->t->k.plan_signatures += !rc;
	}
	if (!rc && x->ps.n)
		rc = batch_flush(db, &x->ps, err);
	return rc;
}

/* Review interval of a level (30 days should the file have none). */
static int review_days(int lv)
{
	int d = plan_review_days(level_names[lv]);
	return d > 0 ? d : 30;
}

static int level_at(const struct demo_med_episode *e, int day)
{
	int lv = level_of(e->level[0]);
	for (int i = 1; i < e->n && e->level_start[i] <= day; i++)
		lv = level_of(e->level[i]);
	return lv;
}

/* The plan of episode k: created in the first days, a change at each new
 * level, a review at each interval (done up to three days early), unless
 * the plan is to show overdue. */
static enum tdm_status plan_episode(struct px *x, int k, int therapist, int overdue)
{
	const struct demo_med_episode *e = &x->p->ep[k];
	struct rnd *r = &x->r;
	struct db *db = x->db;
	struct tdm_err *err = x->err;
	const char *who = staff_def[therapist].username;
	int last = e->open ? 0 : e->end - 1;
	if (last < e->start)
		last = e->start;
	int day = e->start + range(r, 0, 2);
	if (day > last)
		day = last;
	group_problems(x, e);
	if (!x->n_grp)
		return TDM_OK;
	x->last_key = 0;
	int lv = level_at(e, day);
	build_doc(x, day, lv, who);
	char created[INSTANT_LEN];
	rec(x->c, day, 8 * 60 + range(r, 0, 60), created);
	struct stmt *st = db_prepare(db, "INSERT INTO plan(patient_id, site_id, episode_id, created_at, created_by)"
				     " VALUES (?,?,?,?,?) RETURNING id", err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, x->pid);
	db_bind_int(st, 2, x->site_id);
	db_bind_int(st, 3, x->ep_id[k]);
	db_bind_text(st, 4, created);
	db_bind_text(st, 5, who);
	int64_t plan_id = 0;
	enum tdm_status rc = db_insert_id(st, &plan_id, err);
	x->t->k.plans += !rc;
	/* Versions as (day, kind): simulated first, then written. A change
	 * does not restart the review clock; a review is due at the last create
	 * or review plus the current level's interval. */
	struct {
		int day, change, lv;
	} ev[MAX_VERSIONS];
	int n_ev = 0, version = 1, anchor = day, cur = day, kp = 1, no_review_after = NEVER;
	while (kp < e->n && e->level_start[kp] <= day)
		kp++;
	if (overdue)
		no_review_after = -review_days(level_at(e, 0)) - range(r, 2, 9);
	int pd = kp < e->n ? e->level_start[kp] + range(r, 0, 2) : NEVER;
	int rd = anchor + review_days(lv) - range(r, 0, 3);
	while (n_ev < MAX_VERSIONS - 1) {
		if (pd < cur)
			pd = cur;
		if (rd <= cur)
			rd = cur + 1;
		if (rd > no_review_after)
			rd = NEVER;
		int change = pd <= rd, next = change ? pd : rd;
		if (next > last)
			break;
		if (change) {
			lv = level_of(e->level[kp++]);
			pd = kp < e->n ? e->level_start[kp] + range(r, 0, 2) : NEVER;
		} else {
			anchor = next;
		}
		cur = next;
		ev[n_ev].day = cur;
		ev[n_ev].change = change;
		ev[n_ev++].lv = lv;
		rd = anchor + review_days(lv) - range(r, 0, 3);
		if (change && rd < cur)
			rd = cur + range(r, 0, 2); /* a step up makes a review due at once */
	}
	overdue = e->open && anchor + review_days(level_at(e, 0)) < 0;
	/* The newest version of an open plan may await signatures. */
	int pending = e->open && pct(r, 25), pending_both = pending && pct(r, 30);
	char note[TDM_LEN_REASON + 1];
	if (!rc)
		rc = write_version(x, plan_id, version, "create", day, "Initial treatment plan written with the patient",
				   who, !(pending_both && !n_ev), !(pending && !n_ev));
	for (int i = 0; !rc && i < n_ev; i++) {
		const char *what = revise_doc(x, ev[i].day, ev[i].lv, ev[i].change);
		if (ev[i].change)
			snprintf(note, sizeof note, "Level of care changed to %s: interventions and frequencies updated",
				 level_words[ev[i].lv]);
		else
			snprintf(note, sizeof note, "Scheduled review with the patient (%d-day interval in %s): %s",
				 review_days(ev[i].lv), level_words[ev[i].lv], what);
		int newest = i == n_ev - 1;
		rc = write_version(x, plan_id, ++version, ev[i].change ? "change" : "review", ev[i].day, note, who,
				   !(newest && pending_both) && pct(r, 96), !(newest && pending) && pct(r, 88));
	}
	x->t->k.plans_overdue += !rc && overdue;
	if (!rc && k == x->p->n_ep - 1) {
		/* Remember the plan's open objectives for the progress notes. */
		struct tpat *tp = x->tp;
		tp->plan_id = plan_id;
		tp->plan_day = day;
		for (int i = 0; i < x->doc->n_problems; i++) {
			const struct plan_problem *p = &x->doc->problems[i];
			for (int g = 0; g < p->n_goals; g++)
				for (int o = 0; o < p->goals[g].n_objectives && tp->n_keys < MAX_KEYS; o++) {
					if (strcmp(p->goals[g].objectives[o].status, "open"))
						continue;
					PUT(tp->keys[tp->n_keys], p->goals[g].objectives[o].key);
					tp->key_su[tp->n_keys++] = kind_substance(x->grp[i].kind);
				}
		}
	}
	return rc;
}

/* ---- one patient: triggers and coping ---- */

static const char *const trig_people[] = {
	"Old using friends from the neighbourhood", "My ex calling late at night", "Arguments with my mother",
	"Coworkers going to the bar after the shift", "My cousin who still sells",
};
static const char *const trig_places[] = {
	"The gas station where I used to buy", "Driving past my old dealer's street",
	"Bars and the liquor aisle at the grocery store", "The check-cashing place on payday",
	"My brother's garage on weekends",
};
static const char *const trig_feelings[] = {
	"Feeling lonely at night", "Shame after an argument", "Boredom on weekends", "Anxiety before court dates",
	"Anger when I feel disrespected", "Feeling like a failure as a parent",
};
static const char *const trig_situations[] = {
	"Getting paid on Friday", "Back pain flaring up", "Nights I cannot sleep", "Holidays and family gatherings",
	"Being alone in the apartment after work", "A bad day at work",
};
static const char *const coping[] = {
	"Call my sponsor before going anywhere near the old block", "Urge surfing: ride the craving out for 20 minutes",
	"Leave the room and do box breathing", "Go to the 7 pm meeting", "Text my sister and tell her what is going on",
	"Walk the dog around the park", "TIPP skill: cold water on my face", "Payday: keep $20 cash, the rest goes to savings",
	"Play guitar for half an hour", "Write in my journal", "Take the long way home", "Go to the gym after work",
	"Play the tape forward: how would tomorrow morning feel?",
};
static const char *const signs[] = {
	"Skipping meetings", "Two nights without sleep", "Isolating and not answering texts",
	"Romanticising past use", "Stopping my medication", "Thinking 'just one won't hurt'",
	"Hanging around the old crowd", "Snapping at my kids", "Lying about small things again",
};
static const struct {
	const char *name, *relationship;
} contacts[] = {
	{"Dana M.", "sponsor"}, {"Luis R.", "sponsor"}, {"Angela", "sister"}, {"Marcus", "brother"},
	{"Pat", "friend from the meeting"}, {"Grace", "mother"}, {"Tom", "peer recovery coach"},
	{"Rosa", "aunt"}, {"Kevin", "friend"},
};
static const char *const rating_notes[] = {
	"Helped once I actually did it", "Hard to remember in the moment", "Worked well at work",
	"Did not help much when the craving was strong", "Getting easier with practice", "",
};

static enum tdm_status relapse_items(struct px *x, int from, const char *who)
{
	struct db *db = x->db;
	struct tdm_err *err = x->err;
	struct rnd *r = &x->r;
	static const char *const *lists[] = {trig_people, trig_places, trig_feelings, trig_situations};
	static const int list_n[] = {COUNT_OF(trig_people), COUNT_OF(trig_places), COUNT_OF(trig_feelings),
				     COUNT_OF(trig_situations)};
	static const char *const cats[] = {"people", "places", "feelings", "situations"};
	int64_t trig[4];
	int n_trig = range(r, 2, 4), day = from;
	enum tdm_status rc = TDM_OK;
	char t[INSTANT_LEN];
	rec(x->c, day, range(r, 9 * 60, 16 * 60), t);
	int c0 = below(r, 4);
	for (int i = 0; !rc && i < n_trig; i++) {
		int c = (c0 + i) % 4;
		struct stmt *st = db_prepare(db, "INSERT INTO patient_trigger(patient_id, category, description, recorded_at,"
					     " recorded_by) VALUES (?,?,?,?,?) RETURNING id", err);
		if (!st)
			return err->code;
		db_bind_int(st, 1, x->pid);
		db_bind_text(st, 2, cats[c]);
		db_bind_text(st, 3, lists[c][below(r, list_n[c])]);
		db_bind_text(st, 4, t);
		db_bind_text(st, 5, who);
		rc = db_insert_id(st, &trig[i], err);
		x->t->k.triggers += !rc;
	}
	int n_cope = range(r, 2, 4), k0 = below(r, COUNT_OF(coping));
	for (int i = 0; !rc && i < n_cope; i++) {
		int64_t sid = 0;
		struct stmt *st = db_prepare(db, "INSERT INTO coping_strategy(patient_id, description, recorded_at,"
					     " recorded_by) VALUES (?,?,?,?) RETURNING id", err);
		if (!st)
			return err->code;
		db_bind_int(st, 1, x->pid);
		db_bind_text(st, 2, coping[(k0 + i) % COUNT_OF(coping)]);
		db_bind_text(st, 3, t);
		db_bind_text(st, 4, who);
		rc = db_insert_id(st, &sid, err);
		x->t->k.strategies += !rc;
		for (int j = 0; !rc && j < n_trig; j++) {
			if (j != i % n_trig && !pct(r, 25))
				continue;
			rc = BI(&x->ct, sid);
			if (!rc)
				rc = BI(&x->ct, trig[j]);
		}
		/* Ratings every week or two, mostly getting better. */
		int eff = range(r, 2, 3);
		for (int d = from + range(r, 5, 14); !rc && d <= 0; d += range(r, 7, 21)) {
			char on[DATE_LEN], rt[INSTANT_LEN];
			day_str(x->c, d, on);
			rec(x->c, d, range(r, 9 * 60, 17 * 60), rt);
			const char *note = PICK(r, rating_notes);
			rc = BI(&x->cr, sid);
			if (!rc)
				rc = BI(&x->cr, eff);
			if (!rc)
				rc = BT(&x->cr, note[0] ? note : NULL);
			if (!rc)
				rc = BT(&x->cr, on);
			if (!rc)
				rc = BT(&x->cr, rt);
			if (!rc)
				rc = BT(&x->cr, who);
			x->t->k.ratings += !rc;
			eff += pct(r, 45) ? 1 : pct(r, 20) ? -1 : 0;
			eff = eff < 1 ? 1 : eff > 5 ? 5 : eff;
			if (pct(r, 30))
				break;
		}
	}
	int n_sign = range(r, 2, 3), s0 = below(r, COUNT_OF(signs));
	for (int i = 0; !rc && i < n_sign; i++) {
		rc = BI(&x->ws, x->pid);
		if (!rc)
			rc = BT(&x->ws, signs[(s0 + i * 2) % COUNT_OF(signs)]);
		if (!rc)
			rc = BT(&x->ws, t);
		if (!rc)
			rc = BT(&x->ws, who);
		x->t->k.warning_signs += !rc;
	}
	int n_contact = range(r, 1, 2), p0 = below(r, COUNT_OF(contacts));
	for (int i = 0; !rc && i < n_contact; i++) {
		char phone[16];
		snprintf(phone, sizeof phone, "555-01%02d", below(r, 100));
		int k = (p0 + i * 3) % COUNT_OF(contacts);
		rc = BI(&x->sc, x->pid);
		if (!rc)
			rc = BT(&x->sc, contacts[k].name);
		if (!rc)
			rc = BT(&x->sc, contacts[k].relationship);
		if (!rc)
			rc = BT(&x->sc, phone);
		if (!rc)
			rc = BT(&x->sc, t);
		if (!rc)
			rc = BT(&x->sc, who);
		x->t->k.contacts += !rc;
	}
	/* Now and then a trigger no longer applies. */
	if (!rc && from < -21 && pct(r, 12)) {
		char rt[INSTANT_LEN];
		rec(x->c, range(r, from + 14, 0), range(r, 9 * 60, 17 * 60), rt);
		struct stmt *st = db_prepare(db, "INSERT INTO relapse_item_retired(kind, item_id, reason, retired_at,"
					     " retired_by) VALUES ('trigger',?,?,?,?)", err);
		if (!st)
			return err->code;
		db_bind_int(st, 1, trig[0]);
		db_bind_text(st, 2, "No longer part of the patient's life (moved; contact ended)");
		db_bind_text(st, 3, rt);
		db_bind_text(st, 4, who);
		rc = db_run(st, err);
	}
	struct batch *b[] = {&x->ct, &x->cr, &x->ws, &x->sc};
	for (int i = 0; !rc && i < COUNT_OF(b); i++)
		if (b[i]->n)
			rc = batch_flush(db, b[i], err);
	return rc;
}

/* ---- one patient: entry point ---- */

static int pick_therapist(struct rnd *r)
{
	int w[DEMO_THERAPY_STAFF], total = 0;
	for (int i = 0; i < DEMO_THERAPY_STAFF; i++)
		total += w[i] = staff_def[i].weight;
	int v = below(r, total);
	for (int i = 0; i < DEMO_THERAPY_STAFF; i++) {
		if (v < w[i])
			return i;
		v -= w[i];
	}
	return 0;
}

enum tdm_status demo_therapy_patient(struct demo_therapy *t, struct db *db, const struct actor *a,
				     const struct demo_med_plan *p, uint64_t seed, struct tdm_err *err)
{
	if (!p->n_ep || t->n == t->cap)
		return TDM_OK;
	struct px *x = calloc(1, sizeof *x);
	struct plan_doc *doc = malloc(sizeof *doc);
	if (!x || !doc) {
		free(x);
		free(doc);
		return tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	}
	struct demo_therapy_counts before = t->k;
	x->t = t;
	x->db = db;
	x->a = a;
	x->err = err;
	x->c = &t->c;
	x->p = p;
	x->doc = doc;
	x->pid = p->patient_id;
	x->r.s = seed;
	struct tpat *tp = x->tp = &t->pat[t->n];
	memset(tp, 0, sizeof *tp);
	BATCH(&x->pv, PV_HEAD, PV_ROW, R4(PV_ROW) "," R2(PV_ROW) "," PV_ROW, 9, 7);
	BATCH(&x->ps, PS_HEAD, PS_ROW, R8(PS_ROW), 8, 8);
	BATCH(&x->ct, CT_HEAD, CT_ROW, R8(CT_ROW) "," R8(CT_ROW) "," R8(CT_ROW) "," R8(CT_ROW), 2, 32);
	BATCH(&x->cr, CR_HEAD, CR_ROW, R8(CR_ROW) "," R2(CR_ROW), 6, 10);
	BATCH(&x->ws, WS_HEAD, WS_ROW, R8(WS_ROW) "," R8(WS_ROW), 4, 16);
	BATCH(&x->sc, SC_HEAD, SC_ROW, R8(SC_ROW) "," R2(SC_ROW), 6, 10);

	enum tdm_status rc = db_begin(db, DB_WRITE, err);
	if (rc) {
		free(x);
		free(doc);
		return rc;
	}
	rc = load_patient_rows(x);
	const struct demo_med_episode *e = &p->ep[p->n_ep - 1];
	tp->id = x->pid;
	tp->site_id = x->site_id;
	tp->therapist = pick_therapist(&x->r);
	tp->otp = p->otp;
	tp->start = e->start;
	tp->end = e->open ? 0 : e->end;
	tp->open = e->open;
	tp->n = e->n;
	for (int i = 0; i < e->n; i++) {
		tp->lv[i] = level_of(e->level[i]);
		tp->lv_start[i] = e->level_start[i];
	}
	for (int i = 0; i < x->n_dx; i++)
		if (x->dx[i].resolved == NEVER)
			tp->kinds |= KB(x->dx[i].kind);
	tp->seed = rnd_next(&x->r);
	int overdue = e->open && pct(&x->r, 8);
	for (int k = 0; !rc && k < p->n_ep; k++)
		rc = plan_episode(x, k, k == p->n_ep - 1 ? tp->therapist : pick_therapist(&x->r), overdue);
	if (!rc)
		rc = write_signatures(x);
	/* Triggers and coping skills for most patients in care. */
	int su = (tp->kinds & SU_KINDS) != 0;
	if (!rc && e->open && pct(&x->r, su ? 75 : 40)) {
		int from = e->start + range(&x->r, 2, 10);
		rc = relapse_items(x, from < 0 ? from : 0, staff_def[tp->therapist].username);
	}
	if (!rc) {
		struct audit_event ev = {.action = "demo.therapy", .object_type = "CarePlan", .site_id = x->site_id,
					 .patient_id = x->pid};
		snprintf(ev.detail, sizeof ev.detail, "synthetic demo: %d plans, %d plan versions, %d triggers, %d coping"
			 " strategies", t->k.plans - before.plans, t->k.plan_versions - before.plan_versions,
			 t->k.triggers - before.triggers, t->k.strategies - before.strategies);
		rc = audit_append(db, a, &ev, err);
	}
	if (!rc)
		rc = db_commit(db, err);
	struct batch *b[] = {&x->pv, &x->ps, &x->ct, &x->cr, &x->ws, &x->sc};
	for (int i = 0; i < COUNT_OF(b); i++)
		batch_clear(b[i]);
	free(x->sig);
	if (rc) {
		db_rollback(db);
		t->k = before;
	} else {
		t->n++;
	}
	free(x);
	free(doc);
	return rc;
}

/* ---- sessions: planning ---- */

#define SLOT0 (8 * 60) /* the first half-hour slot, 08:00 */
#define SLOTS 24       /* up to 20:00 */
#define D0 (-DEMO_THERAPY_PAST)
#define D1 DEMO_THERAPY_AHEAD
#define NDAYS (D1 - D0 + 1)

enum { S_INDIVIDUAL, S_GROUP, S_FAMILY };
static const char *const session_kinds[] = {"individual", "group", "family"};

enum { R_GROUP_A, R_GROUP_B, R_OFFICE_1, R_OFFICE_2, R_FAMILY, R_N };
static const char *const room_names[R_N] = {"group-a", "group-b", "office-1", "office-2", "family"};

enum { A_NONE, A_PRESENT, A_LATE, A_LEFT, A_EXCUSED, A_UNEXCUSED, A_DEFERRED };
static const char *const att_names[] = {"", "present", "late", "left_early", "absent_excused", "absent_unexcused",
					"absent_unexcused"};

static int attended(int s)
{
	return s == A_PRESENT || s == A_LATE || s == A_LEFT;
}

enum { N_ANY, N_SU, N_STIM, N_PTSD, N_DBT, N_OUD };

#define LB(l) (1u << (l))

struct series_def {
	const char *title, *modality;
	int wd, min, minutes, room, clin;
	unsigned levels;
	int need, cap;
	const char *topics[8];
};

static const struct series_def series_defs[] = {
	{"Relapse prevention group", "relapse_prevention", 1, 10 * 60, 90, R_GROUP_A, 1,
	 LB(L_RES) | LB(L_PHP) | LB(L_IOP), N_SU, 12,
	 {"High-risk situations and the urge wave", "Cravings: urge surfing", "Refusal skills role-play",
	  "A lapse is not a relapse", "Building a sober support network", "HALT: hungry, angry, lonely, tired",
	  "Seemingly irrelevant decisions", "Planning for holidays and anniversaries"}},
	{"Relapse prevention group (evening)", "relapse_prevention", 2, 17 * 60 + 30, 90, R_GROUP_A, 2,
	 LB(L_OP) | LB(L_AFTER) | LB(L_OTP), N_SU, 12,
	 {"Stress at work without using", "Sleep and recovery", "Repairing relationships",
	  "Money, payday and triggers", "Boredom and free time", "Warning signs I notice first",
	  "Cravings: urge surfing", "Building a sober support network"}},
	{"DBT skills group", "dbt", 3, 13 * 60, 90, R_GROUP_B, 0, LB(L_PHP) | LB(L_IOP) | LB(L_OP), N_DBT, 10,
	 {"Mindfulness: wise mind", "Distress tolerance: TIPP", "Distress tolerance: the STOP skill",
	  "Emotion regulation: check the facts", "Emotion regulation: opposite action",
	  "Interpersonal effectiveness: DEAR MAN", "Radical acceptance", "Self-soothing with the five senses"}},
	{"Multi-family group", "family_therapy", 4, 18 * 60, 90, R_FAMILY, 0, LB(L_RES) | LB(L_PHP) | LB(L_IOP), N_ANY, 8,
	 {"How addiction affects the whole family", "Communication without blame", "Boundaries and enabling",
	  "Warning signs families notice", "Self-care for family members", "Naloxone training for families",
	  "Rebuilding trust", "Planning for discharge together"}},
	{"Seeking Safety: trauma and recovery", "trauma_focused", 4, 10 * 60, 60, R_GROUP_B, SUPERVISED,
	 LB(L_RES) | LB(L_PHP) | LB(L_IOP) | LB(L_OP), N_PTSD, 10,
	 {"Safety as the first priority", "Grounding: detaching from emotional pain", "Asking for help",
	  "Setting boundaries in relationships", "Healthy and unhealthy thinking", "Taking good care of yourself",
	  "Compassion", "Recovery thinking"}},
	{"CBT skills group", "cbt", 2, 9 * 60, 60, R_GROUP_B, 2, LB(L_DETOX) | LB(L_RES) | LB(L_PHP), N_ANY, 12,
	 {"Thoughts, feelings and actions", "Catching automatic thoughts", "Thinking traps",
	  "Behavioural activation", "Problem solving step by step", "Challenging thoughts about using",
	  "Coping with cravings", "Activity scheduling"}},
	{"Twelve-step facilitation", "twelve_step_facilitation", 5, 11 * 60, 60, R_GROUP_A, SUPERVISED,
	 LB(L_RES) | LB(L_PHP) | LB(L_IOP), N_SU, 12,
	 {"Step one: powerlessness and unmanageability", "Getting active in meetings", "Finding a sponsor",
	  "Steps two and three: hope and trust", "People, places and things", "Service and fellowship",
	  "Reading and discussion", "Sharing at a meeting"}},
	{"Contingency management group", "contingency_management", 3, 9 * 60, 60, R_GROUP_A, 1,
	 LB(L_PHP) | LB(L_IOP) | LB(L_OP) | LB(L_AFTER), N_STIM, 12,
	 {"Screens and the prize draw", "Rewards that matter to me", "Weekend plans without using",
	  "Sleep and appetite coming back", "Screens and the prize draw", "Staying on streak",
	  "Money saved so far", "What helped this week"}},
	{"MOUD education group", "psychoeducation", 5, 14 * 60, 60, R_GROUP_B, 1, LB(L_OTP), N_OUD, 15,
	 {"How methadone and buprenorphine work", "Take-home doses: rules and safe storage",
	  "Naloxone and overdose prevention", "Benzodiazepines, alcohol and your dose", "Myths about medication",
	  "Tapering: when and how", "Pain and medication for opioid use disorder", "Hepatitis C and HIV testing"}},
};
#define N_SERIES COUNT_OF(series_defs)

struct sess {
	int day, min, minutes, kind, clin, room, series, week, first, n, cancelled;
	const char *modality, *title, *topic;
	int64_t id;
	time_t t0, t1;
	char created[INSTANT_LEN];
};

struct part {
	int sess, pt, status;
};

struct member {
	int series, pt, from, to; /* joined on day `from`, left on `to` (NEVER: still on the roster) */
};

/* A note decided before writing. */
enum { N_NONE, N_DRAFT, N_SIGNED };
struct nplan {
	int state;
	time_t created, signed_at, cosigned; /* cosigned 0: not (yet) */
	const char *format;
};

struct sx {
	struct demo_therapy *t;
	struct db *db;
	const struct actor *a;
	struct tdm_err *err;
	const struct clock *c;
	struct rnd r;
	int room_ok[R_N];
	uint32_t busy_c[DEMO_THERAPY_STAFF][NDAYS];
	uint32_t busy_r[R_N][NDAYS];
	uint32_t *busy_p; /* [patient * NDAYS + day index] */
	struct sess *s;
	int ns, cap_s;
	struct part *pp;
	int np, cap_p;
	struct member *m;
	int nm, cap_m;
	int64_t series_id[N_SERIES];
	int series_first[N_SERIES]; /* day of each series' first session */
	struct nplan *notes; /* per session */
	int alert_pt, alert_part;
};

static uint32_t slot_mask(int min, int minutes)
{
	int first = (min - SLOT0) / 30, n = (minutes + 29) / 30;
	if (first < 0 || first + n > SLOTS)
		return 0;
	return ((n >= 32 ? 0xffffffffu : (1u << n) - 1u)) << first;
}

static int is_free(const struct sx *x, int day, uint32_t mask, int clin, int room, const int *pts, int n)
{
	int di = day - D0;
	if (!mask || di < 0 || di >= NDAYS || (x->busy_c[clin][di] & mask) || (room >= 0 && (x->busy_r[room][di] & mask)))
		return 0;
	for (int i = 0; i < n; i++)
		if (x->busy_p[(size_t)pts[i] * NDAYS + (size_t)di] & mask)
			return 0;
	return 1;
}

/* Adds a session (its participants follow in x->pp). */
static int add_session(struct sx *x, int day, int min, int minutes, int kind, int clin, int room, int series,
		       const char *modality, const char *title, const char *topic, const int *pts, int n)
{
	struct sess *s = grow(x->s, &x->cap_s, x->ns + 1, sizeof *s);
	struct part *pp = s ? grow(x->pp, &x->cap_p, x->np + n, sizeof *pp) : NULL;
	if (s)
		x->s = s;
	if (pp)
		x->pp = pp;
	if (!s || !pp)
		return -1;
	s = &x->s[x->ns];
	memset(s, 0, sizeof *s);
	s->day = day;
	s->min = min;
	s->minutes = minutes;
	s->kind = kind;
	s->clin = clin;
	s->room = room;
	s->series = series;
	s->modality = modality;
	s->title = title;
	s->topic = topic;
	s->first = x->np;
	s->n = n;
	s->t0 = at(x->c, day, min);
	s->t1 = s->t0 + (time_t)minutes * 60;
	uint32_t mask = slot_mask(min, minutes);
	int di = day - D0;
	x->busy_c[clin][di] |= mask;
	if (room >= 0)
		x->busy_r[room][di] |= mask;
	for (int i = 0; i < n; i++) {
		x->pp[x->np].sess = x->ns;
		x->pp[x->np].pt = pts[i];
		x->pp[x->np++].status = A_NONE;
		x->busy_p[(size_t)pts[i] * NDAYS + (size_t)di] |= mask;
	}
	x->ns++;
	return 0;
}

static int needs(const struct tpat *p, int need)
{
	unsigned k = p->kinds;
	switch (need) {
	case N_SU: return p->otp || (k & SU_KINDS) != 0;
	case N_STIM: return (k & (KB(K_STIMULANT) | KB(K_COCAINE))) != 0;
	case N_PTSD: return (k & KB(K_PTSD)) != 0;
	case N_DBT: return (k & (KB(K_BPD) | KB(K_PTSD) | KB(K_BIPOLAR) | KB(K_DEPRESSION))) != 0;
	case N_OUD: return p->otp || (k & KB(K_OPIOID)) != 0;
	default: return 1;
	}
}

/* Who comes first onto a full roster: BPD for the DBT group, then a hash. */
static uint64_t roster_rank(const struct sx *x, int series, int pt)
{
	const struct tpat *p = &x->t->pat[pt];
	uint64_t h = mix(x->t->seed + (uint64_t)series, (uint64_t)p->id) >> 1;
	if (series_defs[series].need == N_DBT && (p->kinds & KB(K_BPD)))
		h >>= 8;
	return h;
}

static int eligible(const struct sx *x, int series, int pt, int day)
{
	const struct tpat *p = &x->t->pat[pt];
	int lv = level_on(p, day);
	return p->site_id == x->t->site_id && lv >= 0 && (series_defs[series].levels & LB(lv)) &&
	       needs(p, series_defs[series].need);
}

static int add_member(struct sx *x, int series, int pt, int day)
{
	struct member *m = grow(x->m, &x->cap_m, x->nm + 1, sizeof *m);
	if (!m)
		return -1;
	x->m = m;
	x->m[x->nm++] = (struct member){series, pt, day, NEVER};
	return 0;
}

/* The weekly sessions of a series: the roster follows who is in care at the
 * right level; a full roster takes newcomers as places free up. */
static int plan_series(struct sx *x, int series)
{
	const struct series_def *d = &series_defs[series];
	int n = x->t->n, first_m = x->nm, week = 0;
	int *pts = malloc((size_t)(n ? n : 1) * sizeof *pts);
	if (!pts)
		return -1;
	for (int day = D0; day <= D1; day++) {
		if (weekday(x->c, day) != d->wd)
			continue;
		/* Members no longer eligible leave the roster. */
		int size = 0;
		for (int i = first_m; i < x->nm; i++) {
			struct member *m = &x->m[i];
			if (m->to != NEVER)
				continue;
			if (!eligible(x, series, m->pt, day))
				m->to = day;
			else
				size++;
		}
		/* Newcomers, best rank first, while there is room. */
		while (size < d->cap) {
			int best = -1;
			uint64_t best_rank = 0;
			for (int pt = 0; pt < n; pt++) {
				if (!eligible(x, series, pt, day))
					continue;
				int on = 0;
				for (int i = first_m; i < x->nm && !on; i++)
					on = x->m[i].pt == pt && x->m[i].to == NEVER;
				uint64_t rk = roster_rank(x, series, pt);
				if (!on && (best < 0 || rk < best_rank) &&
				    !(x->busy_p[(size_t)pt * NDAYS + (size_t)(day - D0)] & slot_mask(d->min, d->minutes))) {
					/* someone who left the roster earlier comes back only after a week */
					int back = 1;
					for (int i = first_m; i < x->nm; i++)
						if (x->m[i].pt == pt && x->m[i].to > day - 7)
							back = 0;
					if (back) {
						best = pt;
						best_rank = rk;
					}
				}
			}
			if (best < 0)
				break;
			int from = day - range(&x->r, 0, 4), start = x->t->pat[best].start;
			if (add_member(x, series, best, from > start ? from : start)) {
				free(pts);
				return -1;
			}
			size++;
		}
		int np = 0;
		for (int i = first_m; i < x->nm; i++)
			if (x->m[i].to == NEVER &&
			    is_free(x, day, slot_mask(d->min, d->minutes), d->clin, -1, &x->m[i].pt, 1))
				pts[np++] = x->m[i].pt;
		if (np >= 2 && is_free(x, day, slot_mask(d->min, d->minutes), d->clin, x->room_ok[d->room] ? d->room : -1,
				       NULL, 0)) {
			int room = x->room_ok[d->room] ? d->room : -1;
			if (add_session(x, day, d->min, d->minutes, S_GROUP, d->clin, room, series, d->modality, d->title,
					d->topics[week % 8], pts, np)) {
				free(pts);
				return -1;
			}
			x->s[x->ns - 1].week = week;
		}
		week++;
	}
	free(pts);
	return 0;
}

/* The patient's individual modalities, from their diagnoses. */
static int modalities_of(const struct tpat *p, const char **out)
{
	int n = 0;
	for (int k = 0; k < K_N && n < 4; k++)
		if ((p->kinds & KB(k)) && k != K_NICOTINE) {
			const char *m = kinds[k].modality[0];
			int dup = 0;
			for (int i = 0; i < n; i++)
				dup |= !strcmp(out[i], m);
			if (!dup)
				out[n++] = m;
		}
	if (p->otp && !n)
		out[n++] = "relapse_prevention";
	if (!n)
		out[n++] = "cbt";
	if ((p->kinds & SU_KINDS) || p->otp)
		out[n++] = "motivational_interviewing";
	return n;
}

static int try_individual(struct sx *x, int pt, int day, int lv, int kind, const char *modality)
{
	static const int pref[] = {9 * 60, 10 * 60, 11 * 60, 13 * 60, 14 * 60, 15 * 60, 16 * 60, 17 * 60, 18 * 60};
	const struct tpat *p = &x->t->pat[pt];
	int clin = p->therapist, late_ok = lv >= L_OP;
	int n_pref = late_ok ? COUNT_OF(pref) : COUNT_OF(pref) - 2;
	int k0 = (int)(mix(p->seed, 7) % (uint64_t)n_pref), minutes = kind == S_FAMILY ? 60 : 50;
	int tele = kind == S_INDIVIDUAL && late_ok && mix(p->seed, 11) % 4 == 0;
	static const int home[DEMO_THERAPY_STAFF] = {R_OFFICE_1, R_OFFICE_2, R_OFFICE_1, R_OFFICE_2};
	for (int j = 0; j < n_pref; j++) {
		int min = pref[(k0 + j) % n_pref];
		uint32_t mask = slot_mask(min, minutes);
		if (!is_free(x, day, mask, clin, -1, &pt, 1))
			continue;
		int room = -1;
		if (kind == S_FAMILY) {
			if (!x->room_ok[R_FAMILY] || !is_free(x, day, mask, clin, R_FAMILY, NULL, 0))
				continue;
			room = R_FAMILY;
		} else if (!tele) {
			int r0 = home[clin], r1 = r0 == R_OFFICE_1 ? R_OFFICE_2 : R_OFFICE_1;
			if (x->room_ok[r0] && is_free(x, day, mask, clin, r0, NULL, 0))
				room = r0;
			else if (x->room_ok[r1] && is_free(x, day, mask, clin, r1, NULL, 0))
				room = r1;
		}
		if (add_session(x, day, min, minutes, kind, clin, room, -1, modality, NULL, NULL, &pt, 1))
			return -1;
		return 1;
	}
	return 0;
}

/* Individual sessions by level: weekly in residential, PHP and IOP, every
 * two weeks in outpatient care and the OTP, monthly in aftercare, one in a
 * stay in withdrawal management; now and then a family session instead. */
static int plan_individual(struct sx *x, int pt)
{
	const struct tpat *p = &x->t->pat[pt];
	if (p->site_id != x->t->site_id)
		return 0;
	const char *mods[6];
	int n_mods = modalities_of(p, mods), wd = 1 + (int)(mix(p->seed, 3) % 5), phase = (int)(mix(p->seed, 5) % 4);
	int mon = D0 - (weekday(x->c, D0) + 6) % 7, detox_seen = -1, count = 0;
	for (int w = 0; mon + 7 * w <= D1; w++) {
		int base = mon + 7 * w;
		for (int j = 0; j < 5; j++) {
			int day = base + (wd - 1 + j) % 5;
			int lv = day < D0 || day > D1 ? -1 : level_on(p, day);
			if (lv < 0)
				continue;
			int period = lv == L_OP || lv == L_OTP ? 2 : lv == L_AFTER ? 4 : 1;
			if ((w + phase) % period)
				break;
			if (lv == L_DETOX) {
				int stay = day;
				while (level_on(p, stay - 1) == L_DETOX)
					stay--;
				if (stay == detox_seen)
					break;
				detox_seen = stay;
			}
			int family = lv >= L_RES && lv <= L_IOP && pct(&x->r, 7);
			const char *m = family ? "family_therapy" : mods[count % n_mods];
			int done = try_individual(x, pt, day, lv, family ? S_FAMILY : S_INDIVIDUAL, m);
			if (done < 0)
				return -1;
			if (!done && family)
				done = try_individual(x, pt, day, lv, S_INDIVIDUAL, mods[count % n_mods]);
			if (done < 0)
				return -1;
			if (done) {
				count++;
				break;
			}
		}
	}
	return 0;
}

/* ---- sessions: attendance ---- */

static int ended(const struct sx *x, const struct sess *s)
{
	return s->t1 <= x->c->now - 60;
}

/* Sort keys: a patient (or 0) and a start time, with the index sorted. */
struct skey {
	int pt, clin;
	time_t t0;
	int ix;
};

static int by_key(const void *a, const void *b)
{
	const struct skey *p = a, *q = b;
	if (p->pt != q->pt)
		return p->pt < q->pt ? -1 : 1;
	if (p->t0 != q->t0)
		return p->t0 < q->t0 ? -1 : 1;
	if (p->clin != q->clin)
		return p->clin < q->clin ? -1 : 1;
	return p->ix < q->ix ? -1 : p->ix > q->ix;
}

/* Participants (by_patient) or sessions in time order; *out caller-frees. */
static int sorted(const struct sx *x, int by_patient, int **out)
{
	int n = by_patient ? x->np : x->ns;
	struct skey *k = malloc((size_t)(n ? n : 1) * sizeof *k);
	*out = malloc((size_t)(n ? n : 1) * sizeof **out);
	if (!k || !*out) {
		free(k);
		free(*out);
		*out = NULL;
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const struct sess *s = &x->s[by_patient ? x->pp[i].sess : i];
		k[i] = (struct skey){by_patient ? x->pp[i].pt : 0, s->clin, s->t0, i};
	}
	qsort(k, (size_t)n, sizeof *k, by_key);
	for (int i = 0; i < n; i++)
		(*out)[i] = k[i].ix;
	free(k);
	return 0;
}

static int pick_status(struct sx *x, int lv)
{
	static const int w_care[] = {90, 4, 2, 3, 1}, w_out[] = {77, 8, 4, 6, 5};
	const int *w = lv >= 0 && lv <= L_PHP ? w_care : w_out;
	int v = below(&x->r, 100);
	for (int i = 0; i < 5; i++) {
		if (v < w[i])
			return A_PRESENT + i;
		v -= w[i];
	}
	return A_PRESENT;
}

/* Attendance for every session held, per patient in time order: never two
 * unexcused absences in a row (excused ones neither count nor break the
 * run), except for one patient whose last two sessions held were missed;
 * the second of them is left for attendance_record (A_DEFERRED). */
static int plan_attendance(struct sx *x)
{
	int *ix;
	if (sorted(x, 1, &ix))
		return -1;
	/* The patient for the alert: in outpatient-type care now, with at least
	 * four sessions held, the last two within the last three weeks. */
	uint64_t best = 0;
	x->alert_pt = -1;
	for (int i = 0; i < x->np;) {
		int j = i, held = 0, pt = x->pp[ix[i]].pt, last = -1, prev = -1;
		for (; j < x->np && x->pp[ix[j]].pt == pt; j++) {
			const struct sess *s = &x->s[x->pp[ix[j]].sess];
			if (ended(x, s) && !s->cancelled) {
				held++;
				prev = last;
				last = j;
			}
		}
		const struct tpat *p = &x->t->pat[pt];
		int lv = level_on(p, 0);
		uint64_t h = mix(x->t->seed, (uint64_t)p->id);
		if (p->open && (lv == L_IOP || lv == L_OP || lv == L_AFTER) && held >= 4 && prev >= 0 &&
		    x->s[x->pp[ix[prev]].sess].day >= -21 && (x->alert_pt < 0 || h < best)) {
			x->alert_pt = pt;
			best = h;
		}
		i = j;
	}
	int want = therapy_config()->consecutive_unexcused_alert;
	if (want < 1 || want > 8)
		want = 2;
	for (int i = 0; i < x->np;) {
		int pt = x->pp[ix[i]].pt, run = 0, j = i, n_held = 0;
		int held[9]; /* the last want + 1 held */
		for (; j < x->np && x->pp[ix[j]].pt == pt; j++) {
			struct part *q = &x->pp[ix[j]];
			const struct sess *s = &x->s[q->sess];
			if (!ended(x, s) || s->cancelled)
				continue;
			q->status = pick_status(x, level_on(&x->t->pat[pt], s->day));
			if (q->status == A_UNEXCUSED && run)
				q->status = A_PRESENT;
			run = q->status == A_UNEXCUSED ? 1 : attended(q->status) ? 0 : run;
			if (n_held == want + 1)
				memmove(held, held + 1, (size_t)want * sizeof *held);
			else
				n_held++;
			held[n_held - 1] = ix[j];
		}
		if (pt == x->alert_pt && n_held == want + 1) {
			/* the one before the run came; then want misses in a row */
			struct part *q = &x->pp[held[0]];
			if (!attended(q->status))
				q->status = A_PRESENT;
			for (int k = 1; k <= want; k++)
				x->pp[held[k]].status = A_UNEXCUSED;
			x->pp[held[want]].status = A_DEFERRED;
			x->alert_part = held[want];
		}
		i = j;
	}
	free(ix);
	return 0;
}

/* Three sessions cancelled by the program: a group and an individual
 * session in the past, an individual session ahead. */
static void plan_cancellations(struct sx *x)
{
	static const struct {
		int kind, day;
	} want[] = {{S_GROUP, -20}, {S_INDIVIDUAL, -12}, {S_INDIVIDUAL, 6}};
	for (int w = 0; w < COUNT_OF(want); w++) {
		int best = -1, dist = 0;
		for (int i = 0; i < x->ns; i++) {
			const struct sess *s = &x->s[i];
			int d = s->day > want[w].day ? s->day - want[w].day : want[w].day - s->day;
			if (s->kind == want[w].kind && !s->cancelled && (best < 0 || d < dist) &&
			    (want[w].day < 0 ? ended(x, s) : s->t0 > x->c->now)) {
				best = i;
				dist = d;
			}
		}
		if (best >= 0)
			x->s[best].cancelled = 1 + w;
	}
}

static const char *const cancel_reasons[] = {
	"", "Facilitator out sick; members offered an individual check-in this week",
	"Clinician out sick; the patient was called and offered another time",
	"Clinic closed for staff training; the patient was told at the last session",
};

/* ---- sessions: notes ---- */

static int attendees(const struct sx *x, const struct sess *s)
{
	int n = 0;
	for (int i = 0; i < s->n; i++)
		n += attended(x->pp[s->first + i].status);
	return n;
}

static time_t cap_now(const struct sx *x, time_t t)
{
	return t > x->c->now - 60 ? x->c->now - 60 : t;
}

/* Which sessions get a note, and its state: most are signed within hours;
 * notes of the last day are often still drafts; each clinician has a draft
 * older than a day (the unsigned list); the supervised clinician's notes
 * are co-signed within two days, the newest awaiting. */
static void plan_notes(struct sx *x)
{
	static const char *const formats[] = {"SOAP", "DAP", "BIRP"};
	time_t now = x->c->now;
	for (int i = 0; i < x->ns; i++) {
		const struct sess *s = &x->s[i];
		struct nplan *n = &x->notes[i];
		memset(n, 0, sizeof *n);
		if (s->cancelled || !ended(x, s) || !attendees(x, s))
			continue;
		int recent = s->t1 > now - 3 * 3600;
		if (recent ? pct(&x->r, 50) : !pct(&x->r, 96))
			continue;
		n->created = cap_now(x, s->t1 + 60 * range(&x->r, 10, 150));
		n->format = pct(&x->r, 85) ? staff_def[s->clin].format : PICK(&x->r, formats);
		if (n->created > now - 20 * 3600 && pct(&x->r, 45)) {
			n->state = N_DRAFT;
			continue;
		}
		n->state = N_SIGNED;
		/* signed soon after writing, or the next morning */
		n->signed_at = cap_now(x, pct(&x->r, 80) ? n->created + 60 * range(&x->r, 1, 90)
						       : at(x->c, s->day + 1, range(&x->r, 8 * 60, 10 * 60)));
		if (s->clin == SUPERVISED && n->signed_at < now - 48 * 3600)
			n->cosigned = cap_now(x, n->signed_at + 60 * range(&x->r, 60, 2880));
	}
	for (int c = 0; c < DEMO_THERAPY_STAFF; c++) {
		int want = c == 1 ? 2 : 1;
		for (int pass = 0; pass < 2 && want; pass++)
			for (int i = x->ns - 1; i >= 0 && want; i--) {
				struct nplan *n = &x->notes[i];
				if (x->s[i].clin != c || n->state != N_SIGNED || n->created > now - 26 * 3600 ||
				    n->created < now - 6 * 86400 || (!pass && mix(x->t->seed, (uint64_t)i) % 3))
					continue;
				n->state = N_DRAFT;
				n->signed_at = n->cosigned = 0;
				want--;
			}
	}
	int newest = -1, waiting = 0;
	for (int i = 0; i < x->ns; i++)
		if (x->s[i].clin == SUPERVISED && x->notes[i].state == N_SIGNED) {
			newest = i;
			waiting += !x->notes[i].cosigned;
		}
	if (newest >= 0 && !waiting)
		x->notes[newest].cosigned = 0;
}

static const char *const su_said[] = {
	"Shared a craving at a family party and how it passed without using.",
	"Talked about pressure from an old friend to use; practised a refusal.",
	"Admitted a lapse at the weekend; used the session to plan differently.",
	"Described payday as the hardest day and made a plan for it.",
	"Reports no use since the last session and is proud of it.",
	"Reports cravings are less frequent and shorter.",
	"Worried about an upcoming court date; wants to stay on track.",
};
static const char *const mh_said[] = {
	"Described low mood most of the week but kept every appointment.",
	"Spoke about nightmares and poor sleep; used grounding when it got hard.",
	"Reports fewer panic symptoms since starting the breathing practice.",
	"Feels more hopeful; went for a walk with a friend twice this week.",
	"Irritable and tired; conflict at home over the weekend.",
	"Sleeping better; mood steadier this week.",
};
static const char *const assessed[] = {
	"Engaged; links the skill to own triggers.", "Ambivalent about change but keeps coming back.",
	"Mood brighter than last session.", "Using skills more often; insight growing.",
	"Distracted today; primary clinician to follow up.", "Motivation steady; making progress toward the plan's goals.",
};
static const char *const planned[] = {
	"Practise the skill daily and note one use for next time.", "Bring the diary card to the next session.",
	"Call the sponsor before the weekend.", "Continue as planned; review cravings next session.",
	"Try the new coping strategy twice before the next session.",
};
static const char *const observed[] = {
	"Alert and oriented; affect appropriate; no signs of intoxication.",
	"Well groomed; speech normal; denies thoughts of harming self or others.",
	"Good eye contact; mildly anxious; thought process goal-directed.",
	"Tired-looking; affect constricted; denies suicidal ideation.",
};

static const char *modality_work(const char *m)
{
	static const struct {
		const char *id, *text;
	} t[] = {
		{"cbt", "Worked on the thoughts that come before using; completed a thought record together."},
		{"motivational_interviewing", "Explored ambivalence with a decisional balance; drew out change talk about"
					      " family and health."},
		{"relapse_prevention", "Mapped high-risk situations for the coming week and rehearsed a refusal."},
		{"dbt", "Chain analysis of this week's urge; practised the TIPP skill."},
		{"trauma_focused", "Grounding practice and education on trauma responses; no memory processing today."},
		{"contingency_management", "Reviewed this week's screen and the reward schedule; praised consistency."},
		{"twelve_step_facilitation", "Discussed step one and finding a home group; reviewed meeting attendance."},
		{"family_therapy", "Family session: worked on communication without blame and on agreed house rules."},
		{"psychoeducation", "Education on the diagnosis and treatment; answered questions about medication."},
		{"case_management", "Housing application and a benefits appointment arranged; reminders set up."},
	};
	for (int i = 0; i < COUNT_OF(t); i++)
		if (!strcmp(t[i].id, m))
			return t[i].text;
	return "Reviewed progress on the treatment plan.";
}

/* Texts of one part, by the format's sections. */
struct ptext {
	char s[NOTE_MAX_SECTIONS][600];
};

static void group_shared(struct sx *x, const struct sess *s, const char *format, int present, struct ptext *out)
{
	const struct series_def *d = &series_defs[s->series];
	const char *next = d->topics[(s->week + 1) % 8];
	struct rnd *r = &x->r;
	memset(out, 0, sizeof *out);
	char what[300];
	snprintf(what, sizeof what, "%s, %d minutes, %d members present. Topic: %s.", d->title, s->minutes, present,
		 s->topic);
	const char *how = "The facilitator introduced the skill, modelled it and led practice in pairs; members applied"
			  " it to a recent situation of their own.";
	static const char *const group_assessed[] = {
		"Good engagement overall; several members linked the topic to recent triggers.",
		"Mixed energy; newer members quieter, established members supported them.",
		"Group cohesive; members gave each other useful feedback.",
		"Some resistance early on; engagement improved with the role-play.",
	};
	static const char *const group_planned[] = {
		"Members to practise the skill daily and note one use to share.",
		"Members to try the skill in one high-risk situation this week.",
		"Handout given; members to bring questions.",
	};
	const char *a = PICK(r, group_assessed), *p = PICK(r, group_planned);
	if (!strcmp(format, "SOAP")) {
		snprintf(out->s[0], 600, "Members described recent cravings, stress and what helped since the last group.");
		snprintf(out->s[1], 600, "%s %s", what, how);
		snprintf(out->s[2], 600, "%s", a);
		snprintf(out->s[3], 600, "%s Next session: %s.", p, next);
	} else if (!strcmp(format, "BIRP")) {
		snprintf(out->s[0], 600, "%s Check-in surfaced several recent high-risk situations.", what);
		snprintf(out->s[1], 600, "%s", how);
		snprintf(out->s[2], 600, "%s", a);
		snprintf(out->s[3], 600, "%s Next session: %s.", p, next);
	} else {
		snprintf(out->s[0], 600, "%s %s", what, how);
		snprintf(out->s[1], 600, "%s", a);
		snprintf(out->s[2], 600, "%s Next session: %s.", p, next);
	}
}

/* An attendee's own part of a group note (or, for an individual session,
 * the whole note). */
static void own_part(struct sx *x, const struct sess *s, int pt, int status, const char *format, struct ptext *out)
{
	const struct tpat *p = &x->t->pat[pt];
	struct rnd *r = &x->r;
	int su = (p->kinds & SU_KINDS) || p->otp, mh = (p->kinds & ~(SU_KINDS | KB(K_NICOTINE))) != 0;
	const char *said = su && (!mh || pct(r, 60)) ? PICK(r, su_said) : mh ? PICK(r, mh_said) : PICK(r, su_said);
	const char *when = status == A_LATE ? " Arrived late." : status == A_LEFT ? " Left before the end." : "";
	char first[400];
	if (s->kind == S_GROUP)
		snprintf(first, sizeof first, "%s%s", said, when);
	else
		snprintf(first, sizeof first, "%s session, %d minutes%s; focus: %s.%s %s",
			 s->kind == S_FAMILY ? "Family" : "Individual", s->minutes, s->room < 0 ? " by video" : "",
			 therapy_modality_label(s->modality) ? therapy_modality_label(s->modality) : s->modality, when,
			 said);
	const char *work = s->kind == S_GROUP ? "" : modality_work(s->modality);
	const char *a = PICK(r, assessed), *pl = PICK(r, planned);
	memset(out, 0, sizeof *out);
	if (!strcmp(format, "SOAP")) {
		snprintf(out->s[0], 600, "%s", first);
		snprintf(out->s[1], 600, "%s", PICK(r, observed));
		snprintf(out->s[2], 600, "%s%s%s", work, *work ? " " : "", a);
		snprintf(out->s[3], 600, "%s", pl);
	} else if (!strcmp(format, "BIRP")) {
		snprintf(out->s[0], 600, "%s", first);
		snprintf(out->s[1], 600, "%s", work);
		snprintf(out->s[2], 600, "%s", a);
		snprintf(out->s[3], 600, "%s", pl);
	} else {
		snprintf(out->s[0], 600, "%s%s%s", first, *work ? " " : "", work);
		snprintf(out->s[1], 600, "%s", a);
		snprintf(out->s[2], 600, "%s", pl);
	}
}

/* ---- sessions: writing ---- */

#define SE_HEAD "INSERT INTO therapy_session(site_id, series_id, kind, modality, title, clinician_id, room," \
	" telehealth, starts_at, ends_at, minutes, created_at, created_by) VALUES "
#define SE_ROW "(?,?,?,?,?,?,?,?,?,?,?,?,?)"
#define PN_HEAD "INSERT INTO progress_note(session_id, site_id, author_id, author, created_at) VALUES "
#define PN_ROW "(?,?,?,?,?)"
#define NV_HEAD "INSERT INTO progress_note_version(note_id, version, format, recorded_at, recorded_by) VALUES "
#define NV_ROW "(?,1,?,?,?)"

struct wr {
	struct batch se, pn, pv, sp, at, np, pt, no, ns, mb;
	int *n_sessions, *n_notes; /* per patient, for the audit rows */
};

static enum tdm_status write_series(struct sx *x, struct wr *w)
{
	struct db *db = x->db;
	struct tdm_err *err = x->err;
	enum tdm_status rc = TDM_OK;
	for (int i = 0; !rc && i < N_SERIES; i++) {
		const struct series_def *d = &series_defs[i];
		int first = -1, count = 0;
		for (int k = 0; k < x->ns; k++)
			if (x->s[k].series == i) {
				count++;
				if (first < 0 || x->s[k].t0 < x->s[first].t0)
					first = k;
			}
		if (first < 0)
			continue;
		const struct sess *s = &x->s[first];
		x->series_first[i] = s->day;
		char first_at[INSTANT_LEN], created[INSTANT_LEN];
		instant_format(s->t0, first_at);
		rec(x->c, s->day - 5, 9 * 60 + 30, created);
		struct stmt *st = db_prepare(db,
			"INSERT INTO therapy_series(site_id, kind, modality, title, clinician_id, room, telehealth,"
			" first_at, minutes, sessions, created_at, created_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
			err);
		if (!st)
			return err->code;
		db_bind_int(st, 1, x->t->site_id);
		db_bind_text(st, 2, "group");
		db_bind_text(st, 3, d->modality);
		db_bind_text(st, 4, d->title);
		db_bind_int(st, 5, x->t->staff_id[d->clin]);
		db_bind_text(st, 6, s->room >= 0 ? room_names[s->room] : NULL);
		db_bind_int(st, 7, s->room < 0);
		db_bind_text(st, 8, first_at);
		db_bind_int(st, 9, d->minutes);
		db_bind_int(st, 10, count);
		db_bind_text(st, 11, created);
		db_bind_text(st, 12, staff_def[d->clin].username);
		rc = db_insert_id(st, &x->series_id[i], err);
		x->t->k.series += !rc;
	}
	for (int i = 0; !rc && i < x->nm; i++) {
		const struct member *m = &x->m[i];
		const char *who = staff_def[series_defs[m->series].clin].username;
		char added[INSTANT_LEN], removed[INSTANT_LEN];
		rec(x->c, m->from, 8 * 60 + 15, added);
		rec(x->c, m->to == NEVER ? 0 : m->to, 8 * 60 + 20, removed);
		if (!x->series_id[m->series])
			continue;
		rc = BI(&w->mb, x->series_id[m->series]);
		if (!rc)
			rc = BI(&w->mb, x->t->pat[m->pt].id);
		if (!rc)
			rc = BT(&w->mb, added);
		if (!rc)
			rc = BT(&w->mb, who);
		if (!rc)
			rc = BT(&w->mb, m->to == NEVER ? NULL : removed);
		if (!rc)
			rc = BT(&w->mb, m->to == NEVER ? NULL : who);
	}
	return rc;
}

static const char *att_note(struct sx *x, int status)
{
	static const char *const late[] = {"Bus was late", "Arrived 15 minutes late (childcare)",
					   "Arrived 10 minutes late from work"};
	static const char *const left[] = {"Left early for a medical appointment", "Left 20 minutes early (childcare)"};
	static const char *const excused[] = {"Called ahead: sick child", "Court date", "Medical appointment",
					      "Called ahead: no ride today"};
	switch (status) {
	case A_LATE: return PICK(&x->r, late);
	case A_LEFT: return PICK(&x->r, left);
	case A_EXCUSED: return PICK(&x->r, excused);
	case A_UNEXCUSED: return "No call, no show; outreach call made, voicemail left";
	default: return NULL;
	}
}

/* A session's row, sent with the next batch (its id is read back later:
 * a clinician has one session at a given start). */
static enum tdm_status write_session(struct sx *x, struct wr *w, int i)
{
	struct db *db = x->db;
	struct tdm_err *err = x->err;
	struct sess *s = &x->s[i];
	char from[INSTANT_LEN], to[INSTANT_LEN];
	instant_format(s->t0, from);
	instant_format(s->t1, to);
	if (s->series >= 0) /* the series' creation (its first session less five days) */
		rec(x->c, x->series_first[s->series] - 5, 9 * 60 + 30, s->created);
	else
		rec(x->c, s->day - range(&x->r, 2, 14), range(&x->r, 9 * 60, 17 * 60), s->created);
	enum tdm_status rc = BI(&w->se, x->t->site_id);
	if (!rc)
		rc = s->series >= 0 ? BI(&w->se, x->series_id[s->series]) : BN(&w->se);
	if (!rc)
		rc = BT(&w->se, session_kinds[s->kind]);
	if (!rc)
		rc = BT(&w->se, s->modality);
	if (!rc)
		rc = BT(&w->se, s->title);
	if (!rc)
		rc = BI(&w->se, x->t->staff_id[s->clin]);
	if (!rc)
		rc = BT(&w->se, s->room >= 0 ? room_names[s->room] : NULL);
	if (!rc)
		rc = BI(&w->se, s->room < 0);
	if (!rc)
		rc = BT(&w->se, from);
	if (!rc)
		rc = BT(&w->se, to);
	if (!rc)
		rc = BI(&w->se, s->minutes);
	if (!rc)
		rc = BT(&w->se, s->created);
	if (!rc)
		rc = BT(&w->se, staff_def[s->clin].username);
	x->t->k.sessions += !rc;
	x->t->k.group_sessions += !rc && s->kind == S_GROUP;
	x->t->k.family_sessions += !rc && s->kind == S_FAMILY;
	return rc;
}

static int staff_index(const struct sx *x, int64_t user_id)
{
	for (int i = 0; i < DEMO_THERAPY_STAFF; i++)
		if (x->t->staff_id[i] == user_id)
			return i;
	return -1;
}

/* Reads back the ids of the rows just written (id > after), sessions by
 * clinician and start, notes by session, note versions by note; order is
 * the order they were written in. */
enum { IDS_SESSION, IDS_NOTE, IDS_VERSION };

static enum tdm_status read_ids(struct sx *x, const int *order, int what, int64_t after, int64_t *note_ids,
			       int64_t *version_ids)
{
	static const char *const sql[] = {
		"SELECT id, clinician_id, starts_at FROM therapy_session WHERE id > ? ORDER BY id",
		"SELECT id, session_id, '' FROM progress_note WHERE id > ? ORDER BY id",
		"SELECT id, note_id, '' FROM progress_note_version WHERE id > ? ORDER BY id",
	};
	struct tdm_err *err = x->err;
	struct stmt *st = db_prepare(x->db, sql[what], err);
	if (!st)
		return err->code;
	db_bind_int(st, 1, after);
	int r, k = 0, lost = 0;
	char at_s[INSTANT_LEN];
	while ((r = db_step(st, err)) == DB_ROW) {
		int64_t id = db_col_int(st, 0), key = db_col_int(st, 1);
		int found = -1;
		if (what == IDS_SESSION) {
			int clin = staff_index(x, key);
			const char *start = db_col_text(st, 2);
			for (int j = 0; j < x->ns && found < 0; j++) {
				int i = order[(k + j) % x->ns]; /* written in this order: usually the next one */
				if (x->s[i].clin != clin || x->s[i].id)
					continue;
				instant_format(x->s[i].t0, at_s);
				if (!strcmp(at_s, start))
					found = (k + j) % x->ns;
			}
			if (found >= 0)
				x->s[order[found]].id = id;
		} else {
			for (int j = 0; j < x->ns && found < 0; j++) {
				int i = order[(k + j) % x->ns];
				if (what == IDS_NOTE ? x->s[i].id == key && !note_ids[i] : note_ids[i] == key && !version_ids[i])
					found = (k + j) % x->ns;
			}
			if (found >= 0 && what == IDS_NOTE)
				note_ids[order[found]] = id;
			else if (found >= 0)
				version_ids[order[found]] = id;
		}
		lost += found < 0;
		k = found >= 0 ? found + 1 : k;
	}
	db_done(st);
	if (r < 0)
		return err->code;
	return lost ? tdm_fail(err, TDM_EINTERNAL, NULL, "demo: %d rows written could not be found again", lost)
		    : TDM_OK;
}

static enum tdm_status max_id(struct sx *x, const char *sql, int64_t *out)
{
	struct stmt *st = db_prepare(x->db, sql, x->err);
	int found;
	return st ? db_query_int(st, out, &found, x->err) : x->err->code;
}

/* A session's cancellation, participants and attendance (its id known). */
static enum tdm_status write_roster(struct sx *x, struct wr *w, int i)
{
	struct db *db = x->db;
	struct tdm_err *err = x->err;
	struct sess *s = &x->s[i];
	const char *who = staff_def[s->clin].username;
	enum tdm_status rc = TDM_OK;
	if (s->cancelled) {
		char when[INSTANT_LEN];
		rec_t(x->c, s->t0 - 3600 * range(&x->r, 2, 20), when);
		struct stmt *st = db_prepare(db, "INSERT INTO therapy_session_cancel(session_id, reason, cancelled_at,"
					     " cancelled_by) VALUES (?,?,?,?)", err);
		if (!st)
			return err->code;
		db_bind_int(st, 1, s->id);
		db_bind_text(st, 2, cancel_reasons[s->cancelled]);
		db_bind_text(st, 3, when);
		db_bind_text(st, 4, who);
		rc = db_run(st, err);
		x->t->k.cancelled += !rc;
	}
	for (int k = 0; !rc && k < s->n; k++) {
		const struct part *q = &x->pp[s->first + k];
		const struct tpat *p = &x->t->pat[q->pt];
		char added[INSTANT_LEN];
		snprintf(added, sizeof added, "%s", s->created);
		if (s->series >= 0)
			for (int m = 0; m < x->nm; m++)
				if (x->m[m].series == s->series && x->m[m].pt == q->pt && x->m[m].from <= s->day &&
				    (x->m[m].to == NEVER || x->m[m].to > s->day)) {
					char joined[INSTANT_LEN];
					rec(x->c, x->m[m].from, 8 * 60 + 15, joined);
					if (strcmp(joined, added) > 0)
						snprintf(added, sizeof added, "%s", joined);
				}
		w->n_sessions[q->pt]++;
		rc = BI(&w->sp, s->id);
		if (!rc)
			rc = BI(&w->sp, p->id);
		if (!rc)
			rc = BT(&w->sp, added);
		if (!rc)
			rc = BT(&w->sp, who);
		if (rc || q->status == A_NONE || q->status == A_DEFERRED)
			continue;
		char rt[INSTANT_LEN];
		rec_t(x->c, s->t1 + 60 * range(&x->r, 3, 40), rt);
		rc = BI(&w->at, s->id);
		if (!rc)
			rc = BI(&w->at, p->id);
		if (!rc)
			rc = BT(&w->at, att_names[q->status]);
		if (!rc)
			rc = BT(&w->at, att_note(x, q->status));
		if (!rc)
			rc = BT(&w->at, rt);
		if (!rc)
			rc = BT(&w->at, who);
		x->t->k.attendance += !rc;
	}
	return rc;
}

static enum tdm_status write_parts(struct sx *x, struct wr *w, int64_t vid, int64_t pid, const char *format,
				   const struct ptext *t)
{
	struct db *db = x->db;
	struct tdm_err *err = x->err;
	const char *names[NOTE_MAX_SECTIONS];
	int n = note_sections(format, names);
	enum tdm_status rc = TDM_OK;
	for (int i = 0; !rc && i < n; i++) {
		if (!t->s[i][0])
			continue;
		rc = BI(&w->pt, vid);
		if (!rc)
			rc = pid ? BI(&w->pt, pid) : BN(&w->pt);
		if (!rc)
			rc = BT(&w->pt, names[i]);
		if (!rc)
			rc = BT(&w->pt, t->s[i]);
	}
	return rc;
}

/* One or two of the patient's open plan objectives, for the session's focus. */
static enum tdm_status write_objectives(struct sx *x, struct wr *w, int64_t vid, const struct sess *s, int pt)
{
	struct db *db = x->db;
	struct tdm_err *err = x->err;
	const struct tpat *p = &x->t->pat[pt];
	if (!p->plan_id || s->day < p->plan_day || !p->n_keys)
		return TDM_OK;
	static const char *const su_work[] = {"relapse_prevention", "motivational_interviewing", "contingency_management",
					      "twelve_step_facilitation"};
	int su = 0;
	for (int i = 0; i < COUNT_OF(su_work); i++)
		su |= !strcmp(s->modality, su_work[i]);
	int picked[2], n = 0, k0 = below(&x->r, p->n_keys), want = range(&x->r, 1, 2);
	for (int pass = 0; pass < 2 && n < want; pass++)
		for (int j = 0; j < p->n_keys && n < want; j++) {
			int k = (k0 + j) % p->n_keys;
			if ((pass || p->key_su[k] == su) && !(n && picked[0] == k))
				picked[n++] = k;
		}
	enum tdm_status rc = TDM_OK;
	for (int i = 0; !rc && i < n; i++) {
		rc = BI(&w->no, vid);
		if (!rc)
			rc = BI(&w->no, p->id);
		if (!rc)
			rc = BI(&w->no, p->plan_id);
		if (!rc)
			rc = BT(&w->no, p->keys[picked[i]]);
	}
	return rc;
}

static enum tdm_status sign_row(struct sx *x, struct wr *w, int64_t note_id, int64_t vid, const char *kind, int clin,
				time_t when, int64_t cosigner)
{
	struct db *db = x->db;
	struct tdm_err *err = x->err;
	char t[INSTANT_LEN];
	rec_t(x->c, when, t);
	enum tdm_status rc = BI(&w->ns, note_id);
	if (!rc)
		rc = BI(&w->ns, vid);
	if (!rc)
		rc = BT(&w->ns, kind);
	if (!rc)
		rc = BI(&w->ns, x->t->staff_id[clin]);
	if (!rc)
		rc = BT(&w->ns, staff_def[clin].username);
	if (!rc)
		rc = BT(&w->ns, t);
	if (!rc)
		rc = cosigner ? BI(&w->ns, cosigner) : BN(&w->ns);
	return rc;
}

/* A note's row, then (its id known) its first version's row. */
static enum tdm_status write_note_row(struct sx *x, struct wr *w, int i, int64_t note_id)
{
	struct db *db = x->db;
	struct tdm_err *err = x->err;
	const struct sess *s = &x->s[i];
	const struct nplan *n = &x->notes[i];
	char created[INSTANT_LEN];
	rec_t(x->c, n->created, created);
	enum tdm_status rc;
	if (!note_id) {
		rc = BI(&w->pn, s->id);
		if (!rc)
			rc = BI(&w->pn, x->t->site_id);
		if (!rc)
			rc = BI(&w->pn, x->t->staff_id[s->clin]);
		if (!rc)
			rc = BT(&w->pn, staff_def[s->clin].username);
		if (!rc)
			rc = BT(&w->pn, created);
		return rc;
	}
	rc = BI(&w->pv, note_id);
	if (!rc)
		rc = BT(&w->pv, n->format);
	if (!rc)
		rc = BT(&w->pv, created);
	if (!rc)
		rc = BT(&w->pv, staff_def[s->clin].username);
	return rc;
}

/* The content of a note: charts, parts, objectives and signatures. */
static enum tdm_status write_note(struct sx *x, struct wr *w, int i, int64_t note_id, int64_t vid)
{
	struct db *db = x->db;
	struct tdm_err *err = x->err;
	const struct sess *s = &x->s[i];
	const struct nplan *n = &x->notes[i];
	enum tdm_status rc = TDM_OK;
	x->t->k.notes++;
	struct ptext text;
	if (s->kind == S_GROUP) {
		group_shared(x, s, n->format, attendees(x, s), &text);
		rc = write_parts(x, w, vid, 0, n->format, &text);
	}
	for (int k = 0; !rc && k < s->n; k++) {
		const struct part *q = &x->pp[s->first + k];
		if (!attended(q->status))
			continue;
		int64_t pid = x->t->pat[q->pt].id;
		w->n_notes[q->pt]++;
		rc = BI(&w->np, vid);
		if (!rc)
			rc = BI(&w->np, pid);
		/* A group attendee's own part; an individual session's text is
		 * the shared part, the patient's part naming the objectives
		 * only (as the web app writes them). */
		own_part(x, s, q->pt, q->status, n->format, &text);
		if (!rc)
			rc = write_parts(x, w, vid, s->kind == S_GROUP ? pid : 0, n->format, &text);
		if (!rc)
			rc = write_objectives(x, w, vid, s, q->pt);
	}
	if (!rc && n->state == N_SIGNED) {
		int sup = s->clin == SUPERVISED;
		rc = sign_row(x, w, note_id, vid, "author", s->clin, n->signed_at, sup ? x->t->staff_id[SUPERVISOR] : 0);
		if (!rc && sup && n->cosigned)
			rc = sign_row(x, w, note_id, vid, "cosign", SUPERVISOR, n->cosigned, 0);
		x->t->k.notes_signed += !rc;
		x->t->k.awaiting_cosign += !rc && sup && !n->cosigned;
	}
	x->t->k.drafts += !rc && n->state == N_DRAFT;
	return rc;
}

/* Two addenda (one for a single chart of a group note) and one
 * psychotherapy note, on notes and sessions a week or more old. */
static enum tdm_status write_extras(struct sx *x, const int64_t *note_ids)
{
	struct db *db = x->db;
	struct tdm_err *err = x->err;
	enum tdm_status rc = TDM_OK;
	int group = -1, indiv = -1, psy = -1;
	for (int i = 0; i < x->ns; i++) {
		const struct sess *s = &x->s[i];
		int old = s->day <= -7 && x->notes[i].state == N_SIGNED && note_ids[i];
		if (old && group < 0 && s->kind == S_GROUP && s->clin != SUPERVISED)
			group = i;
		if (old && indiv < 0 && s->kind == S_INDIVIDUAL && s->clin == 1)
			indiv = i;
	}
	for (int pass = 0; pass < 2 && psy < 0; pass++)
		for (int i = 0; i < x->ns && psy < 0; i++) {
			const struct sess *s = &x->s[i];
			if (s->kind == S_INDIVIDUAL && s->clin == SUPERVISOR && s->day <= -7 && !s->cancelled &&
			    attendees(x, s) && (pass || (x->t->pat[x->pp[s->first].pt].kinds & KB(K_PTSD))))
				psy = i;
		}
	for (int k = 0; !rc && k < 2; k++) {
		int i = k ? indiv : group;
		if (i < 0)
			continue;
		const struct sess *s = &x->s[i];
		int64_t pid = 0;
		for (int j = 0; k == 0 && j < s->n && !pid; j++)
			if (attended(x->pp[s->first + j].status))
				pid = x->t->pat[x->pp[s->first + j].pt].id;
		char when[INSTANT_LEN];
		rec_t(x->c, x->notes[i].signed_at + 3600 * range(&x->r, 20, 50), when);
		struct stmt *st = db_prepare(db,
			"INSERT INTO progress_note_addendum(note_id, patient_id, body, author_id, author, signed_at)"
			" VALUES (?,?,?,?,?,?)", err);
		if (!st)
			return err->code;
		db_bind_int(st, 1, note_ids[i]);
		if (pid)
			db_bind_int(st, 2, pid);
		else
			db_bind_null(st, 2);
		db_bind_text(st, 3, k ? "Collateral call with the patient's sister after the session, with the patient's"
					" consent: she confirms the patient has been going to meetings and sleeping better."
				      : "Late entry: after group the patient said they had had passing thoughts of not"
					" wanting to wake up. Safety plan reviewed with the patient; no intent or plan;"
					" primary clinician told the same day.");
		db_bind_int(st, 4, x->t->staff_id[s->clin]);
		db_bind_text(st, 5, staff_def[s->clin].username);
		db_bind_text(st, 6, when);
		rc = db_run(st, err);
		x->t->k.addenda += !rc;
	}
	if (!rc && psy >= 0) {
		const struct sess *s = &x->s[psy];
		char when[INSTANT_LEN];
		rec_t(x->c, s->t1 + 40 * 60, when);
		struct stmt *st = db_prepare(db,
			"INSERT INTO psychotherapy_note(patient_id, site_id, session_id, author_id, author, body, created_at)"
			" VALUES (?,?,?,?,?,?,?)", err);
		if (!st)
			return err->code;
		db_bind_int(st, 1, x->t->pat[x->pp[s->first].pt].id);
		db_bind_int(st, 2, x->t->site_id);
		db_bind_int(st, 3, s->id);
		db_bind_int(st, 4, x->t->staff_id[SUPERVISOR]);
		db_bind_text(st, 5, staff_def[SUPERVISOR].username);
		db_bind_text(st, 6, "Process notes for my own use: the patient came close to talking about the worst"
				    " night for the first time, then changed the subject. I noticed wanting to rescue and"
				    " hurry; hypothesis: shame more than fear keeps the drinking going. Go slowly; ask"
				    " about the sister next time.");
		db_bind_text(st, 7, when);
		rc = db_run(st, err);
		x->t->k.psychotherapy_notes += !rc;
	}
	return rc;
}

/* ---- sessions: entry point ---- */

static enum tdm_status flush_all(struct db *db, struct wr *w, struct tdm_err *err)
{
	struct batch *b[] = {&w->se, &w->pn, &w->pv, &w->mb, &w->sp, &w->at, &w->np, &w->pt, &w->no, &w->ns};
	enum tdm_status rc = TDM_OK;
	for (int i = 0; i < COUNT_OF(b); i++) {
		if (!rc && b[i]->n)
			rc = batch_flush(db, b[i], err);
		batch_clear(b[i]);
	}
	return rc;
}

static enum tdm_status write_all(struct sx *x, struct wr *w)
{
	struct db *db = x->db;
	struct tdm_err *err = x->err;
	int *order = NULL;
	size_t n = (size_t)(x->ns ? x->ns : 1);
	int64_t *note_ids = calloc(n, sizeof *note_ids), *version_ids = calloc(n, sizeof *version_ids);
	int64_t after_s = 0, after_n = 0, after_v = 0;
	enum tdm_status rc = TDM_OK;
	if (!note_ids || !version_ids || sorted(x, 0, &order))
		rc = tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	if (!rc)
		rc = write_series(x, w);
	/* Sessions oldest first, then their rosters and attendance. */
	if (!rc)
		rc = max_id(x, "SELECT COALESCE(MAX(id), 0) FROM therapy_session", &after_s);
	for (int k = 0; !rc && k < x->ns; k++)
		rc = write_session(x, w, order[k]);
	if (!rc && w->se.n)
		rc = batch_flush(db, &w->se, err);
	if (!rc)
		rc = read_ids(x, order, IDS_SESSION, after_s, NULL, NULL);
	for (int k = 0; !rc && k < x->ns; k++)
		rc = write_roster(x, w, order[k]);
	/* Notes in the order they were written: rows, versions, content. */
	if (!rc)
		rc = max_id(x, "SELECT COALESCE(MAX(id), 0) FROM progress_note", &after_n);
	if (!rc)
		rc = max_id(x, "SELECT COALESCE(MAX(id), 0) FROM progress_note_version", &after_v);
	for (int k = 0; !rc && k < x->ns; k++)
		if (x->notes[order[k]].state != N_NONE)
			rc = write_note_row(x, w, order[k], 0);
	if (!rc && w->pn.n)
		rc = batch_flush(db, &w->pn, err);
	if (!rc)
		rc = read_ids(x, order, IDS_NOTE, after_n, note_ids, NULL);
	for (int k = 0; !rc && k < x->ns; k++)
		if (x->notes[order[k]].state != N_NONE)
			rc = write_note_row(x, w, order[k], note_ids[order[k]]);
	if (!rc && w->pv.n)
		rc = batch_flush(db, &w->pv, err);
	if (!rc)
		rc = read_ids(x, order, IDS_VERSION, after_v, note_ids, version_ids);
	for (int k = 0; !rc && k < x->ns; k++)
		if (x->notes[order[k]].state != N_NONE)
			rc = write_note(x, w, order[k], note_ids[order[k]], version_ids[order[k]]);
	if (!rc)
		rc = flush_all(db, w, err);
	if (!rc)
		rc = write_extras(x, note_ids);
	for (int pt = 0; !rc && pt < x->t->n; pt++) {
		if (!w->n_sessions[pt])
			continue;
		const struct tpat *p = &x->t->pat[pt];
		struct audit_event ev = {.action = "demo.sessions", .object_type = "TherapySession",
					 .site_id = p->site_id, .patient_id = p->id};
		snprintf(ev.detail, sizeof ev.detail, "synthetic demo: on %d sessions, %d progress notes on the chart",
			 w->n_sessions[pt], w->n_notes[pt]);
		rc = audit_append(db, x->a, &ev, err);
	}
	free(order);
	free(note_ids);
	free(version_ids);
	return rc;
}

/* The last missed session of the alert's patient, through the session
 * module: the alert is raised and addressed as it would be. */
static enum tdm_status record_deferred(struct sx *x)
{
	if (x->alert_pt < 0 || x->alert_part < 0)
		return TDM_OK;
	const struct part *q = &x->pp[x->alert_part];
	if (q->status != A_DEFERRED)
		return TDM_OK;
	struct attendance_result *res = malloc(sizeof *res);
	if (!res)
		return tdm_fail(x->err, TDM_ENOMEM, NULL, "out of memory");
	enum tdm_status rc = attendance_record(x->db, x->a, x->s[q->sess].id, x->t->pat[q->pt].id, "absent_unexcused",
					       "No call, no show; outreach call made, voicemail left", res, x->err);
	if (!rc) {
		x->t->k.attendance++;
		x->t->k.absence_alerts += res->alert_id != 0;
	}
	free(res);
	return rc;
}

enum tdm_status demo_therapy_sessions(struct demo_therapy *t, struct db *db, const struct actor *a,
				      struct tdm_err *err)
{
	if (!t->n)
		return TDM_OK;
	struct sx *x = calloc(1, sizeof *x);
	struct wr *w = calloc(1, sizeof *w);
	if (!x || !w) {
		free(x);
		free(w);
		return tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	}
	struct demo_therapy_counts before = t->k;
	x->t = t;
	x->db = db;
	x->a = a;
	x->err = err;
	x->c = &t->c;
	x->r.s = t->seed ^ 0x7e57ab1e5e55105ULL;
	x->alert_pt = x->alert_part = -1;
	for (int i = 0; i < R_N; i++)
		x->room_ok[i] = therapy_room_known(t->site_code, room_names[i]);
	x->busy_p = calloc((size_t)t->n * NDAYS, sizeof *x->busy_p);
	w->n_sessions = calloc((size_t)t->n, sizeof *w->n_sessions);
	w->n_notes = calloc((size_t)t->n, sizeof *w->n_notes);
	enum tdm_status rc = x->busy_p && w->n_sessions && w->n_notes ? TDM_OK
				: tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	for (int i = 0; !rc && i < N_SERIES; i++)
		if (plan_series(x, i))
			rc = tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	for (int i = 0; !rc && i < t->n; i++)
		if (plan_individual(x, i))
			rc = tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	if (!rc) {
		plan_cancellations(x);
		if (plan_attendance(x) || !(x->notes = calloc((size_t)(x->ns ? x->ns : 1), sizeof *x->notes)))
			rc = tdm_fail(err, TDM_ENOMEM, NULL, "out of memory");
	}
	if (!rc)
		plan_notes(x);
	BATCH(&w->se, SE_HEAD, SE_ROW, R4(SE_ROW), 13, 4);
	BATCH(&w->pn, PN_HEAD, PN_ROW, R8(PN_ROW) "," R4(PN_ROW), 5, 12);
	BATCH(&w->pv, NV_HEAD, NV_ROW, R8(NV_ROW) "," R8(NV_ROW), 4, 16);
	BATCH(&w->sp, SP_HEAD, SP_ROW, R8(SP_ROW) "," R8(SP_ROW), 4, 16);
	BATCH(&w->at, AT_HEAD, AT_ROW, R8(AT_ROW) "," R2(AT_ROW), 6, 10);
	BATCH(&w->np, NP_HEAD, NP_ROW, R8(NP_ROW) "," R8(NP_ROW) "," R8(NP_ROW) "," R8(NP_ROW), 2, 32);
	BATCH(&w->pt, PT_HEAD, PT_ROW, R8(PT_ROW) "," R8(PT_ROW), 4, 16);
	BATCH(&w->no, NO_HEAD, NO_ROW, R8(NO_ROW) "," R8(NO_ROW), 4, 16);
	BATCH(&w->ns, NS_HEAD, NS_ROW, R8(NS_ROW) "," NS_ROW, 7, 9);
	BATCH(&w->mb, MB_HEAD, MB_ROW, R8(MB_ROW) "," R2(MB_ROW), 6, 10);
	if (!rc && !(rc = db_begin(db, DB_WRITE, err))) {
		rc = write_all(x, w);
		if (!rc)
			rc = db_commit(db, err);
		if (rc)
			db_rollback(db);
	}
	struct batch *b[] = {&w->se, &w->pn, &w->pv, &w->mb, &w->sp, &w->at, &w->np, &w->pt, &w->no, &w->ns};
	for (int i = 0; i < COUNT_OF(b); i++)
		batch_clear(b[i]); /* what a failure left */
	if (!rc)
		rc = record_deferred(x);
	if (rc)
		t->k = before;
	free(x->busy_p);
	free(x->s);
	free(x->pp);
	free(x->m);
	free(x->notes);
	free(w->n_sessions);
	free(w->n_notes);
	free(x);
	free(w);
	return rc;
}
