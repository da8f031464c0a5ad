/*
 * static.c - the web app's files, served from one directory.
 *
 * GET/HEAD of any path outside /api/ and /healthz maps to a file under the
 * web root; a path whose last segment has no dot and no file falls back to
 * index.html (the single-page app routes itself). Paths are resolved with
 * realpath() and must stay inside the root.
 */
#include "http/static.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[PATH_MAX];
static size_t root_len;

int static_set_root(const char *dir)
{
	if (!dir || !realpath(dir, root)) {
		root[0] = '\0';
		root_len = 0;
		return -1;
	}
	root_len = strlen(root);
	return 0;
}

const char *static_root(void)
{
	return root_len ? root : NULL;
}

static const struct {
	const char *ext, *type;
} types[] = {
	{".html", "text/html; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".mjs", "text/javascript; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".json", "application/json"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".ico", "image/x-icon"},
	{".woff2", "font/woff2"},
	{".txt", "text/plain; charset=utf-8"},
	{".map", "application/json"},
};

static const char *type_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].type;
	return NULL;
}

/* Opens root + rel if it resolves inside root to a regular file. */
static int open_inside(const char *rel, struct stat *st, char *resolved)
{
	char want[PATH_MAX];
	if (snprintf(want, sizeof want, "%s%s", root, rel) >= (int)sizeof want)
		return -1;
	if (!realpath(want, resolved))
		return -1;
	if (strncmp(resolved, root, root_len) || (resolved[root_len] && resolved[root_len] != '/'))
		return -1;
	int fd = open(resolved, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) || !S_ISREG(st->st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

int static_open(const char *path, struct static_file *out)
{
	char resolved[PATH_MAX];
	memset(out, 0, sizeof *out);
	out->fd = -1;
	if (!root_len || path[0] != '/' || strstr(path, "..") || strchr(path, '\\') ||
	    strlen(path) > 512)
		return -1;
	const char *rel = strcmp(path, "/") ? path : "/index.html";
	struct stat st;
	int fd = open_inside(rel, &st, resolved);
	if (fd < 0) {
		const char *last = strrchr(path, '/');
		if (last && strchr(last, '.'))
			return -1; /* a missing asset is a 404, not the app */
		fd = open_inside("/index.html", &st, resolved);
		if (fd < 0)
			return -1;
	}
	const char *type = type_of(resolved);
	if (!type) {
		close(fd);
		return -1;
	}
	out->fd = fd;
	out->size = (uint64_t)st.st_size;
	out->type = type;
	out->is_html = !strcmp(type, types[0].type);
	return 0;
}
