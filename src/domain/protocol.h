/*
 * protocol.h - symptom-triggered withdrawal protocols (data/protocols.conf):
 * a score range of an instrument -> the step the site's protocol orders and
 * the time to reassess. Tandem suggests; a clinician decides and records.
 */
#ifndef TDM_PROTOCOL_H
#define TDM_PROTOCOL_H

#include "util/status.h"

#define PROTOCOL_MAX 8
#define PROTOCOL_MAX_STEPS 8

struct protocol_step {
	int min, max;
	char action[256];
	int reassess_minutes;
	char source[256];
};

struct protocol {
	char instrument[17];
	char name[120];
	int n_steps;
	struct protocol_step steps[PROTOCOL_MAX_STEPS];
};

enum tdm_status protocol_load(const char *dir, struct tdm_err *err);
/* The protocol that follows an instrument, or NULL. */
const struct protocol *protocol_for(const char *instrument);
/* The step for a total, or NULL when no range holds it. */
const struct protocol_step *protocol_step(const struct protocol *p, int total);

#endif
