/*
 * monitoring.h - the monitoring schedule: which results are due for each
 * medication a patient is on (ECG before methadone, within 30 days and
 * yearly; liver tests for naltrexone and disulfiram; lithium levels; ...),
 * counted from each order's start and the latest matching result. The rules
 * are data/monitoring.conf (docs/clinical-rules.md "Monitoring schedule").
 *
 * An order counts until it is discontinued or ends (held and not yet
 * started included: a baseline is due before the start).
 */
#ifndef TDM_MONITORING_H
#define TDM_MONITORING_H

#include <stdint.h>

#include "domain/access.h"
#include "domain/formulary.h"
#include "store/store.h"
#include "util/date.h"
#include "util/limits.h"

#define MONITOR_MAX_RULES 32
#define MONITOR_MAX_CODES 4
#define MONITOR_MAX_ITEMS 5000   /* items in one clinic-wide list */

struct monitor_rule {
	char id[48];                 /* the section name */
	char medication[MED_ID_LEN];
	char kind[8];                /* ecg | lab | uds */
	char codes[MONITOR_MAX_CODES][32]; /* any of them counts; none for uds */
	int n_codes;
	char what[64];
	int baseline;                /* due at or before the start */
	int lookback_days;           /* a baseline this long before the start counts */
	int first_days;              /* first follow-up after the start, 0 none */
	int every_days;              /* then every N days, 0 not repeated */
	int restart_on_change;       /* a dose change restarts the first follow-up */
	char source[256];
};

/* Loads DIR/monitoring.conf; medications must be in the formulary and lab
 * codes in DIR/results.conf. err names file:line. */
enum tdm_status monitoring_load(const char *dir, struct tdm_err *err);
int monitoring_rule_count(void);
const struct monitor_rule *monitoring_rule_at(int i); /* borrowed, NULL out of range */
int monitoring_lead_days(void);

struct monitor_item {
	const struct monitor_rule *rule; /* borrowed from the loaded rules */
	int64_t order_id, patient_id, site_id;
	char anchor_on[DATE_LEN];    /* the order's start, or its latest dose change */
	char due_on[DATE_LEN];       /* "" when nothing more is due */
	char last_done[DATE_LEN];    /* latest matching result, "" when none */
	char stage[12];              /* baseline | first | periodic | done */
	char status[8];              /* due | overdue | ok */
	/* for lists across patients */
	char mrn[TDM_LEN_MRN + 1];
	char family_name[TDM_LEN_NAME + 1];
	char given_name[TDM_LEN_NAME + 1];
};

/*
 * The schedule of one rule (a pure function): anchor is the order's start
 * (or latest dose change), last the day of the latest matching result ("" or
 * NULL when none), today the clinic-local day. Fills due_on, last_done,
 * stage and status of out (other fields untouched).
 */
void monitoring_schedule(const struct monitor_rule *r, const char *anchor, const char *last,
			 const char *today, struct monitor_item *out);

/* Every item for the patient's orders, soonest due first (an audited read,
 * "monitoring.read"). *rows caller-frees. */
enum tdm_status monitoring_patient(struct db *db, const struct actor *a, int64_t patient_id,
				   struct monitor_item **rows, int *n, struct tdm_err *err);

/* Items due or overdue for every patient at the visible sites (site_id 0)
 * or one site, overdue first; one audit row ("monitoring.list"). At most
 * MONITOR_MAX_ITEMS (*truncated = 1 when there were more). *rows
 * caller-frees. */
enum tdm_status monitoring_clinic(struct db *db, const struct actor *a, int64_t site_id,
				  struct monitor_item **rows, int *n, int *truncated,
				  struct tdm_err *err);

#endif
