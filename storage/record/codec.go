// Package record holds the versioned binary codecs of the records jitgit
// stores: every value starts with a byte naming its type and layout, an
// old layout stays readable under its old byte, and the bytes are the same
// whichever backend keeps them (storage/badgerstore, storage/etcdstore).
// The golden files in testdata pin them. keys.go is the key layout the
// backends share.
package record

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// AuditHead is the end of the audit chain: the last sequence number handed
// out and that event's hash.
type AuditHead struct {
	Seq  uint64
	Hash string
}

// Cursor is the stored cursor of one webhook receiver: the last event it
// is done with.
type Cursor struct{ Seq uint64 }

// Record codecs. Every record value starts with a codec byte that names
// both the record type and the layout of the bytes after it, so a layout
// can change without rewriting the database: a new layout takes a new byte
// and the old byte stays readable. The layouts are spelled out field by
// field beside their encoders (codec_binary.go, codec_records.go); none
// depends on the domain structs' JSON tags or field names, so renaming
// either changes nothing on disk.
//
//	byte  record        layout
//	1     any           JSON of the domain struct as the first releases
//	                    wrote it; read only (codec_legacy.go)
//	2     Grant         binary
//	3     Policy        binary
//	4     User          binary
//	5     Token         binary
//	6     Key           binary
//	7     Repo          binary
//	8     Request       binary
//	9     Session       binary
//	10    audit.Event   binary
//	11    AuditHead     binary
//	12    Grant         binary, with Ref and Allow (2 stays readable)
//	13    Request       binary, with Ref and Allow (8 stays readable)
//	14    Protection    binary
//	15    Grant         binary, with Batch (12 and 2 stay readable)
//	16    Batch         binary (storage.Batch)
//	17    Repo          binary, with the mirror's credential, host keys,
//	                    pause, archive and status (7 stays readable)
//	18    Credential    binary
//	19    Token         binary, with While (5 stays readable)
//	20    Delivery      binary
//	21    cursor        binary
//	22    audit.Checkpoint binary
//	23    User          binary, with Auditor (4 stays readable)
//	40    Repo          binary, with Archived, ArchivedBy, ArchiveReason
//	                    (17 and 7 stay readable; 17's "archive" flag is
//	                    ReadOnly, a former mirror)
//
// Writes always use the current byte of the record's type. Records in an
// older codec are rewritten in the current one only when they are written
// for their own reasons; see docs/decisions.md.
const (
	codecJSON       byte = 1
	codecUserV1     byte = 4
	codecUser       byte = 23
	codecTokenV1    byte = 5
	codecToken      byte = 19
	codecKey        byte = 6
	codecRepoV1     byte = 7
	codecRepoV2     byte = 17
	codecRepo       byte = 40
	codecCredential byte = 18
	codecRequestV1  byte = 8
	codecRequest    byte = 13
	codecProtection byte = 14
	codecSession    byte = 9
	codecEvent      byte = 10
	codecAuditHead  byte = 11
	codecBatch      byte = 16
	codecDelivery   byte = 20
	codecCursor     byte = 21
	codecCheckpoint byte = 22
)

// Encode returns v, a record type the stores keep, in its current codec.
func Encode(v any) ([]byte, error) {
	switch v := v.(type) {
	case auth.Grant:
		return encodeGrant(&v)
	case auth.Policy:
		return encodePolicy(&v), nil
	case auth.User:
		return encodeUser(&v)
	case auth.Token:
		return encodeToken(&v)
	case auth.Key:
		return encodeKey(&v)
	case auth.Repo:
		return encodeRepo(&v)
	case auth.Request:
		return encodeRequest(&v)
	case auth.Session:
		return encodeSession(&v)
	case auth.Protection:
		return encodeProtection(&v), nil
	case storage.Batch:
		return encodeBatch(&v)
	case auth.Credential:
		return encodeCredential(&v)
	case audit.Event:
		return encodeEvent(&v), nil
	case AuditHead:
		return encodeAuditHead(&v), nil
	case storage.Delivery:
		return encodeDelivery(&v)
	case Cursor:
		return binary.AppendUvarint([]byte{codecCursor}, v.Seq), nil
	case audit.Checkpoint:
		return encodeCheckpoint(&v), nil
	}
	return nil, fmt.Errorf("encode %T: not a stored record type", v)
}

