#include "domain/icd10.h"
#include "store/store.h"
#include "util/conf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RANGES 32

struct range {
	char lo[4], hi[4];
};

static struct {
	char substance[10][16]; /* index = second digit of F1x */
	int have_substance[10];
	struct range mental[MAX_RANGES];
	int n_mental;
	/* the dual-diagnosis rule */
	int count_nicotine, count_use_unspecified, count_in_remission;
	struct range dual_mental[ICD10_DUAL_MAX_RANGES];
	int n_dual_mental;
	char version[32];
	struct {
		char code[ICD10_LEN];
		char title[ICD10_TITLE_LEN];
	} titles[ICD10_MAX_TITLES];
	int n_titles;
} T;

static int parse_range(const char *v, struct range *r)
{
	/* "F20-F48" */
	if (strlen(v) != 7 || v[3] != '-' || v[0] != 'F' || v[4] != 'F' ||
	    !isdigit((unsigned char)v[1]) || !isdigit((unsigned char)v[2]) ||
	    !isdigit((unsigned char)v[5]) || !isdigit((unsigned char)v[6]))
		return -1;
	memcpy(r->lo, v, 3);
	r->lo[3] = '\0';
	memcpy(r->hi, v + 4, 3);
	r->hi[3] = '\0';
	return strcmp(r->lo, r->hi) > 0 ? -1 : 0;
}

static int yesno(const char *v, int *out)
{
	if (v && !strcmp(v, "yes"))
		*out = 1;
	else if (v && !strcmp(v, "no"))
		*out = 0;
	else
		return -1;
	return 0;
}

enum tdm_status icd10_load(const char *dir, struct tdm_err *err)
{
	char path[512];
	struct conf c;
	enum tdm_status rc;
	memset(&T, 0, sizeof T);

	snprintf(path, sizeof path, "%s/icd10-categories.conf", dir);
	if ((rc = conf_load(&c, path, err)))
		return rc;
	for (int i = 0; i < c.n && !rc; i++) {
		struct conf_entry *e = &c.e[i];
		if (!strcmp(e->section, "substance")) {
			if (strlen(e->key) != 3 || strncmp(e->key, "F1", 2) || !isdigit((unsigned char)e->key[2]))
				rc = tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: substance categories are F10-F19",
					      path, e->line);
			else {
				int d = e->key[2] - '0';
				snprintf(T.substance[d], sizeof T.substance[d], "%s", e->value);
				T.have_substance[d] = 1;
			}
		} else if (!strcmp(e->section, "mental_health") && !strcmp(e->key, "range")) {
			if (T.n_mental == MAX_RANGES || parse_range(e->value, &T.mental[T.n_mental]))
				rc = tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: expected a range like F20-F48",
					      path, e->line);
			else
				T.n_mental++;
		} else {
			rc = tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: unknown entry '%s'", path, e->line, e->key);
		}
	}
	conf_release(&c);
	if (rc)
		return rc;

	snprintf(path, sizeof path, "%s/dual-diagnosis.conf", dir);
	if ((rc = conf_load(&c, path, err)))
		return rc;
	for (int i = 0; i < c.n && !rc; i++) {
		struct conf_entry *e = &c.e[i];
		int bad = 0;
		if (!strcmp(e->key, "count_nicotine"))
			bad = yesno(e->value, &T.count_nicotine);
		else if (!strcmp(e->key, "count_use_unspecified"))
			bad = yesno(e->value, &T.count_use_unspecified);
		else if (!strcmp(e->key, "count_in_remission"))
			bad = yesno(e->value, &T.count_in_remission);
		else if (!strcmp(e->key, "version"))
			snprintf(T.version, sizeof T.version, "%s", e->value);
		else if (!strcmp(e->key, "mental_health")) {
			bad = T.n_dual_mental == ICD10_DUAL_MAX_RANGES ||
			      parse_range(e->value, &T.dual_mental[T.n_dual_mental]);
			if (!bad)
				T.n_dual_mental++;
		} else
			bad = 1;
		if (bad)
			rc = tdm_fail(err, TDM_EINVAL, NULL, "%s:%d: bad entry '%s = %s'", path,
				      e->line, e->key, e->value);
	}
	conf_release(&c);
	if (!rc && !T.n_dual_mental)
		rc = tdm_fail(err, TDM_EINVAL, NULL, "%s: no mental_health ranges", path);
	if (rc)
		return rc;

	snprintf(path, sizeof path, "%s/icd10-titles.conf", dir);
	if ((rc = conf_load(&c, path, err)))
		return rc;
	for (int i = 0; i < c.n && !rc; i++) {
		struct conf_entry *e = &c.e[i];
		struct icd10_class cls;
		struct tdm_err ignore;
		if (T.n_titles == ICD10_MAX_TITLES || strcmp(e->section, "titles") ||
		    icd10_classify(e->key, &cls, &ignore) || strcmp(cls.code, e->key) ||
		    strlen(e->value) >= ICD10_TITLE_LEN)
			rc = tdm_fail(err, TDM_EINVAL, NULL,
				      "%s:%d: '%s' is not a normalised code of a configured category "
				      "with a title under %d characters", path, e->line, e->key,
				      ICD10_TITLE_LEN);
		else {
			snprintf(T.titles[T.n_titles].code, ICD10_LEN, "%s", e->key);
			snprintf(T.titles[T.n_titles].title, ICD10_TITLE_LEN, "%s", e->value);
			T.n_titles++;
		}
	}
	conf_release(&c);
	return rc;
}

