/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Validation of the small values operators type: vServer and template names,
 * hostnames, sizes and plain numbers (see validate.h). Pure functions: no I/O, no
 * allocation, no locale (isalnum() would accept more in some locales). Values come
 * from argv and config files and may hold any byte, so every value is escaped before
 * it goes into a message.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>

#include "spec.h"
#include "validate.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static size_t escape_one(unsigned char c, char out[4])
{
	static const char hex[] = "0123456789abcdef";

	if (c == '\\') {
		out[0] = out[1] = '\\';
		return 2;
	}
	if (c >= 0x20 && c < 0x7f) {
		out[0] = (char)c;
		return 1;
	}
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex[c >> 4];
	out[3] = hex[c & 15];
	return 4;
}

const char *wirt_str_escape(const char *s, char *buf, size_t size)
{
	size_t need = 0, limit, len = 0;
	char tmp[4];

	if (size == 0)
		return buf;
	if (!s)
		s = "";
	for (const char *p = s; *p && need < size; p++)
		need += escape_one((unsigned char)*p, tmp);

	/* Cut: leave room for "..." so the reader sees the value goes on. */
	limit = need < size ? size - 1 : (size > 4 ? size - 4 : 0);
	for (const char *p = s; *p; p++) {
		size_t n = escape_one((unsigned char)*p, tmp);

		if (len + n > limit)
			break;
		memcpy(buf + len, tmp, n);
		len += n;
	}
	if (need >= size) {
		size_t dots = size - 1 < 3 ? size - 1 : 3;

		memset(buf + len, '.', dots);
		len += dots;
	}
	buf[len] = '\0';
	return buf;
}

int wirt_name_validate(const char *kind, const char *name, struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	size_t len;

	if (!kind)
		kind = "";
	if (!name)
		name = "";
	wirt_str_escape(name, shown, sizeof(shown));
	len = strlen(name);
	if (len == 0)
		return wirt_error_invalid(err, "invalid %s name '': is empty", kind);
	if (len > WIRT_NAME_MAX)
		return wirt_error_invalid(err, "invalid %s name '%s': is longer than %d characters",
					  kind, shown, WIRT_NAME_MAX);
	/* The character check comes first so that "../x" is told what is wrong with it
	 * (the '/'), not only that it starts with a dot. */
	for (size_t i = 0; i < len; i++)
		if (!is_alnum(name[i]) && name[i] != '.' && name[i] != '_' && name[i] != '-')
			return wirt_error_invalid(err,
						  "invalid %s name '%s': only letters, digits, "
						  "'.', '_' and '-' allowed",
						  kind, shown);
	/* Never "." or "..", nor a hidden file or something that reads as an option. */
	if (!is_alnum(name[0]))
		return wirt_error_invalid(err,
					  "invalid %s name '%s': must start with a letter or digit",
					  kind, shown);
	return 0;
}

static const char *hostname_label_problem(const char *label, size_t len)
{
	if (len == 0)
		return "empty label";
	if (len > 63)
		return "a label is longer than 63 characters";
	if (label[0] == '-')
		return "a label starts with '-'";
	if (label[len - 1] == '-')
		return "a label ends with '-'";
	return NULL;
}

int wirt_hostname_validate(const char *hostname, struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	const char *label, *problem;
	size_t len;

	if (!hostname)
		hostname = "";
	wirt_str_escape(hostname, shown, sizeof(shown));
	len = strlen(hostname);
	if (len == 0)
		return wirt_error_invalid(err, "invalid hostname '': is empty");
	if (len > WIRT_HOSTNAME_MAX)
		return wirt_error_invalid(err,
					  "invalid hostname '%s': is longer than %d characters",
					  shown, WIRT_HOSTNAME_MAX);
	for (size_t i = 0; i < len; i++)
		if (!is_alnum(hostname[i]) && hostname[i] != '-' && hostname[i] != '.')
			return wirt_error_invalid(err,
						  "invalid hostname '%s': only letters, digits, "
						  "'-' and '.' allowed",
						  shown);
	label = hostname;
	for (;;) {
		const char *dot = strchr(label, '.');
		size_t n = dot ? (size_t)(dot - label) : strlen(label);

		problem = hostname_label_problem(label, n);
		if (problem)
			return wirt_error_invalid(err, "invalid hostname '%s': %s", shown, problem);
		if (!dot)
			return 0;
		label = dot + 1;
	}
}

/* Accumulates decimal digits into *v. Returns false on overflow. */
static bool digits_add(uint64_t *v, char c)
{
	unsigned d = (unsigned)(c - '0');

	if (*v > (UINT64_MAX - d) / 10)
		return false;
	*v = *v * 10 + d;
	return true;
}

/* K/M/G/T with an optional B or iB, any case; a plain B; or nothing. Returns the
 * shift, or -1 when 'unit' is anything else. */
