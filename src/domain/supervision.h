/*
 * supervision.h - who supervises whom. A clinician under supervision (a
 * trainee, a counsellor awaiting licensure) signs their progress notes as
 * usual; each signed note then awaits their supervisor's co-signature
 * (domain/note.h). One supervisor at a time; ending or replacing a
 * supervision keeps the old row with ended_at. Set from the command line:
 * `tandem user supervise NAME --by SUPERVISOR` and `--end`.
 */
#ifndef TDM_SUPERVISION_H
#define TDM_SUPERVISION_H

#include <stdint.h>

#include "domain/access.h"
#include "store/store.h"

/* Starts (or replaces) the supervision of username by supervisor.
 * TDM_ENOTFOUND for an unknown or disabled user; TDM_EINVAL for oneself;
 * TDM_ECONFLICT when that supervisor already supervises the user. */
enum tdm_status supervision_start(struct db *db, const struct actor *a, const char *username,
				  const char *supervisor, struct tdm_err *err);
/* Ends the user's supervision. TDM_ECONFLICT when there is none. */
enum tdm_status supervision_end(struct db *db, const struct actor *a, const char *username,
				struct tdm_err *err);
/* Inside an open transaction: the current supervisor of user_id (0 none). */
enum tdm_status supervision_supervisor_of(struct db *db, int64_t user_id, int64_t *supervisor_id,
					  struct tdm_err *err);

#endif
