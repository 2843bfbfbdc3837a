package etcdstore

import (
	"sync"
	"time"

	"github.com/jitgit/jitgit/auth"
)

// indexCache keeps the subject-index entries of grants and policies, and
// the protection rules, in memory, so that the decision of a Git request
// does not wait for etcd.
//
// This node's writes invalidate what they touched once they commit, as
// over Badger; every node's writes invalidate it when the watch sees them
// (watch.go). Each invalidation bumps the generation and raises rev to the
// revision it came from. A reader remembers the generation before it reads
// etcd and stores what it read only if no invalidation came meanwhile and
// its read revision is no older than rev, so a revoked grant is never
// cached after its revocation has been seen. While the watch is not known
// to be live (live false, or no word from etcd since aliveUntil) nothing
// is served from the cache nor stored in it: reads go to etcd. Entries are
// whole index lists, ended grants included; GrantsFor filters by time on
// every call.
type indexCache struct {
	mu   sync.Mutex
	gen  uint64
	rev  int64
	live bool
	// aliveUntil is when the last word from the watch stops vouching for
	// the cache; now is the real clock that compares with it.
	aliveUntil time.Time
	now        func() time.Time
	grants     *subjectLists[byte] // each subject's grants, encoded (see appendRaw)
	policies   *subjectLists[auth.Policy]
	// protections holds every protection rule once read (protectionsRead).
	protections     []auth.Protection
	protectionsRead bool
	// protectionsOf holds the rules matching each repository asked about.
	protectionsOf map[string][]auth.Protection
}

func newIndexCache() *indexCache {
	return &indexCache{grants: newSubjectLists(cacheMaxSubjects, cacheMaxBytes, rawBytes),
		policies: newSubjectLists(cacheMaxSubjects, cacheMaxBytes/4, policyBytes), protectionsOf: make(map[string][]auth.Protection),
		now: time.Now}
}

// invalidate forgets everything; call it after every policy write and restore.
func (c *indexCache) invalidate() {
	c.mu.Lock()
	c.gen++
	c.grants.purge()
	c.policies.purge()
	c.protections, c.protectionsRead = nil, false
	clear(c.protectionsOf)
	c.mu.Unlock()
}

// invalidateGrants forgets the grant lists of the subjects a write touched;
// other subjects' lists stay valid, so one grant change does not make every
// other user's next decision read etcd.
func (c *indexCache) invalidateGrants(subjects ...string) {
	c.mu.Lock()
	c.gen++
	for _, s := range subjects {
		c.grants.remove(s)
	}
	c.mu.Unlock()
}

// lookup returns the cached lists of subjects, the subjects it lacks, and
// the generation to pass to store.
func lookup[T any](c *indexCache, m *subjectLists[T], subjects []string) (hit map[string][]T, missing []string, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	hit = make(map[string][]T, len(subjects))
	if !c.servingLocked() {
		return hit, subjects, c.gen
	}
	for _, s := range subjects {
		if l, ok := m.get(s); ok {
			hit[s] = l
		} else {
			missing = append(missing, s)
		}
	}
	return hit, missing, c.gen
}

// store caches lists read at generation gen and revision rev, unless an
// invalidation came since or from a later revision, or the cache is not
// serving.
func store[T any](c *indexCache, m *subjectLists[T], read map[string][]T, gen uint64, rev int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen || rev < c.rev || !c.servingLocked() {
		return
	}
	for s, l := range read {
		m.put(s, l)
	}
}

// servingLocked reports whether the cache may answer: the watch is live
// and has been heard from recently. c.mu must be held.
func (c *indexCache) servingLocked() bool {
	return c.live && c.now().Before(c.aliveUntil)
}

// seen raises rev to a revision whose invalidations have been applied.
// c.mu must be held.
func (c *indexCache) seenLocked(rev int64) {
	if rev > c.rev {
		c.rev = rev
	}
}

// ForgetCache drops the in-memory index cache, so that the next decisions
// read etcd as after a restart or a grant change. Benchmarks use it to
// measure that path.
func (db *DB) ForgetCache() { db.cache.invalidate() }
