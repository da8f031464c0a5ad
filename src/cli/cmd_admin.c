/*
 * cmd_admin.c - `tandem migrate`, `user`, `site`, `audit`, `demo`.
 */
#include "cli/cli.h"
#include "domain/access.h"
#include "domain/account.h"
#include "domain/audit.h"
#include "domain/demo.h"
#include "domain/instrument.h"
#include "domain/instrument_db.h"
#include "domain/supervision.h"
#include "util/crypto.h"
#include "util/limits.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Options every database command takes. */
#define COMMON_OPTS                                                              \
	{"db", required_argument, NULL, 'd'}, {"tz", required_argument, NULL, 'z'}, \
	{"data", required_argument, NULL, 'D'}, {"help", no_argument, NULL, 'h'}

/* Handles a common option; returns 1 when it was one. */
static int common_opt(int ch, struct cli_opts *o)
{
	switch (ch) {
	case 'd': o->db = optarg; return 1;
	case 'z': o->tz = optarg; return 1;
	case 'D': o->data = optarg; return 1;
	default: return 0;
	}
}

/* Parses the common options only. Returns -1 to go on, else the exit code
 * (help printed on stdout, or a usage error on stderr). */
static int parse_common(int argc, char **argv, const char *use, struct cli_opts *o)
{
	static const struct option opts[] = {COMMON_OPTS, {NULL, 0, NULL, 0}};
	int ch;
	cli_defaults(o);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (common_opt(ch, o))
			continue;
		fputs(use, ch == 'h' ? stdout : stderr);
		return ch == 'h' ? EXIT_OK : EXIT_USAGE;
	}
	return -1;
}

int cmd_migrate(int argc, char **argv)
{
	static const char *use = "usage: tandem migrate [--db PATH]\n"
				 "Applies pending schema migrations and prints the schema version.\n";
	struct cli_opts o;
	int ex = parse_common(argc, argv, use, &o);
	if (ex >= 0)
		return ex;
	if (optind != argc) {
		fputs(use, stderr);
		return EXIT_USAGE;
	}
	struct db *db = cli_open(&o);
	if (!db)
		return EXIT_FAIL;
	struct tdm_err err;
	int v = 0;
	enum tdm_status rc = migrate_version(db, &v, &err);
	db_close(db);
	if (rc) {
		cli_error("migrate", "%s", err.msg);
		return EXIT_FAIL;
	}
	printf("schema version %d (latest %d)\n", v, migrate_latest());
	return EXIT_OK;
}

static const char *user_use =
	"usage: tandem user add NAME --role ROLE [--role ROLE...] [--site CODE] [--password-stdin]\n"
	"       tandem user grant NAME --role ROLE [--site CODE]\n"
	"       tandem user passwd NAME [--password-stdin]\n"
	"       tandem user supervise NAME --by SUPERVISOR | --end\n"
	"roles: admin, prescriber, nurse, therapist, intake, auditor. --site defaults to the\n"
	"first site. Without --password-stdin a random password is generated and printed.\n"
	"supervise: NAME's signed progress notes then await SUPERVISOR's co-signature;\n"
	"--end stops it.\n";

