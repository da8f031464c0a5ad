#include "domain/level.h"
#include "util/conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct level levels[LEVEL_MAX];
static int n_levels;
static char list_text[256];

static struct level *get_or_add(const char *id)
{
	for (int i = 0; i < n_levels; i++)
		if (!strcmp(levels[i].id, id))
			return &levels[i];
	if (n_levels == LEVEL_MAX || strlen(id) >= sizeof levels[0].id)
		return NULL;
	struct level *l = &levels[n_levels++];
	memset(l, 0, sizeof *l);
	snprintf(l->id, sizeof l->id, "%s", id);
	return l;
}

static int split_asam(struct level *l, const char *v)
{
	char tmp[256];
	snprintf(tmp, sizeof tmp, "%s", v);
	l->n_asam = 0;
	char *save = NULL;
	for (char *t = strtok_r(tmp, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		if (l->n_asam == LEVEL_MAX_ASAM || strlen(t) >= sizeof l->asam[0])
			return -1;
		snprintf(l->asam[l->n_asam++], sizeof l->asam[0], "%s", t);
	}
	return l->n_asam ? 0 : -1;
}

static int by_order(const void *a, const void *b)
{
	return ((const struct level *)a)->order - ((const struct level *)b)->order;
}

enum tdm_status level_load(const char *dir, struct tdm_err *err)
{
	char path[512];
	struct conf c;
	enum tdm_status rc;
	n_levels = 0;
	snprintf(path, sizeof path, "%s/levels.conf", dir);
	if ((rc = conf_load(&c, path, err)))
		return rc;
	for (int i = 0; i < c.n && !rc; i++) {
		struct conf_entry *e = &c.e[i];
		struct level *l = e->section[0] ? get_or_add(e->section) : NULL;
		int bad = !l;
		if (!bad && !strcmp(e->key, "label"))
			snprintf(l->label, sizeof l->label, "%s", e->value);
		else if (!bad && !strcmp(e->key, "asam"))
			bad = split_asam(l, e->value);
		else if (!bad && !strcmp(e->key, "default"))
			snprintf(l->asam_default, sizeof l->asam_default, "%s", e->value);
		else if (!bad && !strcmp(e->key, "order")) {
			char *end;
			long v = strtol(e->value, &end, 10);
			bad = end == e->value || *end || v < 0 || v > 1000;
			l->order = (int)v;
		}
		else
			bad = 1;
		if (bad)
			rc = tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: bad entry '%s'", path, e->line, e->key);
	}
	conf_release(&c);
	for (int i = 0; !rc && i < n_levels; i++) {
		struct level *l = &levels[i];
		char tmp[12];
		if (!l->n_asam || !l->label[0] || level_asam(l, l->asam_default, tmp, err))
			rc = tdm_fail(err, TDM_EINVAL, NULL,
				      "%s: level '%s' needs label, asam and a default among its asam levels",
				      path, l->id);
	}
	if (rc)
		return rc;
	qsort(levels, (size_t)n_levels, sizeof levels[0], by_order);
	list_text[0] = '\0';
	for (int i = 0; i < n_levels; i++) {
		size_t used = strlen(list_text);
		snprintf(list_text + used, sizeof list_text - used, "%s%s", i ? ", " : "", levels[i].id);
	}
	return TDM_OK;
}

const struct level *level_find(const char *id)
{
	for (int i = 0; id && i < n_levels; i++)
		if (!strcmp(levels[i].id, id))
			return &levels[i];
	return NULL;
}

int level_count(void)
{
	return n_levels;
}

const struct level *level_at(int i)
{
	return i >= 0 && i < n_levels ? &levels[i] : NULL;
}

enum tdm_status level_asam(const struct level *l, const char *asam, char out[12],
			   struct tdm_err *err)
{
	if (!asam || !*asam)
		asam = l->asam_default;
	for (int i = 0; i < l->n_asam; i++) {
		if (!strcmp(l->asam[i], asam)) {
			snprintf(out, 12, "%s", asam);
			return TDM_OK;
		}
	}
	return tdm_fail(err, TDM_EINVAL, "asam_level", "ASAM level '%.12s' does not belong to %s",
			asam, l->id);
}

const char *level_list_text(void)
{
	return list_text;
}
