package service

import (
	"fmt"

	"github.com/jitgit/jitgit/auth"
)

// requireAuditReader admits administrators and auditors: what reads the
// audit trail and the reports, and changes nothing.
func requireAuditReader(actor auth.Identity, what string) error {
	if !actor.Admin && !actor.Auditor {
		return fmt.Errorf("%w: %s needs an administrator or an auditor", auth.ErrForbidden, what)
	}
	return nil
}

// refuseAuditor refuses a change to an auditor: the role reads and never
// acts, so that its account cannot be used to change what it audits.
func refuseAuditor(actor auth.Identity, what string) error {
	if actor.Auditor && !actor.Admin {
		return fmt.Errorf("%w: %s: an auditor account reads and changes nothing", auth.ErrForbidden, what)
	}
	return nil
}
