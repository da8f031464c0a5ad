/*
 * cmd_serve.c - `tandem serve`: migrate, first-start bootstrap, serve.
 */
#include "cli/cli.h"
#include "domain/access.h"
#include "domain/account.h"
#include "domain/demo.h"
#include "http/http.h"
#include "store/group.h"
#include "util/log.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void serve_usage(FILE *f)
{
	fprintf(f, "usage: tandem serve [--db PATH] [--listen HOST:PORT] [--tz ZONE] [--data DIR]\n"
		   "                    [--threads N] [--web DIR] [--db-replica URL] [--demo-if-new]\n"
		   "                    [--group-batch N]\n\n"
		   "Applies migrations, creates the admin account on the first start of an empty\n"
		   "database (its password is printed once), and serves the API until SIGINT/SIGTERM.\n"
		   "--demo-if-new loads the synthetic demo cohort into a database created now.\n"
		   "--web DIR (TANDEM_WEB) serves the web app from DIR (default web/dist).\n"
		   "--db-replica URL (TANDEM_DB_REPLICA): a streaming replica that reports read from.\n"
		   "--group-batch N (TANDEM_GROUP_BATCH): doses share one durable commit, at most N\n"
		   "  at a time (default 32; 0 turns group commit off).\n");
}

static void print_login(const char *listen, int created, const char *pw)
{
	printf("\n");
	if (created) {
		printf("  First start: an administrator account was created.\n"
		       "    username: admin\n"
		       "    password: %s\n"
		       "  This password is shown once. Change it with:\n"
		       "    ./tandem user passwd admin --password-stdin\n",
		       pw);
	} else {
		printf("  Log in with an existing account (the admin password was printed at the\n"
		       "  first start). To set a new one: ./tandem user passwd admin --password-stdin\n");
	}
	printf("  Open http://%s in a browser to use the web app.\n", listen);
	printf("  API: http://%s/api/v1  (docs/api.md)  e.g.\n"
	       "    curl -s -X POST http://%s/api/v1/session -H 'Content-Type: application/json' \\\n"
	       "         -d '{\"username\":\"admin\",\"password\":\"...\"}'\n\n",
	       listen, listen);
	fflush(stdout);
}

int cmd_serve(int argc, char **argv)
{
	struct cli_opts o;
	cli_defaults(&o);
	int threads = 4, demo = 0, batch = 0;
	const char *batch_env = getenv("TANDEM_GROUP_BATCH");
	const char *web = getenv("TANDEM_WEB");
	const char *replica = getenv("TANDEM_DB_REPLICA");
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},   {"listen", required_argument, NULL, 'l'},
		{"tz", required_argument, NULL, 'z'},   {"data", required_argument, NULL, 'D'},
		{"threads", required_argument, NULL, 't'}, {"demo-if-new", no_argument, NULL, 'n'},
		{"web", required_argument, NULL, 'w'},  {"help", no_argument, NULL, 'h'},
		{"db-replica", required_argument, NULL, 'r'},
		{"group-batch", required_argument, NULL, 'g'},
		{NULL, 0, NULL, 0},
	};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': o.db = optarg; break;
		case 'l': o.listen = optarg; break;
		case 'z': o.tz = optarg; break;
		case 'D': o.data = optarg; break;
		case 'n': demo = 1; break;
		case 'w': web = optarg; break;
		case 'r': replica = optarg; break;
		case 't':
			threads = (int)strtol(optarg, NULL, 10);
			if (threads < 1 || threads > 64) {
				cli_error("serve", "--threads must be 1-64");
				return EXIT_USAGE;
			}
			break;
		case 'g': batch_env = optarg; break;
		case 'h': serve_usage(stdout); return EXIT_OK;
		default: serve_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		serve_usage(stderr);
		return EXIT_USAGE;
	}
	if (batch_env && *batch_env) {
		char *end;
		long v = strtol(batch_env, &end, 10);
		if (*end || v < 0 || v > GROUP_MAX_BATCH) {
			cli_error("serve", "--group-batch must be 0-%d", GROUP_MAX_BATCH);
			return EXIT_USAGE;
		}
		batch = v ? (int)v : -1;
	}
	struct db *db = cli_open(&o);
	if (!db)
		return EXIT_FAIL;
	struct tdm_err err;
	tdm_err_clear(&err);
	char pw[21];
	int created = 0;
	if (account_bootstrap(db, pw, sizeof pw, &created, &err)) {
		cli_error("serve", "first-start setup failed: %s", err.msg);
		db_close(db);
		return EXIT_FAIL;
	}
	if (created && demo) {
		struct actor a;
		struct demo_summary s;
		actor_system(&a, "demo");
		printf("tandem: loading the synthetic demo cohort...\n");
		fflush(stdout);
		if (demo_load(db, &a, DEMO_DEFAULT_PATIENTS, 1, &s, &err)) {
			cli_error("serve", "demo cohort failed: %s", err.msg);
			db_close(db);
			return EXIT_FAIL;
		}
		printf("tandem: demo cohort loaded: %d synthetic patients (%d dual diagnosis), %d episodes\n",
		       s.patients, s.dual, s.episodes);
	}
	db_close(db);
	print_login(o.listen, created, pw);
	crypto_wipe(pw, sizeof pw);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (!web || !*web)
		web = access("web/dist/index.html", R_OK) == 0 ? "web/dist" : DATADIR "/web";
	struct http_config cfg = {.db_target = o.db, .listen = o.listen, .threads = threads, .group_batch = batch,
				  .web_root = web, .replica_target = replica};
	if (http_serve(&cfg, &stop_flag, &err)) {
		cli_error("serve", "%s", err.msg);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
