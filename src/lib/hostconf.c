/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host's config: see hostconf.h. */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <ini.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "hostconf.h"
#include "netaddr.h"
#include "util.h"
#include "validate.h"

#define HOSTCONF_FILE_MAX (16 * 1024)

struct parse_state {
	struct wirt_hostconf *conf;
	struct wirt_error *err;
	int failed;
};

static int masquerade_add(const char *item, void *data, struct wirt_error *err)
{
	struct wirt_hostconf *c = data;

	if (c->n_masquerade >= WIRT_HOSTCONF_MASQ_MAX)
		return wirt_error_invalid(err, "more than %d prefixes", WIRT_HOSTCONF_MASQ_MAX);
	return wirt_netaddr_parse_prefix(item, &c->masquerade[c->n_masquerade++], err);
}

static int resolver_add(const char *item, void *data, struct wirt_error *err)
{
	struct wirt_hostconf *c = data;

	if (c->n_resolvers >= WIRT_NET_RESOLVERS_MAX)
		return wirt_error_invalid(err, "more than %d nameservers", WIRT_NET_RESOLVERS_MAX);
	return wirt_netaddr_parse_host(item, &c->resolvers[c->n_resolvers++], err);
}

static int pool_parse(const char *value, int family, struct wirt_net_addr *ret,
		      struct wirt_error *err)
{
	int r = wirt_netaddr_parse_prefix(value, ret, err);

	if (r < 0)
		return r;
	if (ret->family != family) {
		char shown[WIRT_ESCAPE_MAX];

		return wirt_error_invalid(err, "'%s' is not an %s prefix",
					  wirt_str_escape(value, shown, sizeof(shown)),
					  family == AF_INET ? "IPv4" : "IPv6");
	}
	return 0;
}

/* An address to bind: any of the host's, loopback and 0.0.0.0 / :: too. */
static int listen_add(const char *item, void *data, struct wirt_error *err)
{
	struct wirt_edge_conf *e = data;
	struct wirt_net_addr *a;
	char shown[WIRT_ESCAPE_MAX];

	if (e->n_listen >= WIRT_EDGE_LISTEN_MAX)
		return wirt_error_invalid(err, "more than %d addresses", WIRT_EDGE_LISTEN_MAX);
	a = &e->listen[e->n_listen];
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, item, a->addr) == 1) {
		a->family = AF_INET;
		a->prefix = 32;
	} else if (inet_pton(AF_INET6, item, a->addr) == 1) {
		a->family = AF_INET6;
		a->prefix = 128;
	} else {
		return wirt_error_invalid(err, "'%s' is not an IP address",
					  wirt_str_escape(item, shown, sizeof(shown)));
	}
	e->n_listen++;
	return 0;
}

/* A value that goes into a file name or a command line: printable, no spaces. */
static int copy_word(const char *value, char *out, size_t size, bool path,
		     struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];

	if (strlen(value) >= size)
		return wirt_error_invalid(err, "longer than %zu characters", size - 1);
	for (const char *p = value; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return wirt_error_invalid(err, "'%s' holds a space or control character",
						  wirt_str_escape(value, shown, sizeof(shown)));
	if (path && value[0] != '/')
		return wirt_error_invalid(err, "'%s' is not an absolute path",
					  wirt_str_escape(value, shown, sizeof(shown)));
	snprintf(out, size, "%s", value);
	return 0;
}

static int set_edge_key(struct wirt_edge_conf *e, const char *key, const char *value,
			struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	uint64_t v;
	int r;

	if (strcmp(key, "listen") == 0)
		return wirt_list_each(value, listen_add, e, err);
	if (strcmp(key, "http_port") == 0 || strcmp(key, "https_port") == 0) {
		r = wirt_uint_parse(value, 1, 65535, &v, err);
		if (r == 0)
			*(key[4] == 's' ? &e->https_port : &e->http_port) = (unsigned)v;
		return r;
	}
	if (strcmp(key, "acme_directory") == 0) {
		if (strncmp(value, "https://", 8) != 0)
			return wirt_error_invalid(err, "'%s' is not an https:// URL",
						  wirt_str_escape(value, shown, sizeof(shown)));
		return copy_word(value, e->acme_directory, sizeof(e->acme_directory), false, err);
	}
	if (strcmp(key, "acme_email") == 0) {
		if (!strchr(value, '@'))
			return wirt_error_invalid(err, "'%s' is not an e-mail address",
						  wirt_str_escape(value, shown, sizeof(shown)));
		return copy_word(value, e->acme_email, sizeof(e->acme_email), false, err);
	}
	if (strcmp(key, "acme_ca_bundle") == 0)
		return copy_word(value, e->acme_ca_bundle, sizeof(e->acme_ca_bundle), true, err);
	if (strcmp(key, "dns01_hook") == 0)
		return copy_word(value, e->dns01_hook, sizeof(e->dns01_hook), true, err);
	return wirt_error_invalid(err, "unknown key '%s' (keys: listen, http_port, https_port, "
				       "acme_directory, acme_email, acme_ca_bundle, dns01_hook)",
				  wirt_str_escape(key, shown, sizeof(shown)));
}

