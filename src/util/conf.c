#include "util/conf.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

enum tdm_status conf_load(struct conf *c, const char *path, struct tdm_err *err)
{
	memset(c, 0, sizeof *c);
	snprintf(c->path, sizeof c->path, "%s", path);
	FILE *f = fopen(path, "r");
	if (!f)
		return tdm_fail(err, TDM_EIO, NULL, "cannot open %s", path);
	char line[512], section[48] = "";
	int lineno = 0, cap = 0;
	enum tdm_status rc = TDM_OK;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			rc = tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: line too long", path, lineno);
			break;
		}
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');
			if (!end || end[1] || end - s - 1 >= (long)sizeof section) {
				rc = tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: bad section header", path, lineno);
				break;
			}
			*end = '\0';
			snprintf(section, sizeof section, "%s", trim(s + 1));
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			rc = tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: expected key = value", path, lineno);
			break;
		}
		*eq = '\0';
		char *k = trim(s), *v = trim(eq + 1);
		if (!*k || strlen(k) >= 48 || strlen(v) >= 256) {
			rc = tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: key or value too long or empty", path, lineno);
			break;
		}
		if (c->n == cap) {
			cap = cap ? cap * 2 : 32;
			struct conf_entry *ne = realloc(c->e, (size_t)cap * sizeof *ne);
			if (!ne) {
				rc = tdm_fail(err, TDM_ENOMEM, NULL, "out of memory reading %s", path);
				break;
			}
			c->e = ne;
		}
		struct conf_entry *e = &c->e[c->n++];
		snprintf(e->section, sizeof e->section, "%s", section);
		snprintf(e->key, sizeof e->key, "%s", k);
		snprintf(e->value, sizeof e->value, "%s", v);
		e->line = lineno;
	}
	fclose(f);
	if (rc)
		conf_release(c);
	return rc;
}

void conf_release(struct conf *c)
{
	free(c->e);
	c->e = NULL;
	c->n = 0;
}

const char *conf_get(const struct conf *c, const char *section, const char *key)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->e[i].section, section) && !strcmp(c->e[i].key, key))
			return c->e[i].value;
	return NULL;
}

int conf_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	if (end == s || *end || errno || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

int conf_double(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	while (*end == ' ' || *end == '\t')
		end++;
	if (end == s || *end || errno || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}
