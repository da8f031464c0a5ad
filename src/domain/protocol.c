#include "domain/protocol.h"
#include "domain/instrument.h"
#include "util/conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static struct protocol protocols[PROTOCOL_MAX];
static int n_protocols;

static struct protocol *get(const char *instrument)
{
	for (int i = 0; i < n_protocols; i++)
		if (!strcmp(protocols[i].instrument, instrument))
			return &protocols[i];
	if (n_protocols == PROTOCOL_MAX || strlen(instrument) >= sizeof protocols[0].instrument)
		return NULL;
	struct protocol *p = &protocols[n_protocols++];
	memset(p, 0, sizeof *p);
	snprintf(p->instrument, sizeof p->instrument, "%s", instrument);
	return p;
}

/* "MIN-MAX", both whole numbers, nothing else. */
static int parse_range(const char *v, int *lo, int *hi)
{
	char *end, *end2;
	long a = strtol(v, &end, 10);
	if (end == v || *end != '-')
		return -1;
	long b = strtol(end + 1, &end2, 10);
	if (end2 == end + 1 || *end2 || a < -1000 || b > 1000)
		return -1;
	*lo = (int)a;
	*hi = (int)b;
	return 0;
}

/* "step.N.field" -> N (1-based) and the field. */
static int step_key(const char *key, int *n, const char **field)
{
	if (strncmp(key, "step.", 5))
		return -1;
	char *end;
	long v = strtol(key + 5, &end, 10);
	if (end == key + 5 || *end != '.' || v < 1 || v > PROTOCOL_MAX_STEPS)
		return -1;
	*n = (int)v;
	*field = end + 1;
	return 0;
}

static enum tdm_status check(const struct protocol *p, const char *path, struct tdm_err *err)
{
	const struct instrument *in = instrument_find(p->instrument);
	if (!in)
		return tdm_fail(err, TDM_EINVAL, NULL, "%s: [%s] names no loaded instrument", path, p->instrument);
	int expect = in->min_total;
	for (int i = 0; i < p->n_steps; i++) {
		const struct protocol_step *s = &p->steps[i];
		if (s->min != expect || s->max < s->min || !s->action[0] || s->reassess_minutes < 1 ||
		    !s->source[0])
			return tdm_fail(err, TDM_EINVAL, NULL,
					"%s: [%s] step %d must start at %d and have range, action, "
					"reassess_minutes and source", path, p->instrument, i + 1, expect);
		expect = s->max + 1;
	}
	if (expect != in->max_total + 1)
		return tdm_fail(err, TDM_EINVAL, NULL, "%s: [%s] steps must cover totals %d to %d", path,
				p->instrument, in->min_total, in->max_total);
	return TDM_OK;
}

enum tdm_status protocol_load(const char *dir, struct tdm_err *err)
{
	char path[512];
	struct conf c;
	snprintf(path, sizeof path, "%s/protocols.conf", dir);
	n_protocols = 0;
	enum tdm_status rc = conf_load(&c, path, err);
	if (rc)
		return rc;
	for (int i = 0; i < c.n && !rc; i++) {
		struct conf_entry *e = &c.e[i];
		struct protocol *p = e->section[0] ? get(e->section) : NULL;
		int n;
		const char *field;
		int bad = !p;
		if (!bad && !strcmp(e->key, "name")) {
			snprintf(p->name, sizeof p->name, "%s", e->value);
		} else if (!bad && !step_key(e->key, &n, &field)) {
			struct protocol_step *s = &p->steps[n - 1];
			if (n > p->n_steps)
				p->n_steps = n;
			if (!strcmp(field, "range"))
				bad = parse_range(e->value, &s->min, &s->max);
			else if (!strcmp(field, "action"))
				snprintf(s->action, sizeof s->action, "%s", e->value);
			else if (!strcmp(field, "reassess_minutes"))
				bad = conf_int(e->value, 1, 7 * 24 * 60, &s->reassess_minutes);
			else if (!strcmp(field, "source"))
				snprintf(s->source, sizeof s->source, "%s", e->value);
			else
				bad = 1;
		} else {
			bad = 1;
		}
		if (bad)
			rc = tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: bad entry '%s'", path, e->line, e->key);
	}
	conf_release(&c);
	for (int i = 0; !rc && i < n_protocols; i++)
		rc = check(&protocols[i], path, err);
	return rc;
}

const struct protocol *protocol_for(const char *instrument)
{
	for (int i = 0; instrument && i < n_protocols; i++)
		if (!strcasecmp(protocols[i].instrument, instrument))
			return &protocols[i];
	return NULL;
}

const struct protocol_step *protocol_step(const struct protocol *p, int total)
{
	for (int i = 0; p && i < p->n_steps; i++)
		if (total >= p->steps[i].min && total <= p->steps[i].max)
			return &p->steps[i];
	return NULL;
}
