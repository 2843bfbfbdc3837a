package badgerstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/record"
)

// A batch is written as records that count for nothing until one small
// transaction flips its record to committed: Badger cannot hold a
// hundred thousand grants in one transaction under the small memtable,
// so "all or none" comes from visibility, not from one commit.
//
//	batch/<id>                    storage.Batch
//	batch-grant/<id>/<grant id>   id of the grant it replaces, or empty
//
// The grants themselves are ordinary grant records and index entries that
// carry the batch id. Readers (GrantsFor, Grants.Get and List) skip a grant
// whose batch is not in committedBatches, which this process loads when it
// opens the store and changes only after a commit's transaction returned.

// committedBatches is the set of batch ids whose grants count. It is read
// on every decision that meets a batch grant, and written once per
// commit, so readers take no lock: a commit swaps in a new map.
type committedBatches struct {
	mu sync.Mutex // serializes writers
	m  atomic.Pointer[map[string]bool]
}

func (c *committedBatches) has(id string) bool {
	m := c.m.Load()
	return m != nil && (*m)[id]
}

func (c *committedBatches) add(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	next := make(map[string]bool, 1+lenOf(old))
	if old != nil {
		for k := range *old {
			next[k] = true
		}
	}
	next[id] = true
	c.m.Store(&next)
}

func (c *committedBatches) set(ids []string) {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	c.mu.Lock()
	c.m.Store(&m)
	c.mu.Unlock()
}

func lenOf(m *map[string]bool) int {
	if m == nil {
		return 0
	}
	return len(*m)
}

// visible reports whether g counts: it belongs to no batch, or to a
// committed one.
func (db *DB) visible(g *auth.Grant) bool {
	return g.Batch == "" || db.batches.has(g.Batch)
}

const (
	prefixBatch      = "batch/"
	prefixBatchGrant = "batch-grant/"
)

func batchKey(id string) []byte                 { return []byte(prefixBatch + id) }
func batchGrantPrefix(id string) []byte         { return []byte(prefixBatchGrant + id + "/") }
func batchGrantKey(id, grant string) []byte     { return []byte(prefixBatchGrant + id + "/" + grant) }
func batchGrantID(key []byte, id string) string { return string(key[len(prefixBatchGrant)+len(id)+1:]) }

