package auth_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/badgerstore"
)

// The decision benchmarks seed a real on-disk database (Badger with
// SyncWrites, as in production) with N active grants, 10 per user, and ask
// about random users and repositories. Each reports the mean (ns/op) and the
// per-call p50 and p99 in µs; bench/authorize.sh prints the 100k/1k ratios.
// Costs are compared as ratios within one run, never asserted as times.

// benchSizes are the grant counts compared: the decision at the large size
// should cost at most 1.5× the one at the small size. JITGIT_BENCH_SIZES
// ("1000,1000000") replaces them.
var benchSizes = sizesFromEnv([]int{1_000, 100_000})

func sizesFromEnv(def []int) []int {
	v := os.Getenv("JITGIT_BENCH_SIZES")
	if v == "" {
		return def
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < grantsPerUser {
			panic(fmt.Sprintf("JITGIT_BENCH_SIZES=%q: want grant counts of at least %d, comma-separated", v, grantsPerUser))
		}
		out = append(out, n)
	}
	return out
}

// runSeed is new on every run, so that repeated runs do not ask the
// questions of the run before of a cache it warmed: each run draws its own
// subjects.
var runSeed = uint64(time.Now().UnixNano())

const (
	grantsPerUser = 10
	benchOwners   = 200 // owners; each has benchRepos repositories
	benchRepos    = 50
	benchGroups   = 40
	groupGrants   = 3 // grants per group
)

// benchFixture is a seeded database and what the picker needs to ask realistic
// questions.
type benchFixture struct {
	db     *badgerstore.DB
	now    time.Time
	users  []benchUser
	closed bool
	// The first decision of every user, with the cache empty, and the
	// resident memory after them.
	firstP50, firstP99, rssMiB float64
}

type benchUser struct {
	name   string
	groups []string
	repos  []string // the repositories and owner/* patterns granted to the user
}

func repoName(owner, repo int) string { return fmt.Sprintf("owner%03d/repo%02d", owner, repo) }

