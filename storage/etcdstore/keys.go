package etcdstore

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/jitgit/jitgit/auth"
)

// Key layout, Badger's (storage/badgerstore), under the store's prefix;
// deletion guards are \x00deleted/<kind> (kv.go). Every key starts with a prefix naming its kind; a segment
// followed by '/' never contains '/', so prefix scans cannot reach a
// neighbour. Record values are encoded by codec.go; index values are as
// shown.
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
//	grant-subject/<subject>/<id>        Grant (a copy)         GrantsFor; lease past end+24h, clean-up only
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
//	session/<hash>                      Session                lease past Expires, clean-up only
//	credential/<name>                   Credential             Sealed as given
//	delivery/<receiver>/<seq, 8 bytes>  Delivery               webhook outbox, in event order
//	cursor/<receiver>                   deliveryCursor         last event the receiver is done with
//	guard/<scope>                       empty                  written on insertion into a list; see tx.listed
//	batch/<id>                          storage.Batch          a bulk load; see batches.go
//	batch-grant/<batch>/<grant id>      replaced grant id      the grants of a batch
const (
	prefixUser          = "user/"
	prefixToken         = "token/"
	prefixTokenHash     = "token-hash/"
	prefixTokenUser     = "token-user/"
	prefixKey           = "key/"
	prefixKeyUser       = "key-user/"
	prefixRepo          = "repo/"
	prefixGrant         = "grant/"
	prefixGrantSubject  = "grant-subject/"
	prefixPolicy        = "policy/"
	prefixPolicySubject = "policy-subject/"
	prefixRequest       = "request/"
	prefixEvent         = "event/"
	keyAuditHead        = "meta/audit"
	prefixCheckpoint    = "checkpoint/"
	prefixIntent        = "intent/"
	prefixGrantOpen     = "grant-open/"
	keyGrantOpenIndexed = "meta/grant-open-index"
	prefixRequestBy     = "request-by/"
	prefixRequestStatus = "request-status/"
	keyRequestIndexed   = "meta/request-index"
	prefixSession       = "session/"
	prefixProtection    = "protect/"
	prefixGuard         = "guard/"
	prefixCredential    = "credential/"
	prefixDelivery      = "delivery/"
	prefixCursor        = "cursor/"
)

func userKey(name string) []byte           { return []byte(prefixUser + name) }
func tokenKey(id string) []byte            { return []byte(prefixToken + id) }
func tokenHashKey(hash string) []byte      { return []byte(prefixTokenHash + hash) }
func tokenUserPrefix(user string) []byte   { return []byte(prefixTokenUser + user + "/") }
func tokenUserKey(user, id string) []byte  { return []byte(prefixTokenUser + user + "/" + id) }
func keyKey(fp string) []byte              { return []byte(prefixKey + fp) }
func keyUserPrefix(user string) []byte     { return []byte(prefixKeyUser + user + "/") }
func keyUserKey(user, fp string) []byte    { return []byte(prefixKeyUser + user + "/" + fp) }
func repoKey(name string) []byte           { return []byte(prefixRepo + name) }
func grantKey(id string) []byte            { return []byte(prefixGrant + id) }
func grantSubjectPrefix(s string) []byte   { return []byte(prefixGrantSubject + s + "/") }
func grantSubjectKey(s, id string) []byte  { return []byte(prefixGrantSubject + s + "/" + id) }
func policyKey(id string) []byte           { return []byte(prefixPolicy + id) }
func policySubjectPrefix(s string) []byte  { return []byte(prefixPolicySubject + s + "/") }
func policySubjectKey(s, id string) []byte { return []byte(prefixPolicySubject + s + "/" + id) }
func requestKey(id string) []byte          { return []byte(prefixRequest + id) }
func sessionKey(hash string) []byte        { return []byte(prefixSession + hash) }
func protectionKey(id string) []byte       { return []byte(prefixProtection + id) }
func credentialKey(name string) []byte     { return []byte(prefixCredential + name) }
func guardKey(scope string) []byte         { return []byte(prefixGuard + scope) }
func intentKey(id string) []byte           { return []byte(prefixIntent + id) }
func grantOpenKey(id string) []byte        { return []byte(prefixGrantOpen + id) }
func requestByKey(requester, id string) []byte {
	return []byte(prefixRequestBy + requester + "/" + id)
}
func requestStatusKey(status auth.RequestStatus, id string) []byte {
	return []byte(prefixRequestStatus + string(status) + "/" + id)
}

func cursorKey(receiver string) []byte { return []byte(prefixCursor + receiver) }
func deliveryPrefix(r string) []byte   { return []byte(prefixDelivery + r + "/") }
func deliveryKey(r string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(deliveryPrefix(r), seq)
}

// eventKey orders events by sequence number.
func eventKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte(prefixEvent), seq)
}

// eventSeq reads the sequence number back from an event key.
func eventSeq(key []byte) uint64 {
	return binary.BigEndian.Uint64(key[len(prefixEvent):])
}

// checkID rejects an empty record key.
func checkID(kind, id string) error {
	if id == "" {
		return fmt.Errorf("%w: %s: empty", auth.ErrInvalid, kind)
	}
	return nil
}

// checkSegment rejects a value that cannot be a key segment followed by '/'.
func checkSegment(kind, s string) error {
	if s == "" || strings.Contains(s, "/") {
		return fmt.Errorf("%w: %s %q: empty or contains '/'", auth.ErrInvalid, kind, s)
	}
	return nil
}
