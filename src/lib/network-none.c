/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * network.h for a build without networking (meson -Dnetwork=false: a fully static
 * wirt, which cannot link libmnl). A vServer without addresses runs as everywhere;
 * one with addresses is refused with a message that says why.
 */
#include <errno.h>
#include <stdio.h>

#include "network.h"

static int unsupported(const struct wirt_spec *spec, struct wirt_error *err)
{
	if (spec->net.mode == WIRT_NET_NONE)
		return 0;
	return wirt_error_plain(err, EOPNOTSUPP, "network: this wirt was built without "
						 "network support (meson -Dnetwork=false)");
}

void wirt_network_names(const char *root, const char *name, struct wirt_netnames *ret)
{
	snprintf(ret->table, sizeof(ret->table), "wirt");
	snprintf(ret->prefix, sizeof(ret->prefix), "wv-");
	snprintf(ret->iface, sizeof(ret->iface), "wv-%.12s", name);
}

int wirt_network_up(const char *root, const struct wirt_spec *spec, int netns_fd,
		    struct wirt_error *err)
{
	return unsupported(spec, err);
}

int wirt_network_down(const char *root, const struct wirt_spec *spec, struct wirt_error *err)
{
	return 0;
}

int wirt_network_cleanup(const char *root, const struct wirt_spec *spec, struct wirt_error *err)
{
	return 0;
}

int wirt_network_addr(const char *root, const struct wirt_spec *spec, pid_t init,
		      const struct wirt_net_addr *addr, bool add, struct wirt_error *err)
{
	return unsupported(spec, err);
}

int wirt_network_policy(const char *root, const struct wirt_spec *spec, struct wirt_error *err)
{
	return unsupported(spec, err);
}

int wirt_network_port(const char *root, const struct wirt_spec *spec,
		      const struct wirt_net_port *port, bool add, struct wirt_error *err)
{
	return unsupported(spec, err);
}

const struct wirt_net_addr *wirt_network_forward_target(const struct wirt_spec *spec, int family)
{
	return NULL;
}

int wirt_network_change(const char *root, const struct wirt_spec *old, const struct wirt_spec *new,
			pid_t init, struct wirt_error *err)
{
	return unsupported(new, err);
}
