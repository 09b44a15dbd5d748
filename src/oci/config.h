/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An OCI bundle's config.json (runtime-spec 1.0/1.1) as struct wirt_oci_spec: the
 * engine's struct wirt_spec (hostname, resources) plus what only an OCI container
 * has, as plain data the struct owns. Parsing checks types and values as it goes and
 * names the JSON path of the first bad field (`linux.namespaces[2].type: unknown
 * namespace 'foo'`); fields wirt cannot apply are refused, unknown keys accepted.
 * docs/oci.md "config.json" has what is parsed, refused and how resources map.
 */
#ifndef WIRT_OCI_CONFIG_H
#define WIRT_OCI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"
#include "error.h"
#include "security.h"
#include "spec.h"

#define WIRT_OCI_CONFIG_MAX (4u << 20) /* bytes of config.json read at most */

/* Key/value pairs (annotations, sysctl), in the file's order. */
struct wirt_oci_map {
	size_t n;
	char **keys;
	char **values;
};

struct wirt_oci_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft, hard;
};

struct wirt_oci_process {
	bool terminal;
	bool has_console_size;
	unsigned console_height, console_width;
	uint32_t uid, gid;
	bool has_umask;
	uint32_t umask;
	size_t n_gids;
	uint32_t *additional_gids;
	struct wirt_strv args; /* at least one entry */
	struct wirt_strv env;
	char *cwd; /* absolute */
	bool has_caps;
	uint64_t caps[WIRT_CAPSETS]; /* bit n = capability n (CAP_CHOWN is 0) */
	size_t n_rlimits;
	struct wirt_oci_rlimit *rlimits;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj; /* -1000..1000 */
	char *apparmor_profile, *selinux_label; /* NULL: not set */
};

struct wirt_oci_idmap {
	uint32_t container_id, host_id, size;
};

struct wirt_oci_mount {
	char *destination;
	char *type, *source; /* NULL: not set */
	struct wirt_strv options;
	size_t n_uid_mappings, n_gid_mappings; /* idmapped mounts (runtime-spec 1.1) */
	struct wirt_oci_idmap *uid_mappings, *gid_mappings;

	/* The options as mount(2) takes them (mounts.c): */
	unsigned long flags;	   /* MS_* set by the options (MS_BIND, MS_REC, MS_RDONLY ...) */
	unsigned long propagation; /* MS_SHARED/SLAVE/PRIVATE/UNBINDABLE (| MS_REC), or 0 */
	uint64_t rattr_set, rattr_clr; /* "rro", "rnosuid" ...: MOUNT_ATTR_* for the tree */
	bool idmap;		   /* "idmap"/"ridmap": shift by the mappings above */
	bool tmpcopyup;		   /* tmpfs: copy what the rootfs has there into it */
	char *data;		   /* the options mount(2) passes on to the filesystem */
};

struct wirt_oci_hook {
	char *path; /* absolute */
	struct wirt_strv args, env;
	int timeout; /* seconds, > 0; 0 = none */
};

enum wirt_oci_hook_kind {
	WIRT_OCI_HOOK_PRESTART,
	WIRT_OCI_HOOK_CREATE_RUNTIME,
	WIRT_OCI_HOOK_CREATE_CONTAINER,
	WIRT_OCI_HOOK_START_CONTAINER,
	WIRT_OCI_HOOK_POSTSTART,
	WIRT_OCI_HOOK_POSTSTOP,
	WIRT_OCI_HOOK_KINDS,
};

struct wirt_oci_hooks {
	size_t n;
	struct wirt_oci_hook *v;
};

enum wirt_oci_ns {
	WIRT_OCI_NS_PID,
	WIRT_OCI_NS_NETWORK,
	WIRT_OCI_NS_MOUNT,
	WIRT_OCI_NS_IPC,
	WIRT_OCI_NS_UTS,
	WIRT_OCI_NS_USER,
	WIRT_OCI_NS_CGROUP,
	WIRT_OCI_NS_TIME,
	WIRT_OCI_NS_TYPES,
};

