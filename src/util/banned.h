/*
 * banned.h - functions that are easy to misuse, refused at compile time.
 * Included into every translation unit by the Makefile. (After git's banned.h.)
 */
#ifndef TDM_BANNED_H
#define TDM_BANNED_H

/* The system headers come first, so that their own (fortified) definitions
 * are seen before the names are poisoned. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BANNED(f) sorry_##f##_is_banned_use_the_checked_form

#undef strcpy
#define strcpy(a, b) BANNED(strcpy)
#undef strcat
#define strcat(a, b) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(a, b) BANNED(strtok)
#undef atoi
#define atoi(a) BANNED(atoi)
#undef gmtime
#define gmtime(t) BANNED(gmtime)
#undef localtime
#define localtime(t) BANNED(localtime)
#undef gets
#define gets(a) BANNED(gets)

#endif
