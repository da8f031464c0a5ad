#include "http/metrics.h"
#include "http/http.h"

#include <stdatomic.h>
#include <stdio.h>

#define MAX_ROUTES 64
#define N_CLASSES 5 /* 1xx..5xx */
static const long bucket_us[] = {1000, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 5000000};
#define N_BUCKETS ((int)(sizeof bucket_us / sizeof bucket_us[0]))

/* Slot MAX_ROUTES is for requests outside the route table. */
static atomic_ulong requests[MAX_ROUTES + 1][N_CLASSES];
static atomic_ulong buckets[MAX_ROUTES + 1][N_BUCKETS];
static atomic_ulong count[MAX_ROUTES + 1];
static atomic_ulong sum_us[MAX_ROUTES + 1];
static atomic_ulong db_errors;

void metrics_observe(int route, int status, long micros)
{
	int r = route >= 0 && route < MAX_ROUTES ? route : MAX_ROUTES;
	int cls = status / 100 - 1;
	if (cls < 0 || cls >= N_CLASSES)
		cls = N_CLASSES - 1;
	atomic_fetch_add(&requests[r][cls], 1);
	for (int b = 0; b < N_BUCKETS; b++)
		if (micros <= bucket_us[b])
			atomic_fetch_add(&buckets[r][b], 1);
	atomic_fetch_add(&count[r], 1);
	atomic_fetch_add(&sum_us[r], (unsigned long)(micros > 0 ? micros : 0));
	if (status == 500 || status == 503)
		atomic_fetch_add(&db_errors, 1);
}

static void labels(int r, char *out, size_t n)
{
	if (r == MAX_ROUTES || !routes[r].method)
		snprintf(out, n, "method=\"other\",route=\"other\"");
	else
		snprintf(out, n, "method=\"%s\",route=\"%s\"", routes[r].method, routes[r].pattern);
}

void metrics_render(struct buf *b)
{
	char l[160];
	int nroutes = 0;
	while (routes[nroutes].method && nroutes < MAX_ROUTES)
		nroutes++;
	buf_adds(b, "# HELP tandem_http_requests_total HTTP requests by route and status class.\n"
		    "# TYPE tandem_http_requests_total counter\n");
	for (int r = 0; r <= MAX_ROUTES; r++) {
		if (r >= nroutes && r != MAX_ROUTES)
			continue;
		labels(r, l, sizeof l);
		for (int c = 0; c < N_CLASSES; c++) {
			unsigned long v = atomic_load(&requests[r][c]);
			if (v)
				buf_printf(b, "tandem_http_requests_total{%s,status=\"%dxx\"} %lu\n", l, c + 1, v);
		}
	}
	buf_adds(b, "# HELP tandem_http_request_duration_seconds Request latency by route.\n"
		    "# TYPE tandem_http_request_duration_seconds histogram\n");
	for (int r = 0; r <= MAX_ROUTES; r++) {
		if ((r >= nroutes && r != MAX_ROUTES) || !atomic_load(&count[r]))
			continue;
		labels(r, l, sizeof l);
		for (int k = 0; k < N_BUCKETS; k++)
			buf_printf(b, "tandem_http_request_duration_seconds_bucket{%s,le=\"%g\"} %lu\n", l,
				   (double)bucket_us[k] / 1e6, atomic_load(&buckets[r][k]));
		buf_printf(b, "tandem_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %lu\n", l,
			   atomic_load(&count[r]));
		buf_printf(b, "tandem_http_request_duration_seconds_sum{%s} %.6f\n", l,
			   (double)atomic_load(&sum_us[r]) / 1e6);
		buf_printf(b, "tandem_http_request_duration_seconds_count{%s} %lu\n", l,
			   atomic_load(&count[r]));
	}
	buf_printf(b, "# HELP tandem_server_errors_total Responses 500/503 (database errors, fail-over).\n"
		      "# TYPE tandem_server_errors_total counter\n"
		      "tandem_server_errors_total %lu\n", atomic_load(&db_errors));
}
