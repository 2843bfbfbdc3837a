package service

import (
	"context"
	"fmt"

	"github.com/jitgit/jitgit/storage"
)

// readyProbe is the session hash the readiness write deletes: a session
// that cannot exist (no hash is this short), so the write changes nothing.
const readyProbe = "ready-probe"

// ProbeWrite makes one durable write to the store that changes no record,
// for readiness checks: it fails, or takes long, when the disk does.
func (s *Service) ProbeWrite(ctx context.Context) error {
	if err := s.store.Update(ctx, func(tx storage.Tx) error { return tx.Sessions().Delete(readyProbe) }); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}