struct wirt_oci_namespace {
	enum wirt_oci_ns type;
	char *path; /* NULL: a new namespace; else an absolute path to join */
};

/* linux.devices: a node created in the container's /dev. */
struct wirt_oci_device {
	char *path; /* absolute */
	char type;  /* 'c', 'b', 'u' or 'p' */
	int64_t major, minor; /* -1 for 'p' without numbers */
	bool has_mode, has_uid, has_gid;
	uint32_t file_mode, uid, gid;
};

struct wirt_oci_spec {
	/* What the engine runs from: hostname and linux.resources (docs/oci.md has the
	 * mapping). Its name is the container id, which config.json does not hold. */
	struct wirt_spec spec;

	char *oci_version;
	char *root_path; /* as written: relative to the bundle or absolute */
	bool root_readonly;
	bool has_process;
	struct wirt_oci_process process;
	char *domainname; /* NULL: not set */
	size_t n_mounts;
	struct wirt_oci_mount *mounts;
	struct wirt_oci_hooks hooks[WIRT_OCI_HOOK_KINDS];
	struct wirt_oci_map annotations;

	/* linux */
	size_t n_namespaces; /* types are distinct */
	struct wirt_oci_namespace namespaces[WIRT_OCI_NS_TYPES];
	size_t n_uid_mappings, n_gid_mappings;
	struct wirt_oci_idmap *uid_mappings, *gid_mappings;
	size_t n_devices;
	struct wirt_oci_device *devices;
	size_t n_device_rules;
	struct wirt_device_rule *device_rules;
	char *cgroups_path; /* NULL: not set */
	struct wirt_oci_map sysctl;
	bool has_seccomp;
	struct wirt_seccomp_profile seccomp;
	struct wirt_strv masked_paths, readonly_paths; /* absolute */
	char *rootfs_propagation, *mount_label;		   /* NULL: not set */
	bool has_personality;
	char *personality_domain; /* "LINUX" or "LINUX32" */
	struct wirt_strv personality_flags;
	bool has_time_offsets[2]; /* [0] monotonic, [1] boottime */
	int64_t time_offset_secs[2];
	uint32_t time_offset_nanosecs[2];
};

/* Parses config.json text (size bytes, need not end in NUL) into *ret, which the
 * caller frees with wirt_oci_spec_free, also after a failure (then it holds what was
 * parsed so far). The container id (spec.name) is left empty. Returns 0, -EINVAL with
 * "<json path>: <cause>" in err, or -ENOMEM. */
int wirt_oci_config_parse(const char *data, size_t size, struct wirt_oci_spec *ret,
			  struct wirt_error *err);

/* Reads and parses 'path' (a bundle's config.json). Errors are prefixed with the path. */
int wirt_oci_config_load(const char *path, struct wirt_oci_spec *ret, struct wirt_error *err);

/* Turns mount m's options into its flags, propagation and data (mounts.c); 'p' names
 * the mount for errors ("mounts[3].options[1]: ..."). */
struct jpath;
int wirt_oci_mount_options(struct wirt_oci_mount *m, struct jpath *p, struct wirt_error *err);

/* Frees what s owns and leaves it empty; safe on a zeroed or already freed struct. */
void wirt_oci_spec_free(struct wirt_oci_spec *s);

/* "prestart", "createRuntime", ...: the hook kind's key in config.json. */
const char *wirt_oci_hook_name(enum wirt_oci_hook_kind kind);

/* The MS_* flags of a propagation name ("rslave" -> MS_SLAVE | MS_REC), as mount
 * options and rootfsPropagation spell them (mounts.c). 0, or -EINVAL for another. */
int wirt_oci_propagation_flags(const char *name, unsigned long *ret);

/* "CAP_CHOWN" for 0, NULL past the last capability the parser knows. */
const char *wirt_oci_cap_name(unsigned cap);

#endif
