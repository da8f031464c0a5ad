/*
 * cli.h - the tandem command line: one cmd_<name> per command, a table in
 * main.c, shared option handling here. Only this layer may exit.
 */
#ifndef TDM_CLI_H
#define TDM_CLI_H

#include "store/store.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

#define DEMO_DEFAULT_PATIENTS 240 /* the cohort `make run` loads */

/* Settings shared by every command: flag, else environment, else default. */
struct cli_opts {
	const char *db;      /* --db PATH / TANDEM_DB, default var/tandem.db */
	const char *tz;      /* --tz ZONE / TANDEM_TZ */
	const char *data;    /* --data DIR / TANDEM_DATA */
	const char *listen;  /* --listen HOST:PORT / TANDEM_LISTEN */
};

void cli_defaults(struct cli_opts *o);
/* Applies zone, loads data files, opens the database and migrates it.
 * Prints the error and returns NULL on failure. */
struct db *cli_open(const struct cli_opts *o);
/* cli_open, then the first-start setup (default site, admin account whose
 * password is printed once) when the database has no user yet. */
struct db *cli_open_ready(const struct cli_opts *o);
/* Prints "tandem CMD: msg" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reads one line (a password) from stdin without the newline. */
int cli_read_line(char *buf, int n);

int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_site(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_migrate_store(int argc, char **argv);
int cmd_instrument(int argc, char **argv);
int cmd_backup(int argc, char **argv); /* also `restore` */

#endif