int cmd_user(int argc, char **argv)
{
	static const struct option opts[] = {
		COMMON_OPTS,
		{"role", required_argument, NULL, 'r'},
		{"site", required_argument, NULL, 's'},
		{"password-stdin", no_argument, NULL, 'p'},
		{"by", required_argument, NULL, 'b'},
		{"end", no_argument, NULL, 'e'},
		{NULL, 0, NULL, 0},
	};
	struct cli_opts o;
	cli_defaults(&o);
	unsigned roles = 0;
	const char *site = NULL, *by = NULL;
	int from_stdin = 0, end = 0, ch;
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(user_use, stdout);
		return EXIT_OK;
	}
	if (argc < 3) {
		fputs(user_use, stderr);
		return EXIT_USAGE;
	}
	const char *sub = argv[1], *name = argv[2];
	optind = 3;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (common_opt(ch, &o))
			continue;
		if (ch == 'r') {
			unsigned r = role_from_name(optarg);
			if (!r) {
				cli_error("user", "unknown role '%s'", optarg);
				return EXIT_USAGE;
			}
			roles |= r;
		} else if (ch == 's') {
			site = optarg;
		} else if (ch == 'p') {
			from_stdin = 1;
		} else if (ch == 'b') {
			by = optarg;
		} else if (ch == 'e') {
			end = 1;
		} else {
			fputs(user_use, ch == 'h' ? stdout : stderr);
			return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	int add = !strcmp(sub, "add"), grant = !strcmp(sub, "grant"), passwd = !strcmp(sub, "passwd");
	int supervise = !strcmp(sub, "supervise");
	if (optind != argc || (!add && !grant && !passwd && !supervise) || ((add || grant) && !roles) ||
	    (supervise && !by == !end) || (!supervise && (by || end))) {
		fputs(user_use, stderr);
		return EXIT_USAGE;
	}
	char pw[TDM_LEN_PASSWORD + 2];
	int generated = 0;
	if ((add || passwd) && from_stdin) {
		if (cli_read_line(pw, sizeof pw)) {
			cli_error("user", "could not read a password line from stdin");
			return EXIT_USAGE;
		}
	} else if (add || passwd) {
		crypto_password(pw, 21);
		generated = 1;
	}
	struct db *db = cli_open_ready(&o);
	if (!db)
		return EXIT_FAIL;
	struct tdm_err err;
	tdm_err_clear(&err);
	struct actor a;
	actor_system(&a, "cli");
	enum tdm_status rc = TDM_OK;
	if (add)
		rc = account_add(db, &a, name, pw, roles, site, NULL, &err);
	else if (grant)
		rc = account_grant(db, &a, name, roles, site, &err);
	else if (supervise && by)
		rc = supervision_start(db, &a, name, by, &err);
	else if (supervise)
		rc = supervision_end(db, &a, name, &err);
	else
		rc = account_set_password(db, &a, name, pw, &err);
	db_close(db);
	if (rc) {
		crypto_wipe(pw, sizeof pw);
		cli_error("user", "%s", err.msg);
		return EXIT_FAIL;
	}
	if (add)
		printf("added user %s\n", name);
	else if (grant)
		printf("granted roles to %s\n", name);
	else if (supervise && by)
		printf("%s is supervised by %s: their signed notes await co-signature\n", name, by);
	else if (supervise)
		printf("supervision of %s ended\n", name);
	else
		printf("password of %s changed; their sessions were ended\n", name);
	if (generated)
		printf("password: %s (shown once)\n", pw);
	crypto_wipe(pw, sizeof pw);
	return EXIT_OK;
}

int cmd_site(int argc, char **argv)
{
	static const char *use = "usage: tandem site add CODE NAME\n       tandem site list\n";
	struct cli_opts o;
	int ex = parse_common(argc, argv, use, &o);
	if (ex >= 0)
		return ex;
	int nargs = argc - optind;
	char **args = argv + optind;
	int add = nargs == 3 && !strcmp(args[0], "add");
	int list = nargs == 1 && !strcmp(args[0], "list");
	if (!add && !list) {
		fputs(use, stderr);
		return EXIT_USAGE;
	}
	struct db *db = cli_open_ready(&o);
	if (!db)
		return EXIT_FAIL;
	struct tdm_err err;
	tdm_err_clear(&err);
	enum tdm_status rc = TDM_OK;
	if (add) {
		struct site s;
		rc = site_add(db, args[1], args[2], &s, &err);
		if (!rc)
			printf("added site %s (id %" PRId64 "): %s\n", s.code, s.id, s.name);
	} else {
		struct actor a;
		struct site *sites = NULL;
		int n = 0;
		actor_system(&a, "cli");
		rc = site_list(db, &a, &sites, &n, &err);
		for (int i = 0; !rc && i < n; i++)
			printf("%" PRId64 "\t%s\t%s\n", sites[i].id, sites[i].code, sites[i].name);
		free(sites);
	}
	db_close(db);
	if (rc) {
		cli_error("site", "%s", err.msg);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int cmd_audit(int argc, char **argv)
{
	static const char *use = "usage: tandem audit verify [--db PATH]\n"
				 "Recomputes the audit trail's hash chain. Exit 0 when intact; 1 and the\n"
				 "first bad row when a row was edited, removed or reordered.\n";
	struct cli_opts o;
	int ex = parse_common(argc, argv, use, &o);
	if (ex >= 0)
		return ex;
	if (argc - optind != 1 || strcmp(argv[optind], "verify")) {
		fputs(use, stderr);
		return EXIT_USAGE;
	}
	struct db *db = cli_open(&o);
	if (!db)
		return EXIT_FAIL;
	struct tdm_err err;
	struct audit_report rep;
	enum tdm_status rc = audit_verify(db, &rep, &err);
	db_close(db);
	if (rc) {
		cli_error("audit", "%s", err.msg);
		return EXIT_FAIL;
	}
	if (rep.bad_seq) {
		printf("FAILED: audit row %" PRId64 " %s (%" PRId64 " rows checked)\n", rep.bad_seq,
		       rep.why, rep.rows);
		return EXIT_FAIL;
	}
	printf("OK: %" PRId64 " audit rows, hash chain intact\n", rep.rows);
	return EXIT_OK;
}

int cmd_demo(int argc, char **argv)
{
	static const char *use = "usage: tandem demo [--db PATH] [--patients N] [--seed S]\n"
				 "Loads a synthetic, clearly labelled demo cohort (MRNs DEMO-...) into a\n"
				 "database without patients.\n";
	static const struct option opts[] = {
		COMMON_OPTS,
		{"patients", required_argument, NULL, 'n'},
		{"seed", required_argument, NULL, 's'},
		{NULL, 0, NULL, 0},
	};
	struct cli_opts o;
	cli_defaults(&o);
	long n = DEMO_DEFAULT_PATIENTS, seed = 1;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (common_opt(ch, &o))
			continue;
		if (ch == 'n' || ch == 's') {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 100000) {
				cli_error("demo", "--%s must be 1-100000", ch == 'n' ? "patients" : "seed");
				return EXIT_USAGE;
			}
			if (ch == 'n')
				n = v;
			else
				seed = v;
			continue;
		}
		fputs(use, ch == 'h' ? stdout : stderr);
		return ch == 'h' ? EXIT_OK : EXIT_USAGE;
	}
	if (optind != argc) {
		fputs(use, stderr);
		return EXIT_USAGE;
	}
	struct db *db = cli_open_ready(&o);
	if (!db)
		return EXIT_FAIL;
	struct tdm_err err;
	tdm_err_clear(&err);
	struct actor a;
	struct demo_summary s;
	actor_system(&a, "demo");
	enum tdm_status rc = demo_load(db, &a, (int)n, (unsigned)seed, &s, &err);
	db_close(db);
	if (rc) {
		cli_error("demo", "%s", err.msg);
		return EXIT_FAIL;
	}
	printf("loaded %d synthetic patients (%d dual diagnosis), %d diagnoses, %d episodes, "
	       "%d placements, %d discharged, %d assessments, %d schedules, %d open alerts, "
	       "%d medication orders, %d doses recorded, %d take-home dispenses, %d results, "
	       "%d treatment plans (%d versions), %d therapy sessions, %d attendance records, %d progress notes\n",
	       s.patients, s.dual, s.diagnoses, s.episodes, s.placements, s.discharged, s.assessments,
	       s.schedules, s.alerts_open, s.med_orders, s.med_administrations, s.takehome_dispenses,
	       s.results, s.plans, s.plan_versions, s.therapy_sessions, s.attendance, s.progress_notes);
	return EXIT_OK;
}