static int size_unit_shift(const char *unit)
{
	static const char letters[] = "kmgt";
	const char *l;
	int shift = 0;

	if (*unit) {
		l = strchr(letters, *unit | 0x20);
		if (l && *l) {
			shift = 10 * (int)(l - letters + 1);
			unit++;
			if ((unit[0] | 0x20) == 'i' && (unit[1] | 0x20) == 'b')
				return unit[2] ? -1 : shift;
		}
	}
	if ((*unit | 0x20) == 'b')
		unit++;
	return *unit ? -1 : shift;
}

/* Fraction digits beyond this could overflow the exact arithmetic below; nobody types
 * more than a few. */
#define SIZE_FRACTION_DIGITS_MAX 18

int wirt_size_parse(const char *s, uint64_t *ret_bytes, struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX], unit_shown[WIRT_ESCAPE_MAX];
	uint64_t whole = 0, frac = 0, scale = 1, bytes, frac_bytes;
	const char *p;
	int shift;

	if (!s)
		s = "";
	wirt_str_escape(s, shown, sizeof(shown));
	if (!*s)
		return wirt_error_invalid(err, "invalid size '': is empty");
	if (*s == '-')
		return wirt_error_invalid(err, "invalid size '%s': is negative", shown);
	if (!is_digit(*s))
		return wirt_error_invalid(err, "invalid size '%s': not a number", shown);
	for (p = s; is_digit(*p); p++)
		if (!digits_add(&whole, *p))
			return wirt_error_invalid(err, "invalid size '%s': too large", shown);
	if (*p == '.') {
		p++;
		if (!is_digit(*p))
			return wirt_error_invalid(
				err, "invalid size '%s': expected a digit after '.'", shown);
		for (int n = 0; is_digit(*p); p++, n++) {
			if (n == SIZE_FRACTION_DIGITS_MAX)
				return wirt_error_invalid(
					err, "invalid size '%s': too many digits after '.'", shown);
			frac = frac * 10 + (uint64_t)(*p - '0');
			scale *= 10;
		}
	}
	shift = size_unit_shift(p);
	if (shift < 0)
		return wirt_error_invalid(err,
					  "invalid size '%s': unknown unit '%s' (use K, M, G or T, "
					  "optionally with B or iB)",
					  shown,
					  wirt_str_escape(p, unit_shown, sizeof(unit_shown)));
	if (shift == 0 && frac != 0)
		return wirt_error_invalid(err, "invalid size '%s': a fraction of a byte", shown);
	if (whole > (UINT64_MAX >> shift))
		return wirt_error_invalid(err, "invalid size '%s': too large", shown);
	bytes = whole << shift;
	/* Exact: frac < 10^18 and shift <= 40 fit 128 bits. Rounded down to whole bytes. */
	frac_bytes = (uint64_t)(((unsigned __int128)frac << shift) / scale);
	if (bytes > UINT64_MAX - frac_bytes)
		return wirt_error_invalid(err, "invalid size '%s': too large", shown);
	*ret_bytes = bytes + frac_bytes;
	return 0;
}

int wirt_uint_parse(const char *s, uint64_t min, uint64_t max, uint64_t *ret,
		    struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	uint64_t v = 0;
	const char *p;

	if (!s)
		s = "";
	for (p = s; is_digit(*p); p++)
		if (!digits_add(&v, *p))
			goto invalid;
	if (p == s || *p || v < min || v > max)
		goto invalid;
	*ret = v;
	return 0;

invalid:
	return wirt_error_invalid(err,
				  "invalid number '%s': expected an integer from %" PRIu64
				  " to %" PRIu64,
				  wirt_str_escape(s, shown, sizeof(shown)), min, max);
}

const char *wirt_cpus_format(uint64_t milli, char *buf, size_t size)
{
	unsigned frac = (unsigned)(milli % 1000);
	int digits = 3;

	if (!frac) {
		snprintf(buf, size, "%" PRIu64, milli / 1000);
		return buf;
	}
	for (; frac % 10 == 0; frac /= 10)
		digits--;
	snprintf(buf, size, "%" PRIu64 ".%0*u", milli / 1000, digits, frac);
	return buf;
}

int wirt_list_each(const char *list, int (*fn)(const char *item, void *data, struct wirt_error *err),
		   void *data, struct wirt_error *err)
{
	const char *p = list;
	int r;

	while (*p) {
		char item[WIRT_LIST_ITEM_MAX + 1], shown[WIRT_ESCAPE_MAX];
		size_t len = strcspn(p, ", \t");

		if (len == 0) {
			p++;
			continue;
		}
		if (len >= sizeof(item))
			return wirt_error_invalid(err, "item too long (more than %d characters): '%s'",
						  WIRT_LIST_ITEM_MAX,
						  wirt_str_escape(p, shown, sizeof(shown)));
		memcpy(item, p, len);
		item[len] = '\0';
		r = fn(item, data, err);
		if (r < 0)
			return r;
		p += len;
	}
	return 0;
}
