/*
 * metrics.h - request counters and latencies in the Prometheus text format,
 * served at GET /metrics (no patient data in it).
 */
#ifndef TDM_METRICS_H
#define TDM_METRICS_H

#include "util/buf.h"

/* route: index in routes[], or -1 for "no route" (404s, static files). */
void metrics_observe(int route, int status, long micros);
/* Renders every metric into b. */
void metrics_render(struct buf *b);

#endif
