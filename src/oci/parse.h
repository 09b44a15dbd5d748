/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the config.json parser (src/oci/): the JSON path of the walk and the
 * readers of typed values. Each reader checks the type (and range) of one value and,
 * when it is wrong, fills err with "<path>: <cause>" and returns -EINVAL; a string it
 * copies is malloc'ed and owned by the caller's struct (-ENOMEM when that fails).
 */
#ifndef WIRT_OCI_PARSE_H
#define WIRT_OCI_PARSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define JPATH_MAX 200

/* Where the walk is: "linux.namespaces[2].type". A path too long is cut. */
struct jpath {
	char buf[JPATH_MAX];
	size_t len;
};

/* Each returns the length to go back to with jp_pop. */
size_t jp_append(struct jpath *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
size_t jp_key(struct jpath *p, const char *key);	/* ".key" */
size_t jp_index(struct jpath *p, size_t i);		/* "[i]" */
size_t jp_mapkey(struct jpath *p, const char *key);	/* "[\"key\"]", escaped */
void jp_pop(struct jpath *p, size_t old);

/* "<path>: <cause>" as a validation error; values in the cause escaped by the caller. */
int jp_bad(const struct jpath *p, struct wirt_error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int jp_nomem(struct wirt_error *err);
const char *jp_esc(const char *s, char *buf, size_t size); /* wirt_str_escape */

/* obj[key] with the path pointing at it; NULL when absent or null. */
json_t *jp_field(json_t *obj, struct jpath *p, const char *key, size_t *saved);

int jp_want_object(json_t *v, const struct jpath *p, struct wirt_error *err);
int jp_want_array(json_t *v, const struct jpath *p, struct wirt_error *err);
int jp_want_bool(json_t *v, const struct jpath *p, bool *ret, struct wirt_error *err);
/* *ret points into v: valid as long as the document. */
int jp_want_string(json_t *v, const struct jpath *p, const char **ret, struct wirt_error *err);
int jp_want_int(json_t *v, const struct jpath *p, int64_t min, int64_t max, int64_t *ret,
		struct wirt_error *err);
int jp_want_u32(json_t *v, const struct jpath *p, uint32_t *ret, struct wirt_error *err);
/* 0..UINT64_MAX, also past INT64_MAX (RLIM_INFINITY, 64-bit seccomp masks). */
int jp_want_u64(json_t *v, const struct jpath *p, uint64_t *ret, struct wirt_error *err);
/* Copies the string into *ret (freeing what was there). */
int jp_dup_string(json_t *v, const struct jpath *p, char **ret, struct wirt_error *err);
bool jp_is_absolute(const char *s);
int jp_want_absolute(json_t *v, const struct jpath *p, char **ret, struct wirt_error *err);
/* An array of strings ('absolute': of absolute paths); what was read so far stays in
 * *ret on failure, for the caller's free. */
int jp_want_strv(json_t *v, struct jpath *p, bool absolute, struct wirt_strv *ret,
		 struct wirt_error *err);
void jp_strv_free(struct wirt_strv *sv);
/* An object of strings (annotations, sysctl), keys not empty. */
int jp_want_map(json_t *v, struct jpath *p, struct wirt_oci_map *ret, struct wirt_error *err);
void jp_map_free(struct wirt_oci_map *m);
/* The index of name in table (n entries, NULL ones skipped), or -1. */
int jp_lookup(const char *const *table, size_t n, const char *name);
/* A string that must be in table: "unknown <what> '<value>'" otherwise. */
int jp_want_enum(json_t *v, const struct jpath *p, const char *const *table, size_t n,
		 const char *what, int *ret, struct wirt_error *err);
/* An optional integer field: *ret = absent when it is not there. */
int jp_opt_int(json_t *obj, struct jpath *p, const char *key, int64_t min, int64_t max,
	       int64_t absent, int64_t *ret, struct wirt_error *err);

int jp_opt_u64(json_t *obj, struct jpath *p, const char *key, bool *ret_present, uint64_t *ret,
	       struct wirt_error *err);

/* Keys the spec defines and wirt cannot apply: "not supported by wirt" when present
 * (jp_refuse), not 'harmless' (jp_refuse_int), not -1 or 0 (jp_refuse_unlimited),
 * true (jp_refuse_true), a non-empty array (jp_refuse_nonempty). */
int jp_refuse(json_t *obj, struct jpath *p, const char *key, struct wirt_error *err);
int jp_refuse_int(json_t *obj, struct jpath *p, const char *key, int64_t harmless,
		  struct wirt_error *err);
int jp_refuse_unlimited(json_t *obj, struct jpath *p, const char *key, struct wirt_error *err);
int jp_refuse_true(json_t *obj, struct jpath *p, const char *key, struct wirt_error *err);
int jp_refuse_nonempty(json_t *obj, struct jpath *p, const char *key, struct wirt_error *err);

/* The parts of the document in their own files: v is the value at p. */
int wirt_oci_resources_parse(json_t *v, struct jpath *p, struct wirt_oci_spec *s,
			     struct wirt_error *err); /* resources.c: linux.resources */
int wirt_oci_seccomp_parse(json_t *v, struct jpath *p, struct wirt_seccomp_profile *sc,
			   struct wirt_error *err); /* seccomp.c: linux.seccomp */

#endif
