#include "util/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *code;
	const char *text;
} names[TDM_STATUS_COUNT] = {
	[TDM_OK] = {"ok", "ok"},
	[TDM_ENOMEM] = {"out_of_memory", "out of memory"},
	[TDM_EINVAL] = {"invalid", "invalid input"},
	[TDM_EBADJSON] = {"bad_json", "malformed JSON"},
	[TDM_ENOTFOUND] = {"not_found", "not found"},
	[TDM_ECONFLICT] = {"conflict", "conflict"},
	[TDM_EFORBIDDEN] = {"forbidden", "forbidden"},
	[TDM_EGONE] = {"gone", "no longer available"},
	[TDM_EUNAUTH] = {"unauthorized", "authentication required"},
	[TDM_ETOOBIG] = {"too_large", "too large"},
	[TDM_ETHROTTLED] = {"throttled", "too many attempts"},
	[TDM_EMETHOD] = {"method_not_allowed", "method not allowed"},
	[TDM_EMEDIA] = {"unsupported_media_type", "unsupported media type"},
	[TDM_EBUSY] = {"unavailable", "temporarily unavailable, retry"},
	[TDM_EDB] = {"database_error", "database error"},
	[TDM_EIO] = {"io_error", "i/o error"},
	[TDM_EINTERNAL] = {"internal", "internal error"},
};

const char *tdm_code_name(enum tdm_status s)
{
	if ((unsigned)s >= TDM_STATUS_COUNT)
		return "internal";
	return names[s].code;
}

const char *tdm_strerror(enum tdm_status s)
{
	if ((unsigned)s >= TDM_STATUS_COUNT)
		return "internal error";
	return names[s].text;
}

enum tdm_status tdm_fail(struct tdm_err *err, enum tdm_status code,
			 const char *field, const char *fmt, ...)
{
	if (!err)
		return code;
	err->code = code;
	snprintf(err->field, sizeof err->field, "%s", field ? field : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return code;
}

void tdm_err_clear(struct tdm_err *err)
{
	if (!err)
		return;
	err->code = TDM_OK;
	err->field[0] = '\0';
	err->msg[0] = '\0';
}
