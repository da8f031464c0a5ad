/*
 * access.h - roles, the acting user, and who may touch which site.
 *
 * A user holds roles per site. The route table (http/routes.c) says which
 * roles may call a route; the router refuses users who hold none of them
 * anywhere, and domain code checks the role at the record's own site with
 * access_at(). A user never sees a patient of a site they are not granted.
 */
#ifndef TDM_ACCESS_H
#define TDM_ACCESS_H

#include <stdint.h>

#include "util/limits.h"

enum role {
	ROLE_ADMIN = 1u << 0,
	ROLE_PRESCRIBER = 1u << 1,
	ROLE_NURSE = 1u << 2,
	ROLE_THERAPIST = 1u << 3,
	ROLE_INTAKE = 1u << 4,
	ROLE_AUDITOR = 1u << 5,
};
#define ROLE_ALL (ROLE_ADMIN | ROLE_PRESCRIBER | ROLE_NURSE | ROLE_THERAPIST | ROLE_INTAKE | ROLE_AUDITOR)
#define ROLE_CLINICAL (ROLE_ADMIN | ROLE_PRESCRIBER | ROLE_NURSE | ROLE_THERAPIST | ROLE_INTAKE)
#define ROLE_COUNT 6

/* Role name ("nurse") to bit, 0 when unknown. */
unsigned role_from_name(const char *name);
/* Name of a single role bit, or NULL. */
const char *role_name(unsigned bit);
/* Comma-separated names of a mask into out. */
void role_names(unsigned mask, char *out, int n);

#define ACTOR_MAX_GRANTS 64

struct grant {
	int64_t site_id;
	unsigned roles;
};

/* Who is acting, from where, under which route's role list. Built by the auth
 * layer for HTTP requests and by actor_system() for CLI commands. */
struct actor {
	int64_t user_id;          /* 0 for the system actor */
	char username[TDM_LEN_USERNAME + 16];
	struct grant grants[ACTOR_MAX_GRANTS];
	int n_grants;
	int all_sites;            /* system actor: every site, every role */
	unsigned route_roles;     /* roles the current operation accepts */
	char addr[64];            /* client address, "cli" for commands */
	char request_id[40];
};

/* A CLI/system actor named "system:<what>" with every role at every site. */
void actor_system(struct actor *a, const char *what);
/* Roles the actor holds at a site (all for the system actor). */
unsigned access_roles_at(const struct actor *a, int64_t site_id);
/* 1 when the actor holds one of the operation's roles at site_id. */
int access_at(const struct actor *a, int64_t site_id);
/* Roles the actor holds at any site. */
unsigned access_roles_any(const struct actor *a);

#endif
