/*
 * conf.h - reader for the small data files under data/ (NAME.conf).
 *
 * Format: "# comment", "[section]", "key = value". Keys may repeat; each entry
 * keeps its line number so errors can name file:line. Values are trimmed.
 */
#ifndef TDM_CONF_H
#define TDM_CONF_H

#include "util/status.h"

struct conf_entry {
	char section[48];
	char key[48];
	char value[256];
	int line;
};

struct conf {
	char path[256];
	struct conf_entry *e;
	int n;
};

/* Loads path into c (c_release frees). TDM_EIO/TDM_EINVAL with err->msg
 * naming file:line on a bad line. */
enum tdm_status conf_load(struct conf *c, const char *path, struct tdm_err *err);
void conf_release(struct conf *c);
/* Strict numbers in data-file values: the whole text (trailing blanks
 * allowed) must be the number. Return 0, or -1 when it is not. */
int conf_int(const char *s, long lo, long hi, int *out);
int conf_double(const char *s, double *out); /* finite */
/* First value for section/key, or NULL. */
const char *conf_get(const struct conf *c, const char *section, const char *key);

#endif
