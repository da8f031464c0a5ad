/*
 * demo_measures.h - score histories for the synthetic demo cohort: PHQ-9 and
 * GAD-7 every two weeks through care (some patients respond, some remit,
 * some do not), withdrawal scores in detox, schedules, and a few item-9
 * alerts (older ones acknowledged, recent ones left open for the inbox).
 */
#ifndef TDM_DEMO_MEASURES_H
#define TDM_DEMO_MEASURES_H

#include <stdint.h>

#include "domain/access.h"
#include "store/store.h"

struct demo_measure_plan {
	int64_t patient_id;
	int depression, anxiety;      /* has an active depressive / anxiety diagnosis */
	int alcohol, opioid;          /* primary substance */
	int in_care;                  /* an open episode */
	const char *level;            /* current level id when in care */
	int care_start;               /* day offset (<= 0) of the last admission */
	int care_end;                 /* day offset of its end (0 when open) */
	int level_start;              /* day offset of the current placement */
};

struct demo_measure_counts {
	int assessments, alerts_open, alerts_acked, schedules;
};

enum tdm_status demo_measures(struct db *db, const struct actor *a,
			      const struct demo_measure_plan *p, uint64_t seed,
			      struct demo_measure_counts *counts, struct tdm_err *err);

#endif
