/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The walk through config.json (see parse.h): the path that names where it is, and
 * readers of typed values that fail with "<path>: <cause>". Shared by config.c,
 * resources.c and seccomp.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "validate.h"

/* ---- where in the document: "linux.namespaces[2].type" ---- */

/* Appends to the path and returns the length to go back to (a long path is cut). */
size_t jp_append(struct jpath *p, const char *fmt, ...)
{
	size_t old = p->len;
	va_list ap;
	int n;

	if (old < sizeof(p->buf) - 1) {
		va_start(ap, fmt);
		n = vsnprintf(p->buf + old, sizeof(p->buf) - old, fmt, ap);
		va_end(ap);
		if (n > 0)
			p->len = old + ((size_t)n < sizeof(p->buf) - old ? (size_t)n
									  : sizeof(p->buf) - old - 1);
	}
	return old;
}

size_t jp_key(struct jpath *p, const char *key)
{
	return p->len ? jp_append(p, ".%s", key) : jp_append(p, "%s", key);
}

size_t jp_index(struct jpath *p, size_t i)
{
	return jp_append(p, "[%zu]", i);
}

/* A key of a map (annotations, sysctl): any text, so escaped and quoted. */
size_t jp_mapkey(struct jpath *p, const char *key)
{
	char shown[WIRT_ESCAPE_MAX];

	return jp_append(p, "[\"%s\"]", wirt_str_escape(key, shown, sizeof(shown)));
}

void jp_pop(struct jpath *p, size_t old)
{
	p->len = old;
	p->buf[old] = '\0';
}

/* "<path>: <cause>"; values in the cause are escaped by the caller. */
int jp_bad(const struct jpath *p, struct wirt_error *err, const char *fmt, ...)
{
	char cause[WIRT_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cause, sizeof(cause), fmt, ap);
	va_end(ap);
	return wirt_error_invalid(err, "%s: %s", p->len ? p->buf : "config.json", cause);
}

int jp_nomem(struct wirt_error *err)
{
	return wirt_errorf(err, ENOMEM, "parse config.json");
}

const char *jp_esc(const char *s, char *buf, size_t size)
{
	return wirt_str_escape(s, buf, size);
}

/* ---- typed values ---- */

/* obj[key], with the path pointing at it; NULL when absent or null (as Go's decoder,
								     * which wrote most configs, reads a null: the field is not set). */
json_t *jp_field(json_t *obj, struct jpath *p, const char *key, size_t *saved)
{
	json_t *v = json_object_get(obj, key);

	*saved = jp_key(p, key);
	return json_is_null(v) ? NULL : v;
}

int jp_want_object(json_t *v, const struct jpath *p, struct wirt_error *err)
{
	return json_is_object(v) ? 0 : jp_bad(p, err, "not an object");
}

int jp_want_array(json_t *v, const struct jpath *p, struct wirt_error *err)
{
	return json_is_array(v) ? 0 : jp_bad(p, err, "not an array");
}

int jp_want_bool(json_t *v, const struct jpath *p, bool *ret, struct wirt_error *err)
{
	*ret = false;
	if (!json_is_boolean(v))
		return jp_bad(p, err, "not a boolean");
	*ret = json_is_true(v);
	return 0;
}

/* An integer above INT64_MAX, which jansson cannot hold: wirt_oci_config_parse wrote it
 * as a string of a NUL and its digits (a string no config can hold: jansson refuses
 * \u0000 in the text it reads, and so does that rewrite). */
static bool big_uint(json_t *v, uint64_t *ret)
{
	const char *s;
	char *end;

	if (!json_is_string(v) || json_string_length(v) < 2)
		return false;
	s = json_string_value(v);
	if (s[0] != '\0' || s[1] < '0' || s[1] > '9')
		return false;
	errno = 0;
	*ret = strtoull(s + 1, &end, 10);
	return errno == 0 && end == s + json_string_length(v);
}

int jp_want_string(json_t *v, const struct jpath *p, const char **ret, struct wirt_error *err)
{
	*ret = "";
	/* a NUL inside: only big_uint's integers have one */
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return jp_bad(p, err, "not a string");
	*ret = json_string_value(v);
	return 0;
}

