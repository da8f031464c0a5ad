/*
 * instrument.h - standard instruments as data: loading definitions
 * (docs/instruments.md) and scoring answers. Nothing instrument-specific is
 * written in C.
 */
#ifndef TDM_INSTRUMENT_H
#define TDM_INSTRUMENT_H

#include <stddef.h>

#include "util/status.h"

#define INSTR_MAX_ITEMS 40
#define INSTR_MAX_OPTIONS 12
#define INSTR_MAX_BANDS 10
#define INSTR_MAX_ALERTS 8
#define INSTR_MAX 64          /* instruments loaded at once */
#define INSTR_MISSING (-32768) /* an unanswered item in a values array */

struct instr_option {
	int value;
	char label[120];
	char loinc[16];
};

struct instr_item {
	char id[25];
	char text[400];
	char loinc[16];
	int scored;
	int n_options;              /* 0: a range item */
	struct instr_option options[INSTR_MAX_OPTIONS];
	int min, max;               /* lowest and highest value */
	char low[40], high[40];     /* range anchors, "" for option items */
};

struct instr_band {
	int min, max;
	char label[40];
	char severity[20];
	char interpretation[240];
};

struct instr_alert {
	char id[40];
	char item[25];              /* "" for a total rule */
	int item_min;               /* item rule: value >= item_min */
	int total_min;              /* total rule: total >= total_min */
	char severity[12];          /* critical | high | warn */
	char kind[32];
	char message[240];
	char why[240];
	char source[240];
	unsigned roles;             /* enum role bits who see it */
};

struct instrument {
	char code[17];
	char name[100];
	char version[16];
	char recall[64];
	char stem[400];
	char licence[400];
	char attribution[400];
	char source[300];
	char loinc_panel[16], loinc_total[16];
	int self_report;
	int n_items;
	struct instr_item items[INSTR_MAX_ITEMS];
	int n_scored;
	int min_total, max_total;
	int n_bands;
	struct instr_band bands[INSTR_MAX_BANDS];
	int n_alerts;
	struct instr_alert alerts[INSTR_MAX_ALERTS];
	/* Outcome markers on trends (optional "outcomes"): response is a drop of
	 * response_drop_percent from a baseline of at least baseline_min;
	 * remission a total below remission_below. -1 when not defined. */
	int response_drop_percent, baseline_min, remission_below;
	char outcomes_source[240];
	int prorate;                /* missing rule: 0 refuse, 1 prorate */
	int max_missing;
	int imported;               /* 1: loaded from the database (clinic-supplied) */
};

/* Parses and checks one definition (JSON text). err names origin and the
 * JSON path of the first problem. *out is caller-frees. */
enum tdm_status instrument_parse(const char *json, size_t len, const char *origin,
				 struct instrument **out, struct tdm_err *err);
/* Loads every data/instruments/NAME.json of dir into the registry. */
enum tdm_status instrument_load_dir(const char *dir, struct tdm_err *err);
/* Adds (or replaces, by code) an instrument in the registry; takes ownership. */
enum tdm_status instrument_register(struct instrument *in, struct tdm_err *err);
/* NULL when unknown. Codes compare case-insensitively. */
const struct instrument *instrument_find(const char *code);
int instrument_count(void);
const struct instrument *instrument_at(int i);
/* Index of an item id, or -1. */
int instrument_item_index(const struct instrument *in, const char *id);

struct instr_score {
	int total;
	int prorated;               /* 1 when missing items were prorated */
	int n_missing;
	const struct instr_band *band;
	int n_alerts;
	const struct instr_alert *alerts[INSTR_MAX_ALERTS];
};

/*
 * Scores values[i] for item i (INSTR_MISSING when unanswered; unscored items
 * may be missing freely). TDM_EINVAL naming the item ("items.3") for a value
 * outside its options or range, or listing the missing items when the
 * instrument's missing rule refuses them.
 */
enum tdm_status instrument_score(const struct instrument *in, const int *values,
				 struct instr_score *out, struct tdm_err *err);

#endif
