package etcdstore

import (
	"encoding/binary"
	"errors"
	"unsafe"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/jitgit/jitgit/auth"
)

// Bounds of the subject cache: each of its two lists (grants, policies)
// holds at most cacheMaxSubjects subjects and about cacheMaxBytes of
// records. Grants are cached in their stored encoding (about 170 bytes
// each, a third of a decoded auth.Grant) and decoded on every use, so at
// 1M grants over 100k users the lists of every user fit in about 200 MiB.
const (
	cacheMaxSubjects = 1 << 18
	cacheMaxBytes    = 256 << 20
)

// subjectLists is a least-recently-used cache of one index list per
// subject, bounded by entries and by an estimate of its bytes: past either
// bound it evicts the least recently used subject, one at a time, so a
// cache that is full keeps serving its hot subjects (the old cache emptied
// itself at 16,384 subjects, and then most decisions read the store). Not safe
// for concurrent use: indexCache.mu guards it.
type subjectLists[T any] struct {
	lru    *lru.Cache[string, []T]
	bytes  int64
	budget int64
	size   func([]T) int64
}

func newSubjectLists[T any](entries int, budget int64, size func([]T) int64) *subjectLists[T] {
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
	return int64(entryOverhead+len(s)) + l.size(v)
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

func (l *subjectLists[T]) remove(s string) { l.lru.Remove(s) }

func (l *subjectLists[T]) purge() { l.lru.Purge() }

// rawBytes is the memory of a cached encoded list.
func rawBytes(b []byte) int64 { return int64(cap(b)) }

// policyBytes estimates the memory of cached policies.
func policyBytes(ps []auth.Policy) int64 {
	var n int64
	for _, p := range ps {
		n += int64(unsafe.Sizeof(p)) + int64(len(p.ID)+len(p.Description)+len(p.Source))
		for _, s := range p.Subjects {
			n += int64(len(s)) + 16
		}
		for _, s := range p.Repos {
			n += int64(len(s)) + 16
		}
	}
	return n
}

// appendRaw appends one encoded record to a cached list: its length as a
// uvarint, then its bytes.
func appendRaw(list, rec []byte) []byte {
	list = binary.AppendUvarint(list, uint64(len(rec)))
	return append(list, rec...)
}

// eachRaw calls f with every record of a cached list.
func eachRaw(list []byte, f func(rec []byte) error) error {
	for len(list) > 0 {
		n, w := binary.Uvarint(list)
		if w <= 0 || uint64(len(list)-w) < n {
			return errors.New("badgerstore: corrupt cached list")
		}
		if err := f(list[w : w+int(n)]); err != nil {
			return err
		}
		list = list[w+int(n):]
	}
	return nil
}

// maxCachedRepos bounds the protection rules cached per repository; past it
// that small map starts over (rules are few and shared, so a refill is one
// match per repository).
const maxCachedRepos = 16384
