/*
 * date.h - calendar dates, UTC instants and the clinic's local day.
 *
 * Instants are stored as UTC text "YYYY-MM-DDTHH:MM:SSZ"; calendar dates as
 * "YYYY-MM-DD". The clinic's time zone is the process TZ, set once at start
 * (date_set_zone) before any thread starts; every "today" is computed here.
 */
#ifndef TDM_DATE_H
#define TDM_DATE_H

#include <stdint.h>
#include <time.h>

#define DATE_LEN 11    /* "YYYY-MM-DD" + NUL */
#define INSTANT_LEN 21 /* "YYYY-MM-DDTHH:MM:SSZ" + NUL */

/* Sets the clinic zone (IANA name such as "America/Chicago").
 * Returns 0, or -1 when the zone is unknown. NULL/"" keeps the system zone. */
int date_set_zone(const char *zone);
const char *date_zone(void);

/* Parses strict YYYY-MM-DD naming a real day. Returns 0 or -1. */
int date_parse(const char *s, int *y, int *m, int *d);
int date_valid(const char *s);
/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
int64_t date_days(int y, int m, int d);
void date_from_days(int64_t days, char out[DATE_LEN]);
/* Adds n days to a valid date string. */
void date_add_days(const char *date, int n, char out[DATE_LEN]);

/* The clinic-local calendar day of instant t. */
void date_local_day(time_t t, char out[DATE_LEN]);
void date_today(char out[DATE_LEN]);
void instant_format(time_t t, char out[INSTANT_LEN]);
void instant_now(char out[INSTANT_LEN]);
/* Parses "YYYY-MM-DDTHH:MM:SSZ". Returns 0 or -1. */
int instant_parse(const char *s, time_t *out);

/* Whole years between birth date and day (both valid dates). */
int date_age_years(const char *birth, const char *day);

#endif
