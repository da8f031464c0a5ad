/*
 * icd10.h - ICD-10-CM code checking and classification, and the
 * dual-diagnosis rule. Both tables come from data files
 * (data/icd10-categories.conf, data/dual-diagnosis.conf), loaded once at start.
 */
#ifndef TDM_ICD10_H
#define TDM_ICD10_H

#include "util/status.h"

#define ICD10_LEN 9 /* "F10.239" and room: category + '.' + up to 4 */

enum icd10_category { ICD10_SUBSTANCE_USE = 1, ICD10_MENTAL_HEALTH = 2 };

struct icd10_class {
	char code[ICD10_LEN];   /* normalised: upper case, dot after 3 chars */
	enum icd10_category category;
	char substance[16];     /* substance use only: "opioid", ... */
	char pattern[16];       /* substance use: "abuse", "dependence", "use" */
	int in_remission;       /* F1x.11 / F1x.21 / F1x.91 */
};

/* Loads the two tables from dir. err names file:line on a bad entry. */
enum tdm_status icd10_load(const char *dir, struct tdm_err *err);

/* Checks format, normalises and classifies a code. TDM_EINVAL with a message
 * saying what is wrong (format, unknown category, missing 4th character). */
enum tdm_status icd10_classify(const char *code, struct icd10_class *out, struct tdm_err *err);

/* Does this active diagnosis count toward the substance / mental-health half
 * of the dual-diagnosis rule? */
int icd10_counts_substance(const struct icd10_class *c);
int icd10_counts_mental(const struct icd10_class *c);
const char *icd10_rule_version(void);

const char *icd10_category_name(enum icd10_category c);

#endif