// loadBatches fills the committed set from the batch records.
func (db *DB) loadBatches() error {
	var ids []string
	err := db.view(func(txn *badger.Txn) error {
		bs, err := scan[storage.Batch](txn, []byte(prefixBatch))
		if err != nil {
			return err
		}
		for _, b := range bs {
			if b.State >= storage.BatchCommitted {
				ids = append(ids, b.ID)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load batches: %w", err)
	}
	db.batches.set(ids)
	return nil
}

// BeginBatch stores b, which must be new, as staged.
func (db *DB) BeginBatch(ctx context.Context, b storage.Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := record.CheckID("batch id", b.ID); err != nil {
		return err
	}
	b.State, b.Committed = storage.BatchStaged, time.Time{}
	return db.update(func(txn *badger.Txn) error {
		ok, err := exists(txn, batchKey(b.ID))
		if err != nil {
			return fmt.Errorf("batch %q: %w", b.ID, err)
		}
		if ok {
			return fmt.Errorf("batch %q: %w", b.ID, auth.ErrExists)
		}
		return set(txn, batchKey(b.ID), b)
	})
}

// stagedBatch reads batch id in txn and fails unless it is staged.
func stagedBatch(txn *badger.Txn, id string) (storage.Batch, error) {
	b, err := get[storage.Batch](txn, batchKey(id), fmt.Sprintf("batch %q", id))
	if err != nil {
		return b, err
	}
	if b.State != storage.BatchStaged {
		return b, fmt.Errorf("batch %s: %w: it is %s, no longer staged", id, auth.ErrConflict, b.State)
	}
	return b, nil
}

// stageWriters is how many staging transactions commit at once: Badger
// writes the commits that wait together with one fsync, so a few writers
// cut the fsyncs of a large batch by about as much.
const stageWriters = 4

// StageGrants writes the grants of the staged batch id, as many to a
// transaction as fit and several transactions at once; none of them counts
// until CommitBatch. The grant ids must be new (they are random): they are
// not looked up, which would cost a read per grant.
func (db *DB) StageGrants(ctx context.Context, id string, gs []storage.StagedGrant) error {
	for _, sg := range gs {
		if sg.Grant.Batch != id {
			return fmt.Errorf("%w: grant %q is not of batch %s", auth.ErrInvalid, sg.Grant.ID, id)
		}
		if err := checkGrant(sg.Grant); err != nil {
			return err
		}
	}
	var chunks [][]storage.StagedGrant
	for len(gs) > 0 {
		n := stagedBatchLen(gs)
		chunks, gs = append(chunks, gs[:n]), gs[n:]
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan []storage.StagedGrant)
	errs := make(chan error, stageWriters)
	var wg sync.WaitGroup
	for range min(stageWriters, len(chunks)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for chunk := range work {
				if err := db.stageChunk(ctx, id, chunk); err != nil {
					errs <- err
					cancel()
					return
				}
			}
		}()
	}
feed:
	for _, c := range chunks {
		select {
		case work <- c:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return fmt.Errorf("stage batch %s: %w", id, err)
	default:
	}
	return ctx.Err()
}

// stageChunk writes one transaction of grants of batch id.
func (db *DB) stageChunk(ctx context.Context, id string, chunk []storage.StagedGrant) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var subjects []string
	err := db.update(func(txn *badger.Txn) error {
		if _, err := stagedBatch(txn, id); err != nil {
			return err
		}
		t := &tx{txn: txn, update: true, db: db}
		s := grants{t}
		for _, sg := range chunk {
			if err := s.set(sg.Grant); err != nil {
				return err
			}
			if err := txn.Set(batchGrantKey(id, sg.Grant.ID), []byte(sg.Replaces)); err != nil {
				return err
			}
		}
		subjects = t.grantSubjects
		return t.added("grant")
	})
	// The cache holds whole index lists: the subjects' lists now lack
	// these grants, which will count once the batch commits.
	db.cache.invalidateGrants(subjects...)
	return err
}

// stagedBatchLen is grantBatch for staged grants, which write one more
// small record each.
func stagedBatchLen(gs []storage.StagedGrant) int {
	size := 0
	for i, sg := range gs {
		g := &sg.Grant
		n := 2*(len(record.PrefixGrantSubject)+len(g.Subject)+2*len(g.ID)+4*17+64+
			len(g.Repo)+len(g.Reason)+len(g.Origin)+len(g.Request)+len(g.CreatedBy)+len(g.EndedBy)+len(g.EndNote)+len(g.Ref)+len(g.Batch)) +
			len(prefixBatchGrant) + len(g.Batch) + len(g.ID) + len(sg.Replaces) + 32 +
			len(record.PrefixGrantOpen) + len(g.ID) + 16
		if size+n > maxStageBytes && i > 0 {
			return i
		}
		size += n
	}
	return len(gs)
}

// maxStageBytes bounds one staging transaction: below Badger's limit for
// the 4 MiB memtable (about 600 KiB) with room for its per-entry overhead.
const maxStageBytes = 400 << 10

// CommitBatch makes the staged batch id count, then ends the grants it
// replaces.
func (db *DB) CommitBatch(ctx context.Context, id string, at time.Time, ev audit.Event) (storage.Batch, audit.Event, error) {
	if err := ctx.Err(); err != nil {
		return storage.Batch{}, audit.Event{}, err
	}
	var b storage.Batch
	var staged audit.Event
	err := db.update(func(txn *badger.Txn) error {
		var err error
		if b, err = stagedBatch(txn, id); err != nil {
			return err
		}
		b.State, b.Committed = storage.BatchCommitted, at.UTC()
		if err := set(txn, batchKey(id), b); err != nil {
			return err
		}
		staged, err = intents{&tx{txn: txn, update: true, db: db}}.Stage(ev)
		return err
	})
	if err != nil {
		return storage.Batch{}, audit.Event{}, fmt.Errorf("commit batch %s: %w", id, err)
	}
	db.batches.add(id)
	// What follows is clean-up a restart finishes (RecoverBatches): the
	// batch already counts, and a replaced grant still running beside its
	// longer successor gives no more access than the successor does.
	b, err = db.finishBatch(context.WithoutCancel(ctx), b)
	return b, staged, err
}

// finishBatch ends the grants the committed batch b replaces, at its
// commit time, and marks it done.
func (db *DB) finishBatch(ctx context.Context, b storage.Batch) (storage.Batch, error) {
	var replaced []string
	err := db.view(func(txn *badger.Txn) error {
		prefix := batchGrantPrefix(b.ID)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if it.Item().ValueSize() == 0 {
				continue
			}
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			replaced = append(replaced, string(v))
		}
		return nil
	})
	if err != nil {
		return b, fmt.Errorf("finish batch %s: %w", b.ID, err)
	}
	const perTxn = 500
	for len(replaced) > 0 {
		if err := ctx.Err(); err != nil {
			return b, err
		}
		n := min(perTxn, len(replaced))
		var subjects []string
		err := db.update(func(txn *badger.Txn) error {
			t := &tx{txn: txn, update: true, db: db}
			s := grants{t}
			for _, gid := range replaced[:n] {
				g, err := get[auth.Grant](txn, record.GrantKey(gid), fmt.Sprintf("grant %q", gid))
				if errors.Is(err, auth.ErrNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				if !g.End().After(b.Committed) {
					continue // ended by itself or revoked meanwhile
				}
				g.Ended, g.EndedBy, g.EndNote = b.Committed, b.CreatedBy, "extended by batch "+b.ID
				if err := s.set(g); err != nil {
					return err
				}
			}
			subjects = t.grantSubjects
			return nil
		})
		db.cache.invalidateGrants(subjects...)
		if err != nil {
			return b, fmt.Errorf("finish batch %s: %w", b.ID, err)
		}
		replaced = replaced[n:]
	}
	err = db.update(func(txn *badger.Txn) error {
		cur, err := get[storage.Batch](txn, batchKey(b.ID), fmt.Sprintf("batch %q", b.ID))
		if err != nil {
			return err
		}
		cur.State = storage.BatchDone
		b = cur
		return set(txn, batchKey(b.ID), cur)
	})
	if err != nil {
		return b, fmt.Errorf("finish batch %s: %w", b.ID, err)
	}
	return b, nil
}

// AbortBatch removes the staged batch id and its grants, a chunk to a
// transaction; the record goes last, so an abort cut short is an abort
// RecoverBatches finishes.
func (db *DB) AbortBatch(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := db.view(func(txn *badger.Txn) error { _, err := stagedBatch(txn, id); return err }); err != nil {
		return fmt.Errorf("abort batch %s: %w", id, err)
	}
	const perTxn = 1000
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var ids []string
		err := db.view(func(txn *badger.Txn) error {
			prefix := batchGrantPrefix(id)
			it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
			defer it.Close()
			for it.Rewind(); it.Valid() && len(ids) < perTxn; it.Next() {
				ids = append(ids, batchGrantID(it.Item().Key(), id))
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("abort batch %s: %w", id, err)
		}
		if len(ids) == 0 {
			break
		}
		var subjects []string
		err = db.update(func(txn *badger.Txn) error {
			subjects = subjects[:0]
			if _, err := stagedBatch(txn, id); err != nil {
				return err
			}
			for _, gid := range ids {
				g, err := get[auth.Grant](txn, record.GrantKey(gid), fmt.Sprintf("grant %q", gid))
				switch {
				case errors.Is(err, auth.ErrNotFound):
				case err != nil:
					return err
				case g.Batch != id:
					return fmt.Errorf("grant %q is not of batch %s", gid, id) // never deletes another's grant
				default:
					subjects = append(subjects, g.Subject)
					if err := txn.Delete(record.GrantKey(gid)); err != nil {
						return err
					}
					if err := txn.Delete(record.GrantSubjectKey(g.Subject, gid)); err != nil {
						return err
					}
					if err := txn.Delete(record.GrantOpenKey(gid)); err != nil {
						return err
					}
				}
				if err := txn.Delete(batchGrantKey(id, gid)); err != nil {
					return err
				}
			}
			return nil
		})
		db.cache.invalidateGrants(subjects...)
		if err != nil {
			return fmt.Errorf("abort batch %s: %w", id, err)
		}
	}
	return db.update(func(txn *badger.Txn) error {
		if _, err := stagedBatch(txn, id); err != nil {
			return err
		}
		return txn.Delete(batchKey(id))
	})
}

// GetBatch returns the batch id.
func (db *DB) GetBatch(ctx context.Context, id string) (storage.Batch, error) {
	if err := ctx.Err(); err != nil {
		return storage.Batch{}, err
	}
	var b storage.Batch
	err := db.view(func(txn *badger.Txn) error {
		var err error
		b, err = get[storage.Batch](txn, batchKey(id), fmt.Sprintf("batch %q", id))
		return err
	})
	return b, err
}

// ListBatches returns every batch, newest first.
func (db *DB) ListBatches(ctx context.Context) ([]storage.Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var bs []storage.Batch
	err := db.view(func(txn *badger.Txn) error {
		var err error
		bs, err = scan[storage.Batch](txn, []byte(prefixBatch))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list batches: %w", err)
	}
	slices.SortFunc(bs, func(a, b storage.Batch) int { return cmp.Or(b.Created.Compare(a.Created), cmp.Compare(b.ID, a.ID)) })
	return bs, nil
}

// RecoverBatches aborts every staged batch (its writer is gone: this
// process owns the store and has just opened it) and finishes every
// committed one.
func (db *DB) RecoverBatches(ctx context.Context) (aborted, finished []string, err error) {
	bs, err := db.ListBatches(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, b := range bs {
		switch b.State {
		case storage.BatchStaged:
			if err := db.AbortBatch(ctx, b.ID); err != nil {
				return aborted, finished, err
			}
			aborted = append(aborted, b.ID)
		case storage.BatchCommitted:
			if _, err := db.finishBatch(ctx, b); err != nil {
				return aborted, finished, err
			}
			finished = append(finished, b.ID)
		}
	}
	return aborted, finished, nil
}
