package main

import (
	"regexp"
	"strconv"
	"strings"
)

var (
	// hasLine: the message names a line already (TOML syntax errors,
	// [[protect]] entries).
	hasLine = regexp.MustCompile(`\bline \d+`)
	// entryKey: "webhook 2: ...", "policy 3 (id): ...", the n-th [[name]].
	entryKey = regexp.MustCompile(`^(webhook|policy|trust|protect) (\d+)\b`)
	// plainKey: "limits.max_grant ...", "audit_deadline ...".
	plainKey = regexp.MustCompile(`^([a-z_]+)(?:\.([a-z_]+))?\b`)
)

// keyLine finds the line of the file text that the validation message msg
// is about, from the key or entry the message starts with; 0 when it
// cannot tell or msg names a line itself.
func keyLine(text, msg string) int {
	if hasLine.MatchString(msg) {
		return 0
	}
	lines := strings.Split(text, "\n")
	if m := entryKey.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[2])
		for i, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), "[["+m[1]+"]]") {
				if n--; n == 0 {
					return i + 1
				}
			}
		}
		return 0
	}
	m := plainKey.FindStringSubmatch(msg)
	if m == nil {
		return 0
	}
	section, key := "", m[1]
	if m[2] != "" {
		section, key = m[1], m[2]
	}
	in := ""
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "[") {
			in = strings.Trim(strings.Fields(l + " ")[0], "[]")
			continue
		}
		k, _, ok := strings.Cut(l, "=")
		if ok && in == section && strings.TrimSpace(k) == key {
			return i + 1
		}
	}
	return 0
}
