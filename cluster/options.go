package cluster

import (
	"log/slog"
	"strings"
	"time"
)

// DefaultTTL is the lease of everything a node holds: how long after a
// node dies its jobs, locks and registry entry are released.
const DefaultTTL = 5 * time.Second

// callTimeout bounds one etcd call made on behalf of a request.
const callTimeout = 2 * time.Second

// Options are the settings shared by the etcd parts of this package.
type Options struct {
	// TTL is the lease length, rounded up to whole seconds (etcd's unit);
	// DefaultTTL when zero.
	TTL time.Duration
	// Log receives what goes wrong in the background; nil discards it.
	Log *slog.Logger
}

func (o Options) ttlSeconds() int {
	ttl := o.TTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return int((ttl + time.Second - 1) / time.Second)
}

func (o Options) log() *slog.Logger {
	if o.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Log
}

// keyPrefix makes sure a prefix ends in "/", so that "a" and "ab" do not
// share keys.
func keyPrefix(p string) string {
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}