// Decode parses a record value, in the current codec of v's type or an
// older one, into v.
func Decode(b []byte, v any) error {
	if len(b) == 0 {
		return fmt.Errorf("decode %T: empty value", v)
	}
	codec, body := b[0], b[1:]
	var err error
	switch v := v.(type) {
	case *auth.Grant:
		switch codec {
		case codecGrantV1:
			err = decodeIn(codec, codecGrantV1, body, v, decodeGrantV1, legacyGrant)
		case codecGrantV2:
			err = decodeIn(codec, codecGrantV2, body, v, decodeGrantV2, legacyGrant)
		default:
			err = decodeIn(codec, codecGrant, body, v, decodeGrant, legacyGrant)
		}
	case *auth.Policy:
		err = decodeIn(codec, codecPolicy, body, v, decodePolicy, legacyPolicy)
	case *auth.User:
		if codec == codecUserV1 {
			err = decodeIn(codec, codecUserV1, body, v, decodeUserV1, legacyUser)
		} else {
			err = decodeIn(codec, codecUser, body, v, decodeUser, legacyUser)
		}
	case *auth.Token:
		if codec == codecTokenV1 {
			err = decodeIn(codec, codecTokenV1, body, v, decodeTokenV1, legacyToken)
		} else {
			err = decodeIn(codec, codecToken, body, v, decodeToken, legacyToken)
		}
	case *auth.Key:
		err = decodeIn(codec, codecKey, body, v, decodeKey, legacyKey)
	case *auth.Repo:
		switch codec {
		case codecRepoV1:
			err = decodeIn(codec, codecRepoV1, body, v, decodeRepoV1, legacyRepo)
		case codecRepoV2:
			err = decodeIn(codec, codecRepoV2, body, v, decodeRepoV2, legacyRepo)
		default:
			err = decodeIn(codec, codecRepo, body, v, decodeRepo, legacyRepo)
		}
	case *auth.Credential:
		err = decodeIn(codec, codecCredential, body, v, decodeCredential, noLegacy[auth.Credential])
	case *auth.Request:
		if codec == codecRequestV1 {
			err = decodeIn(codec, codecRequestV1, body, v, decodeRequestV1, legacyRequest)
		} else {
			err = decodeIn(codec, codecRequest, body, v, decodeRequest, legacyRequest)
		}
	case *auth.Protection:
		err = decodeIn(codec, codecProtection, body, v, decodeProtection, noLegacy[auth.Protection])
	case *storage.Batch:
		err = decodeIn(codec, codecBatch, body, v, decodeBatch, noLegacy[storage.Batch])
	case *auth.Session:
		err = decodeIn(codec, codecSession, body, v, decodeSession, legacySession)
	case *audit.Event:
		err = decodeIn(codec, codecEvent, body, v, decodeEvent, legacyEvent)
	case *AuditHead:
		err = decodeIn(codec, codecAuditHead, body, v, decodeAuditHead, legacyAuditHead)
	case *storage.Delivery:
		err = decodeIn(codec, codecDelivery, body, v, decodeDelivery, noLegacy[storage.Delivery])
	case *Cursor:
		err = decodeIn(codec, codecCursor, body, v, decodeCursor, noLegacy[Cursor])
	case *audit.Checkpoint:
		err = decodeIn(codec, codecCheckpoint, body, v, decodeCheckpoint, noLegacy[audit.Checkpoint])
	default:
		return fmt.Errorf("decode %T: not a stored record type", v)
	}
	if err != nil {
		return fmt.Errorf("decode %T: %w", v, err)
	}
	return nil
}

// noLegacy refuses a JSON value of a type that never had one.
func noLegacy[T any](_ []byte, _ *T) error { return errors.New("this type has no JSON codec") }

// decodeIn decodes body, written in codec, with the decoder for that codec:
// current for the type's binary layout, legacy for codecJSON. On error *v
// is left zero, so a half-read record is never used.
func decodeIn[T any](codec, current byte, body []byte, v *T, bin func([]byte, *T) error, legacy func([]byte, *T) error) error {
	var err error
	switch codec {
	case current:
		err = bin(body, v)
	case codecJSON:
		err = legacy(body, v)
	default:
		err = fmt.Errorf("codec %d does not hold this type", codec)
	}
	if err != nil {
		var zero T
		*v = zero
	}
	return err
}
