#include "domain/access.h"

#include <stdio.h>
#include <string.h>

static const struct {
	unsigned bit;
	const char *name;
} roles[ROLE_COUNT] = {
	{ROLE_ADMIN, "admin"},       {ROLE_PRESCRIBER, "prescriber"},
	{ROLE_NURSE, "nurse"},       {ROLE_THERAPIST, "therapist"},
	{ROLE_INTAKE, "intake"},     {ROLE_AUDITOR, "auditor"},
};

unsigned role_from_name(const char *name)
{
	for (int i = 0; i < ROLE_COUNT; i++)
		if (name && !strcmp(name, roles[i].name))
			return roles[i].bit;
	return 0;
}

const char *role_name(unsigned bit)
{
	for (int i = 0; i < ROLE_COUNT; i++)
		if (roles[i].bit == bit)
			return roles[i].name;
	return NULL;
}

void role_names(unsigned mask, char *out, int n)
{
	int len = 0;
	out[0] = '\0';
	for (int i = 0; i < ROLE_COUNT; i++) {
		if (!(mask & roles[i].bit))
			continue;
		int w = snprintf(out + len, (size_t)(n - len), "%s%s", len ? "," : "", roles[i].name);
		if (w < 0 || w >= n - len)
			return;
		len += w;
	}
}

void actor_system(struct actor *a, const char *what)
{
	memset(a, 0, sizeof *a);
	snprintf(a->username, sizeof a->username, "system:%s", what);
	a->all_sites = 1;
	a->route_roles = ROLE_ALL;
	snprintf(a->addr, sizeof a->addr, "cli");
	snprintf(a->request_id, sizeof a->request_id, "cli");
}

unsigned access_roles_at(const struct actor *a, int64_t site_id)
{
	if (a->all_sites)
		return ROLE_ALL;
	for (int i = 0; i < a->n_grants; i++)
		if (a->grants[i].site_id == site_id)
			return a->grants[i].roles;
	return 0;
}

int access_at(const struct actor *a, int64_t site_id)
{
	return (access_roles_at(a, site_id) & a->route_roles) != 0;
}

unsigned access_roles_any(const struct actor *a)
{
	if (a->all_sites)
		return ROLE_ALL;
	unsigned m = 0;
	for (int i = 0; i < a->n_grants; i++)
		m |= a->grants[i].roles;
	return m;
}
