/*
 * cmd_store.c - `tandem migrate-store`, `tandem backup`, `tandem restore`.
 */
#include "cli/cli.h"
#include "domain/audit.h"
#include "store/copy.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Verifies the audit chain of db and prints the outcome under label. */
static int verify(struct db *db, const char *label, int64_t *rows)
{
	struct tdm_err err;
	struct audit_report rep;
	if (audit_verify(db, &rep, &err)) {
		cli_error("migrate-store", "%s: %s", label, err.msg);
		return -1;
	}
	if (rep.bad_seq) {
		printf("%s: audit row %" PRId64 " %s\n", label, rep.bad_seq, rep.why);
		return -1;
	}
	printf("%s: %" PRId64 " audit rows, hash chain intact\n", label, rep.rows);
	*rows = rep.rows;
	return 0;
}

int cmd_migrate_store(int argc, char **argv)
{
	static const char *use =
		"usage: tandem migrate-store --from SOURCE --to TARGET\n"
		"Copies a whole clinic database, e.g. --from sqlite:var/tandem.db\n"
		"--to postgresql://tandem@db1/tandem. The target is migrated first and must be\n"
		"empty. The copy is checked table by table and by the audit chain.\n";
	static const struct option opts[] = {
		{"from", required_argument, NULL, 'f'}, {"to", required_argument, NULL, 't'},
		{"data", required_argument, NULL, 'D'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cli_opts o;
	const char *from = NULL, *to = NULL;
	cli_defaults(&o);
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'f')
			from = optarg;
		else if (ch == 't')
			to = optarg;
		else if (ch == 'D')
			o.data = optarg;
		else {
			fputs(use, ch == 'h' ? stdout : stderr);
			return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (!from || !to || optind != argc) {
		fputs(use, stderr);
		return EXIT_USAGE;
	}
	o.db = from;
	struct db *src = cli_open(&o);
	if (!src)
		return EXIT_FAIL;
	o.db = to;
	struct db *dst = cli_open(&o);
	if (!dst) {
		db_close(src);
		return EXIT_FAIL;
	}
	struct tdm_err err;
	struct copy_report rep;
	int64_t a = 0, b = 0;
	int rc = EXIT_OK;
	if (copy_store(src, dst, &rep, &err)) {
		cli_error("migrate-store", "%s", err.msg);
		rc = EXIT_FAIL;
	} else {
		printf("copied %d tables, %" PRId64 " rows; counts match\n", rep.tables, rep.rows);
		if (verify(src, "source", &a) || verify(dst, "target", &b) || a != b) {
			cli_error("migrate-store", "audit chains differ");
			rc = EXIT_FAIL;
		}
	}
	db_close(src);
	db_close(dst);
	return rc;
}

int cmd_backup(int argc, char **argv)
{
	static const char *use =
		"usage: tandem backup [--db PATH] DEST\n"
		"       tandem restore BACKUP --db PATH\n"
		"backup copies a live SQLite database to the new file DEST (online, consistent).\n"
		"restore copies a backup to a new database file PATH and verifies its audit chain.\n"
		"PostgreSQL: use pg_dump -Fc and pg_restore (docs/deployment.md).\n";
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'}, {"data", required_argument, NULL, 'D'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	int restore = !strcmp(argv[0], "restore");
	struct cli_opts o;
	cli_defaults(&o);
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'd')
			o.db = optarg;
		else if (ch == 'D')
			o.data = optarg;
		else {
			fputs(use, ch == 'h' ? stdout : stderr);
			return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		fputs(use, stderr);
		return EXIT_USAGE;
	}
	const char *db = o.db;
	if (!strncmp(db, "sqlite:", 7))
		db += 7;
	if (strstr(db, "://")) {
		cli_error(argv[0], "only SQLite databases are backed up by tandem; for PostgreSQL use "
				   "pg_dump -Fc (docs/deployment.md)");
		return EXIT_USAGE;
	}
	const char *from = restore ? argv[optind] : db, *to = restore ? db : argv[optind];
	struct tdm_err err;
	if (copy_sqlite_backup(from, to, &err)) {
		cli_error(argv[0], "%s", err.msg);
		return EXIT_FAIL;
	}
	o.db = to;
	struct db *d = cli_open(&o);
	if (!d)
		return EXIT_FAIL;
	int64_t rows = 0;
	int bad = verify(d, restore ? "restored" : "backup", &rows);
	db_close(d);
	if (bad)
		return EXIT_FAIL;
	printf("%s %s -> %s\n", restore ? "restored" : "backed up", from, to);
	return EXIT_OK;
}
