package record

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/jitgit/jitgit/audit"
)

// encodeCheckpoint returns c as a codecCheckpoint value:
//
//	Seq                 uvarint
//	Hash                string
//	Time                varint Unix seconds, uvarint nanoseconds
//	Key                 string
//	Signature           string (its raw bytes)
//
// Time is the instant alone and reads back in UTC: the signature covers
// the instant.
func encodeCheckpoint(c *audit.Checkpoint) []byte {
	b := binary.AppendUvarint([]byte{codecCheckpoint}, c.Seq)
	b = appendString(b, c.Hash)
	b = binary.AppendVarint(b, c.Time.Unix())
	b = binary.AppendUvarint(b, uint64(c.Time.Nanosecond()))
	b = appendString(b, c.Key)
	return appendString(b, string(c.Signature))
}

func decodeCheckpoint(b []byte, c *audit.Checkpoint) error {
	d := binDecoder{s: string(b)}
	c.Seq = d.uvarint()
	c.Hash = d.string()
	sec, nsec := d.varint(), d.uvarint()
	if nsec >= uint64(time.Second) {
		return fmt.Errorf("checkpoint time: %d nanoseconds", nsec)
	}
	c.Time = time.Unix(sec, int64(nsec)).UTC()
	c.Key = d.string()
	if sig := d.string(); sig != "" {
		c.Signature = []byte(sig)
	}
	return d.finish()
}