void icd10_title(const struct icd10_class *c, char *out, size_t n)
{
	for (int i = 0; i < T.n_titles; i++) {
		if (!strcmp(T.titles[i].code, c->code)) {
			snprintf(out, n, "%s", T.titles[i].title);
			return;
		}
	}
	if (c->category != ICD10_SUBSTANCE_USE) {
		out[0] = '\0';
		return;
	}
	/* Built from the structure: "Opioid dependence, in remission". */
	snprintf(out, n, "%c%s %s%s", c->substance[0] - 32, c->substance + 1, c->pattern,
		 c->in_remission ? ", in remission" : "");
}

static int in_ranges(const char *cat, const struct range *r, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(cat, r[i].lo) >= 0 && strcmp(cat, r[i].hi) <= 0)
			return 1;
	return 0;
}

enum tdm_status icd10_classify(const char *in, struct icd10_class *out, struct tdm_err *err)
{
	char code[ICD10_LEN] = "";
	size_t n = in ? strlen(in) : 0, j = 0;
	memset(out, 0, sizeof *out);
	if (n < 3 || n > 8)
		return tdm_fail(err, TDM_EINVAL, "code",
				"'%.20s' is not an ICD-10-CM code (expected a form like F11.20)", in ? in : "");
	for (size_t i = 0; i < n; i++) {
		char c = (char)toupper((unsigned char)in[i]);
		if (i == 3 && c != '.' && j == 3)
			code[j++] = '.';
		if (c == '.' && i != 3)
			j = sizeof code; /* force the format error below */
		if (j >= sizeof code - 1)
			return tdm_fail(err, TDM_EINVAL, "code", "'%.20s' is not an ICD-10-CM code", in);
		code[j++] = c;
	}
	code[j] = '\0';
	/* Letter, two digits, then optional '.' and 1-4 of [0-9A-Z]. */
	int ok = isalpha((unsigned char)code[0]) && isdigit((unsigned char)code[1]) &&
		 isdigit((unsigned char)code[2]);
	size_t len = strlen(code);
	if (ok && len > 3) {
		ok = code[3] == '.' && len >= 5 && len <= 8;
		for (size_t i = 4; ok && i < len; i++)
			ok = isdigit((unsigned char)code[i]) || isupper((unsigned char)code[i]);
	}
	if (!ok)
		return tdm_fail(err, TDM_EINVAL, "code",
				"'%.20s' is not an ICD-10-CM code (expected a form like F11.20)", in);
	char cat[4];
	memcpy(cat, code, 3);
	cat[3] = '\0';
	snprintf(out->code, sizeof out->code, "%s", code);

	if (cat[0] == 'F' && cat[1] == '1') {
		int d = cat[2] - '0';
		if (!T.have_substance[d])
			return tdm_fail(err, TDM_EINVAL, "code", "%s is not a configured category", cat);
		if (len < 5)
			return tdm_fail(err, TDM_EINVAL, "code",
					"%s needs its 4th character (.1 abuse, .2 dependence, .9 use)", code);
		char p = code[4];
		if (d == 7 && p != '2')
			return tdm_fail(err, TDM_EINVAL, "code",
					"nicotine codes are F17.2xx (nicotine dependence)");
		if (p != '1' && p != '2' && p != '9')
			return tdm_fail(err, TDM_EINVAL, "code",
					"%s: the 4th character must be 1 (abuse), 2 (dependence) or 9 (use)", code);
		out->category = ICD10_SUBSTANCE_USE;
		snprintf(out->substance, sizeof out->substance, "%s", T.substance[d]);
		snprintf(out->pattern, sizeof out->pattern, "%s",
			 p == '1' ? "abuse" : p == '2' ? "dependence" : "use");
		out->in_remission = len == 6 && code[5] == '1' && d != 7;
		return TDM_OK;
	}
	if (in_ranges(cat, T.mental, T.n_mental)) {
		out->category = ICD10_MENTAL_HEALTH;
		return TDM_OK;
	}
	return tdm_fail(err, TDM_EINVAL, "code",
			"%s is not in a category Tandem knows (substance use F10-F19 or the configured "
			"mental-health ranges)", code);
}

int icd10_counts_substance(const struct icd10_class *c)
{
	if (c->category != ICD10_SUBSTANCE_USE)
		return 0;
	if (!strcmp(c->substance, "nicotine") && !T.count_nicotine)
		return 0;
	if (!strcmp(c->pattern, "use") && !T.count_use_unspecified)
		return 0;
	if (c->in_remission && !T.count_in_remission)
		return 0;
	return 1;
}

int icd10_counts_mental(const struct icd10_class *c)
{
	char cat[4];
	if (c->category != ICD10_MENTAL_HEALTH)
		return 0;
	memcpy(cat, c->code, 3);
	cat[3] = '\0';
	return in_ranges(cat, T.dual_mental, T.n_dual_mental);
}

const char *icd10_rule_version(void)
{
	return T.version;
}

const char *icd10_category_name(enum icd10_category c)
{
	return c == ICD10_SUBSTANCE_USE ? "substance_use" : c == ICD10_MENTAL_HEALTH ? "mental_health" : "unknown";
}

int icd10_bind_dual(struct stmt *st, int first)
{
	int i = first;
	db_bind_int(st, i++, T.count_nicotine);
	db_bind_int(st, i++, T.count_use_unspecified);
	db_bind_int(st, i++, T.count_in_remission);
	for (int r = 0; r < ICD10_DUAL_MAX_RANGES; r++) {
		/* Unused slots bind an empty range that matches nothing. */
		db_bind_text(st, i++, r < T.n_dual_mental ? T.dual_mental[r].lo : "~");
		db_bind_text(st, i++, r < T.n_dual_mental ? T.dual_mental[r].hi : "~");
	}
	return i - first;
}
