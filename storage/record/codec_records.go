package record

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
)

// The binary layouts of the records other than grants and policies. They
// use the field encodings of codec_binary.go: a string is a uvarint length
// and its bytes, a list of strings its length plus one (0 for nil) and its
// strings, a time a length byte and time.Time.AppendBinary (0 for the zero
// time), a flag one byte 0 or 1, an integer or duration a zigzag varint.
// Fields follow in the order listed and nothing follows the last, so a
// field added to a record type needs a new codec byte for it.

// encodeUser returns u as a codecUser value:
//
//	the codecUserV1 layout, then
//	Auditor                       flag
//
// codecUserV1 (decodeUserV1) is:
//
//	Name, PasswordHash            string
//	Groups                        list of strings
//	Admin, Approver, Disabled     flag
//	Created, SessionsAfter        time
func encodeUser(u *auth.User) ([]byte, error) {
	b, err := encodeUserFields([]byte{codecUser}, u)
	if err != nil {
		return nil, err
	}
	return appendBool(b, u.Auditor), nil
}

func encodeUserFields(b []byte, u *auth.User) ([]byte, error) {
	b = appendString(b, u.Name)
	b = appendString(b, u.PasswordHash)
	b = appendStrings(b, u.Groups)
	b = appendBool(b, u.Admin)
	b = appendBool(b, u.Approver)
	b = appendBool(b, u.Disabled)
	return appendTimes(b, "user", u.Name, u.Created, u.SessionsAfter)
}

func decodeUser(b []byte, u *auth.User) error {
	d := binDecoder{s: string(b)}
	decodeUserFields(&d, u)
	u.Auditor = d.bool()
	return d.finish()
}

func decodeUserV1(b []byte, u *auth.User) error {
	d := binDecoder{s: string(b)}
	decodeUserFields(&d, u)
	return d.finish()
}

func decodeUserFields(d *binDecoder, u *auth.User) {
	u.Name = d.string()
	u.PasswordHash = d.string()
	u.Groups = d.strings()
	u.Admin = d.bool()
	u.Approver = d.bool()
	u.Disabled = d.bool()
	u.Created = d.time()
	u.SessionsAfter = d.time()
}

// encodeToken returns t as a codecToken value: the fields of
// codecTokenV1, then While.
//
//	ID, User, Hash, Name          string
//	Created, Expires              time
//	Revoked                       flag
//	While                         string
func encodeToken(t *auth.Token) ([]byte, error) {
	b := []byte{codecToken}
	for _, s := range [...]string{t.ID, t.User, t.Hash, t.Name} {
		b = appendString(b, s)
	}
	b, err := appendTimes(b, "token", t.ID, t.Created, t.Expires)
	if err != nil {
		return nil, err
	}
	b = appendBool(b, t.Revoked)
	return appendString(b, t.While), nil
}

func decodeToken(b []byte, t *auth.Token) error {
	d := binDecoder{s: string(b)}
	decodeTokenFields(&d, t)
	t.While = d.string()
	return d.finish()
}

// decodeTokenV1 reads the layout before While (codecTokenV1).
func decodeTokenV1(b []byte, t *auth.Token) error {
	d := binDecoder{s: string(b)}
	decodeTokenFields(&d, t)
	return d.finish()
}

func decodeTokenFields(d *binDecoder, t *auth.Token) {
	t.ID = d.string()
	t.User = d.string()
	t.Hash = d.string()
	t.Name = d.string()
	t.Created = d.time()
	t.Expires = d.time()
	t.Revoked = d.bool()
}

// encodeKey returns k as a codecKey value:
//
//	Fingerprint, User, Type,
//	Comment, Authorized           string
//	Created                       time
func encodeKey(k *auth.Key) ([]byte, error) {
	b := []byte{codecKey}
	for _, s := range [...]string{k.Fingerprint, k.User, k.Type, k.Comment, k.Authorized} {
		b = appendString(b, s)
	}
	return appendTimes(b, "key", k.Fingerprint, k.Created)
}

func decodeKey(b []byte, k *auth.Key) error {
	d := binDecoder{s: string(b)}
	k.Fingerprint = d.string()
	k.User = d.string()
	k.Type = d.string()
	k.Comment = d.string()
	k.Authorized = d.string()
	k.Created = d.time()
	return d.finish()
}

// decodeRepoV1 reads a codecRepoV1 value, the repository layout before a
// mirror had a credential and a status (codec_mirror.go has the current):
//
//	Name, Description, Mirror     string
//	Created                       time
//	CreatedBy                     string
//	Every                         varint (nanoseconds)
//	LastSync                      time
//	SyncResult, SyncError         string
//	SyncUpdated                   varint
func decodeRepoV1(b []byte, r *auth.Repo) error {
	d := binDecoder{s: string(b)}
	repoV1Fields(&d, r)
	return d.finish()
}

