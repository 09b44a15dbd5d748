/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wirt status NAME [--json]. JSON (stable, docs/wirt.1.md): {"name", "state",
 * "template", "hostname", "autostart", "id_base", "id_count", "pid", "supervisor_pid",
 * "started" (unix time or null), "guest_alive", "proc_view" ("lxcfs"|"host"|null),
 * "oom_kills" (while running, else null), "last_exit": {"status", "signal", "stopped"}
 * or null, "network": {"mode", "addresses" (with prefix), "interface" (host side),
 * "policy", "bridge" and "mac" (bridged only)}}
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cgroup.h"
#include "netaddr.h"
#include "network.h"
#include "vserver.h"

static const char *const mode_names[] = { "none", "routed", "bridged" };

static void print_network_json(const struct wirt_spec *spec, const struct wirt_netnames *nn)
{
	const struct wirt_net *net = &spec->net;
	char text[WIRT_NETADDR_TEXT_MAX];

	printf(",\"network\":{\"mode\":\"%s\",\"addresses\":[", mode_names[net->mode]);
	for (unsigned i = 0; i < net->n_addrs; i++)
		printf("%s\"%s\"", i ? "," : "", wirt_netaddr_str_prefix(&net->addrs[i], text));
	printf("],\"interface\":");
	if (net->mode != WIRT_NET_NONE)
		cli_json_string(nn->iface);
	else
		printf("null");
	printf(",\"policy\":\"%s\"", net->policy == WIRT_POLICY_DENY ? "deny" : "allow");
	if (net->mode == WIRT_NET_BRIDGED) {
		printf(",\"bridge\":");
		cli_json_string(net->bridge);
		printf(",\"mac\":\"%s\"", wirt_mac_str(net->mac, text));
	}
	printf("}");
}

static void print_network_text(const struct wirt_spec *spec, const struct wirt_netnames *nn)
{
	const struct wirt_net *net = &spec->net;
	char text[WIRT_NETADDR_TEXT_MAX];

	printf("network:    %s", mode_names[net->mode]);
	if (net->mode == WIRT_NET_NONE) {
		printf(" (loopback only)\n");
		return;
	}
	printf(", policy %s\n", net->policy == WIRT_POLICY_DENY ? "deny (no traffic with other "
								      "vServers)"
								    : "allow");
	printf("addresses: ");
	for (unsigned i = 0; i < net->n_addrs; i++)
		printf("%s%s", i ? ", " : " ", wirt_netaddr_str_prefix(&net->addrs[i], text));
	printf("\n");
	printf("interface:  %s\n", nn->iface); /* the host end; eth0 inside */
	if (net->mode == WIRT_NET_BRIDGED)
		printf("bridge:     %s, MAC %s\n", net->bridge, wirt_mac_str(net->mac, text));
}

