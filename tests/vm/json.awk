# SPDX-License-Identifier: LGPL-2.1-or-later
# Flattens JSON into "path=value" lines (busybox awk; the VM has no jq):
#   {"a":1,"b":{"c":"x"},"d":[5,6]}  ->  a=1  b.c=x  d.0=5  d.1=6
# Strings lose their quotes (escapes are kept as written); null, true, false and
# numbers are printed as they are. Enough for wirt's own --json output.
{ s = s $0 "\n" }

function path(   p, d) {
	p = ""
	for (d = 1; d <= depth; d++)
		p = p (d > 1 ? "." : "") key[d]
	return p
}

END {
	n = length(s)
	i = 1
	depth = 0
	while (i <= n) {
		c = substr(s, i, 1)
		if (c == "{") {
			depth++; typ[depth] = "o"; key[depth] = ""; expect = 1; i++
		} else if (c == "[") {
			depth++; typ[depth] = "a"; key[depth] = 0; i++
		} else if (c == "}" || c == "]") {
			depth--; i++
		} else if (c == ",") {
			if (typ[depth] == "a")
				key[depth]++
			else
				expect = 1
			i++
		} else if (c == ":") {
			expect = 0; i++
		} else if (c == "\"") {
			j = i + 1; str = ""
			while (j <= n) {
				d = substr(s, j, 1)
				if (d == "\\") { str = str substr(s, j, 2); j += 2; continue }
				if (d == "\"") break
				str = str d; j++
			}
			i = j + 1
			if (typ[depth] == "o" && expect) {
				key[depth] = str; expect = 0
			} else {
				print path() "=" str
			}
		} else if (c ~ /[-0-9a-z]/) {
			j = i
			while (j <= n && substr(s, j, 1) ~ /[-+0-9a-zA-Z.]/)
				j++
			print path() "=" substr(s, i, j - i)
			i = j
		} else {
			i++
		}
	}
}
