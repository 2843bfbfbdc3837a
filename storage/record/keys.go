package record

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/jitgit/jitgit/auth"
)

// Key layout. Every key starts with a prefix naming its kind; a segment
// followed by '/' never contains '/', so prefix scans cannot reach a
// neighbour. Record values are encoded by codec.go; index values are as
// shown. Both backends keep this one layout (etcd under its prefix), so
// `jitgit store migrate` copies keys as they are.
//
//	prefix                              value                  notes
//	user/<name>                         User
//	token/<id>                          Token
//	token-hash/<hash>                   token id (raw bytes)   hex SHA-256 of the secret
//	token-user/<user>/<id>              empty                  ListTokens
//	key/<fingerprint>                   Key                    one owner per fingerprint
//	key-user/<user>/<fingerprint>       empty                  ListKeys
//	repo/<owner>/<name>                 Repo
//	grant/<id>                          Grant
//	grant-subject/<subject>/<id>        Grant (a copy)         GrantsFor; expiry past end+24h, clean-up only
//	policy/<id>                         Policy
//	policy-subject/<subject>/<id>       Policy (a copy)        PoliciesFor
//	request/<id>                        Request
//	grant-open/<id>                     empty                  ListOpen: grants with no EndedBy
//	meta/grant-open-index               empty                  the above is built
//	request-by/<requester>/<id>         empty                  ListBy
//	request-status/<status>/<id>        empty                  ListStatus
//	meta/request-index                  empty                  the two above are built
//	intent/<time, random>               Event (staged)         a change's event not yet in the chain
//	event/<seq, 8 bytes big-endian>     Event                  in sequence order
//	meta/audit                          auditHead              last seq and hash
//	checkpoint/<seq, 8 bytes big-endian> audit.Checkpoint      signed; in sequence order
//	session/<hash>                      Session                expiry past Expires, clean-up only
//	credential/<name>                   Credential             Sealed as given
//	delivery/<receiver>/<seq, 8 bytes>  Delivery               webhook outbox, in event order
//	cursor/<receiver>                   deliveryCursor         last event the receiver is done with
//	guard/<scope>                       empty                  written on insertion into a list; see tx.listed
//	batch/<id>                          storage.Batch          a bulk load; see batches.go
//	batch-grant/<batch>/<grant id>      replaced grant id      the grants of a batch
const (
	PrefixUser          = "user/"
	PrefixToken         = "token/"
	PrefixTokenHash     = "token-hash/"
	PrefixTokenUser     = "token-user/"
	PrefixKey           = "key/"
	PrefixKeyUser       = "key-user/"
	PrefixRepo          = "repo/"
	PrefixGrant         = "grant/"
	PrefixGrantSubject  = "grant-subject/"
	PrefixPolicy        = "policy/"
	PrefixPolicySubject = "policy-subject/"
	PrefixRequest       = "request/"
	PrefixEvent         = "event/"
	KeyAuditHead        = "meta/audit"
	PrefixCheckpoint    = "checkpoint/"
	PrefixIntent        = "intent/"
	PrefixGrantOpen     = "grant-open/"
	KeyGrantOpenIndexed = "meta/grant-open-index"
	PrefixRequestBy     = "request-by/"
	PrefixRequestStatus = "request-status/"
	KeyRequestIndexed   = "meta/request-index"
	PrefixSession       = "session/"
	PrefixProtection    = "protect/"
	PrefixGuard         = "guard/"
	PrefixCredential    = "credential/"
	PrefixDelivery      = "delivery/"
	PrefixCursor        = "cursor/"
)

func UserKey(name string) []byte           { return []byte(PrefixUser + name) }
func TokenKey(id string) []byte            { return []byte(PrefixToken + id) }
func TokenHashKey(hash string) []byte      { return []byte(PrefixTokenHash + hash) }
func TokenUserPrefix(user string) []byte   { return []byte(PrefixTokenUser + user + "/") }
func TokenUserKey(user, id string) []byte  { return []byte(PrefixTokenUser + user + "/" + id) }
func KeyKey(fp string) []byte              { return []byte(PrefixKey + fp) }
func KeyUserPrefix(user string) []byte     { return []byte(PrefixKeyUser + user + "/") }
func KeyUserKey(user, fp string) []byte    { return []byte(PrefixKeyUser + user + "/" + fp) }
func RepoKey(name string) []byte           { return []byte(PrefixRepo + name) }
func GrantKey(id string) []byte            { return []byte(PrefixGrant + id) }
func GrantSubjectPrefix(s string) []byte   { return []byte(PrefixGrantSubject + s + "/") }
func GrantSubjectKey(s, id string) []byte  { return []byte(PrefixGrantSubject + s + "/" + id) }
func PolicyKey(id string) []byte           { return []byte(PrefixPolicy + id) }
func PolicySubjectPrefix(s string) []byte  { return []byte(PrefixPolicySubject + s + "/") }
func PolicySubjectKey(s, id string) []byte { return []byte(PrefixPolicySubject + s + "/" + id) }
func RequestKey(id string) []byte          { return []byte(PrefixRequest + id) }
func SessionKey(hash string) []byte        { return []byte(PrefixSession + hash) }
func ProtectionKey(id string) []byte       { return []byte(PrefixProtection + id) }
func CredentialKey(name string) []byte     { return []byte(PrefixCredential + name) }
func GuardKey(scope string) []byte         { return []byte(PrefixGuard + scope) }
func IntentKey(id string) []byte           { return []byte(PrefixIntent + id) }
func GrantOpenKey(id string) []byte        { return []byte(PrefixGrantOpen + id) }
func RequestByKey(requester, id string) []byte {
	return []byte(PrefixRequestBy + requester + "/" + id)
}
func RequestStatusKey(status auth.RequestStatus, id string) []byte {
	return []byte(PrefixRequestStatus + string(status) + "/" + id)
}

func CursorKey(receiver string) []byte { return []byte(PrefixCursor + receiver) }
func DeliveryPrefix(r string) []byte   { return []byte(PrefixDelivery + r + "/") }
func DeliveryKey(r string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(DeliveryPrefix(r), seq)
}

// EventKey orders events by sequence number.
func EventKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte(PrefixEvent), seq)
}

// EventSeq reads the sequence number back from an event key.
func EventSeq(key []byte) uint64 {
	return binary.BigEndian.Uint64(key[len(PrefixEvent):])
}

// CheckID rejects an empty record key.
func CheckID(kind, id string) error {
	if id == "" {
		return fmt.Errorf("%w: %s: empty", auth.ErrInvalid, kind)
	}
	return nil
}

// CheckSegment rejects a value that cannot be a key segment followed by '/'.
func CheckSegment(kind, s string) error {
	if s == "" || strings.Contains(s, "/") {
		return fmt.Errorf("%w: %s %q: empty or contains '/'", auth.ErrInvalid, kind, s)
	}
	return nil
}
