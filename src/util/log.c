#include "util/log.h"
#include "util/buf.h"
#include "util/date.h"

#include <stdarg.h>
#include <stdio.h>

static enum log_level min_level = LOG_INFO;

void log_set_level(enum log_level lvl)
{
	min_level = lvl;
}

static void add_json_string(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)c);
		} else if (c < 0x20) {
			buf_printf(b, "\\u%04x", c);
		} else {
			buf_addc(b, (char)c);
		}
	}
	buf_addc(b, '"');
}

void log_kv(enum log_level lvl, const char *msg, ...)
{
	static const char *names[] = {"debug", "info", "warn", "error"};
	if (lvl < min_level)
		return;
	struct buf b;
	char ts[INSTANT_LEN];
	instant_now(ts);
	buf_init(&b, 8192);
	buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":", ts, names[lvl]);
	add_json_string(&b, msg);
	va_list ap;
	va_start(ap, msg);
	for (;;) {
		const char *k = va_arg(ap, const char *);
		if (!k)
			break;
		const char *v = va_arg(ap, const char *);
		buf_addc(&b, ',');
		add_json_string(&b, k);
		buf_addc(&b, ':');
		add_json_string(&b, v ? v : "");
	}
	va_end(ap);
	buf_adds(&b, "}\n");
	if (!b.err)
		fputs(b.p, stderr);
	buf_release(&b);
}
