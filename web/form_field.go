package web

import (
	"errors"
	"strings"

	"github.com/jitgit/jitgit/auth"
)

// failedField is the first of fields an invalid-input error names, so the
// form can mark that field and put the cursor in it; "" when none is named.
func failedField(err error, fields ...string) string {
	if !errors.Is(err, auth.ErrInvalid) {
		return ""
	}
	msg := strings.ToLower(err.Error())
	for _, f := range fields {
		if strings.Contains(msg, f) {
			return f
		}
	}
	return ""
}
