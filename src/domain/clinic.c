#include "domain/clinic.h"
#include "domain/alert.h"
#include "domain/icd10.h"
#include "domain/instrument.h"
#include "domain/formulary.h"
#include "domain/medrule.h"
#include "domain/protocol.h"
#include "domain/result.h"
#include "domain/takehome.h"
#include "domain/level.h"
#include "domain/monitoring.h"
#include "domain/order.h"
#include "domain/plan.h"
#include "domain/therapy.h"

#include <stdlib.h>
#include <sys/stat.h>

#ifndef DATADIR
#define DATADIR "/usr/local/share/tandem"
#endif

const char *clinic_data_dir(const char *given)
{
	struct stat st;
	if (given && *given)
		return given;
	const char *env = getenv("TANDEM_DATA");
	if (env && *env)
		return env;
	if (stat("data/levels.conf", &st) == 0)
		return "data";
	return DATADIR;
}

enum tdm_status clinic_load(const char *dir, struct tdm_err *err)
{
	enum tdm_status rc = level_load(dir, err);
	if (!rc)
		rc = icd10_load(dir, err);
	if (!rc)
		rc = instrument_load_dir(dir, err);
	if (!rc)
		rc = alert_load_config(dir, err);
	if (!rc)
		rc = protocol_load(dir, err);
	if (!rc)
		rc = result_load(dir, err);
	if (!rc)
		rc = formulary_load_dir(dir, err);
	if (!rc)
		rc = takehome_load(dir, err);
	if (!rc)
		rc = monitoring_load(dir, err);
	if (!rc)
		rc = medrule_load(dir, err);
	if (!rc)
		rc = order_load(dir, err);
	if (!rc)
		rc = plan_load(dir, err); /* after level_load: intervals per level */
	if (!rc)
		rc = therapy_load(dir, err);
	return rc;
}
