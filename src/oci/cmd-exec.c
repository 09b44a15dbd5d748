/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wirt-oci exec [flags] ID [ARGS...]`: a process in a running container. The process
 * is --process FILE (a runtime-spec process object) or the container's own process
 * with ARGS and the flags' changes; either way it goes through the config parser with
 * the rest of the container's config, so it is checked as config.json is. The exit
 * status is the process's, unless --detach.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "lifecycle.h"
#include "names.h"

struct exec_flags {
	const char *process, *console_socket, *pid_file, *cwd, *user, *apparmor, *label;
	const char *preserve;
	bool tty, detach, no_new_privs;
	struct oci_list env, caps, gids;
};

static int set_user(json_t *proc, const char *user)
{
	json_t *u = json_object_get(proc, "user");
	uint32_t uid, gid;

	if (oci_user_parse(user, &uid, &gid) < 0)
		return -1;
	if (!json_is_object(u)) {
		u = json_object();
		json_object_set_new(proc, "user", u);
	}
	json_object_set_new(u, "uid", json_integer((json_int_t)uid));
	json_object_set_new(u, "gid", json_integer((json_int_t)gid));
	return 0;
}

static void add_env(json_t *proc, const char *kv)
{
	json_t *env = json_object_get(proc, "env");
	size_t klen = strcspn(kv, "="), i;
	json_t *e;

	if (!json_is_array(env)) {
		env = json_array();
		json_object_set_new(proc, "env", env);
	}
	json_array_foreach(env, i, e) {
		const char *s = json_string_value(e);
		if (s && strncmp(s, kv, klen) == 0 && s[klen] == '=') {
			json_array_set_new(env, i, json_string(kv));
			return;
		}
	}
	json_array_append_new(env, json_string(kv));
}

static void add_cap(json_t *proc, const char *cap)
{
	static const char *const sets[] = { "bounding", "effective", "permitted" };
	json_t *caps = json_object_get(proc, "capabilities");
	char name[64];

	snprintf(name, sizeof(name), "%s%s", strncmp(cap, "CAP_", 4) == 0 ? "" : "CAP_", cap);
	for (char *c = name; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 32);
	if (!json_is_object(caps)) {
		caps = json_object();
		json_object_set_new(proc, "capabilities", caps);
	}
	for (size_t i = 0; i < 3; i++) {
		json_t *set = json_object_get(caps, sets[i]);
		if (!json_is_array(set)) {
			set = json_array();
			json_object_set_new(caps, sets[i], set);
		}
		json_array_append_new(set, json_string(name));
	}
}

/* The process object: the file's, or the container's with the flags applied. */
static json_t *exec_process(struct oci_cli *cli, json_t *config, const struct exec_flags *f,
			    int argc, char **argv)
{
	json_error_t jerr;
	json_t *proc;

	if (f->process) {
		proc = json_load_file(f->process, 0, &jerr);
		if (!proc)
			oci_fail(cli, "exec: --process '%s': %s", f->process, jerr.text);
		return proc;
	}
	if (argc == 0) {
		oci_fail(cli, "exec: no command: give ARGS or --process FILE");
		return NULL;
	}
	proc = json_deep_copy(json_object_get(config, "process"));
	if (!proc)
		proc = json_object();
	json_t *args = json_array();
	for (int i = 0; i < argc; i++)
		json_array_append_new(args, json_string(argv[i]));
	json_object_set_new(proc, "args", args);
	json_object_set_new(proc, "terminal", json_boolean(f->tty));
	if (f->cwd)
		json_object_set_new(proc, "cwd", json_string(f->cwd));
	for (size_t i = 0; i < f->env.n; i++)
		add_env(proc, f->env.v[i]);
	for (size_t i = 0; i < f->caps.n; i++)
		add_cap(proc, f->caps.v[i]);
	if (f->user && set_user(proc, f->user) < 0) {
		json_decref(proc);
		oci_fail(cli, "exec: --user '%s': want UID[:GID]", f->user);
		return NULL;
	}
	for (size_t i = 0; i < f->gids.n; i++) {
		json_t *u = json_object_get(proc, "user");
		json_t *g = json_object_get(u, "additionalGids");

		if (!json_is_array(g)) {
			g = json_array();
			json_object_set_new(u, "additionalGids", g);
		}
		json_array_append_new(g, json_integer(strtoll(f->gids.v[i], NULL, 10)));
	}
	if (f->no_new_privs)
		json_object_set_new(proc, "noNewPrivileges", json_true());
	if (f->apparmor)
		json_object_set_new(proc, "apparmorProfile", json_string(f->apparmor));
	if (f->label)
		json_object_set_new(proc, "selinuxLabel", json_string(f->label));
	return proc;
}

int cmd_exec(struct oci_cli *cli, int argc, char **argv)
{
	struct exec_flags f = { 0 };
	struct oci_flag flags[] = {
		{ "process", "p", OCI_FLAG_STRING, &f.process },
		{ "console-socket", NULL, OCI_FLAG_STRING, &f.console_socket },
		{ "pid-file", NULL, OCI_FLAG_STRING, &f.pid_file },
		{ "cwd", NULL, OCI_FLAG_STRING, &f.cwd },
		{ "user", "u", OCI_FLAG_STRING, &f.user },
		{ "apparmor", NULL, OCI_FLAG_STRING, &f.apparmor },
		{ "process-label", NULL, OCI_FLAG_STRING, &f.label },
		{ "preserve-fds", NULL, OCI_FLAG_STRING, &f.preserve },
		{ "tty", "t", OCI_FLAG_BOOL, &f.tty },
		{ "detach", "d", OCI_FLAG_BOOL, &f.detach },
		{ "no-new-privs", NULL, OCI_FLAG_BOOL, &f.no_new_privs },
		{ "env", "e", OCI_FLAG_LIST, &f.env },
		{ "cap", "c", OCI_FLAG_LIST, &f.caps },
		{ "additional-gids", "g", OCI_FLAG_LIST, &f.gids },
	};
	struct wirt_oci_spec spec = { 0 };
	struct wirt_error err = { 0 };
	struct oci_state st = { 0 };
	struct oci_exec x = { .console_sock = -1 };
	char path[PATH_MAX], *text = NULL;
	json_t *config = NULL, *proc;
	json_error_t jerr;
	const char *id;
	int first, r = OCI_EXIT_FAILURE;
	bool ran = false;
	pid_t pid;

	/* A failure of exec itself exits 255, as runc's: the process's own status may be
	 * any of 0..254 (or 128 + a signal), so clients can tell the two apart. */
	first = oci_parse_flags(cli, argc, argv, flags, sizeof(flags) / sizeof(flags[0]),
				"[--process FILE] [--tty] [--detach] [--pid-file F] "
				"[--console-socket S] [--cwd D] [--env K=V] [--user U[:G]] "
				"[--cap CAP] ID [ARGS...]");
	if (first <= 0)
		return first == 0 ? 0 : OCI_EXIT_FAILURE;
	id = oci_want_id(cli, argc, argv, first, "exec");
	if (!id)
		return OCI_EXIT_FAILURE;
	if (f.preserve)
		x.preserve_fds = (unsigned)strtoul(f.preserve, NULL, 10);
	if (oci_state_load(cli->root, id, &st, &err) < 0) {
		oci_fail_err(cli, "exec", id, &err);
		return OCI_EXIT_EXEC_FAILED;
	}
	if (oci_state_status(&st) != OCI_RUNNING) {
		r = oci_fail(cli, "exec %s: cannot exec in a %s container", id,
			     oci_status_name(oci_state_status(&st)));
		goto out;
	}
	config = json_load_file(oci_state_file(&st, "config.json", path), 0, &jerr);
	if (!config) {
		r = oci_fail(cli, "exec %s: read '%s': %s", id, path, jerr.text);
		goto out;
	}
	proc = exec_process(cli, config, &f, argc - first - 1, argv + first + 1);
	if (!proc)
		goto out;
	json_object_set_new(config, "process", proc);
	text = json_dumps(config, JSON_COMPACT);
	if (!text || wirt_oci_config_parse(text, strlen(text), &spec, &err) < 0) {
		r = oci_fail_err(cli, "exec", id, &err);
		goto out;
	}
	if (oci_security_labels(cli, &spec.process, &err) < 0) {
		r = oci_fail_err(cli, "exec", id, &err);
		goto out;
	}
	if (spec.process.terminal && !f.console_socket) {
		r = oci_fail(cli, "exec %s: --tty needs --console-socket", id);
		goto out;
	}
	if (f.console_socket) {
		x.console_sock = oci_console_connect(f.console_socket, &err);
		if (x.console_sock < 0) {
			r = oci_fail_err(cli, "exec", id, &err);
			goto out;
		}
	}
	x.spec = &spec;
	x.proc = &spec.process;
	x.st = &st;
	if (oci_container_exec(&x, &pid, &err) < 0) {
		r = oci_fail_err(cli, "exec", id, &err);
		goto out;
	}
	ran = true;
	if (x.console_sock >= 0) {
		close(x.console_sock);
		x.console_sock = -1;
	}
	if (f.pid_file && oci_write_pid_file(f.pid_file, pid, &err) < 0) {
		r = oci_fail_err(cli, "exec", id, &err);
		goto out;
	}
	r = f.detach ? 0 : oci_wait_forwarding(pid);
out:
	if (!ran && r != 0)
		r = OCI_EXIT_EXEC_FAILED;
	if (x.console_sock >= 0)
		close(x.console_sock);
	free(text);
	json_decref(config);
	wirt_oci_spec_free(&spec);
	oci_state_free(&st);
	return r;
}
