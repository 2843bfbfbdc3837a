package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/jitgit/jitgit/auth"
)

// codecGrant marks a grant encoded in the compact binary layout below. Grants
// are read on every access decision (their subject-index copies), so they
// skip JSON; values written with codecJSON stay readable.
//
// Layout after the codec byte, fields in this order:
//
//	ID, Subject, Repo             string
//	Level                         varint
//	Starts, Expires               time
//	Reason, Origin, Request,
//	CreatedBy                     string
//	Created, Ended                time
//	EndedBy, EndNote              string
//
// A string is a uvarint length and its bytes. A time is a uvarint length, 0
// for the zero time, else that many bytes of time.Time.AppendBinary (which
// keeps the instant and the zone offset as JSON did). Decoders reject
// trailing bytes, so a new field needs a new codec byte.
//
// codecGrantV2 (12) is the fields of codecGrantV1 (2), then Ref string
// and Allow uvarint. Values in codecGrantV1 decode with an empty Ref and no
// allowance. codecGrant (15) is the current layout: the fields of
// codecGrantV2, then Batch string; older values decode with no batch.
const (
	codecGrantV1 byte = 2
	codecGrantV2 byte = 12
	codecGrant   byte = 15
)

// codecPolicy marks a policy in the binary layout below; policies are read
// with the grants on every decision.
//
//	ID, Description               string
//	Subjects, Repos               list of strings
//	Effect                        string
//	Level                         varint
//	Approve                       byte 0 or 1
//	AutoMax                       varint (nanoseconds)
//	AutoLevel, Approvals          varint
//	Source                        string
//
// A list is a uvarint of its length plus one (0 for nil) and its strings.
const codecPolicy byte = 3

// encodePolicy returns p as a codecPolicy value.
func encodePolicy(p *auth.Policy) []byte {
	n := 1 + 6*binary.MaxVarintLen64 + len(p.ID) + len(p.Description) + len(p.Effect) + len(p.Source)
	for _, s := range p.Subjects {
		n += binary.MaxVarintLen64 + len(s)
	}
	for _, s := range p.Repos {
		n += binary.MaxVarintLen64 + len(s)
	}
	b := make([]byte, 1, n+4*binary.MaxVarintLen64)
	b[0] = codecPolicy
	b = appendString(b, p.ID)
	b = appendString(b, p.Description)
	b = appendStrings(b, p.Subjects)
	b = appendStrings(b, p.Repos)
	b = appendString(b, string(p.Effect))
	b = binary.AppendVarint(b, int64(p.Level))
	b = appendBool(b, p.Approve)
	b = binary.AppendVarint(b, int64(p.AutoMax))
	b = binary.AppendVarint(b, int64(p.AutoLevel))
	b = binary.AppendVarint(b, int64(p.Approvals))
	return appendString(b, p.Source)
}

// decodePolicy parses a codecPolicy value (without its codec byte) into p.
// On error p holds part of the value; decode clears it.
func decodePolicy(b []byte, p *auth.Policy) error {
	d := binDecoder{s: string(b)}
	*p = auth.Policy{}
	p.ID = d.string()
	p.Description = d.string()
	p.Subjects = d.strings()
	p.Repos = d.strings()
	p.Effect = auth.Effect(d.string())
	p.Level = auth.Level(d.varint())
	p.Approve = d.bool()
	p.AutoMax = time.Duration(d.varint())
	p.AutoLevel = auth.Level(d.varint())
	p.Approvals = int(d.varint())
	p.Source = d.string()
	return d.finish()
}

// errShort reports a binary value that ends inside a field.
var errShort = errors.New("value ends early")

// encodeGrant returns g as a codecGrant value.
func encodeGrant(g *auth.Grant) ([]byte, error) {
	n := 1 + 4*binary.MaxVarintLen64 + 4*(1+16)
	for _, s := range [...]string{g.ID, g.Subject, g.Repo, g.Reason, string(g.Origin), g.Request, g.CreatedBy, g.EndedBy, g.EndNote, g.Ref, g.Batch} {
		n += binary.MaxVarintLen64 + len(s)
	}
	b := make([]byte, 1, n)
	b[0] = codecGrant
	b = appendString(b, g.ID)
	b = appendString(b, g.Subject)
	b = appendString(b, g.Repo)
	b = binary.AppendVarint(b, int64(g.Level))
	var err error
	if b, err = appendTime(b, g.Starts); err != nil {
		return nil, fmt.Errorf("encode grant %q: starts: %w", g.ID, err)
	}
	if b, err = appendTime(b, g.Expires); err != nil {
		return nil, fmt.Errorf("encode grant %q: expires: %w", g.ID, err)
	}
	b = appendString(b, g.Reason)
	b = appendString(b, string(g.Origin))
	b = appendString(b, g.Request)
	b = appendString(b, g.CreatedBy)
	if b, err = appendTime(b, g.Created); err != nil {
		return nil, fmt.Errorf("encode grant %q: created: %w", g.ID, err)
	}
	if b, err = appendTime(b, g.Ended); err != nil {
		return nil, fmt.Errorf("encode grant %q: ended: %w", g.ID, err)
	}
	b = appendString(b, g.EndedBy)
	b = appendString(b, g.EndNote)
	b = appendString(b, g.Ref)
	b = binary.AppendUvarint(b, uint64(g.Allow))
	return appendString(b, g.Batch), nil
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendStrings writes a list as its length plus one (0 for nil) and its
// elements.
func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(ss))+1)
	for _, s := range ss {
		b = appendString(b, s)
	}
	return b
}

