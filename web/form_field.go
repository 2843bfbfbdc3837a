package web

import (
	"errors"
	"slices"
	"strings"
	"unicode"

	"github.com/jitgit/jitgit/auth"
)

// failedField is the first of fields an invalid-input error names, so the
// form can mark that field and put the cursor in it; "" when none is named.
func failedField(err error, fields ...string) string {
	if !errors.Is(err, auth.ErrInvalid) {
		return ""
	}
	words := strings.FieldsFunc(strings.ToLower(err.Error()), func(r rune) bool { return !unicode.IsLetter(r) })
	for _, f := range fields {
		if slices.Contains(words, f) {
			return f
		}
	}
	return ""
}
