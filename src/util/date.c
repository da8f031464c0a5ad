#include "util/date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char zone_name[64] = "";

int date_set_zone(const char *zone)
{
	if (!zone || !*zone)
		return 0;
	if (strlen(zone) >= sizeof zone_name || strstr(zone, "..") || zone[0] == '/')
		return -1;
	char path[128];
	struct stat st;
	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", zone);
	if (strcmp(zone, "UTC") != 0 && (stat(path, &st) != 0 || !S_ISREG(st.st_mode)))
		return -1;
	setenv("TZ", zone, 1);
	tzset();
	snprintf(zone_name, sizeof zone_name, "%s", zone);
	return 0;
}

const char *date_zone(void)
{
	if (zone_name[0])
		return zone_name;
	const char *tz = getenv("TZ");
	if (tz && *tz)
		return tz;
	/* The system zone: /etc/localtime links into the zoneinfo tree. */
	static char sys[64];
	char link[256];
	ssize_t n = readlink("/etc/localtime", link, sizeof link - 1);
	if (n > 0) {
		link[n] = '\0';
		const char *z = strstr(link, "zoneinfo/");
		if (z) {
			snprintf(sys, sizeof sys, "%s", z + 9);
			return sys;
		}
	}
	return "UTC";
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : md[m - 1];
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int date_parse(const char *s, int *y, int *m, int *d)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	int yy, mm, dd;
	if (digits(s, 4, &yy) || digits(s + 5, 2, &mm) || digits(s + 8, 2, &dd))
		return -1;
	if (yy < 1800 || mm < 1 || mm > 12 || dd < 1 || dd > month_days(yy, mm))
		return -1;
	if (y)
		*y = yy;
	if (m)
		*m = mm;
	if (d)
		*d = dd;
	return 0;
}

int date_valid(const char *s)
{
	return date_parse(s, NULL, NULL, NULL) == 0;
}

/* Howard Hinnant's days_from_civil. */
int64_t date_days(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void date_from_days(int64_t z, char out[DATE_LEN])
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	snprintf(out, DATE_LEN, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
}

void date_add_days(const char *date, int n, char out[DATE_LEN])
{
	int y, m, d;
	if (date_parse(date, &y, &m, &d)) {
		snprintf(out, DATE_LEN, "%s", "0000-00-00");
		return;
	}
	date_from_days(date_days(y, m, d) + n, out);
}

void date_local_day(time_t t, char out[DATE_LEN])
{
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, DATE_LEN, "%Y-%m-%d", &tm);
}

void date_today(char out[DATE_LEN])
{
	date_local_day(time(NULL), out);
}

void instant_format(time_t t, char out[INSTANT_LEN])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, INSTANT_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void instant_now(char out[INSTANT_LEN])
{
	instant_format(time(NULL), out);
}

int instant_parse(const char *s, time_t *out)
{
	int y, mo, d, h, mi, se;
	if (!s || strlen(s) != 20 || s[10] != 'T' || s[19] != 'Z')
		return -1;
	char day[DATE_LEN];
	memcpy(day, s, 10);
	day[10] = '\0';
	if (date_parse(day, &y, &mo, &d))
		return -1;
	if (s[13] != ':' || s[16] != ':' || digits(s + 11, 2, &h) ||
	    digits(s + 14, 2, &mi) || digits(s + 17, 2, &se) || h > 23 ||
	    mi > 59 || se > 60)
		return -1;
	*out = (time_t)(date_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se);
	return 0;
}

int date_age_years(const char *birth, const char *day)
{
	int by, bm, bd, y, m, d;
	if (date_parse(birth, &by, &bm, &bd) || date_parse(day, &y, &m, &d))
		return -1;
	int age = y - by;
	if (m < bm || (m == bm && d < bd))
		age--;
	return age;
}
