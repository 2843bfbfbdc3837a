package badgerstore

import (
	"sync"

	"github.com/jitgit/jitgit/auth"
)

// indexCache keeps the decoded subject-index entries of grants and policies
// in memory, so that the decision of a Git request reads no Badger table.
//
// It is only correct because this process is the database's only writer:
// every method that writes a grant calls invalidateGrants with every
// subject it touched, and every other index write calls invalidate, after
// its transaction ends. Both bump the generation. A
// reader remembers the generation before it reads Badger and stores what it
// read only if no write ended meanwhile, so a revoked grant is never cached
// after its revocation returns. Entries are whole index lists, ended grants
// included; GrantsFor filters by time on every call.
type indexCache struct {
	mu       sync.Mutex
	gen      uint64
	grants   *subjectLists[byte] // each subject's grants, encoded (see appendRaw)
	policies *subjectLists[auth.Policy]
	// protections holds every protection rule once read (protectionsRead).
	protections     []auth.Protection
	protectionsRead bool
	// protectionsOf holds the rules matching each repository asked about.
	protectionsOf map[string][]auth.Protection
}

func newIndexCache() *indexCache {
	return &indexCache{grants: newSubjectLists(cacheMaxSubjects, cacheMaxBytes, rawBytes),
		policies: newSubjectLists(cacheMaxSubjects, cacheMaxBytes/4, policyBytes), protectionsOf: make(map[string][]auth.Protection)}
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
// other user's next decision read Badger.
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
	for _, s := range subjects {
		if l, ok := m.get(s); ok {
			hit[s] = l
		} else {
			missing = append(missing, s)
		}
	}
	return hit, missing, c.gen
}

// store caches lists read at generation gen, unless a write ended since.
func store[T any](c *indexCache, m *subjectLists[T], read map[string][]T, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	for s, l := range read {
		m.put(s, l)
	}
}

// ForgetCache drops the in-memory index cache, so that the next decisions
// read Badger as after a restart or a grant change. Benchmarks use it to
// measure that path.
func (db *DB) ForgetCache() { db.cache.invalidate() }