static const char *iso_time(time_t t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* OOM kills in the vServer's cgroup (it lives while the vServer runs), or -1. */
static long long oom_kills(const char *root, const struct wirt_spec *spec,
			   const struct wirt_status *st)
{
	struct wirt_cgroup_stats cs;
	struct wirt_error err;
	struct wirt_cgroup cg;

	if (st->state == WIRT_STATE_STOPPED)
		return -1;
	wirt_cgroup_init(&cg, root, spec->name);
	if (wirt_cgroup_read_stats(&cg, &cs, &err) < 0 || cs.oom_kills == WIRT_UNLIMITED)
		return -1;
	return (long long)cs.oom_kills;
}

static void print_json(const struct wirt_spec *spec, const struct wirt_status *st, long long ooms,
		       const struct wirt_netnames *nn)
{
	bool up = st->state != WIRT_STATE_STOPPED && st->run.init > 0;

	printf("{\"name\":");
	cli_json_string(spec->name);
	printf(",\"state\":\"%s\",\"template\":", wirt_state_name(st->state));
	cli_json_string(spec->template_name);
	printf(",\"hostname\":");
	cli_json_string(spec->hostname);
	printf(",\"autostart\":%s,\"id_base\":%u,\"id_count\":%u", spec->autostart ? "true" : "false",
	       spec->id_base, spec->id_count);
	if (up)
		printf(",\"pid\":%d,\"supervisor_pid\":%d,\"started\":%lld", st->run.init,
		       st->run.supervisor, (long long)st->run.started);
	else
		printf(",\"pid\":null,\"supervisor_pid\":null,\"started\":null");
	printf(",\"guest_alive\":%s", st->guest_alive ? "true" : "false");
	if (up)
		printf(",\"proc_view\":\"%s\"", st->run.lxcfs ? "lxcfs" : "host");
	else
		printf(",\"proc_view\":null");
	if (ooms >= 0)
		printf(",\"oom_kills\":%lld", ooms);
	else
		printf(",\"oom_kills\":null");
	if (st->has_last_exit)
		printf(",\"last_exit\":{\"status\":%d,\"signal\":%d,\"stopped\":%lld}",
		       st->last_exit, st->last_signal, (long long)st->last_stopped);
	else
		printf(",\"last_exit\":null");
	print_network_json(spec, nn);
	printf("}\n");
}

static void print_text(const struct wirt_spec *spec, const struct wirt_status *st, long long ooms,
		       const struct wirt_netnames *nn)
{
	char t[32];

	printf("name:       %s\n", spec->name);
	printf("state:      %s\n", wirt_state_name(st->state));
	if (st->state == WIRT_STATE_CRASHED)
		printf("            the supervisor is gone%s; 'wirt stop %s' cleans up\n",
		       st->guest_alive ? " (the guest still runs)" : "", spec->name);
	printf("template:   %s\n", spec->template_name);
	printf("hostname:   %s\n", spec->hostname);
	printf("autostart:  %s\n", spec->autostart ? "yes" : "no");
	printf("ids:        %u-%u (root inside is uid %u outside)\n", spec->id_base,
	       spec->id_base + spec->id_count - 1, spec->id_base);
	print_network_text(spec, nn);
	if (st->state == WIRT_STATE_RUNNING && st->run.init > 0) {
		printf("pid:        %d (supervisor %d)\n", st->run.init, st->run.supervisor);
		/* what free, uptime, /proc/meminfo ... show inside */
		printf("proc view:  %s\n", st->run.lxcfs ? "the vServer's own limits (lxcfs)"
							: "the host's (lxcfs was not running)");
		printf("started:    %s\n", iso_time(st->run.started, t, sizeof(t)));
	}
	if (ooms >= 0)
		printf("oom kills:  %lld%s\n", ooms, ooms ? " (processes the OOM killer ended inside)" : "");
	if (st->has_last_exit) {
		if (st->last_signal)
			printf("last exit:  signal %d at %s\n", st->last_signal,
			       iso_time(st->last_stopped, t, sizeof(t)));
		else
			printf("last exit:  status %d at %s\n", st->last_exit,
			       iso_time(st->last_stopped, t, sizeof(t)));
	}
}

int cmd_status(struct wirt_cli *cli, int argc, char **argv)
{
	struct wirt_error err = { 0 };
	const char *name = NULL;
	struct wirt_status st;
	struct wirt_netnames nn;
	struct wirt_spec spec;
	bool json = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (argv[i][0] == '-')
			return cli_usage("status", "unknown option '%s'", argv[i]);
		else if (name)
			return cli_usage("status", "expects one NAME");
		else
			name = argv[i];
	}
	if (!name)
		return cli_usage("status", "expects one NAME");
	if (wirt_vserver_load(cli->root, name, &spec, &err) < 0 ||
	    wirt_vserver_status(cli->root, name, &st, &err) < 0)
		return cli_fail_on("status", name, &err);
	wirt_network_names(cli->root, name, &nn);
	if (json)
		print_json(&spec, &st, oom_kills(cli->root, &spec, &st), &nn);
	else
		print_text(&spec, &st, oom_kills(cli->root, &spec, &st), &nn);
	return 0;
}
