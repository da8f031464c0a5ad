/*
 * demo_meds.h - medication histories for the synthetic demo cohort.
 *
 * Opioid-treatment-program patients get methadone (most) or buprenorphine
 * from the day their OTP care began (at most DEMO_MEDS_HISTORY days back):
 * induction, titration (a titration plan or dose changes every few days) to
 * a maintenance dose, a dose every day up to yesterday with some misses,
 * holds and refusals (a missed run of the configured length is followed by
 * a prescriber's reassessment, except for one patient whose run is still
 * open today), clinic-closure doses, take-home decisions, education,
 * dispenses and returned bottles for stable patients (a rare bottle missing,
 * with a diversion note), drug screens and ECGs. Other patients get what
 * their diagnoses call for, over the last DEMO_MEDS_OTHER_HISTORY days of
 * their current or last episode: withdrawal tapers in detox, naltrexone after
 * opioid detox, naltrexone, acamprosate or disulfiram for alcohol, SSRIs,
 * lithium with levels, quetiapine; with the labs and screens the monitoring
 * schedule reads. Doses on residential and detox days are given by nurses;
 * outpatients collect supplies (take-home dispenses without bottles to
 * return).
 *
 * Rows are written directly (not through the ordering rules: the history is
 * already decided), one transaction and one audit row per patient.
 * Deterministic for a seed; nothing before an order's start or after its
 * discontinuation, no dose above the ordered dose of its day, take-home
 * supplies within the time-in-treatment ceilings.
 */
#ifndef TDM_DEMO_MEDS_H
#define TDM_DEMO_MEDS_H

#include <stdint.h>

#include "domain/access.h"
#include "store/store.h"

#define DEMO_MEDS_HISTORY 912  /* days: about 2.5 years (opioid treatment program courses) */
#define DEMO_MEDS_OTHER_HISTORY 365 /* days: other medications */
#define DEMO_MEDS_EPISODES 3
#define DEMO_MEDS_STEPS 14

struct demo_med_episode {
	int start;                      /* day offset (<= 0) of the admission */
	int end;                        /* discharge day offset; 0 when open */
	int open;
	const char *discharge_reason;   /* "completed", "lost_to_follow_up", ... when closed */
	int n;                          /* placements */
	const char *level[DEMO_MEDS_STEPS];
	int level_start[DEMO_MEDS_STEPS];
};

struct demo_med_plan {
	int64_t patient_id;
	int otp;                        /* opioid treatment program patient */
	int opioid, alcohol;            /* primary substance (OTP patients: opioid) */
	int depression, anxiety;        /* depressive; anxiety or PTSD diagnosis */
	int bipolar, psychosis;
	int n_ep;
	struct demo_med_episode ep[DEMO_MEDS_EPISODES]; /* oldest first */
};

/* Counts of what was written, summed over patients. The last group is
 * cohort-wide state: the features the demo shows once are given to the
 * first patient that fits. */
struct demo_med_counts {
	int orders, events, titrations, administrations, dispenses, returns, decisions, results, diversions;
	int reassess_open, qtc_high, lithium_overdue, missing_bottle, held_now, crcl_low, lft_high;
};

enum tdm_status demo_meds(struct db *db, const struct actor *a, const struct demo_med_plan *p,
			  uint64_t seed, struct demo_med_counts *counts, struct tdm_err *err);

#endif
