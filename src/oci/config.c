/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.json (OCI runtime-spec 1.0/1.1) to struct wirt_oci_spec, with jansson. Each
 * part of the document has its parse function (linux.resources in resources.c,
						* linux.seccomp in seccomp.c); a 'struct jpath' (parse.h) follows the walk, so
 * the first wrong field is named as the spec names it (`mounts[3].options[1]: not a
 * string`). Unknown keys are accepted (the spec allows extensions); a known key with
 * the wrong type, a bad value or a field wirt cannot apply is an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "parse.h"
#include "util.h"
#include "validate.h"

/* ---- tables ---- */

static const char *const cap_names[] = {
	"CAP_CHOWN",	      "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID",	      "CAP_KILL",	    "CAP_SETGID",	   "CAP_SETUID",
	"CAP_SETPCAP",	      "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",      "CAP_NET_RAW",	    "CAP_IPC_LOCK",	   "CAP_IPC_OWNER",
	"CAP_SYS_MODULE",     "CAP_SYS_RAWIO",	    "CAP_SYS_CHROOT",	   "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",      "CAP_SYS_ADMIN",	    "CAP_SYS_BOOT",	   "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",   "CAP_SYS_TIME",	    "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
	"CAP_LEASE",	      "CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",   "CAP_MAC_ADMIN",	    "CAP_SYSLOG",	   "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",  "CAP_AUDIT_READ",	    "CAP_PERFMON",	   "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

const char *wirt_oci_cap_name(unsigned cap)
{
	return cap < ARRAY_SIZE(cap_names) ? cap_names[cap] : NULL;
}

static const char *const capset_keys[WIRT_CAPSETS] = {
	[WIRT_CAPSET_BOUNDING] = "bounding",	 [WIRT_CAPSET_EFFECTIVE] = "effective",
	[WIRT_CAPSET_INHERITABLE] = "inheritable", [WIRT_CAPSET_PERMITTED] = "permitted",
	[WIRT_CAPSET_AMBIENT] = "ambient",
};

static const char *const rlimit_names[] = {
	[RLIMIT_CPU] = "RLIMIT_CPU",	       [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
	[RLIMIT_DATA] = "RLIMIT_DATA",	       [RLIMIT_STACK] = "RLIMIT_STACK",
	[RLIMIT_CORE] = "RLIMIT_CORE",	       [RLIMIT_RSS] = "RLIMIT_RSS",
	[RLIMIT_NPROC] = "RLIMIT_NPROC",       [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
	[RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",   [RLIMIT_AS] = "RLIMIT_AS",
	[RLIMIT_LOCKS] = "RLIMIT_LOCKS",       [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
	[RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
	[RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",     [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

static const char *const ns_names[WIRT_OCI_NS_TYPES] = {
	[WIRT_OCI_NS_PID] = "pid",	 [WIRT_OCI_NS_NETWORK] = "network",
	[WIRT_OCI_NS_MOUNT] = "mount",	 [WIRT_OCI_NS_IPC] = "ipc",
	[WIRT_OCI_NS_UTS] = "uts",	 [WIRT_OCI_NS_USER] = "user",
	[WIRT_OCI_NS_CGROUP] = "cgroup", [WIRT_OCI_NS_TIME] = "time",
};

static const char *const hook_keys[WIRT_OCI_HOOK_KINDS] = {
	[WIRT_OCI_HOOK_PRESTART] = "prestart",
	[WIRT_OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
	[WIRT_OCI_HOOK_CREATE_CONTAINER] = "createContainer",
	[WIRT_OCI_HOOK_START_CONTAINER] = "startContainer",
	[WIRT_OCI_HOOK_POSTSTART] = "poststart",
	[WIRT_OCI_HOOK_POSTSTOP] = "poststop",
};


const char *wirt_oci_hook_name(enum wirt_oci_hook_kind kind)
{
	return hook_keys[kind];
}

/* rootfsPropagation: the spec's four, and their recursive forms runc also takes. */
static const char *const propagations[] = {
	"shared", "slave", "private", "unbindable", "rshared", "rslave", "rprivate", "runbindable",
};

/* ---- process ---- */

static int parse_user(json_t *v, struct jpath *p, struct wirt_oci_process *proc,
		      struct wirt_error *err)
{
	json_t *f, *gids;
	size_t old, old2;
	int64_t n;
	int r;

	r = jp_want_object(v, p, err);
	if (r < 0)
		return r;
	f = jp_field(v, p, "uid", &old);
	if (!f)
		return jp_bad(p, err, "missing");
	r = jp_want_u32(f, p, &proc->uid, err);
	if (r < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "gid", &old);
	if (!f)
		return jp_bad(p, err, "missing");
	r = jp_want_u32(f, p, &proc->gid, err);
	if (r < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "umask", &old);
	if (f) {
		r = jp_want_int(f, p, 0, 0777, &n, err);
		if (r < 0)
			return r;
		proc->has_umask = true;
		proc->umask = (uint32_t)n;
	}
	jp_pop(p, old);
	gids = jp_field(v, p, "additionalGids", &old);
	if (gids) {
		r = jp_want_array(gids, p, err);
		if (r < 0)
			return r;
		proc->additional_gids = calloc(json_array_size(gids) + 1, sizeof(uint32_t));
		if (!proc->additional_gids)
			return jp_nomem(err);
		for (size_t i = 0; i < json_array_size(gids); i++) {
			old2 = jp_index(p, i);
			r = jp_want_u32(json_array_get(gids, i), p, &proc->additional_gids[i], err);
			if (r < 0)
				return r;
			proc->n_gids++;
			jp_pop(p, old2);
		}
	}
	jp_pop(p, old);
	return 0;
}

static int parse_capabilities(json_t *v, struct jpath *p, struct wirt_oci_process *proc,
			      struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	const char *name;
	size_t old, old2;
	json_t *set;
	int r, cap;

	r = jp_want_object(v, p, err);
	if (r < 0)
		return r;
	proc->has_caps = true;
	for (int s = 0; s < WIRT_CAPSETS; s++) {
		set = jp_field(v, p, capset_keys[s], &old);
		if (set) {
			r = jp_want_array(set, p, err);
			if (r < 0)
				return r;
			for (size_t i = 0; i < json_array_size(set); i++) {
				old2 = jp_index(p, i);
				r = jp_want_string(json_array_get(set, i), p, &name, err);
				if (r < 0)
					return r;
				cap = jp_lookup(cap_names, ARRAY_SIZE(cap_names), name);
				if (cap < 0)
					return jp_bad(p, err, "unknown capability '%s'",
						      jp_esc(name, shown, sizeof(shown)));
				proc->caps[s] |= 1ull << cap;
				jp_pop(p, old2);
			}
		}
		jp_pop(p, old);
	}
	return 0;
}

static int parse_rlimit(json_t *v, struct jpath *p, struct wirt_oci_rlimit *rl,
			struct wirt_error *err)
{
	static const char *const keys[] = { "soft", "hard" };
	uint64_t *vals[] = { &rl->soft, &rl->hard };
	size_t old;
	json_t *f;
	int r;

	r = jp_want_object(v, p, err);
	if (r < 0)
		return r;
	f = jp_field(v, p, "type", &old);
	if (!f)
		return jp_bad(p, err, "missing");
	r = jp_want_enum(f, p, rlimit_names, ARRAY_SIZE(rlimit_names), "rlimit", &rl->resource, err);
	if (r < 0)
		return r;
	jp_pop(p, old);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		f = jp_field(v, p, keys[i], &old);
		if (!f)
			return jp_bad(p, err, "missing");
		r = jp_want_u64(f, p, vals[i], err); /* RLIM_INFINITY is 2^64 - 1 */
		if (r < 0)
			return r;
		jp_pop(p, old);
	}
	if (rl->soft > rl->hard)
		return jp_bad(p, err, "soft %" PRIu64 " above hard %" PRIu64, rl->soft, rl->hard);
	return 0;
}

static int parse_rlimits(json_t *v, struct jpath *p, struct wirt_oci_process *proc,
			 struct wirt_error *err)
{
	size_t n = json_array_size(v), old;
	int r;

	r = jp_want_array(v, p, err);
	if (r < 0)
		return r;
	proc->rlimits = calloc(n + 1, sizeof(*proc->rlimits));
	if (!proc->rlimits)
		return jp_nomem(err);
	for (size_t i = 0; i < n; i++) {
		old = jp_index(p, i);
		r = parse_rlimit(json_array_get(v, i), p, &proc->rlimits[i], err);
		if (r < 0)
			return r;
		for (size_t j = 0; j < i; j++)
			if (proc->rlimits[j].resource == proc->rlimits[i].resource)
				return jp_bad(p, err, "duplicate rlimit '%s'",
					      rlimit_names[proc->rlimits[i].resource]);
		proc->n_rlimits++;
		jp_pop(p, old);
	}
	return 0;
}

static int parse_console_size(json_t *v, struct jpath *p, struct wirt_oci_process *proc,
			      struct wirt_error *err)
{
	static const char *const keys[] = { "height", "width" };
	unsigned *vals[] = { &proc->console_height, &proc->console_width };
	size_t old;
	int64_t n;
	json_t *f;
	int r;

	r = jp_want_object(v, p, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		f = jp_field(v, p, keys[i], &old);
		if (!f)
			return jp_bad(p, err, "missing");
		r = jp_want_int(f, p, 0, UINT16_MAX, &n, err); /* struct winsize */
		if (r < 0)
			return r;
		*vals[i] = (unsigned)n;
		jp_pop(p, old);
	}
	proc->has_console_size = true;
	return 0;
}

static int parse_process(json_t *v, struct jpath *p, struct wirt_oci_process *proc,
			 struct wirt_error *err)
{
	size_t old;
	int64_t n;
	json_t *f;
	int r;

	r = jp_want_object(v, p, err);
	if (r < 0)
		return r;

	f = jp_field(v, p, "terminal", &old);
	if (f && (r = jp_want_bool(f, p, &proc->terminal, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "consoleSize", &old);
	if (f && (r = parse_console_size(f, p, proc, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "user", &old);
	if (!f)
		return jp_bad(p, err, "missing");
	r = parse_user(f, p, proc, err);
	if (r < 0)
		return r;
	jp_pop(p, old);

	f = jp_field(v, p, "args", &old);
	if (!f)
		return jp_bad(p, err, "missing");
	r = jp_want_strv(f, p, false, &proc->args, err);
	if (r < 0)
		return r;
	if (proc->args.n == 0)
		return jp_bad(p, err, "empty");
	jp_pop(p, old);
	f = jp_field(v, p, "env", &old);
	if (f && (r = jp_want_strv(f, p, false, &proc->env, err)) < 0)
		return r;
	for (size_t i = 0; i < proc->env.n; i++) {
		if (!strchr(proc->env.v[i], '=')) {
			char shown[WIRT_ESCAPE_MAX];

			jp_index(p, i);
			return jp_bad(p, err, "'%s' is not NAME=VALUE",
				      jp_esc(proc->env.v[i], shown, sizeof(shown)));
		}
	}
	jp_pop(p, old);
	f = jp_field(v, p, "cwd", &old);
	if (!f)
		return jp_bad(p, err, "missing");
	r = jp_want_absolute(f, p, &proc->cwd, err);
	if (r < 0)
		return r;
	jp_pop(p, old);

	f = jp_field(v, p, "capabilities", &old);
	if (f && (r = parse_capabilities(f, p, proc, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "rlimits", &old);
	if (f && (r = parse_rlimits(f, p, proc, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "noNewPrivileges", &old);
	if (f && (r = jp_want_bool(f, p, &proc->no_new_privileges, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "oomScoreAdj", &old);
	if (f) {
		r = jp_want_int(f, p, -1000, 1000, &n, err); /* OOM_SCORE_ADJ_MIN..MAX */
		if (r < 0)
			return r;
		proc->has_oom_score_adj = true;
		proc->oom_score_adj = (int)n;
	}
	jp_pop(p, old);
	f = jp_field(v, p, "apparmorProfile", &old);
	if (f && (r = jp_dup_string(f, p, &proc->apparmor_profile, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "selinuxLabel", &old);
	if (f && (r = jp_dup_string(f, p, &proc->selinux_label, err)) < 0)
		return r;
	jp_pop(p, old);
	/* runtime-spec 1.1's I/O priority and scheduler: wirt does not set them yet. */
	r = jp_refuse(v, p, "ioPriority", err);
	if (r == 0)
		r = jp_refuse(v, p, "scheduler", err);
	if (r == 0)
		r = jp_refuse(v, p, "execCPUAffinity", err);
	return r;
}

/* ---- root, mounts, hooks ---- */

static int parse_root(json_t *v, struct jpath *p, struct wirt_oci_spec *s, struct wirt_error *err)
{
	size_t old;
	json_t *f;
	int r;

	r = jp_want_object(v, p, err);
	if (r < 0)
		return r;
	f = jp_field(v, p, "path", &old);
	if (!f)
		return jp_bad(p, err, "missing");
	r = jp_dup_string(f, p, &s->root_path, err);
	if (r < 0)
		return r;
	if (!s->root_path[0])
		return jp_bad(p, err, "empty");
	jp_pop(p, old);
	f = jp_field(v, p, "readonly", &old);
	if (f && (r = jp_want_bool(f, p, &s->root_readonly, err)) < 0)
		return r;
	jp_pop(p, old);
	return 0;
}

static int parse_idmaps(json_t *v, struct jpath *p, size_t *ret_n, struct wirt_oci_idmap **ret,
			struct wirt_error *err)
{
	static const char *const keys[] = { "containerID", "hostID", "size" };
	size_t n = json_array_size(v), old, old2;
	struct wirt_oci_idmap *m;
	uint32_t *vals[3];
	json_t *e, *f;
	int r;

	r = jp_want_array(v, p, err);
	if (r < 0)
		return r;
	free(*ret);
	*ret_n = 0;
	*ret = calloc(n + 1, sizeof(**ret));
	if (!*ret)
		return jp_nomem(err);
	for (size_t i = 0; i < n; i++) {
		m = &(*ret)[i];
		vals[0] = &m->container_id;
		vals[1] = &m->host_id;
		vals[2] = &m->size;
		old = jp_index(p, i);
		e = json_array_get(v, i);
		r = jp_want_object(e, p, err);
		if (r < 0)
			return r;
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
			f = jp_field(e, p, keys[k], &old2);
			if (!f)
				return jp_bad(p, err, "missing");
			r = jp_want_u32(f, p, vals[k], err);
			if (r < 0)
				return r;
			jp_pop(p, old2);
		}
		if (m->size == 0)
			return jp_bad(p, err, "size 0");
		if ((uint64_t)m->container_id + m->size > (uint64_t)UINT32_MAX + 1 ||
		    (uint64_t)m->host_id + m->size > (uint64_t)UINT32_MAX + 1)
			return jp_bad(p, err, "range past the last id 4294967295");
		(*ret_n)++;
		jp_pop(p, old);
	}
	return 0;
}

static int parse_mount(json_t *v, struct jpath *p, struct wirt_oci_mount *m,
		       struct wirt_error *err)
{
	size_t old;
	json_t *f;
	int r;

	r = jp_want_object(v, p, err);
	if (r < 0)
		return r;
	f = jp_field(v, p, "destination", &old);
	if (!f)
		return jp_bad(p, err, "missing");
	r = jp_dup_string(f, p, &m->destination, err);
	if (r < 0)
		return r;
	if (!m->destination[0])
		return jp_bad(p, err, "empty");
	/* runtime-spec 1.0 wanted it absolute; 1.1 allows a relative one (deprecated,
									   * runtime-spec#1225) since old Docker wrote them, and runc takes it relative to
	 * the container's root: stored absolute here, so every user sees one form. */
	if (!jp_is_absolute(m->destination)) {
		char *abs = malloc(strlen(m->destination) + 2);

		if (!abs)
			return jp_nomem(err);
		abs[0] = '/';
		memcpy(abs + 1, m->destination, strlen(m->destination) + 1);
		free(m->destination);
		m->destination = abs;
	}
	jp_pop(p, old);
	f = jp_field(v, p, "type", &old);
	if (f && (r = jp_dup_string(f, p, &m->type, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "source", &old);
	if (f && (r = jp_dup_string(f, p, &m->source, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "options", &old);
	if (f && (r = jp_want_strv(f, p, false, &m->options, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "uidMappings", &old);
	if (f && (r = parse_idmaps(f, p, &m->n_uid_mappings, &m->uid_mappings, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "gidMappings", &old);
	if (f && (r = parse_idmaps(f, p, &m->n_gid_mappings, &m->gid_mappings, err)) < 0)
		return r;
	jp_pop(p, old);
	return wirt_oci_mount_options(m, p, err);
}

static int parse_mounts(json_t *v, struct jpath *p, struct wirt_oci_spec *s,
			struct wirt_error *err)
{
	size_t n = json_array_size(v), old;
	int r;

	r = jp_want_array(v, p, err);
	if (r < 0)
		return r;
	s->mounts = calloc(n + 1, sizeof(*s->mounts));
	if (!s->mounts)
		return jp_nomem(err);
	for (size_t i = 0; i < n; i++) {
		old = jp_index(p, i);
		s->n_mounts++; /* counted first: a half-parsed one is freed too */
		r = parse_mount(json_array_get(v, i), p, &s->mounts[i], err);
		if (r < 0)
			return r;
		jp_pop(p, old);
	}
	return 0;
}

static int parse_hook(json_t *v, struct jpath *p, struct wirt_oci_hook *h, struct wirt_error *err)
{
	size_t old;
	int64_t n;
	json_t *f;
	int r;

	r = jp_want_object(v, p, err);
	if (r < 0)
		return r;
	f = jp_field(v, p, "path", &old);
	if (!f)
		return jp_bad(p, err, "missing");
	r = jp_want_absolute(f, p, &h->path, err);
	if (r < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "args", &old);
	if (f && (r = jp_want_strv(f, p, false, &h->args, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "env", &old);
	if (f && (r = jp_want_strv(f, p, false, &h->env, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "timeout", &old);
	if (f) {
		r = jp_want_int(f, p, 1, INT32_MAX, &n, err); /* "MUST be greater than zero" */
		if (r < 0)
			return r;
		h->timeout = (int)n;
	}
	jp_pop(p, old);
	return 0;
}

static int parse_hooks(json_t *v, struct jpath *p, struct wirt_oci_spec *s,
		       struct wirt_error *err)
{
	size_t old, old2, n;
	json_t *list;
	int r;

	r = jp_want_object(v, p, err);
	if (r < 0)
		return r;
	for (int k = 0; k < WIRT_OCI_HOOK_KINDS; k++) {
		list = jp_field(v, p, hook_keys[k], &old);
		if (list) {
			r = jp_want_array(list, p, err);
			if (r < 0)
				return r;
			n = json_array_size(list);
			s->hooks[k].v = calloc(n + 1, sizeof(*s->hooks[k].v));
			if (!s->hooks[k].v)
				return jp_nomem(err);
			for (size_t i = 0; i < n; i++) {
				old2 = jp_index(p, i);
				s->hooks[k].n++;
				r = parse_hook(json_array_get(list, i), p, &s->hooks[k].v[i], err);
				if (r < 0)
					return r;
				jp_pop(p, old2);
			}
		}
		jp_pop(p, old);
	}
	return 0;
}

/* ---- linux: namespaces, devices ---- */

static int parse_namespaces(json_t *v, struct jpath *p, struct wirt_oci_spec *s,
			    struct wirt_error *err)
{
	struct wirt_oci_namespace *ns;
	size_t old, old2;
	json_t *e, *f;
	int r, type;

	r = jp_want_array(v, p, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < json_array_size(v); i++) {
		old = jp_index(p, i);
		e = json_array_get(v, i);
		r = jp_want_object(e, p, err);
		if (r < 0)
			return r;
		f = jp_field(e, p, "type", &old2);
		if (!f)
			return jp_bad(p, err, "missing");
		r = jp_want_enum(f, p, ns_names, ARRAY_SIZE(ns_names), "namespace", &type, err);
		if (r < 0)
			return r;
		for (size_t j = 0; j < s->n_namespaces; j++)
			if (s->namespaces[j].type == (enum wirt_oci_ns)type)
				return jp_bad(p, err, "duplicate namespace '%s'", ns_names[type]);
		jp_pop(p, old2);
		/* types are distinct, so at most WIRT_OCI_NS_TYPES get here */
		ns = &s->namespaces[s->n_namespaces++];
		ns->type = (enum wirt_oci_ns)type;
		f = jp_field(e, p, "path", &old2);
		if (f && (r = jp_want_absolute(f, p, &ns->path, err)) < 0)
			return r;
		jp_pop(p, old2);
		jp_pop(p, old);
	}
	return 0;
}

static const struct wirt_oci_namespace *find_ns(const struct wirt_oci_spec *s, enum wirt_oci_ns t)
{
	for (size_t i = 0; i < s->n_namespaces; i++)
		if (s->namespaces[i].type == t)
			return &s->namespaces[i];
	return NULL;
}

static int parse_device(json_t *v, struct jpath *p, struct wirt_oci_device *d,
			struct wirt_error *err)
{
	static const char *const types[] = { "c", "b", "u", "p" };
	size_t old;
	int64_t n;
	json_t *f;
	int r, t;

	r = jp_want_object(v, p, err);
	if (r < 0)
		return r;
	f = jp_field(v, p, "path", &old);
	if (!f)
		return jp_bad(p, err, "missing");
	r = jp_want_absolute(f, p, &d->path, err);
	if (r < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "type", &old);
	if (!f)
		return jp_bad(p, err, "missing");
	r = jp_want_enum(f, p, types, ARRAY_SIZE(types), "device type", &t, err);
	if (r < 0)
		return r;
	d->type = types[t][0];
	jp_pop(p, old);
	d->major = d->minor = -1;
	f = jp_field(v, p, "major", &old);
	if (f && (r = jp_want_int(f, p, 0, UINT32_MAX, &d->major, err)) < 0)
		return r;
	if (!f && d->type != 'p')
		return jp_bad(p, err, "missing");
	jp_pop(p, old);
	f = jp_field(v, p, "minor", &old);
	if (f && (r = jp_want_int(f, p, 0, UINT32_MAX, &d->minor, err)) < 0)
		return r;
	if (!f && d->type != 'p')
		return jp_bad(p, err, "missing");
	jp_pop(p, old);
	f = jp_field(v, p, "fileMode", &old);
	if (f) {
		r = jp_want_int(f, p, 0, 07777, &n, err);
		if (r < 0)
			return r;
		d->has_mode = true;
		d->file_mode = (uint32_t)n;
	}
	jp_pop(p, old);
	f = jp_field(v, p, "uid", &old);
	if (f && (r = jp_want_u32(f, p, &d->uid, err)) < 0)
		return r;
	d->has_uid = f != NULL;
	jp_pop(p, old);
	f = jp_field(v, p, "gid", &old);
	if (f && (r = jp_want_u32(f, p, &d->gid, err)) < 0)
		return r;
	d->has_gid = f != NULL;
	jp_pop(p, old);
	return 0;
}

static int parse_devices(json_t *v, struct jpath *p, struct wirt_oci_spec *s,
			 struct wirt_error *err)
{
	size_t n = json_array_size(v), old;
	int r;

	r = jp_want_array(v, p, err);
	if (r < 0)
		return r;
	s->devices = calloc(n + 1, sizeof(*s->devices));
	if (!s->devices)
		return jp_nomem(err);
	for (size_t i = 0; i < n; i++) {
		old = jp_index(p, i);
		s->n_devices++;
		r = parse_device(json_array_get(v, i), p, &s->devices[i], err);
		if (r < 0)
			return r;
		jp_pop(p, old);
	}
	return 0;
}

/* ---- linux: the rest ---- */

static int parse_personality(json_t *v, struct jpath *p, struct wirt_oci_spec *s,
			     struct wirt_error *err)
{
	static const char *const domains[] = { "LINUX", "LINUX32" };
	size_t old;
	json_t *f;
	int r, d;

	r = jp_want_object(v, p, err);
	if (r < 0)
		return r;
	f = jp_field(v, p, "domain", &old);
	if (!f)
		return jp_bad(p, err, "missing");
	r = jp_want_enum(f, p, domains, ARRAY_SIZE(domains), "personality domain", &d, err);
	if (r < 0)
		return r;
	s->personality_domain = strdup(domains[d]);
	if (!s->personality_domain)
		return jp_nomem(err);
	jp_pop(p, old);
	f = jp_field(v, p, "flags", &old);
	if (f && (r = jp_want_strv(f, p, false, &s->personality_flags, err)) < 0)
		return r;
	jp_pop(p, old);
	s->has_personality = true;
	return 0;
}

static int parse_time_offsets(json_t *v, struct jpath *p, struct wirt_oci_spec *s,
			      struct wirt_error *err)
{
	static const char *const clocks[] = { "monotonic", "boottime" };
	int64_t nsec;
	size_t old;
	json_t *f;
	int r;

	r = jp_want_object(v, p, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(clocks); i++) {
		f = jp_field(v, p, clocks[i], &old);
		if (f) {
			r = jp_want_object(f, p, err);
			if (r == 0)
				r = jp_opt_int(f, p, "secs", INT64_MIN, INT64_MAX, 0,
					       &s->time_offset_secs[i], err);
			if (r == 0)
				r = jp_opt_int(f, p, "nanosecs", 0, 999999999, 0, &nsec, err);
			if (r < 0)
				return r;
			s->time_offset_nanosecs[i] = (uint32_t)nsec;
			s->has_time_offsets[i] = true;
		}
		jp_pop(p, old);
	}
	if ((s->has_time_offsets[0] || s->has_time_offsets[1]) && !find_ns(s, WIRT_OCI_NS_TIME))
		return jp_bad(p, err, "needs a time namespace");
	return 0;
}

static int parse_linux(json_t *v, struct jpath *p, struct wirt_oci_spec *s,
		       struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	const struct wirt_oci_namespace *user;
	size_t old;
	json_t *f;
	int r, k;

	r = jp_want_object(v, p, err);
	if (r < 0)
		return r;
	f = jp_field(v, p, "namespaces", &old);
	if (f && (r = parse_namespaces(f, p, s, err)) < 0)
		return r;
	jp_pop(p, old);

	user = find_ns(s, WIRT_OCI_NS_USER);
	f = jp_field(v, p, "uidMappings", &old);
	if (f && (r = parse_idmaps(f, p, &s->n_uid_mappings, &s->uid_mappings, err)) < 0)
		return r;
	if (s->n_uid_mappings && (!user || user->path))
		return jp_bad(p, err, "needs a new user namespace");
	jp_pop(p, old);
	f = jp_field(v, p, "gidMappings", &old);
	if (f && (r = parse_idmaps(f, p, &s->n_gid_mappings, &s->gid_mappings, err)) < 0)
		return r;
	if (s->n_gid_mappings && (!user || user->path))
		return jp_bad(p, err, "needs a new user namespace");
	jp_pop(p, old);

	f = jp_field(v, p, "devices", &old);
	if (f && (r = parse_devices(f, p, s, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "resources", &old);
	if (f && (r = wirt_oci_resources_parse(f, p, s, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "cgroupsPath", &old);
	if (f && (r = jp_dup_string(f, p, &s->cgroups_path, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "sysctl", &old);
	if (f && (r = jp_want_map(f, p, &s->sysctl, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "seccomp", &old);
	if (f) {
		s->has_seccomp = true;
		r = wirt_oci_seccomp_parse(f, p, &s->seccomp, err);
		if (r < 0)
			return r;
	}
	jp_pop(p, old);
	f = jp_field(v, p, "maskedPaths", &old);
	if (f && (r = jp_want_strv(f, p, true, &s->masked_paths, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "readonlyPaths", &old);
	if (f && (r = jp_want_strv(f, p, true, &s->readonly_paths, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "rootfsPropagation", &old);
	if (f) {
		r = jp_dup_string(f, p, &s->rootfs_propagation, err);
		if (r < 0)
			return r;
		k = jp_lookup(propagations, ARRAY_SIZE(propagations), s->rootfs_propagation);
		if (k < 0)
			return jp_bad(p, err, "unknown propagation '%s'",
				      jp_esc(s->rootfs_propagation, shown, sizeof(shown)));
	}
	jp_pop(p, old);
	f = jp_field(v, p, "mountLabel", &old);
	if (f && (r = jp_dup_string(f, p, &s->mount_label, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "personality", &old);
	if (f && (r = parse_personality(f, p, s, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "timeOffsets", &old);
	if (f && (r = parse_time_offsets(f, p, s, err)) < 0)
		return r;
	jp_pop(p, old);
	r = jp_refuse(v, p, "intelRdt", err);
	if (r == 0)
		r = jp_refuse(v, p, "memoryPolicy", err);
	if (r == 0)
		r = jp_refuse(v, p, "netDevices", err);
	return r;
}

/* ---- the document ---- */

static int parse_hostname(json_t *v, struct jpath *p, struct wirt_oci_spec *s,
			  struct wirt_error *err)
{
	const char *name;
	int r = jp_want_string(v, p, &name, err);

	if (r < 0)
		return r;
	if (!name[0]) /* the spec's "not set" */
		return 0;
	r = wirt_hostname_validate(name, err);
	if (r < 0)
		return wirt_error_prefix(err, "%s", p->buf);
	memcpy(s->spec.hostname, name, strlen(name) + 1); /* validated: fits */
	return 0;
}

static int parse_document(json_t *root, struct wirt_oci_spec *s, struct wirt_error *err)
{
	struct jpath p = { .len = 0 };
	const char *version;
	size_t old;
	json_t *f;
	int r;

	r = jp_want_object(root, &p, err);
	if (r < 0)
		return r;
	f = jp_field(root, &p, "ociVersion", &old);
	if (!f)
		return jp_bad(&p, err, "missing");
	r = jp_dup_string(f, &p, &s->oci_version, err);
	if (r < 0)
		return r;
	version = s->oci_version;
	if (strncmp(version, "1.", 2) != 0) {
		char shown[WIRT_ESCAPE_MAX];

		return jp_bad(&p, err, "unsupported version '%s' (wirt reads 1.x)",
			      jp_esc(version, shown, sizeof(shown)));
	}
	jp_pop(&p, old);
	f = jp_field(root, &p, "root", &old);
	if (!f)
		return jp_bad(&p, err, "missing");
	r = parse_root(f, &p, s, err);
	if (r < 0)
		return r;
	jp_pop(&p, old);
	f = jp_field(root, &p, "process", &old);
	if (f) {
		s->has_process = true;
		r = parse_process(f, &p, &s->process, err);
		if (r < 0)
			return r;
	}
	jp_pop(&p, old);
	f = jp_field(root, &p, "mounts", &old);
	if (f && (r = parse_mounts(f, &p, s, err)) < 0)
		return r;
	jp_pop(&p, old);
	f = jp_field(root, &p, "hooks", &old);
	if (f && (r = parse_hooks(f, &p, s, err)) < 0)
		return r;
	jp_pop(&p, old);
	f = jp_field(root, &p, "annotations", &old);
	if (f && (r = jp_want_map(f, &p, &s->annotations, err)) < 0)
		return r;
	jp_pop(&p, old);
	/* linux before hostname: a hostname needs a UTS namespace */
	f = jp_field(root, &p, "linux", &old);
	if (f && (r = parse_linux(f, &p, s, err)) < 0)
		return r;
	jp_pop(&p, old);
	f = jp_field(root, &p, "hostname", &old);
	if (f && (r = parse_hostname(f, &p, s, err)) < 0)
		return r;
	if (s->spec.hostname[0] && !find_ns(s, WIRT_OCI_NS_UTS))
		return jp_bad(&p, err, "needs a uts namespace");
	jp_pop(&p, old);
	f = jp_field(root, &p, "domainname", &old);
	if (f && (r = jp_dup_string(f, &p, &s->domainname, err)) < 0)
		return r;
	if (s->domainname && s->domainname[0]) {
		r = wirt_hostname_validate(s->domainname, err);
		if (r < 0)
			return wirt_error_prefix(err, "%s", p.buf);
		if (!find_ns(s, WIRT_OCI_NS_UTS))
			return jp_bad(&p, err, "needs a uts namespace");
	}
	jp_pop(&p, old);
	return 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* jansson holds integers as int64, but the spec has uint64 fields that use the top half:
 * RLIM_INFINITY (18446744073709551615) in rlimits, 64-bit seccomp masks. Returns a
 * copy of data with each such integer literal written as a string of a NUL and its
 * digits, which jp_want_u64 reads back (and jp_want_string refuses); NULL when there
 * is nothing to do or the text holds a \u0000 of its own (which would be mistaken for
 * one). Numbers past UINT64_MAX stay, and jansson refuses them. */
static char *quote_big_uints(const char *data, size_t size, size_t *ret_len)
{
	static const char big[] = "9223372036854775807"; /* INT64_MAX */
	bool in_string = false, changed = false;
	size_t len = 0, i = 0, n;
	char *out;

	if (memmem(data, size, "\\u0000", 6))
		return NULL;
	out = malloc(size + size / 2 + 16); /* a literal of 19+ digits grows by 8 */
	if (!out)
		return NULL;
	while (i < size) {
		char c = data[i];

		if (in_string) {
			out[len++] = data[i++];
			if (c == '\\' && i < size)
				out[len++] = data[i++];
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"')
			in_string = true;
		/* a number starts after a structural character or white space: a digit
		 * after '-', '.', 'e', '+' or another digit is inside one */
		if (!is_digit(c) || (i > 0 && !strchr(",:[{ \t\r\n", data[i - 1]))) {
			out[len++] = data[i++];
			continue;
		}
		for (n = 0; i + n < size && is_digit(data[i + n]); n++)
			;
		/* a plain integer of INT64_MAX's length or more, above it, at most 2^64 - 1 */
		if ((i + n >= size || !strchr(".eE", data[i + n])) && data[i] != '0' &&
		    (n > 19 || (n == 19 && memcmp(data + i, big, 19) > 0)) &&
		    (n < 20 || (n == 20 && memcmp(data + i, "18446744073709551615", 20) <= 0))) {
			memcpy(out + len, "\"\\u0000", 7);
			len += 7;
			memcpy(out + len, data + i, n);
			len += n;
			out[len++] = '"';
			changed = true;
		} else {
			memcpy(out + len, data + i, n);
			len += n;
		}
		i += n;
	}
	if (!changed) {
		free(out);
		return NULL;
	}
	*ret_len = len;
	return out;
}

int wirt_oci_config_parse(const char *data, size_t size, struct wirt_oci_spec *ret,
			  struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX * 2];
	_cleanup_free_ char *quoted = NULL;
	json_error_t jerr;
	json_t *root;
	size_t len;
	int r;

	memset(ret, 0, sizeof(*ret));
	wirt_spec_init(&ret->spec, "");
	if (size > WIRT_OCI_CONFIG_MAX)
		return wirt_error_invalid(err, "config.json: larger than %u bytes",
					  WIRT_OCI_CONFIG_MAX);
	/* Duplicate keys are refused: two readers could take different ones. */
	root = json_loadb(data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!root && strncmp(jerr.text, "too big integer", 15) == 0) {
		quoted = quote_big_uints(data, size, &len);
		if (quoted)
			root = json_loadb(quoted, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
					  &jerr);
	}
	if (!root)
		return wirt_error_invalid(err, "config.json: line %d column %d: %s", jerr.line,
					  jerr.column, jp_esc(jerr.text, shown, sizeof(shown)));
	r = parse_document(root, ret, err);
	json_decref(root);
	return r;
}

int wirt_oci_config_load(const char *path, struct wirt_oci_spec *ret, struct wirt_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int r;

	memset(ret, 0, sizeof(*ret));
	wirt_spec_init(&ret->spec, "");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return wirt_errorf(err, errno, "open '%s'", path);
	buf = malloc(WIRT_OCI_CONFIG_MAX + 1);
	if (!buf)
		return jp_nomem(err);
	for (;;) {
		n = read(fd, buf + len, WIRT_OCI_CONFIG_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return wirt_errorf(err, errno, "read '%s'", path);
		if (n == 0 || len + (size_t)n > WIRT_OCI_CONFIG_MAX) {
			len += (size_t)n;
			break;
		}
		len += (size_t)n;
	}
	r = wirt_oci_config_parse(buf, len, ret, err);
	if (r < 0)
		return wirt_error_prefix(err, "%s", path);
	return 0;
}

static void idmaps_free(struct wirt_oci_idmap **m, size_t *n)
{
	free(*m);
	*m = NULL;
	*n = 0;
}

void wirt_oci_spec_free(struct wirt_oci_spec *s)
{
	struct wirt_oci_process *proc = &s->process;

	free(s->oci_version);
	free(s->root_path);
	free(proc->additional_gids);
	jp_strv_free(&proc->args);
	jp_strv_free(&proc->env);
	free(proc->cwd);
	free(proc->rlimits);
	free(proc->apparmor_profile);
	free(proc->selinux_label);
	free(s->domainname);
	for (size_t i = 0; i < s->n_mounts; i++) {
		free(s->mounts[i].destination);
		free(s->mounts[i].type);
		free(s->mounts[i].source);
		jp_strv_free(&s->mounts[i].options);
		free(s->mounts[i].data);
		idmaps_free(&s->mounts[i].uid_mappings, &s->mounts[i].n_uid_mappings);
		idmaps_free(&s->mounts[i].gid_mappings, &s->mounts[i].n_gid_mappings);
	}
	free(s->mounts);
	for (int k = 0; k < WIRT_OCI_HOOK_KINDS; k++) {
		for (size_t i = 0; i < s->hooks[k].n; i++) {
			free(s->hooks[k].v[i].path);
			jp_strv_free(&s->hooks[k].v[i].args);
			jp_strv_free(&s->hooks[k].v[i].env);
		}
		free(s->hooks[k].v);
	}
	jp_map_free(&s->annotations);
	for (size_t i = 0; i < s->n_namespaces; i++)
		free(s->namespaces[i].path);
	idmaps_free(&s->uid_mappings, &s->n_uid_mappings);
	idmaps_free(&s->gid_mappings, &s->n_gid_mappings);
	for (size_t i = 0; i < s->n_devices; i++)
		free(s->devices[i].path);
	free(s->devices);
	free(s->device_rules);
	free(s->cgroups_path);
	jp_map_free(&s->sysctl);
	jp_strv_free(&s->seccomp.architectures);
	jp_strv_free(&s->seccomp.flags);
	free(s->seccomp.listener_path);
	free(s->seccomp.listener_metadata);
	for (size_t i = 0; i < s->seccomp.n_rules; i++) {
		jp_strv_free(&s->seccomp.rules[i].names);
		free(s->seccomp.rules[i].args);
	}
	free(s->seccomp.rules);
	jp_strv_free(&s->masked_paths);
	jp_strv_free(&s->readonly_paths);
	free(s->rootfs_propagation);
	free(s->mount_label);
	free(s->personality_domain);
	jp_strv_free(&s->personality_flags);
	memset(s, 0, sizeof(*s));
	wirt_spec_init(&s->spec, "");
}
