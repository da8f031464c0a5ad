/*
 * buf.h - one growable byte buffer with a hard cap and a sticky error.
 *
 * Always NUL-terminated. Appends past `max` or failed allocations set
 * b->err (TDM_ETOOBIG / TDM_ENOMEM) and are ignored afterwards; check it once
 * at the end. buf_detach() hands the memory to the caller (caller frees).
 */
#ifndef TDM_BUF_H
#define TDM_BUF_H

#include <stddef.h>

struct buf {
	char *p;
	size_t len, cap, max;
	int err; /* enum tdm_status, 0 when fine */
};

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const void *data, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Returns the NUL-terminated contents (caller frees) and resets b. */
char *buf_detach(struct buf *b, size_t *len);

#endif
