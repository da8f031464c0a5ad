/*
 * static.h - serving the web app's static files.
 */
#ifndef TDM_STATIC_H
#define TDM_STATIC_H

#include <stdint.h>

struct static_file {
	int fd;              /* caller closes, or hands to the response */
	uint64_t size;
	const char *type;    /* Content-Type */
	int is_html;
};

/* Sets the web root (resolved once). Returns -1 when it does not exist. */
int static_set_root(const char *dir);
/* The resolved root, or NULL when none is set. */
const char *static_root(void);
/* Opens the file for a URL path. Returns 0, or -1 for "not found". */
int static_open(const char *path, struct static_file *out);

/* The Content-Security-Policy of the web app's pages. */
#define STATIC_CSP                                                                       \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "       \
	"form-action 'self'; frame-ancestors 'none'"

#endif