func appendTime(b []byte, t time.Time) ([]byte, error) {
	if t.IsZero() {
		return append(b, 0), nil
	}
	lenAt := len(b)
	b = append(b, 0)
	b, err := t.AppendBinary(b)
	if err != nil {
		return nil, err
	}
	n := len(b) - lenAt - 1
	if n == 0 || n >= 0x80 { // always 15 or 16 bytes; one length byte
		return nil, fmt.Errorf("time encodes in %d bytes", n)
	}
	b[lenAt] = byte(n)
	return b, nil
}

// decodeGrant parses a codecGrant value (without its codec byte) into g.
// On error g holds part of the value; decode clears it.
func decodeGrant(b []byte, g *auth.Grant) error {
	d := binDecoder{s: string(b)}
	grantV2Fields(&d, g)
	g.Batch = d.string()
	return d.finish()
}

// decodeGrantV2 parses a codecGrantV2 value (without its codec byte) into
// g: a grant written before batches, so it has none.
func decodeGrantV2(b []byte, g *auth.Grant) error {
	d := binDecoder{s: string(b)}
	grantV2Fields(&d, g)
	return d.finish()
}

// grantV2Fields reads the fields of the codecGrantV2 layout into g.
func grantV2Fields(d *binDecoder, g *auth.Grant) {
	grantV1Fields(d, g)
	g.Ref = d.string()
	allow := d.uvarint()
	if allow > uint64(auth.ChangeCreate|auth.ChangeUpdate|auth.ChangeForce|auth.ChangeDelete) {
		d.fail(fmt.Errorf("allowance %d", allow))
	}
	g.Allow = auth.Changes(allow)
}

// decodeGrantV1 parses a codecGrantV1 value (without its codec byte) into
// g. Every string field shares one copy of b, so b may be reused
// afterwards. On error g holds part of the value; decode clears it.
func decodeGrantV1(b []byte, g *auth.Grant) error {
	d := binDecoder{s: string(b)}
	grantV1Fields(&d, g)
	return d.finish()
}

// grantV1Fields reads the fields of the codecGrantV1 layout into g.
func grantV1Fields(d *binDecoder, g *auth.Grant) {
	*g = auth.Grant{}
	g.ID = d.string()
	g.Subject = d.string()
	g.Repo = d.string()
	g.Level = auth.Level(d.varint())
	g.Starts = d.time()
	g.Expires = d.time()
	g.Reason = d.string()
	g.Origin = auth.Origin(d.string())
	g.Request = d.string()
	g.CreatedBy = d.string()
	g.Created = d.time()
	g.Ended = d.time()
	g.EndedBy = d.string()
	g.EndNote = d.string()
}

// binDecoder reads the fields of a binary value from s; the first error
// sticks and later reads return zero values.
type binDecoder struct {
	s   string
	off int
	err error
}

func (d *binDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if d.off >= len(d.s) {
			d.err = errShort
			return 0
		}
		c := d.s[d.off]
		d.off++
		if shift == 63 && c > 1 {
			d.err = errors.New("varint overflows 64 bits")
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
}

// bool reads a byte written by appendBool; anything but 0 or 1 is an
// error, so each value has one encoding.
func (d *binDecoder) bool() bool {
	if d.err != nil {
		return false
	}
	if d.off >= len(d.s) {
		d.err = errShort
		return false
	}
	c := d.s[d.off]
	d.off++
	if c > 1 {
		d.err = fmt.Errorf("flag byte %d", c)
	}
	return c == 1
}

func (d *binDecoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *binDecoder) varint() int64 {
	u := d.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

// int reads a varint that must fit an int.
func (d *binDecoder) int() int {
	v := d.varint()
	if int64(int(v)) != v {
		d.fail(fmt.Errorf("%d overflows int", v))
		return 0
	}
	return int(v)
}

func (d *binDecoder) bytes() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.s)-d.off) {
		d.err = errShort
		return ""
	}
	s := d.s[d.off : d.off+int(n)]
	d.off += int(n)
	return s
}

func (d *binDecoder) string() string { return d.bytes() }

// finish reports the first error, or bytes left after the last field.
func (d *binDecoder) finish() error {
	if d.err == nil && d.off != len(d.s) {
		d.err = fmt.Errorf("%d bytes after the last field", len(d.s)-d.off)
	}
	return d.err
}

// strings reads a list written by appendStrings: nil stays nil.
func (d *binDecoder) strings() []string {
	n := d.uvarint()
	if n == 0 || d.err != nil {
		return nil
	}
	n--
	if n > uint64(len(d.s)-d.off) { // every element takes at least a byte
		d.err = errShort
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.string()
	}
	return out
}

func (d *binDecoder) time() time.Time {
	s := d.bytes()
	var t time.Time
	if s == "" || d.err != nil {
		return t
	}
	// time.Time.UnmarshalBinary takes any 32-bit nanosecond count and
	// keeps only its low 30 bits in the value: a count past a second would
	// read as another instant than the one stored, and re-encode to other
	// bytes. AppendBinary never writes one.
	if len(s) >= 13 && binary.BigEndian.Uint32([]byte(s[9:13])) >= 1e9 {
		d.err = errors.New("time has more than a second of nanoseconds")
		return t
	}
	if err := t.UnmarshalBinary([]byte(s)); err != nil {
		d.err = err
	}
	return t
}