// seed opens a fresh database in a temporary directory and stores n grants
// (n/10 users), the group grants and a few config-like policies. The
// database is closed and reopened so the questions read from disk tables,
// as after a restart, not from a write buffer.
func seed(b *testing.B, dir string, n int) *benchFixture {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	db, err := badgerstore.Open(dir, badgerstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	f := &benchFixture{now: now}

	var grants []auth.Grant
	mk := func(id int, subject, repo string) auth.Grant {
		return auth.Grant{
			ID: fmt.Sprintf("g_%08d", id), Subject: subject, Repo: repo,
			Level:  auth.Level(1 + rng.IntN(3)),
			Starts: now.Add(-time.Duration(1+rng.IntN(48)) * time.Hour),
			// Active, ending within the longest grant (7 days).
			Expires:   now.Add(time.Duration(1+rng.IntN(7*24)) * time.Hour),
			Reason:    "on call for the payments incident, ticket OPS-1234",
			Origin:    auth.OriginRequest,
			Request:   fmt.Sprintf("r_%08d", id),
			CreatedBy: "approver",
			Created:   now.Add(-time.Hour),
		}
	}
	users := n / grantsPerUser
	for u := range users {
		bu := benchUser{name: fmt.Sprintf("user%05d", u)}
		bu.groups = append(bu.groups, fmt.Sprintf("team%02d", rng.IntN(benchGroups)))
		if rng.IntN(2) == 0 {
			if g := fmt.Sprintf("team%02d", rng.IntN(benchGroups)); g != bu.groups[0] {
				bu.groups = append(bu.groups, g)
			}
		}
		for i := range grantsPerUser {
			owner := rng.IntN(benchOwners)
			repo := repoName(owner, rng.IntN(benchRepos))
			if i%10 >= 7 { // 3 of 10 name every repository of an owner
				repo = fmt.Sprintf("owner%03d/*", owner)
			}
			bu.repos = append(bu.repos, repo)
			grants = append(grants, mk(len(grants), auth.UserPrincipal(bu.name), repo))
		}
		f.users = append(f.users, bu)
	}
	for g := range benchGroups {
		for range groupGrants {
			grants = append(grants, mk(len(grants), auth.GroupPrincipal(fmt.Sprintf("team%02d", g)),
				fmt.Sprintf("owner%03d/*", rng.IntN(benchOwners))))
		}
	}
	if err := db.CreateGrants(ctx, grants); err != nil {
		b.Fatal(err)
	}

	policies := []auth.Policy{
		{ID: "public-read", Subjects: []string{auth.PrincipalAnyone}, Repos: []string{"public/*"},
			Effect: auth.Allow, Level: auth.LevelRead, Source: "config"},
		{ID: "handbook", Subjects: []string{auth.PrincipalUsers}, Repos: []string{"owner000/repo00", "docs/*"},
			Effect: auth.Allow, Level: auth.LevelRead, Source: "config"},
		{ID: "contractors-no-push", Description: "contractors never push to owner001",
			Subjects: []string{auth.GroupPrincipal("team07")}, Repos: []string{"owner001/*"},
			Effect: auth.Deny, Level: auth.LevelWrite, Source: "config"},
		{ID: "sre-approve", Subjects: []string{auth.GroupPrincipal("team00")}, Repos: []string{"*"},
			Effect: auth.Allow, Approve: true, AutoMax: time.Hour, AutoLevel: auth.LevelRead, Source: "config"},
	}
	for _, p := range policies {
		if err := db.Update(ctx, func(tx storage.Tx) error { return tx.Policies().Put(p) }); err != nil {
			b.Fatal(err)
		}
	}
	// A few repositories exist as records (one a mirror), so a push looks
	// one up as in production.
	for o := range 4 {
		r := auth.Repo{Name: repoName(o, 1), Created: now, CreatedBy: "admin"}
		if o == 3 {
			r.Mirror = "https://example.com/upstream.git"
		}
		if err := db.Update(ctx, func(tx storage.Tx) error { return tx.Repos().Create(r) }); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	if f.db, err = badgerstore.Open(dir, badgerstore.Options{}); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d grants in %v", len(grants), time.Since(start).Round(time.Millisecond))
	grants = nil
	f.first(b)
	f.warm(b)
	return f
}

// first asks one question of every user, in a random order of this run,
// with the store's cache empty: the cold first decisions, reported apart
// as first-p50-µs and first-p99-µs, and the resident memory after them
// (rss-MiB): every user's lists are then in the cache.
func (f *benchFixture) first(b *testing.B) {
	f.db.ForgetCache()
	a := auth.NewAuthorizer(f.db, nil, func() time.Time { return f.now })
	rng := rand.New(rand.NewPCG(runSeed, 3))
	lat := make(latencies, 0, len(f.users))
	for _, i := range rng.Perm(len(f.users)) {
		u := f.users[i]
		t := time.Now()
		a.Decide(context.Background(), auth.Identity{User: u.name, Groups: u.groups}, u.repos[rng.IntN(len(u.repos))], auth.ActionRead)
		lat = append(lat, time.Since(t))
	}
	slices.Sort(lat)
	f.firstP50 = float64(lat[len(lat)/2].Nanoseconds()) / 1e3
	f.firstP99 = float64(lat[min(len(lat)*99/100, len(lat)-1)].Nanoseconds()) / 1e3
	runtime.GC()
	debug.FreeOSMemory()
	f.rssMiB = rssMiB()
	b.Logf("first decision of each of %d users: p50 %.1f µs, p99 %.1f µs; RSS %.0f MiB", len(f.users), f.firstP50, f.firstP99, f.rssMiB)
}

// rssMiB is this process's resident memory, from /proc (0 elsewhere).
func rssMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

// warm asks a few thousand questions (others than the benchmarks ask) so
// the block cache holds what a running server's would.
func (f *benchFixture) warm(b *testing.B) {
	a := auth.NewAuthorizer(f.db, nil, func() time.Time { return f.now })
	// Every user once, so the steady state (each active user's index in
	// the store's cache) is what the timed loop sees.
	for _, u := range f.users {
		a.Decide(context.Background(), auth.Identity{User: u.name, Groups: u.groups}, u.repos[0], auth.ActionRead)
	}
	p := newPicker(f, runSeed+7)
	for range 3000 {
		q := p.next()
		if d := a.Decide(context.Background(), q.who, q.repo, q.action); d.Reason == "" {
			b.Fatal("decision without a reason")
		}
	}
}

func (f *benchFixture) close() {
	if !f.closed {
		f.closed = true
		f.db.Close()
	}
}

// question is one access question.
type question struct {
	who    auth.Identity
	repo   string
	action auth.Action
}

// picker asks realistic questions: half about a repository the user holds
// a grant on, a quarter about a repository under one of the user's owner/*
// grants or of a group, a quarter about any repository (mostly denied);
// 70% reads, 30% pushes.
type picker struct {
	f   *benchFixture
	rng *rand.Rand
}

func newPicker(f *benchFixture, seed uint64) *picker {
	return &picker{f: f, rng: rand.New(rand.NewPCG(seed, 2))}
}

func (p *picker) next() question {
	u := &p.f.users[p.rng.IntN(len(p.f.users))]
	q := question{
		who:    auth.Identity{User: u.name, Groups: u.groups, Method: auth.MethodToken, Remote: "192.0.2.10:50000", Transport: "http"},
		action: auth.ActionRead,
	}
	if p.rng.IntN(10) < 3 {
		q.action = auth.ActionWrite
	}
	switch r := p.rng.IntN(4); {
	case r < 2:
		q.repo = u.repos[p.rng.IntN(len(u.repos))]
		if owner, ok := cutWildcard(q.repo); ok {
			q.repo = fmt.Sprintf("%s/repo%02d", owner, p.rng.IntN(benchRepos))
		}
	case r == 2:
		q.repo = u.repos[7+p.rng.IntN(3)]
		owner, _ := cutWildcard(q.repo)
		q.repo = fmt.Sprintf("%s/repo%02d", owner, p.rng.IntN(benchRepos))
	default:
		q.repo = repoName(p.rng.IntN(benchOwners), p.rng.IntN(benchRepos))
	}
	return q
}

func cutWildcard(pattern string) (string, bool) {
	if len(pattern) > 2 && pattern[len(pattern)-2:] == "/*" {
		return pattern[:len(pattern)-2], true
	}
	return "", false
}

// latencies records per-call durations and reports their percentiles.
type latencies []time.Duration

func (l latencies) report(b *testing.B) (p50, p99 float64) {
	if len(l) == 0 {
		return 0, 0
	}
	slices.Sort(l)
	pct := func(p float64) float64 {
		i := min(int(float64(len(l))*p), len(l)-1)
		return float64(l[i].Nanoseconds()) / 1e3
	}
	p50, p99 = pct(0.50), pct(0.99)
	b.ReportMetric(p50, "p50-µs")
	b.ReportMetric(p99, "p99-µs")
	return p50, p99
}

// sizes runs bench once per size as sub-benchmark "grants=N", each on a
// freshly seeded database, and logs the large/small ratio of the p99s. The
// database is seeded when the sub-benchmark first runs (so -bench filters
// skip seeding too) and shared by its rounds of growing b.N; bench resets
// the timer after its own setup.
func sizes(b *testing.B, bench func(b *testing.B, f *benchFixture) (p99 float64)) {
	p99 := make(map[int]float64)
	for _, n := range benchSizes {
		var f *benchFixture
		b.Run(fmt.Sprintf("grants=%d", n), func(sb *testing.B) {
			if f == nil {
				f = seed(sb, b.TempDir(), n) // the parent's directory outlives the rounds
			}
			p99[n] = bench(sb, f)
		})
		if f != nil {
			f.close()
		}
	}
	small, large := p99[benchSizes[0]], p99[benchSizes[len(benchSizes)-1]]
	if small > 0 && large > 0 {
		b.Logf("p99 at %d grants / p99 at %d grants = %.2f", benchSizes[len(benchSizes)-1], benchSizes[0], large/small)
	}
}

// BenchmarkDecide measures the pure decision: loading the subject's grants
// and policies and evaluating them.
func BenchmarkDecide(b *testing.B) {
	sizes(b, func(b *testing.B, f *benchFixture) float64 {
		ctx := context.Background()
		a := auth.NewAuthorizer(f.db, nil, func() time.Time { return f.now })
		p := newPicker(f, runSeed)
		lat := make(latencies, 0, b.N)
		allowed := 0
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			q := p.next()
			t := time.Now()
			d := a.Decide(ctx, q.who, q.repo, q.action)
			lat = append(lat, time.Since(t))
			if d.Allowed {
				allowed++
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(allowed)/float64(b.N), "allowed/op")
		b.ReportMetric(f.firstP50, "first-p50-µs")
		b.ReportMetric(f.firstP99, "first-p99-µs")
		b.ReportMetric(f.rssMiB, "rss-MiB")
		_, p99 := lat.report(b)
		return p99
	})
}

// BenchmarkDecideCold measures the decision when nothing is cached: before
// every call (outside the timing) the store's index cache is dropped, as
// any grant or policy change drops it.
func BenchmarkDecideCold(b *testing.B) {
	sizes(b, func(b *testing.B, f *benchFixture) float64 {
		ctx := context.Background()
		a := auth.NewAuthorizer(f.db, nil, func() time.Time { return f.now })
		p := newPicker(f, runSeed+43)
		lat := make(latencies, 0, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			q := p.next()
			f.db.ForgetCache()
			t := time.Now()
			a.Decide(ctx, q.who, q.repo, q.action)
			lat = append(lat, time.Since(t))
		}
		b.StopTimer()
		_, p99 := lat.report(b)
		return p99
	})
}

// BenchmarkAuthorize measures the decision plus its durable audit record,
// one caller at a time: every call waits for its own fsync.
func BenchmarkAuthorize(b *testing.B) {
	sizes(b, func(b *testing.B, f *benchFixture) float64 {
		ctx := context.Background()
		log := audit.NewLog(f.db.Events(), func() time.Time { return f.now })
		defer log.Close()
		a := auth.NewAuthorizer(f.db, log, func() time.Time { return f.now })
		p := newPicker(f, 42)
		lat := make(latencies, 0, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			q := p.next()
			t := time.Now()
			d := a.Authorize(ctx, q.who, q.repo, q.action)
			lat = append(lat, time.Since(t))
			if d.Reason == "" {
				b.Fatal("decision without a reason")
			}
		}
		b.StopTimer()
		_, p99 := lat.report(b)
		return p99
	})
}

// BenchmarkAuthorizeParallel is Authorize with concurrent callers, who share
// one audit transaction and fsync per batch.
func BenchmarkAuthorizeParallel(b *testing.B) {
	sizes(b, func(b *testing.B, f *benchFixture) float64 {
		ctx := context.Background()
		log := audit.NewLog(f.db.Events(), func() time.Time { return f.now })
		defer log.Close()
		a := auth.NewAuthorizer(f.db, log, func() time.Time { return f.now })
		var (
			mu    sync.Mutex
			all   latencies
			seeds uint64
		)
		b.SetParallelism(16) // callers per CPU: Git requests mostly wait on the disk
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			mu.Lock()
			seeds++
			p := newPicker(f, 42+seeds)
			mu.Unlock()
			var lat latencies
			for pb.Next() {
				q := p.next()
				t := time.Now()
				a.Authorize(ctx, q.who, q.repo, q.action)
				lat = append(lat, time.Since(t))
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		})
		b.StopTimer()
		_, p99 := all.report(b)
		return p99
	})
}

// BenchmarkDecideRatio asks the same questions of both sizes in alternation,
// so both see the same machine load, and reports each size's p50/p99 and the
// large/small ratios of the p99 and of the mean. On a busy machine this
// ratio is steadier than one computed from two separate benchmarks.
func BenchmarkDecideRatio(b *testing.B) {
	ctx := context.Background()
	small, large := benchSizes[0], benchSizes[len(benchSizes)-1]
	var fs [2]*benchFixture
	for i, n := range []int{small, large} {
		fs[i] = seed(b, b.TempDir(), n)
		b.Cleanup(fs[i].close)
	}
	var (
		as    [2]*auth.Authorizer
		ps    [2]*picker
		lat   [2]latencies
		total [2]time.Duration
	)
	for i, f := range fs {
		as[i] = auth.NewAuthorizer(f.db, nil, func() time.Time { return f.now })
		ps[i] = newPicker(f, runSeed)
		lat[i] = make(latencies, 0, b.N/2+1)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		k := i & 1
		q := ps[k].next()
		t := time.Now()
		as[k].Decide(ctx, q.who, q.repo, q.action)
		d := time.Since(t)
		lat[k] = append(lat[k], d)
		total[k] += d
	}
	b.StopTimer()
	if len(lat[0]) == 0 || len(lat[1]) == 0 {
		return
	}
	pct := func(l latencies, p float64) float64 {
		slices.Sort(l)
		return float64(l[min(int(float64(len(l))*p), len(l)-1)].Nanoseconds()) / 1e3
	}
	p50s, p99s := pct(lat[0], 0.5), pct(lat[0], 0.99)
	p50l, p99l := pct(lat[1], 0.5), pct(lat[1], 0.99)
	meanS := float64(total[0]) / float64(len(lat[0]))
	meanL := float64(total[1]) / float64(len(lat[1]))
	b.ReportMetric(p50s, fmt.Sprintf("p50-µs-%d", small))
	b.ReportMetric(p99s, fmt.Sprintf("p99-µs-%d", small))
	b.ReportMetric(p50l, fmt.Sprintf("p50-µs-%d", large))
	b.ReportMetric(p99l, fmt.Sprintf("p99-µs-%d", large))
	b.ReportMetric(p99l/p99s, "p99-ratio")
	b.ReportMetric(meanL/meanS, "mean-ratio")
}
