package service_test

import (
	"testing"

	"github.com/jitgit/jitgit/service/servicetest"
)

// fixture is the real use cases over a real in-memory store.
type fixture struct{ *servicetest.Fixture }

func newFixture(t *testing.T) *fixture { return &fixture{servicetest.New(t)} }
