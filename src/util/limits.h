/*
 * limits.h - every limit on outside input, in one place.
 *
 * A reviewer looking for "what can a client make us do" reads this file.
 */
#ifndef TDM_LIMITS_H
#define TDM_LIMITS_H

#define TDM_MAX_BODY          (64 * 1024) /* request body bytes */
#define TDM_MAX_JSON_DEPTH    8           /* nesting of objects/arrays */
#define TDM_MAX_URL           2048        /* path + query bytes */
#define TDM_MAX_QUERY_PARAM   200         /* one query-string value */
#define TDM_PAGE_DEFAULT      50          /* list page size when none asked */
#define TDM_PAGE_MAX          200         /* largest page a client may ask */
#define TDM_MAX_OFFSET        1000000     /* deepest list offset */

#define TDM_LEN_NAME          100  /* family, given, preferred names */
#define TDM_LEN_MRN           32
#define TDM_LEN_USERNAME      64
#define TDM_LEN_PASSWORD      256
#define TDM_MIN_PASSWORD      12
#define TDM_LEN_PHONE         32
#define TDM_LEN_EMAIL         254
#define TDM_LEN_ADDRESS       200
#define TDM_LEN_CITY          100
#define TDM_LEN_REGION        64
#define TDM_LEN_POSTAL        20
#define TDM_LEN_LANGUAGE      35   /* BCP 47 tag */
#define TDM_LEN_GENDER        64
#define TDM_LEN_REASON        500
#define TDM_LEN_CODE          16   /* code values: ICD-10-CM, levels, roles */
#define TDM_LEN_SITE_NAME     100
#define TDM_LEN_NOTE_SECTION  4000 /* one section of a progress note (S, O, A, P, ...) */
#define TDM_LEN_NOTE_TEXT     8000 /* an addendum, a psychotherapy note */
#define TDM_MAX_NOTE_OBJECTIVES 16 /* plan objectives one patient's part names */
/* Therapy sessions: lengths, group sizes and series lengths are program policy in
 * data/therapy.conf, capped by THERAPY_GROUP_CEILING / THERAPY_SERIES_CEILING
 * (domain/therapy.h); triggers and coping items by RELAPSE_MAX_ITEMS (domain/trigger.h). */

/* Sessions and login throttling. */
#define TDM_SESSION_TTL_SECONDS   (8 * 3600) /* a session lasts one shift */
#define TDM_LOGIN_WINDOW_SECONDS  (15 * 60)
#define TDM_LOGIN_MAX_USER_FAILS  5   /* per username within the window */
#define TDM_LOGIN_MAX_ADDR_FAILS  20  /* per client address within window */
#define TDM_CHECKIN_MAX_FAILS     20  /* unknown check-in links/codes per address */

#endif
