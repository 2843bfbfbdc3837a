package badgerstore

import (
	"unsafe"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/jitgit/jitgit/auth"
)

// Bounds of the subject cache: each of its two lists (grants, policies)
// holds at most cacheMaxSubjects subjects and about cacheMaxBytes of
// records. At 1M grants over 100k users (about 2.5 KiB a user) the grant
// lists of every user fit.
const (
	cacheMaxSubjects = 1 << 18
	cacheMaxBytes    = 256 << 20
)

// subjectLists is a least-recently-used cache of one index list per
// subject, bounded by entries and by an estimate of its bytes: past either
// bound it evicts the least recently used subject, one at a time, so a
// cache that is full keeps serving its hot subjects (the old cache emptied
// itself at 16,384 subjects, and then most decisions read Badger). Not safe
// for concurrent use: indexCache.mu guards it.
type subjectLists[T any] struct {
	lru    *lru.Cache[string, []T]
	bytes  int64
	budget int64
	size   func(T) int64
}

func newSubjectLists[T any](entries int, budget int64, size func(T) int64) *subjectLists[T] {
	l := &subjectLists[T]{budget: budget, size: size}
	c, err := lru.NewWithEvict(entries, func(s string, v []T) { l.bytes -= l.sizeOf(s, v) })
	if err != nil {
		panic("badgerstore: " + err.Error()) // only for a size below 1
	}
	l.lru = c
	return l
}

// entryOverhead is the cost of one cached subject besides its records: the
// key, the slice header, the list element and the map slot.
const entryOverhead = 160

func (l *subjectLists[T]) sizeOf(s string, v []T) int64 {
	n := int64(entryOverhead + len(s))
	for _, x := range v {
		n += l.size(x)
	}
	return n
}

func (l *subjectLists[T]) get(s string) ([]T, bool) { return l.lru.Get(s) }

func (l *subjectLists[T]) put(s string, v []T) {
	l.lru.Remove(s)
	l.bytes += l.sizeOf(s, v)
	l.lru.Add(s, v)
	for l.bytes > l.budget && l.lru.Len() > 1 {
		l.lru.RemoveOldest()
	}
}

func (l *subjectLists[T]) has(s string) bool { return l.lru.Contains(s) }

func (l *subjectLists[T]) remove(s string) { l.lru.Remove(s) }

func (l *subjectLists[T]) purge() { l.lru.Purge() }

func (l *subjectLists[T]) len() int { return l.lru.Len() }

// grantBytes estimates the memory of a cached grant.
func grantBytes(g auth.Grant) int64 {
	return int64(unsafe.Sizeof(g)) + int64(len(g.ID)+len(g.Subject)+len(g.Repo)+len(g.Ref)+len(g.Reason)+
		len(g.Request)+len(g.CreatedBy)+len(g.EndedBy)+len(g.EndNote))
}

// policyBytes estimates the memory of a cached policy.
func policyBytes(p auth.Policy) int64 {
	n := int64(unsafe.Sizeof(p)) + int64(len(p.ID)+len(p.Description)+len(p.Source))
	for _, s := range p.Subjects {
		n += int64(len(s)) + 16
	}
	for _, s := range p.Repos {
		n += int64(len(s)) + 16
	}
	return n
}

// maxCachedRepos bounds the protection rules cached per repository; past it
// that small map starts over (rules are few and shared, so a refill is one
// match per repository).
const maxCachedRepos = 16384