// repoV1Fields reads the fields of codecRepoV1, which the current layout
// starts with.
func repoV1Fields(d *binDecoder, r *auth.Repo) {
	r.Name = d.string()
	r.Description = d.string()
	r.Mirror = d.string()
	r.Created = d.time()
	r.CreatedBy = d.string()
	r.Every = time.Duration(d.varint())
	r.LastSync = d.time()
	r.SyncResult = d.string()
	r.SyncError = d.string()
	r.SyncUpdated = d.int()
}

// encodeRequest returns r as a codecRequest value:
//
//	ID, Requester, Repo           string
//	Level                         varint
//	Duration                      varint (nanoseconds)
//	Reason, Ticket, Status        string
//	Created, Expires              time
//	Needed                        varint
//	Reviews                       uvarint count plus one (0 for nil), then
//	                              per review: By string, Approved flag,
//	                              Duration varint, Comment string, At time
//	Decided                       time
//	DenyNote, Grant, Extends,
//	AutoRule                      string
//	Ref                           string  (not in codecRequestV1)
//	Allow                         uvarint (not in codecRequestV1)
func encodeRequest(r *auth.Request) ([]byte, error) {
	b := []byte{codecRequest}
	b = appendString(b, r.ID)
	b = appendString(b, r.Requester)
	b = appendString(b, r.Repo)
	b = binary.AppendVarint(b, int64(r.Level))
	b = binary.AppendVarint(b, int64(r.Duration))
	b = appendString(b, r.Reason)
	b = appendString(b, r.Ticket)
	b = appendString(b, string(r.Status))
	b, err := appendTimes(b, "request", r.ID, r.Created, r.Expires)
	if err != nil {
		return nil, err
	}
	b = binary.AppendVarint(b, int64(r.Needed))
	if r.Reviews == nil {
		b = append(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(len(r.Reviews))+1)
	}
	for _, v := range r.Reviews {
		b = appendString(b, v.By)
		b = appendBool(b, v.Approved)
		b = binary.AppendVarint(b, int64(v.Duration))
		b = appendString(b, v.Comment)
		if b, err = appendTimes(b, "request", r.ID, v.At); err != nil {
			return nil, err
		}
	}
	if b, err = appendTimes(b, "request", r.ID, r.Decided); err != nil {
		return nil, err
	}
	for _, s := range [...]string{r.DenyNote, r.Grant, r.Extends, r.AutoRule, r.Ref} {
		b = appendString(b, s)
	}
	return binary.AppendUvarint(b, uint64(r.Allow)), nil
}

func decodeRequest(b []byte, r *auth.Request) error {
	d := binDecoder{s: string(b)}
	if err := requestV1Fields(&d, r); err != nil {
		return err
	}
	r.Ref = d.string()
	allow := d.uvarint()
	if allow > uint64(auth.ChangeCreate|auth.ChangeUpdate|auth.ChangeForce|auth.ChangeDelete) {
		d.fail(fmt.Errorf("allowance %d", allow))
	}
	r.Allow = auth.Changes(allow)
	return d.finish()
}

// decodeRequestV1 parses a codecRequestV1 value, without Ref and Allow.
func decodeRequestV1(b []byte, r *auth.Request) error {
	d := binDecoder{s: string(b)}
	if err := requestV1Fields(&d, r); err != nil {
		return err
	}
	return d.finish()
}

// requestV1Fields reads the fields of the codecRequestV1 layout into r.
func requestV1Fields(d *binDecoder, r *auth.Request) error {
	r.ID = d.string()
	r.Requester = d.string()
	r.Repo = d.string()
	r.Level = auth.Level(d.varint())
	r.Duration = time.Duration(d.varint())
	r.Reason = d.string()
	r.Ticket = d.string()
	r.Status = auth.RequestStatus(d.string())
	r.Created = d.time()
	r.Expires = d.time()
	r.Needed = d.int()
	if n := d.uvarint(); n > 0 && d.err == nil {
		n--
		if n > uint64(len(d.s)-d.off) { // every review takes several bytes
			return errShort
		}
		r.Reviews = make([]auth.Review, n)
		for i := range r.Reviews {
			v := &r.Reviews[i]
			v.By = d.string()
			v.Approved = d.bool()
			v.Duration = time.Duration(d.varint())
			v.Comment = d.string()
			v.At = d.time()
		}
	}
	r.Decided = d.time()
	r.DenyNote = d.string()
	r.Grant = d.string()
	r.Extends = d.string()
	r.AutoRule = d.string()
	return nil
}