int jp_want_u64(json_t *v, const struct jpath *p, uint64_t *ret, struct wirt_error *err)
{
	*ret = 0;
	if (big_uint(v, ret))
		return 0;
	if (!json_is_integer(v))
		return jp_bad(p, err, "not an integer");
	if (json_integer_value(v) < 0)
		return jp_bad(p, err, "%" PRId64 " out of range 0..%" PRIu64,
			      (int64_t)json_integer_value(v), UINT64_MAX);
	*ret = (uint64_t)json_integer_value(v);
	return 0;
}

int jp_want_int(json_t *v, const struct jpath *p, int64_t min, int64_t max, int64_t *ret,
		struct wirt_error *err)
{
	uint64_t big;
	int64_t n;

	*ret = 0;
	if (big_uint(v, &big))
		return jp_bad(p, err, "%" PRIu64 " out of range %" PRId64 "..%" PRId64, big, min,
			      max);
	if (!json_is_integer(v))
		return jp_bad(p, err, "not an integer");
	n = json_integer_value(v);
	if (n < min || n > max)
		return jp_bad(p, err, "%" PRId64 " out of range %" PRId64 "..%" PRId64, n, min, max);
	*ret = n;
	return 0;
}

int jp_want_u32(json_t *v, const struct jpath *p, uint32_t *ret, struct wirt_error *err)
{
	int64_t n = 0;
	int r = jp_want_int(v, p, 0, UINT32_MAX, &n, err);

	if (r == 0)
		*ret = (uint32_t)n;
	return r;
}

int jp_dup_string(json_t *v, const struct jpath *p, char **ret, struct wirt_error *err)
{
	const char *s;
	int r = jp_want_string(v, p, &s, err);

	if (r < 0)
		return r;
	free(*ret);
	*ret = strdup(s);
	return *ret ? 0 : jp_nomem(err);
}

bool jp_is_absolute(const char *s)
{
	return s[0] == '/';
}

int jp_want_absolute(json_t *v, const struct jpath *p, char **ret, struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	int r = jp_dup_string(v, p, ret, err);

	if (r < 0)
		return r;
	if (!jp_is_absolute(*ret))
		return jp_bad(p, err, "'%s' is not an absolute path", jp_esc(*ret, shown, sizeof(shown)));
	return 0;
}

void jp_strv_free(struct wirt_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->n = 0;
	sv->v = NULL;
}

/* An array of strings; 'absolute': each must be an absolute path. */
int jp_want_strv(json_t *v, struct jpath *p, bool absolute, struct wirt_strv *ret,
		 struct wirt_error *err)
{
	size_t n = json_array_size(v), old;
	int r;

	r = jp_want_array(v, p, err);
	if (r < 0)
		return r;
	jp_strv_free(ret);
	ret->v = calloc(n + 1, sizeof(*ret->v));
	if (!ret->v)
		return jp_nomem(err);
	for (size_t i = 0; i < n; i++) {
		old = jp_index(p, i);
		r = absolute ? jp_want_absolute(json_array_get(v, i), p, &ret->v[i], err)
			     : jp_dup_string(json_array_get(v, i), p, &ret->v[i], err);
		ret->n = ret->v[i] ? i + 1 : i;
		if (r < 0)
			return r;
		jp_pop(p, old);
	}
	return 0;
}

void jp_map_free(struct wirt_oci_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->keys[i]);
		free(m->values[i]);
	}
	free(m->keys);
	free(m->values);
	memset(m, 0, sizeof(*m));
}

/* An object whose values are strings (annotations, sysctl). */
int jp_want_map(json_t *v, struct jpath *p, struct wirt_oci_map *ret, struct wirt_error *err)
{
	size_t n = json_object_size(v), old;
	const char *key;
	json_t *val;
	int r;

	r = jp_want_object(v, p, err);
	if (r < 0)
		return r;
	jp_map_free(ret);
	ret->keys = calloc(n + 1, sizeof(*ret->keys));
	ret->values = calloc(n + 1, sizeof(*ret->values));
	if (!ret->keys || !ret->values)
		return jp_nomem(err);
	json_object_foreach(v, key, val) {
		old = jp_mapkey(p, key);
		if (ret->n >= n) /* cannot happen: jansson's count */
			return jp_bad(p, err, "too many keys");
		if (!key[0])
			return jp_bad(p, err, "empty key");
		r = jp_dup_string(val, p, &ret->values[ret->n], err);
		if (r < 0)
			return r;
		ret->keys[ret->n] = strdup(key);
		ret->n++;
		if (!ret->keys[ret->n - 1])
			return jp_nomem(err);
		jp_pop(p, old);
	}
	return 0;
}

