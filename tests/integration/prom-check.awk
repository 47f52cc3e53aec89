# A checker for the Prometheus text exposition format (0.0.4), for tests
# where promtool is not installed (Debian's prometheus package is a whole
# server). Usage: awk -f prom-check.awk FILE; prints every problem as
# "line N: ..." and exits 1 if there was any.
#
# Checks: comment and sample syntax (metric and label names, quoted label
# values with \\ \" \n escapes, float values); one TYPE per family, before its
# samples; the samples of a family are contiguous; no duplicate series;
# counters end in _total; histograms: le labels increasing, cumulative bucket
# counts non-decreasing, a +Inf bucket equal to _count, and a _sum.
function problem(msg) { printf "line %d: %s\n", NR, msg; bad = 1 }
function family_of(name,   base) {
	if (name in type) return name
	base = name
	if (sub(/_(bucket|sum|count)$/, "", base) && type[base] == "histogram") return base
	return name
}
# Parse "{a="x",b="y"}" from s into labels (k -> v), returns the rest or "\001" on error.
function parse_labels(s,   k, v, c) {
	split("", labels)
	nlabels = 0
	if (substr(s, 1, 1) != "{") return s
	s = substr(s, 2)
	while (1) {
		if (substr(s, 1, 1) == "}") return substr(s, 2)
		if (!match(s, /^[a-zA-Z_][a-zA-Z0-9_]*="/)) return "\001"
		k = substr(s, 1, RLENGTH - 2)
		s = substr(s, RLENGTH + 1)
		v = ""
		while (1) {
			c = substr(s, 1, 1)
			if (c == "") return "\001"
			if (c == "\\") {
				c = substr(s, 2, 1)
				if (c != "\\" && c != "\"" && c != "n") return "\001"
				v = v "\\" c
				s = substr(s, 3)
				continue
			}
			s = substr(s, 2)
			if (c == "\"") break
			v = v c
		}
		if (k in labels) return "\001"
		labels[k] = v
		nlabels++
		if (substr(s, 1, 1) == ",") s = substr(s, 2)
		else if (substr(s, 1, 1) != "}") return "\001"
	}
}
function key_without_le(   k, out, n, i, keys) {
	n = 0
	for (k in labels) if (k != "le") keys[++n] = k
	# insertion sort: a stable series key whatever the label order
	for (i = 2; i <= n; i++) { k = keys[i]; j = i - 1; while (j > 0 && keys[j] > k) { keys[j + 1] = keys[j]; j-- } keys[j + 1] = k }
	out = ""
	for (i = 1; i <= n; i++) out = out keys[i] "=" labels[keys[i]] ","
	return out
}
function is_number(v) {
	return v ~ /^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$/ || v ~ /^[-+]?Inf$/ || v == "NaN"
}
function num(v) { return v == "+Inf" || v == "Inf" ? 1e308 : v + 0 }
BEGIN { bad = 0; last_family = ""; samples = 0 }
/^[ \t]*$/ { next }
/^#/ {
	if ($2 == "HELP") {
		if ($3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) problem("bad HELP metric name '" $3 "'")
		if (help[$3]++) problem("second HELP for " $3)
	} else if ($2 == "TYPE") {
		if ($3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) problem("bad TYPE metric name '" $3 "'")
		if ($4 !~ /^(counter|gauge|histogram|summary|untyped)$/) problem("bad type '" $4 "' for " $3)
		if (NF != 4) problem("TYPE line with extra fields")
		if ($3 in type) problem("second TYPE for " $3)
		if ($3 in seen_family) problem("TYPE for " $3 " after its samples")
		type[$3] = $4
		if ($4 == "counter" && $3 !~ /_total$/) problem("counter " $3 " does not end in _total")
	}
	next
}
{
	line = $0
	if (!match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) { problem("bad metric name: " line); next }
	name = substr(line, 1, RLENGTH)
	rest = parse_labels(substr(line, RLENGTH + 1))
	if (rest == "\001") { problem("bad labels: " line); next }
	if (rest !~ /^ /) { problem("no space before the value: " line); next }
	n = split(substr(rest, 2), f, " ")
	if (n < 1 || n > 2 || !is_number(f[1])) { problem("bad value: " line); next }
	if (n == 2 && f[2] !~ /^-?[0-9]+$/) { problem("bad timestamp: " line); next }
	samples++
	fam = family_of(name)
	if (!(fam in type)) problem("sample of " name " without a TYPE")
	if (fam != last_family && (fam in seen_family)) problem("samples of " fam " are not contiguous")
	seen_family[fam] = 1
	last_family = fam
	series = name "{" key_without_le() "le=" (("le" in labels) ? labels["le"] : "") "}"
	if (series in dup) problem("duplicate series " series)
	dup[series] = 1
	if (type[fam] == "counter" && num(f[1]) < 0) problem("negative counter: " line)
	if (type[fam] == "histogram") {
		s = fam "|" key_without_le()
		if (name == fam "_bucket") {
			if (!("le" in labels) || !is_number(labels["le"])) { problem("bucket without a numeric le: " line); next }
			if ((s in last_le) && num(labels["le"]) <= last_le[s]) problem("le not increasing: " line)
			if ((s in last_cum) && num(f[1]) < last_cum[s]) problem("bucket counts decrease: " line)
			last_le[s] = num(labels["le"]); last_cum[s] = num(f[1])
			if (labels["le"] == "+Inf") inf[s] = f[1]
			hseries[s] = 1
		} else if (name == fam "_count") {
			count[s] = f[1]
		} else if (name == fam "_sum") {
			sum[s] = f[1]
		} else {
			problem("histogram sample " name " is not _bucket, _sum or _count")
		}
	}
}
END {
	for (s in hseries) {
		if (!(s in inf)) { printf "histogram %s: no +Inf bucket\n", s; bad = 1 }
		else if (!(s in count) || count[s] != inf[s]) { printf "histogram %s: _count %s != +Inf bucket %s\n", s, count[s], inf[s]; bad = 1 }
		if (!(s in sum)) { printf "histogram %s: no _sum\n", s; bad = 1 }
	}
	if (!samples) { print "no samples at all"; bad = 1 }
	exit bad
}
