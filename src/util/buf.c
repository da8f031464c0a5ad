#include "util/buf.h"
#include "util/status.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char empty[1];

void buf_init(struct buf *b, size_t max)
{
	b->p = empty;
	b->len = b->cap = 0;
	b->max = max;
	b->err = 0;
}

void buf_release(struct buf *b)
{
	if (b->cap)
		free(b->p);
	buf_init(b, b->max);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->cap)
		b->p[0] = '\0';
	b->err = 0;
}

static int grow(struct buf *b, size_t extra)
{
	if (b->err)
		return -1;
	/* Written so that no sum can wrap, whatever max is. */
	if (extra > b->max - b->len || extra >= SIZE_MAX - b->len) {
		b->err = TDM_ETOOBIG;
		return -1;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if (b->max < SIZE_MAX && ncap > b->max + 1)
		ncap = b->max + 1;
	char *np = realloc(b->cap ? b->p : NULL, ncap);
	if (!np) {
		b->err = TDM_ENOMEM;
		return -1;
	}
	if (!b->cap)
		np[0] = '\0';
	b->p = np;
	b->cap = ncap;
	return 0;
}

void buf_add(struct buf *b, const void *data, size_t n)
{
	if (grow(b, n))
		return;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char tmp[256];
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = TDM_EINTERNAL;
		return;
	}
	if ((size_t)n < sizeof tmp) {
		buf_add(b, tmp, (size_t)n);
		return;
	}
	if (grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p;
	if (!b->cap) {
		p = calloc(1, 1);
	} else {
		p = b->p;
	}
	if (len)
		*len = b->len;
	b->p = empty;
	b->len = b->cap = 0;
	b->err = 0;
	return p;
}