/* Looks 'name' up in a NULL-terminated table; returns its index or -1. */
int jp_lookup(const char *const *table, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (table[i] && strcmp(table[i], name) == 0)
			return (int)i;
	return -1;
}

/* A string from a fixed table: returns its index, or an error naming what it wanted. */
int jp_want_enum(json_t *v, const struct jpath *p, const char *const *table, size_t n,
		 const char *what, int *ret, struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	const char *s;
	int r = jp_want_string(v, p, &s, err);

	*ret = -1;
	if (r < 0)
		return r;
	*ret = jp_lookup(table, n, s);
	if (*ret < 0)
		return jp_bad(p, err, "unknown %s '%s'", what, jp_esc(s, shown, sizeof(shown)));
	return 0;
}

/* A key the spec defines but wirt cannot apply: refused, not ignored. */
int jp_refuse(json_t *obj, struct jpath *p, const char *key, struct wirt_error *err)
{
	size_t old;
	json_t *v = jp_field(obj, p, key, &old);

	if (v)
		return jp_bad(p, err, "not supported by wirt");
	jp_pop(p, old);
	return 0;
}


int jp_opt_u64(json_t *obj, struct jpath *p, const char *key, bool *ret_present, uint64_t *ret,
	       struct wirt_error *err)
{
	size_t old;
	json_t *f = jp_field(obj, p, key, &old);
	int r = 0;

	*ret = 0;
	*ret_present = f != NULL;
	if (f)
		r = jp_want_u64(f, p, ret, err);
	if (r == 0)
		jp_pop(p, old);
	return r;
}

/* An int64 field, or 'absent' when it is not there. */
int jp_opt_int(json_t *obj, struct jpath *p, const char *key, int64_t min, int64_t max,
	       int64_t absent, int64_t *ret, struct wirt_error *err)
{
	size_t old;
	json_t *f = jp_field(obj, p, key, &old);
	int r = 0;

	*ret = absent;
	if (f)
		r = jp_want_int(f, p, min, max, ret, err);
	if (r == 0)
		jp_pop(p, old);
	return r;
}

/* A numeric field wirt cannot apply: refused unless absent or 'harmless'. */
int jp_refuse_int(json_t *obj, struct jpath *p, const char *key, int64_t harmless,
		  struct wirt_error *err)
{
	int64_t n;
	int r = jp_opt_int(obj, p, key, INT64_MIN, INT64_MAX, harmless, &n, err);

	if (r == 0 && n != harmless) {
		jp_key(p, key);
		return jp_bad(p, err, "not supported by wirt");
	}
	return r;
}

/* A limit wirt cannot set: taken only when it says "no limit" (-1 or 0). */
int jp_refuse_unlimited(json_t *obj, struct jpath *p, const char *key,
			struct wirt_error *err)
{
	int64_t n;
	int r = jp_opt_int(obj, p, key, INT64_MIN, INT64_MAX, 0, &n, err);

	if (r == 0 && n != 0 && n != -1) {
		jp_key(p, key);
		return jp_bad(p, err, "not supported by wirt");
	}
	return r;
}

int jp_refuse_true(json_t *obj, struct jpath *p, const char *key, struct wirt_error *err)
{
	size_t old;
	json_t *f = jp_field(obj, p, key, &old);
	bool b = false;
	int r;

	if (f) {
		r = jp_want_bool(f, p, &b, err);
		if (r < 0)
			return r;
		if (b)
			return jp_bad(p, err, "not supported by wirt");
	}
	jp_pop(p, old);
	return 0;
}

/* An array that must be empty: a list of things wirt cannot apply. */
int jp_refuse_nonempty(json_t *obj, struct jpath *p, const char *key, struct wirt_error *err)
{
	size_t old;
	json_t *f = jp_field(obj, p, key, &old);
	int r;

	if (f) {
		r = jp_want_array(f, p, err);
		if (r < 0)
			return r;
		if (json_array_size(f))
			return jp_bad(p, err, "not supported by wirt");
	}
	jp_pop(p, old);
	return 0;
}
