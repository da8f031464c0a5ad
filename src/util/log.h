/*
 * log.h - structured JSON log lines on stderr, one object a line.
 */
#ifndef TDM_LOG_H
#define TDM_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level lvl);
/* Logs {"ts","level","msg", ...pairs}: kv is a NULL-terminated list of
 * key, value string pairs; values are JSON-escaped. */
void log_kv(enum log_level lvl, const char *msg, ...);

#endif
