package sso

import (
	"fmt"
	"strings"
)

// claimString reads a claim that must be a string.
func claimString(claims map[string]any, name string) (string, error) {
	v, ok := claims[name]
	if !ok {
		return "", fmt.Errorf("%w: no %s claim", errTokenRefused, name)
	}
	s, ok := v.(string)
	if !ok || s == "" {
		return "", fmt.Errorf("%w: claim %s is not a string", errTokenRefused, name)
	}
	return s, nil
}

// claimStrings reads a claim that must be a list of strings; a missing
// claim is the empty list (a provider leaves it out for a user in no
// group).
func claimStrings(claims map[string]any, name string) ([]string, error) {
	v, ok := claims[name]
	if !ok || v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: claim %s is not a list", errTokenRefused, name)
	}
	if len(list) > 1000 {
		return nil, fmt.Errorf("%w: claim %s has more than 1000 entries", errTokenRefused, name)
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("%w: claim %s holds something other than strings", errTokenRefused, name)
		}
		out = append(out, s)
	}
	return out, nil
}

// matchClaims reports whether every wanted claim is present as a string
// equal to the wanted value, byte for byte: no prefix, no pattern, no
// case folding. It names the first claim that differs.
func matchClaims(claims map[string]any, want map[string]string) (bool, string) {
	for k, w := range want {
		got, ok := claims[k].(string)
		if !ok || got != w {
			return false, k
		}
	}
	return true, ""
}

// userName maps the username claim to a jitgit user name: as is, or
// lowered when the configuration says names differ only in case.
func userName(claims map[string]any, claim string, lower bool) (string, error) {
	s, err := claimString(claims, claim)
	if err != nil {
		return "", err
	}
	if lower {
		s = strings.ToLower(s)
	}
	return s, nil
}
