/*
 * clinic.h - start-up of the domain: load the clinical data files once.
 */
#ifndef TDM_CLINIC_H
#define TDM_CLINIC_H

#include "util/status.h"

/* Directory of the data files: --data / TANDEM_DATA, else ./data when it
 * exists, else the installed copy (DATADIR). */
const char *clinic_data_dir(const char *given);

/* Loads every data file (levels, ICD-10 categories, dual-diagnosis rule).
 * Call once, before any thread starts. */
enum tdm_status clinic_load(const char *dir, struct tdm_err *err);

#endif
