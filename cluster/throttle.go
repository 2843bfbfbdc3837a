package cluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/jitgit/jitgit/ratelimit"
)

// Throttle is a ratelimit.Limiter whose buckets are in etcd, so every node
// counts a key's failures together and an attacker cannot multiply the
// budget by the number of nodes. Each key is a token bucket (n failures at
// once, one more every window/n) stored under
// <prefix>throttle/<name>/<sha256 of the key>, updated by compare-and-swap
// and attached to a lease of about two windows shared by the keys written
// in the same stretch of time, so keys go by themselves and the space used
// is bounded by the failures of two windows.
//
// Every call is bounded by a timeout. When etcd cannot answer, Wait answers
// FailClosedWait: sign-in fails closed (429) rather than open.
type Throttle struct {
	client *clientv3.Client
	prefix string
	burst  float64
	every  float64 // failures earned back per second
	window time.Duration
	now    func() time.Time
	log    *slog.Logger

	mu         sync.Mutex
	lease      clientv3.LeaseID
	leaseUntil time.Time
	down       atomic.Bool // the last Wait could not reach etcd
}

// FailClosedWait is what a Throttle's Wait answers when etcd does not.
const FailClosedWait = 30 * time.Second

// maxCAS bounds the compare-and-swap retries of one failure.
const maxCAS = 5

// NewThrottles returns the ratelimit.NewLimiter of Throttles under prefix.
func NewThrottles(client *clientv3.Client, prefix string, now func() time.Time, o Options) ratelimit.NewLimiter {
	return func(name string, n int, window time.Duration) ratelimit.Limiter {
		n = max(n, 1)
		return &Throttle{client: client, prefix: keyPrefix(prefix) + "throttle/" + name + "/", burst: float64(n),
			every: float64(n) / window.Seconds(), window: window, now: now, log: o.log()}
	}
}

// bucket is a stored token bucket: Tokens left at At.
type bucket struct {
	Tokens float64   `json:"t"`
	At     time.Time `json:"at"`
}

func (t *Throttle) tokensAt(b bucket, now time.Time) float64 {
	if now.Before(b.At) {
		return b.Tokens
	}
	return math.Min(t.burst, b.Tokens+now.Sub(b.At).Seconds()*t.every)
}

func (t *Throttle) key(k string) string {
	sum := sha256.Sum256([]byte(k))
	return t.prefix + hex.EncodeToString(sum[:16])
}

// Wait implements ratelimit.Limiter.
func (t *Throttle) Wait(keys ...string) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	now := t.now()
	var longest time.Duration
	for _, k := range keys {
		b, _, ok, err := t.get(ctx, t.key(k))
		if err != nil {
			t.log.Warn("sign-in throttle: etcd did not answer; refusing sign-in until it does", "err", err)
			t.down.Store(true)
			return FailClosedWait
		}
		if !ok {
			continue
		}
		if tokens := t.tokensAt(b, now); tokens < 1 {
			longest = max(longest, time.Duration((1-tokens)/t.every*float64(time.Second))+1)
		}
	}
	t.down.Store(false)
	return longest
}

// Unreachable implements ratelimit.Reachability.
func (t *Throttle) Unreachable() bool { return t.down.Load() }

func (t *Throttle) get(ctx context.Context, key string) (b bucket, rev int64, ok bool, err error) {
	r, err := t.client.Get(ctx, key)
	if err != nil {
		return b, 0, false, err
	}
	if len(r.Kvs) == 0 {
		return b, 0, false, nil
	}
	if err := json.Unmarshal(r.Kvs[0].Value, &b); err != nil {
		return b, 0, false, fmt.Errorf("throttle entry %s: %w", key, err)
	}
	return b, r.Kvs[0].ModRevision, true, nil
}

// Fail implements ratelimit.Limiter. A failure etcd does not take is
// logged: the Wait that follows fails closed anyway.
func (t *Throttle) Fail(keys ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	for _, k := range keys {
		if err := t.fail(ctx, t.key(k)); err != nil {
			t.log.Warn("sign-in throttle: failure not counted", "err", err)
		}
	}
}

func (t *Throttle) fail(ctx context.Context, key string) error {
	for range maxCAS {
		now := t.now()
		b, rev, ok, err := t.get(ctx, key)
		if err != nil {
			return err
		}
		tokens := t.burst
		if ok {
			tokens = t.tokensAt(b, now)
		}
		if tokens >= 1 {
			tokens--
		}
		lease, err := t.leaseFor(ctx)
		if err != nil {
			return err
		}
		v, _ := json.Marshal(bucket{Tokens: tokens, At: now.UTC()})
		put := clientv3.OpPut(key, string(v), clientv3.WithLease(lease))
		// rev 0 compares as "no such key", the first failure.
		resp, err := t.client.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(key), "=", rev)).Then(put).Commit()
		if errors.Is(err, rpctypes.ErrLeaseNotFound) {
			t.dropLease(lease)
			continue
		}
		if err != nil {
			return err
		}
		if resp.Succeeded {
			return nil
		}
	}
	return fmt.Errorf("too much contention on one key (%d tries)", maxCAS)
}

// leaseFor returns a lease that lasts at least one more window: a key
// written under it lives between one and two windows after its last
// failure, by which time its bucket is full again. Leases run on etcd's
// time, so this reads the real clock, not the server's.
func (t *Throttle) leaseFor(ctx context.Context) (clientv3.LeaseID, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	if t.lease != 0 && now.Add(t.window).Before(t.leaseUntil) {
		return t.lease, nil
	}
	ttl := 2*t.window + time.Second
	g, err := t.client.Grant(ctx, int64(ttl/time.Second))
	if err != nil {
		return 0, err
	}
	t.lease, t.leaseUntil = g.ID, now.Add(ttl)
	return g.ID, nil
}

func (t *Throttle) dropLease(id clientv3.LeaseID) {
	t.mu.Lock()
	if t.lease == id {
		t.lease = 0
	}
	t.mu.Unlock()
}

// Forget implements ratelimit.Limiter.
func (t *Throttle) Forget(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	if _, err := t.client.Delete(ctx, t.key(key)); err != nil {
		t.log.Warn("sign-in throttle: success not recorded", "err", err)
	}
}
