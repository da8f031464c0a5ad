/*
 * copy.h - moving a clinic's whole database between backends, and backups.
 */
#ifndef TDM_COPY_H
#define TDM_COPY_H

#include <stdint.h>

#include "store/store.h"

struct copy_report {
	int tables;
	int64_t rows;
	char mismatch[128]; /* "" when every table's count matched */
};

/*
 * Copies every table from src to dst, in one transaction on dst. dst must be
 * migrated to the same schema version and hold no rows. Ids are kept (so the
 * audit chain and every reference survive), then counts are compared table
 * by table. TDM_ECONFLICT when dst is not empty; TDM_EINVAL on a version
 * mismatch.
 */
enum tdm_status copy_store(struct db *src, struct db *dst, struct copy_report *rep,
			   struct tdm_err *err);

/* Online backup of an SQLite database file to dest (must not exist), with
 * SQLite's backup API: consistent while the server keeps writing. */
enum tdm_status copy_sqlite_backup(const char *src_path, const char *dest_path,
				   struct tdm_err *err);

#endif
