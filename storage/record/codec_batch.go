package record

import (
	"encoding/binary"
	"fmt"

	"github.com/jitgit/jitgit/storage"
)

// encodeBatch returns b as a codecBatch value:
//
//	ID                            string
//	State                         uvarint (1 staged, 2 committed, 3 done)
//	CreatedBy                     string
//	Created, Committed            time
//	Grants, Replaced              varint
//	Note                          string
func encodeBatch(b *storage.Batch) ([]byte, error) {
	out := []byte{codecBatch}
	out = appendString(out, b.ID)
	out = binary.AppendUvarint(out, uint64(b.State))
	out = appendString(out, b.CreatedBy)
	out, err := appendTimes(out, "batch", b.ID, b.Created, b.Committed)
	if err != nil {
		return nil, err
	}
	out = binary.AppendVarint(out, int64(b.Grants))
	out = binary.AppendVarint(out, int64(b.Replaced))
	return appendString(out, b.Note), nil
}

func decodeBatch(data []byte, b *storage.Batch) error {
	d := binDecoder{s: string(data)}
	b.ID = d.string()
	state := d.uvarint()
	if state < uint64(storage.BatchStaged) || state > uint64(storage.BatchDone) {
		d.fail(fmt.Errorf("batch state %d", state))
	}
	b.State = storage.BatchState(state)
	b.CreatedBy = d.string()
	b.Created = d.time()
	b.Committed = d.time()
	b.Grants = d.int()
	b.Replaced = d.int()
	b.Note = d.string()
	return d.finish()
}
