package badgerstore

import "time"

// The key layout is storage/record's (keys.go); Badger's expiry on a key
// only cleans up, as the layout says.

// indexGrace is how long a grant's subject index entry outlives the grant's
// end before Badger may drop it.
const indexGrace = 24 * time.Hour

// expiresAt converts t into Badger's expiry (Unix seconds, rounded up so a
// record never vanishes early). Zero means no expiry.
func expiresAt(t time.Time) uint64 {
	if t.IsZero() || t.Unix() <= 0 {
		return 0
	}
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return uint64(s)
}
