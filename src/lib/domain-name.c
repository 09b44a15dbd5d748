/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Domain names: see domain-name.h. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "domain-name.h"
#include "validate.h"

/* RFC 3492's decoder, only to learn whether 'in' (the part after "xn--") is valid
 * Punycode of some non-ASCII text; the code points themselves are not kept (the full
 * IDNA2008 tables are the CA's to apply: it refuses what they disallow). */
static bool punycode_valid(const char *in, size_t len)
{
	enum { BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700, INITIAL_BIAS = 72,
	       INITIAL_N = 128 };
	uint32_t n = INITIAL_N, i = 0, bias = INITIAL_BIAS, out = 0;
	size_t b = 0, pos;

	for (size_t j = 0; j < len; j++)
		if (in[j] == '-')
			b = j;
	out = (uint32_t)b; /* the basic code points before the last '-' */
	pos = b > 0 ? b + 1 : 0;
	if (pos >= len)
		return false; /* nothing encoded: the label would be plain ASCII */
	while (pos < len) {
		uint32_t oldi = i, w = 1;

		for (uint32_t k = BASE;; k += BASE) {
			char c;
			uint32_t digit, t;

			if (pos >= len)
				return false;
			c = in[pos++];
			if (c >= 'a' && c <= 'z')
				digit = (uint32_t)(c - 'a');
			else if (c >= '0' && c <= '9')
				digit = (uint32_t)(c - '0' + 26);
			else
				return false;
			if (digit > (UINT32_MAX - i) / w)
				return false;
			i += digit * w;
			t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
			if (digit < t)
				break;
			if (w > UINT32_MAX / (BASE - t))
				return false;
			w *= BASE - t;
		}
		out++;
		/* adapt the bias */
		{
			uint32_t delta = oldi == 0 ? (i - oldi) / DAMP : (i - oldi) / 2, k = 0;

			delta += delta / out;
			while (delta > ((BASE - TMIN) * TMAX) / 2) {
				delta /= BASE - TMIN;
				k += BASE;
			}
			bias = k + (BASE - TMIN + 1) * delta / (delta + SKEW);
		}
		if (i / out > 0x10FFFF - n)
			return false;
		n += i / out;
		i %= out;
		/* no ASCII (it would be a basic code point), no C1 controls or NBSP, no
		 * surrogates: never part of a name (IDNA2008 disallows them) */
		if (n <= 0xA0 || n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF))
			return false;
		i++;
	}
	return true;
}

static int check_label(const char *l, size_t len, const char *shown, struct wirt_error *err)
{
	if (len == 0)
		return wirt_error_invalid(err, "invalid domain '%s': empty label", shown);
	if (len > 63)
		return wirt_error_invalid(err, "invalid domain '%s': a label is longer than 63",
					  shown);
	if (l[0] == '-' || l[len - 1] == '-')
		return wirt_error_invalid(err, "invalid domain '%s': a label begins or ends "
					       "with '-'", shown);
	for (size_t i = 0; i < len; i++)
		if (!((l[i] >= 'a' && l[i] <= 'z') || (l[i] >= '0' && l[i] <= '9') || l[i] == '-')) {
			char c[2] = { l[i], '\0' }, cs[8];

			return wirt_error_invalid(err, "invalid domain '%s': '%s' is not a letter, "
						       "digit or '-'", shown, wirt_str_escape(c, cs, sizeof(cs)));
		}
	if (len >= 4 && l[2] == '-' && l[3] == '-') {
		if (memcmp(l, "xn", 2) != 0)
			return wirt_error_invalid(err, "invalid domain '%s': '--' in the third "
						       "and fourth places is for A-labels (xn--)",
						  shown);
		if (!punycode_valid(l + 4, len - 4))
			return wirt_error_invalid(err, "invalid domain '%s': an xn-- label that "
						       "is not valid Punycode", shown);
	}
	return 0;
}

int wirt_domain_validate(const char *name, bool allow_wildcard, char *out,
			 struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX], low[WIRT_DOMAIN_MAX + 1];
	size_t len = strlen(name), labels = 0;
	const char *p, *last;
	bool digits = true;
	int r;

	wirt_str_escape(name, shown, sizeof(shown));
	if (len == 0)
		return wirt_error_invalid(err, "invalid domain '': empty");
	if (len > WIRT_DOMAIN_MAX)
		return wirt_error_invalid(err, "invalid domain '%s': longer than %d characters",
					  shown, WIRT_DOMAIN_MAX);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c >= 0x80)
			return wirt_error_invalid(err, "invalid domain '%s': not ASCII; give its "
						       "A-label (xn--..., e.g. from `idn2`)", shown);
		low[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	low[len] = '\0';
	p = low;
	if (p[0] == '*') {
		if (p[1] != '.')
			return wirt_error_invalid(err, "invalid domain '%s': '*' only as the whole "
						       "first label", shown);
		if (!allow_wildcard)
			return wirt_error_invalid(err, "invalid domain '%s': a wildcard needs "
						       "DNS-01 ([edge] dns01_hook)", shown);
		/* its files are named "_wildcard.rest": within NAME_MAX */
		if (len > WIRT_DOMAIN_MAX - 6)
			return wirt_error_invalid(err, "invalid domain '%s': a wildcard name is at "
						       "most %d characters", shown, WIRT_DOMAIN_MAX - 6);
		p += 2;
	}
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		r = check_label(p, n, shown, err);
		if (r < 0)
			return r;
		labels++;
		last = p;
		if (!dot)
			break;
		p = dot + 1;
	}
	if (labels < 2)
		return wirt_error_invalid(err, "invalid domain '%s': needs two labels or more",
					  shown);
	for (p = last; *p; p++)
		if (*p < '0' || *p > '9')
			digits = false;
	if (digits)
		return wirt_error_invalid(err, "invalid domain '%s': an address, not a name",
					  shown);
	memcpy(out, low, len + 1);
	return 0;
}

void wirt_domain_dirname(const char *domain, char *out, size_t size)
{
	if (domain[0] == '*')
		snprintf(out, size, "_wildcard%s", domain + 1);
	else
		snprintf(out, size, "%s", domain);
}
