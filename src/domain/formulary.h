/*
 * formulary.h - the clinic's medications as data (docs/formulary.md): one
 * JSON file per medication under DIR/formulary/, loaded at start into a
 * read-only registry. Orders, dosing and the MAT rules look medications up
 * here by id; nothing medication-specific is written in C.
 *
 * The registry is filled once at start (formulary_load_dir) and only read
 * afterwards; pointers it returns stay valid until the next successful
 * formulary_load_dir or formulary_release.
 */
#ifndef TDM_FORMULARY_H
#define TDM_FORMULARY_H

#include "util/status.h"

#define MED_MAX 256            /* medications loaded at once */
#define MED_MAX_FORMS 8
#define MED_MAX_FORM_ROUTES 4  /* routes one form is given by */
#define MED_MAX_ROUTES 8       /* distinct routes of one medication */
#define MED_MAX_STRENGTHS 12   /* per form */
#define MED_MAX_DOSES 4        /* usual-dose entries */
#define MED_MAX_NOTES 8        /* monitoring lines, and other notes */
#define MED_MAX_FILE (64 * 1024)

#define MED_ID_LEN 41          /* 1-40 of a-z 0-9 -, starting with a letter */
#define MED_RXCUI_LEN 12       /* digits, "" when unknown */
#define MED_UNIT_LEN 8
#define MED_ROUTE_LEN 16
#define MED_FORM_LEN 48
#define MED_TEXT_LEN 600       /* a note, a monitoring line, a dose source */
#define MED_SOURCE_LEN 800     /* the entry's source */

/* The fixed list of classes; "class" in a definition is one of the names
 * (formulary_class_name). */
enum med_class {
	MED_OPIOID_FULL_AGONIST,
	MED_OPIOID_PARTIAL_AGONIST,
	MED_OPIOID_ANTAGONIST,
	MED_AVERSIVE,
	MED_GLUTAMATE_MODULATOR,
	MED_SSRI,
	MED_SNRI,
	MED_ANTIDEPRESSANT_OTHER,
	MED_MOOD_STABILIZER,
	MED_ANTIPSYCHOTIC,
	MED_BENZODIAZEPINE,
	MED_ALPHA2_AGONIST,
	MED_ANTICONVULSANT,
	MED_ANTIBIOTIC,
	MED_ANTIEMETIC,
	MED_OTHER,
	MED_CLASS_COUNT
};

/* US controlled-substance schedule ("controlled": "none" | "II" ... "V"). */
enum med_schedule {
	MED_NOT_CONTROLLED = 0,
	MED_SCHEDULE_II = 2,
	MED_SCHEDULE_III = 3,
	MED_SCHEDULE_IV = 4,
	MED_SCHEDULE_V = 5
};

struct med_strength {
	char label[48];             /* "10 mg/mL", "8 mg/2 mg" (generated when absent) */
	double amount;              /* of the dosed ingredient, in unit */
	char unit[MED_UNIT_LEN];
	double volume_ml;           /* volume holding amount; 0 for a solid */
	char rxcui[MED_RXCUI_LEN];  /* generic product (SCD), "" when unknown */
	char brand[40];             /* "" or a brand name */
	char brand_rxcui[MED_RXCUI_LEN]; /* branded product (SBD), "" when unknown */
};

struct med_form {
	char form[MED_FORM_LEN];    /* "oral concentrate", "sublingual film", ... */
	int n_routes;
	char routes[MED_MAX_FORM_ROUTES][MED_ROUTE_LEN];
	int n_strengths;            /* 0 allowed (e.g. a bulk powder) */
	struct med_strength strengths[MED_MAX_STRENGTHS];
	char source[MED_TEXT_LEN];  /* "" when the entry's source covers it */
};

struct med_dose {
	double min, max;            /* min <= max */
	char unit[MED_UNIT_LEN];
	char per[8];                /* day | dose | week | month */
	char route[MED_ROUTE_LEN];  /* "" for any of the medication's routes */
	char form[MED_FORM_LEN];    /* "" for any of its forms */
	char note[MED_TEXT_LEN];
	char source[MED_TEXT_LEN];
};

struct medication {
	char id[MED_ID_LEN];        /* lower-case generic name = file name */
	char name[100];
	char rxcui[MED_RXCUI_LEN];  /* RxNorm ingredient (IN/MIN), "" when unknown */
	char rxcui_source[MED_TEXT_LEN];
	enum med_class cls;         /* "class" */
	enum med_schedule controlled;
	int cns_depressant;         /* counts for the opioid + CNS depressant rule */
	int qt_prolonging;
	int serotonergic;
	char flags_source[MED_TEXT_LEN];
	int n_routes;               /* union of the forms' routes, in order met */
	char routes[MED_MAX_ROUTES][MED_ROUTE_LEN];
	int n_forms;
	struct med_form forms[MED_MAX_FORMS];
	char default_unit[MED_UNIT_LEN];
	int n_doses;                /* 0: "usual_dose" is null (not known) */
	struct med_dose doses[MED_MAX_DOSES];
	int n_monitoring;
	char monitoring[MED_MAX_NOTES][MED_TEXT_LEN];
	int n_notes;
	char notes[MED_MAX_NOTES][MED_TEXT_LEN];
	char source[MED_SOURCE_LEN];
};

/*
 * Parses and checks one definition file. The id must equal the file name
 * without ".json". Every error names the file and the JSON path of the
 * problem ("data/formulary/x.json: forms[0].strengths[1].unit: ..."), with
 * TDM_EINVAL; TDM_EIO when the file cannot be read or is over 64 KiB;
 * TDM_ENOMEM. *out is caller-frees (free()).
 */
enum tdm_status formulary_load_file(const char *path, struct medication **out,
				    struct tdm_err *err);

/*
 * Loads every DIR/formulary/NAME.json (DIR is the data directory; a site
 * adds or edits files there, no rebuild) and replaces the registry with
 * them. All or nothing: on any error the registry is left as it was and err
 * names the first bad file (statuses as formulary_load_file). TDM_EIO when
 * the folder cannot be read, TDM_ETOOBIG over MED_MAX files. Ids are unique
 * because each must equal its (lower-case) file name.
 */
enum tdm_status formulary_load_dir(const char *dir, struct tdm_err *err);

/* Frees the registry (formulary_count() becomes 0). */
void formulary_release(void);

/* The medication with this id (case-insensitive), or NULL. Borrowed. */
const struct medication *formulary_find(const char *id);
int formulary_count(void);
/* The i-th medication in id order, or NULL out of range. Borrowed. */
const struct medication *formulary_at(int i);

/* "opioid_full_agonist", ...; "other" for an out-of-range value. */
const char *formulary_class_name(enum med_class c);
/* 1 when unit is one of the dose/strength units (mg, mcg, g, mEq, mmol, mL, units). */
int formulary_unit_known(const char *unit);
/* 1 when the medication is given by this route. */
int formulary_has_route(const struct medication *m, const char *route);

#endif
