/*
 * status.h - the one status enum and the error context that carries details.
 *
 * Every library function returns an enum tdm_status. Details (which field, a
 * human message) travel in a struct tdm_err owned by the caller, never in a
 * global. The HTTP layer maps a status to an HTTP code through one table
 * (api/api.c); the CLI prints err->msg on stderr.
 */
#ifndef TDM_STATUS_H
#define TDM_STATUS_H

enum tdm_status {
	TDM_OK = 0,
	TDM_ENOMEM,       /* out of memory */
	TDM_EINVAL,       /* input failed validation (field names which) */
	TDM_EBADJSON,     /* body is not well-formed JSON / wrong shape */
	TDM_ENOTFOUND,    /* no such record, or not visible to this user */
	TDM_ECONFLICT,    /* uniqueness or state conflict */
	TDM_EFORBIDDEN,   /* authenticated but not allowed */
	TDM_EGONE,        /* existed, no longer usable (an expired link) */
	TDM_EUNAUTH,      /* no valid session */
	TDM_ETOOBIG,      /* body or list over its cap */
	TDM_ETHROTTLED,   /* too many attempts; retry later */
	TDM_EMETHOD,      /* method not allowed on this path */
	TDM_EMEDIA,       /* unsupported content type */
	TDM_EBUSY,        /* database busy or failing over: retry */
	TDM_EDB,          /* database error (server side) */
	TDM_EIO,          /* file or system error */
	TDM_EINTERNAL,    /* invariant broken (a bug) */
	TDM_STATUS_COUNT
};

struct tdm_err {
	enum tdm_status code;
	char field[64];   /* offending input field, "" when none */
	char msg[256];
};

/* Short machine code, e.g. "not_found". Never NULL. */
const char *tdm_code_name(enum tdm_status s);
/* Human phrase for a status, e.g. "not found". Never NULL. */
const char *tdm_strerror(enum tdm_status s);

/*
 * Fill err (may be NULL) and return code. field may be NULL.
 * Usage: return tdm_fail(err, TDM_EINVAL, "birth_date", "must be YYYY-MM-DD");
 */
enum tdm_status tdm_fail(struct tdm_err *err, enum tdm_status code,
			 const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

void tdm_err_clear(struct tdm_err *err);

#endif
