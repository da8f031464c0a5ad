/*
 * main.c - tandem's entry point and command table.
 */
#include "cli/cli.h"
#include "domain/account.h"
#include "domain/clinic.h"
#include "domain/instrument_db.h"
#include "util/crypto.h"
#include "util/date.h"
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{"serve", cmd_serve, "run the HTTP server (JSON API)"},
	{"migrate", cmd_migrate, "apply database migrations"},
	{"user", cmd_user, "add users, grant roles, set passwords"},
	{"site", cmd_site, "add and list clinic sites"},
	{"audit", cmd_audit, "verify the audit trail's hash chain"},
	{"demo", cmd_demo, "load the synthetic demo cohort into an empty database"},
	{"instrument", cmd_instrument, "list instruments, import a clinic-supplied definition"},
	{"migrate-store", cmd_migrate_store, "copy a whole database to another backend"},
	{"backup", cmd_backup, "online backup of an SQLite database"},
	{"restore", cmd_backup, "restore an SQLite backup to a new file"},
	{NULL, NULL, NULL},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tandem [--version] [--help] COMMAND [ARGS]\n\n"
		   "Tandem: one clinical record for therapy and medication management in\n"
		   "addiction, mental-health and dual-diagnosis programs.\n\ncommands:\n");
	for (const struct cmd *c = commands; c->name; c++)
		fprintf(f, "  %-9s %s\n", c->name, c->help);
	fprintf(f, "\nsettings (flag or environment):\n"
		   "  --db PATH          TANDEM_DB      database (default var/tandem.db)\n"
		   "  --listen HOST:PORT TANDEM_LISTEN  serve address (default 127.0.0.1:8080)\n"
		   "  --tz ZONE          TANDEM_TZ      the clinic's time zone, e.g. America/Chicago\n"
		   "  --data DIR         TANDEM_DATA    clinical data files (default ./data)\n\n"
		   "'tandem COMMAND --help' for a command's options. Exit codes: 0 ok, 1 failure, 2 usage.\n");
}

void cli_defaults(struct cli_opts *o)
{
	const char *v;
	memset(o, 0, sizeof *o);
	o->db = (v = getenv("TANDEM_DB")) && *v ? v : "var/tandem.db";
	o->tz = getenv("TANDEM_TZ");
	o->data = getenv("TANDEM_DATA");
	o->listen = (v = getenv("TANDEM_LISTEN")) && *v ? v : "127.0.0.1:8080";
}

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "tandem %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_read_line(char *buf, int n)
{
	if (!fgets(buf, n, stdin))
		return -1;
	size_t len = strlen(buf);
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	else if (!feof(stdin))
		return -1; /* longer than the buffer */
	if (len && buf[len - 1] == '\r')
		buf[--len] = '\0';
	return 0;
}

struct db *cli_open(const struct cli_opts *o)
{
	struct tdm_err err;
	tdm_err_clear(&err);
	if (o->tz && *o->tz && date_set_zone(o->tz)) {
		cli_error("", "unknown time zone '%s'", o->tz);
		return NULL;
	}
	if (clinic_load(clinic_data_dir(o->data), &err)) {
		cli_error("", "cannot load data files: %s", err.msg);
		return NULL;
	}
	struct db *db;
	if (db_open(o->db, &db, &err)) {
		cli_error("", "%s", err.msg);
		return NULL;
	}
	int applied;
	if (migrate_apply(db, &applied, &err)) {
		cli_error("", "migration failed: %s", err.msg);
		db_close(db);
		return NULL;
	}
	if (instrument_load_db(db, &err)) {
		cli_error("", "imported instruments: %s", err.msg);
		db_close(db);
		return NULL;
	}
	return db;
}

struct db *cli_open_ready(const struct cli_opts *o)
{
	struct db *db = cli_open(o);
	if (!db)
		return NULL;
	struct tdm_err err;
	char pw[21];
	int created = 0;
	tdm_err_clear(&err);
	if (account_bootstrap(db, pw, sizeof pw, &created, &err)) {
		cli_error("", "first-start setup failed: %s", err.msg);
		db_close(db);
		return NULL;
	}
	if (created)
		printf("first start: created user admin with password %s (shown once)\n", pw);
	crypto_wipe(pw, sizeof pw);
	return db;
}

int main(int argc, char **argv)
{
	if (crypto_init()) {
		fprintf(stderr, "tandem: cannot initialise libsodium\n");
		return EXIT_FAIL;
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("tandem %s\n", TANDEM_VERSION);
		return EXIT_OK;
	}
	for (const struct cmd *c = commands; c->name; c++)
		if (!strcmp(argv[1], c->name))
			return c->fn(argc - 1, argv + 1);
	fprintf(stderr, "tandem: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