static int set_key(struct wirt_hostconf *c, const char *section, const char *key,
		   const char *value, struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];

	if (strcmp(section, "edge") == 0)
		return set_edge_key(&c->edge, key, value, err);
	if (strcmp(section, "network") != 0)
		return wirt_error_invalid(err, "unknown section [%s]",
					  wirt_str_escape(section, shown, sizeof(shown)));
	if (strcmp(key, "pool") == 0) {
		c->has_pool = true;
		return pool_parse(value, AF_INET, &c->pool, err);
	}
	if (strcmp(key, "pool6") == 0) {
		c->has_pool6 = true;
		return pool_parse(value, AF_INET6, &c->pool6, err);
	}
	if (strcmp(key, "uplink") == 0) {
		int r = wirt_ifname_validate(value, err);

		if (r == 0)
			snprintf(c->uplink, sizeof(c->uplink), "%s", value);
		return r;
	}
	if (strcmp(key, "mtu") == 0) {
		uint64_t v;
		int r = wirt_uint_parse(value, WIRT_HOSTCONF_MTU_MIN, 65535, &v, err);

		c->mtu = (unsigned)v;
		return r;
	}
	if (strcmp(key, "masquerade") == 0)
		return wirt_list_each(value, masquerade_add, c, err);
	if (strcmp(key, "resolver") == 0)
		return wirt_list_each(value, resolver_add, c, err);
	return wirt_error_invalid(err, "unknown key '%s' (keys: pool, pool6, uplink, "
				       "masquerade, resolver, mtu)",
				  wirt_str_escape(key, shown, sizeof(shown)));
}

static int handler(void *data, const char *section, const char *key, const char *value)
{
	struct parse_state *st = data;
	int r;

	if (st->failed)
		return 0;
	if (!key) /* a section header alone */
		return 1;
	r = set_key(st->conf, section, key, value, st->err);
	if (r < 0) {
		char s1[WIRT_ESCAPE_MAX], s2[WIRT_ESCAPE_MAX];

		wirt_error_prefix(st->err, "[%s] %s", wirt_str_escape(section, s1, sizeof(s1)),
				  wirt_str_escape(key, s2, sizeof(s2)));
		st->failed = r;
		return 0;
	}
	return 1;
}

const char *wirt_hostconf_path(void)
{
	const char *env = getenv("WIRT_CONFIG");

	return env && *env ? env : WIRT_HOSTCONF_DEFAULT;
}

int wirt_hostconf_parse(const char *text, size_t len, struct wirt_hostconf *ret,
			struct wirt_error *err)
{
	struct parse_state st = { .conf = ret, .err = err };
	_cleanup_free_ char *copy = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (memchr(text, '\0', len))
		return wirt_error_invalid(err, "contains a NUL byte");
	copy = strndup(text, len);
	if (!copy)
		return wirt_errorf(err, ENOMEM, "parse");
	r = ini_parse_string(copy, handler, &st);
	if (st.failed)
		return st.failed;
	if (r != 0)
		return wirt_error_invalid(err, "line %d: expected '[section]' or 'key = value'", r);
	return 0;
}

int wirt_hostconf_load(struct wirt_hostconf *ret, struct wirt_error *err)
{
	const char *path = wirt_hostconf_path();
	_cleanup_close_ int fd = -1;
	char *text;
	ssize_t n;
	int r;

	memset(ret, 0, sizeof(*ret));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return wirt_errorf(err, errno, "host config '%s'", path);
	text = malloc(HOSTCONF_FILE_MAX + 1);
	if (!text)
		return wirt_errorf(err, ENOMEM, "host config '%s'", path);
	n = read(fd, text, HOSTCONF_FILE_MAX + 1);
	if (n < 0 || n > HOSTCONF_FILE_MAX) {
		r = n < 0 ? wirt_errorf(err, errno, "host config '%s': read", path)
			  : wirt_error_plain(err, EFBIG, "host config '%s': larger than %d bytes",
					     path, HOSTCONF_FILE_MAX);
		free(text);
		return r;
	}
	r = wirt_hostconf_parse(text, (size_t)n, ret, err);
	free(text);
	if (r < 0)
		return wirt_error_prefix(err, "host config '%s'", path);
	return 0;
}
