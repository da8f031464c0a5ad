/*
 * icd10.h - ICD-10-CM code checking and classification, and the
 * dual-diagnosis rule. Both tables come from data files
 * (data/icd10-categories.conf, data/dual-diagnosis.conf), loaded once at start.
 */
#ifndef TDM_ICD10_H
#define TDM_ICD10_H

#include <stddef.h>

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

/*
 * The dual-diagnosis rule as SQL, so that a search can filter on it and every
 * patient's flag comes from one definition. ICD10_DUAL_SQL(pid) is a boolean
 * expression for the patient id column pid; it takes ICD10_DUAL_PARAMS
 * parameters, bound in order by icd10_bind_dual() (returns how many).
 * A diagnosis is active when its newest status row says so (or it has none).
 */
#define ICD10_DUAL_MAX_RANGES 8
#define ICD10_DUAL_PARAMS (3 + 2 * ICD10_DUAL_MAX_RANGES)
#define ICD10_ACTIVE(d)                                                                  \
	"COALESCE((SELECT ds.status FROM diagnosis_status ds WHERE ds.diagnosis_id = " d   \
	".id ORDER BY ds.id DESC LIMIT 1), 'active') = 'active'"
#define ICD10_RANGE_TEST "SUBSTR(dm.code, 1, 3) BETWEEN ? AND ?"
#define ICD10_DUAL_SQL(pid)                                                              \
	"(EXISTS (SELECT 1 FROM diagnosis ds1 WHERE ds1.patient_id = " pid                 \
	" AND ds1.category = 'substance_use' AND " ICD10_ACTIVE("ds1")                      \
	" AND (ds1.substance <> 'nicotine' OR ? = 1)"                                      \
	" AND (ds1.pattern <> 'use' OR ? = 1)"                                             \
	" AND (NOT (LENGTH(ds1.code) = 6 AND SUBSTR(ds1.code, 6, 1) = '1'"                 \
	"   AND ds1.substance <> 'nicotine') OR ? = 1))"                                   \
	" AND EXISTS (SELECT 1 FROM diagnosis dm WHERE dm.patient_id = " pid               \
	" AND dm.category = 'mental_health' AND " ICD10_ACTIVE("dm") " AND ("              \
	ICD10_RANGE_TEST " OR " ICD10_RANGE_TEST " OR " ICD10_RANGE_TEST " OR "             \
	ICD10_RANGE_TEST " OR " ICD10_RANGE_TEST " OR " ICD10_RANGE_TEST " OR "             \
	ICD10_RANGE_TEST " OR " ICD10_RANGE_TEST ")))"

struct stmt;
int icd10_bind_dual(struct stmt *st, int first);

#define ICD10_TITLE_LEN 96
#define ICD10_MAX_TITLES 256
/* The display title of a classified code (data/icd10-titles.conf), else a
 * description built from its structure for substance use, else "". */
void icd10_title(const struct icd10_class *c, char *out, size_t n);

#endif
