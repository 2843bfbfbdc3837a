package sso

import (
	"errors"
	"sync"
	"time"
)

// pendingLifetime is how long a browser may take at the provider.
const pendingLifetime = 10 * time.Minute

// maxPending bounds the sign-ins under way at once, so a flood of started
// sign-ins costs bounded memory.
const maxPending = 10000

// maxPendingPerClient bounds the sign-ins under way from one client
// address, so one client cannot fill the map for everyone.
const maxPendingPerClient = 20

// ErrBusy refuses a sign-in while too many are under way.
var ErrBusy = errors.New("too many sign-ins are under way; try again in a few minutes")

// pending is one sign-in under way: what the callback must find again.
type pending struct {
	binding  string // hash of the browser's cookie secret
	nonce    string
	verifier string // PKCE code verifier
	next     string
	maxAge   time.Duration // 0: no step-up
	client   string        // the address that started it
	expires  time.Time
}

// pendingLogins holds sign-ins under way, by state, each usable once.
type pendingLogins struct {
	mu       sync.Mutex
	by       map[string]pending
	byClient map[string]int
	now      func() time.Time
}

func newPendingLogins(now func() time.Time) *pendingLogins {
	return &pendingLogins{by: map[string]pending{}, byClient: map[string]int{}, now: now}
}

// put keeps p under state, dropping lapsed entries when the map, or the
// client's share of it, is full.
func (l *pendingLogins) put(state string, p pending) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.by) >= maxPending || l.byClient[p.client] >= maxPendingPerClient {
		for k, v := range l.by {
			if !now.Before(v.expires) {
				l.drop(k, v)
			}
		}
		if len(l.by) >= maxPending || l.byClient[p.client] >= maxPendingPerClient {
			return ErrBusy
		}
	}
	p.expires = now.Add(pendingLifetime)
	l.by[state] = p
	l.byClient[p.client]++
	return nil
}

func (l *pendingLogins) drop(state string, p pending) {
	delete(l.by, state)
	if l.byClient[p.client]--; l.byClient[p.client] <= 0 {
		delete(l.byClient, p.client)
	}
}

// take removes and returns the sign-in under state if it has not lapsed.
func (l *pendingLogins) take(state string) (pending, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.by[state]
	if ok {
		l.drop(state, p)
	}
	if !ok || !l.now().Before(p.expires) {
		return pending{}, false
	}
	return p, true
}