int cmd_instrument(int argc, char **argv)
{
	static const char *use =
		"usage: tandem instrument list\n"
		"       tandem instrument import FILE\n"
		"import checks a clinic-supplied definition (docs/instruments.md), stores it in the\n"
		"database and makes it available to every server (restart running servers).\n";
	struct cli_opts o;
	int ex = parse_common(argc, argv, use, &o);
	if (ex >= 0)
		return ex;
	int nargs = argc - optind;
	char **args = argv + optind;
	int list = nargs == 1 && !strcmp(args[0], "list");
	int import = nargs == 2 && !strcmp(args[0], "import");
	if (!list && !import) {
		fputs(use, stderr);
		return EXIT_USAGE;
	}
	char *text = NULL;
	size_t len = 0;
	if (import) {
		FILE *f = fopen(args[1], "rb");
		if (!f) {
			cli_error("instrument", "cannot open %s", args[1]);
			return EXIT_FAIL;
		}
		text = malloc(256 * 1024 + 1);
		len = text ? fread(text, 1, 256 * 1024 + 1, f) : 0;
		fclose(f);
		if (!text || len > 256 * 1024) {
			free(text);
			cli_error("instrument", "%s is larger than 256 KiB", args[1]);
			return EXIT_FAIL;
		}
		text[len] = '\0';
	}
	struct db *db = cli_open_ready(&o);
	if (!db) {
		free(text);
		return EXIT_FAIL;
	}
	int rc = EXIT_OK;
	if (import) {
		struct tdm_err err;
		struct actor a;
		char code[24];
		actor_system(&a, "cli");
		tdm_err_clear(&err);
		if (instrument_import(db, &a, text, len, args[1], code, sizeof code, &err)) {
			cli_error("instrument", "%s", err.msg);
			rc = EXIT_FAIL;
		} else {
			printf("imported %s\n", code);
		}
	} else {
		for (int i = 0; i < instrument_count(); i++) {
			const struct instrument *in = instrument_at(i);
			printf("%-10s %-4s %-9s %s\n", in->code, in->version, in->imported ? "imported" : "built-in",
			       in->name);
		}
	}
	free(text);
	db_close(db);
	return rc;
}