// encodeProtection returns p as a codecProtection value:
//
//	ID, Description, Repo, Ref    string
//	Forbid                        uvarint
//	Source                        string
func encodeProtection(p *auth.Protection) []byte {
	b := []byte{codecProtection}
	for _, s := range [...]string{p.ID, p.Description, p.Repo, p.Ref} {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(p.Forbid))
	return appendString(b, p.Source)
}

func decodeProtection(b []byte, p *auth.Protection) error {
	d := binDecoder{s: string(b)}
	p.ID = d.string()
	p.Description = d.string()
	p.Repo = d.string()
	p.Ref = d.string()
	forbid := d.uvarint()
	if forbid == 0 || forbid > uint64(auth.ChangeCreate|auth.ChangeUpdate|auth.ChangeForce|auth.ChangeDelete) {
		d.fail(fmt.Errorf("forbidden changes %d", forbid))
	}
	p.Forbid = auth.Changes(forbid)
	p.Source = d.string()
	return d.finish()
}

// encodeSession returns s as a codecSession value:
//
//	Hash, User, CSRF              string
//	Created, Expires              time
func encodeSession(s *auth.Session) ([]byte, error) {
	b := []byte{codecSession}
	b = appendString(b, s.Hash)
	b = appendString(b, s.User)
	b = appendString(b, s.CSRF)
	return appendTimes(b, "session", "", s.Created, s.Expires)
}

func decodeSession(b []byte, s *auth.Session) error {
	d := binDecoder{s: string(b)}
	s.Hash = d.string()
	s.User = d.string()
	s.CSRF = d.string()
	s.Created = d.time()
	s.Expires = d.time()
	return d.finish()
}

// encodeEvent returns e as a codecEvent value:
//
//	Seq                           uvarint
//	Time                          varint Unix seconds, uvarint nanoseconds
//	Actor, Remote, Transport,
//	Action, Repo, Target, Result,
//	Grant, Policy, Request,
//	Detail, Prev, Hash            string
//	HashVersion                   uvarint
//
// Time is the instant alone and reads back in UTC, as AppendEvents keeps
// every event: the hash covers the instant, so a zone on disk would be a
// part of the record that could change unnoticed.
func encodeEvent(e *audit.Event) []byte {
	b := []byte{codecEvent}
	b = binary.AppendUvarint(b, e.Seq)
	b = binary.AppendVarint(b, e.Time.Unix())
	b = binary.AppendUvarint(b, uint64(e.Time.Nanosecond()))
	for _, s := range [...]string{e.Actor, e.Remote, e.Transport, e.Action, e.Repo, e.Target,
		e.Result, e.Grant, e.Policy, e.Request, e.Detail, e.Prev, e.Hash} {
		b = appendString(b, s)
	}
	return binary.AppendUvarint(b, uint64(e.HashVersion))
}

func decodeEvent(b []byte, e *audit.Event) error {
	d := binDecoder{s: string(b)}
	e.Seq = d.uvarint()
	sec, nsec := d.varint(), d.uvarint()
	if nsec >= uint64(time.Second) {
		return fmt.Errorf("event time: %d nanoseconds", nsec)
	}
	e.Time = time.Unix(sec, int64(nsec)).UTC()
	e.Actor = d.string()
	e.Remote = d.string()
	e.Transport = d.string()
	e.Action = d.string()
	e.Repo = d.string()
	e.Target = d.string()
	e.Result = d.string()
	e.Grant = d.string()
	e.Policy = d.string()
	e.Request = d.string()
	e.Detail = d.string()
	e.Prev = d.string()
	e.Hash = d.string()
	v := d.uvarint()
	if v > math.MaxUint8 {
		return fmt.Errorf("hash version %d", v)
	}
	e.HashVersion = uint8(v)
	return d.finish()
}

// encodeAuditHead returns h as a codecAuditHead value: Seq uvarint, Hash
// string.
func encodeAuditHead(h *AuditHead) []byte {
	b := binary.AppendUvarint([]byte{codecAuditHead}, h.Seq)
	return appendString(b, h.Hash)
}

func decodeAuditHead(b []byte, h *AuditHead) error {
	d := binDecoder{s: string(b)}
	h.Seq = d.uvarint()
	h.Hash = d.string()
	return d.finish()
}

// appendTimes appends ts in order; what and id name the record in an
// error (a time outside the years AppendBinary can write).
func appendTimes(b []byte, what, id string, ts ...time.Time) ([]byte, error) {
	for _, t := range ts {
		var err error
		if b, err = appendTime(b, t); err != nil {
			return nil, fmt.Errorf("encode %s %q: %w", what, id, err)
		}
	}
	return b, nil
}
