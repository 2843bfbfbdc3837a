package record

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/jitgit/jitgit/auth"
)

// encodeRepo returns r as a codecRepo value: the fields of codecRepoV2
// (below), then the archive's:
//
//	Archived                      time
//	ArchivedBy, ArchiveReason     string
//
// A codecRepoV2 value has the fields of codecRepoV1, then the mirror's own:
//
//	Name, Description, Mirror     string
//	Created                       time
//	CreatedBy                     string
//	Every                         varint (nanoseconds)
//	LastSync                      time
//	SyncResult, SyncError         string
//	SyncUpdated                   varint
//	Credential, HostKeys          string
//	HostKeyTOFU, Paused, ReadOnly flag (ReadOnly was "archive")
//	LastSuccess                   time
//	SyncDuration                  varint (nanoseconds)
//	SyncRewritten, Failures       varint
func encodeRepo(r *auth.Repo) ([]byte, error) {
	b := []byte{codecRepo}
	b = appendString(b, r.Name)
	b = appendString(b, r.Description)
	b = appendString(b, r.Mirror)
	b, err := appendTimes(b, "repository", r.Name, r.Created)
	if err != nil {
		return nil, err
	}
	b = appendString(b, r.CreatedBy)
	b = binary.AppendVarint(b, int64(r.Every))
	if b, err = appendTimes(b, "repository", r.Name, r.LastSync); err != nil {
		return nil, err
	}
	b = appendString(b, r.SyncResult)
	b = appendString(b, r.SyncError)
	b = binary.AppendVarint(b, int64(r.SyncUpdated))
	b = appendString(b, r.Credential)
	b = appendString(b, r.HostKeys)
	b = appendBool(b, r.HostKeyTOFU)
	b = appendBool(b, r.Paused)
	b = appendBool(b, r.ReadOnly)
	if b, err = appendTimes(b, "repository", r.Name, r.LastSuccess); err != nil {
		return nil, err
	}
	b = binary.AppendVarint(b, int64(r.SyncDuration))
	b = binary.AppendVarint(b, int64(r.SyncRewritten))
	b = binary.AppendVarint(b, int64(r.Failures))
	if b, err = appendTimes(b, "repository", r.Name, r.Archived); err != nil {
		return nil, err
	}
	b = appendString(b, r.ArchivedBy)
	return appendString(b, r.ArchiveReason), nil
}

func decodeRepo(b []byte, r *auth.Repo) error {
	d := binDecoder{s: string(b)}
	repoV2Fields(&d, r)
	r.Archived = d.time()
	r.ArchivedBy = d.string()
	r.ArchiveReason = d.string()
	return d.finish()
}

// decodeRepoV2 reads a codecRepoV2 value, the layout before a repository
// could be archived.
func decodeRepoV2(b []byte, r *auth.Repo) error {
	d := binDecoder{s: string(b)}
	repoV2Fields(&d, r)
	return d.finish()
}

// repoV2Fields reads the fields of codecRepoV2, which the current layout
// begins with.
func repoV2Fields(d *binDecoder, r *auth.Repo) {
	repoV1Fields(d, r)
	r.Credential = d.string()
	r.HostKeys = d.string()
	r.HostKeyTOFU = d.bool()
	r.Paused = d.bool()
	r.ReadOnly = d.bool()
	r.LastSuccess = d.time()
	r.SyncDuration = time.Duration(d.varint())
	r.SyncRewritten = d.int()
	r.Failures = d.int()
}

// encodeCredential returns c as a codecCredential value:
//
//	Name, Kind, Username,
//	PublicKey, Fingerprint        string
//	Sealed                        flag (not nil), string (the bytes)
//	Created                       time
//	CreatedBy                     string
//	Updated                       time
func encodeCredential(c *auth.Credential) ([]byte, error) {
	b := []byte{codecCredential}
	for _, s := range [...]string{c.Name, string(c.Kind), c.Username, c.PublicKey, c.Fingerprint} {
		b = appendString(b, s)
	}
	b = appendBool(b, c.Sealed != nil)
	b = appendString(b, string(c.Sealed))
	b, err := appendTimes(b, "credential", c.Name, c.Created)
	if err != nil {
		return nil, err
	}
	b = appendString(b, c.CreatedBy)
	return appendTimes(b, "credential", c.Name, c.Updated)
}

func decodeCredential(b []byte, c *auth.Credential) error {
	d := binDecoder{s: string(b)}
	c.Name = d.string()
	c.Kind = auth.CredentialKind(d.string())
	c.Username = d.string()
	c.PublicKey = d.string()
	c.Fingerprint = d.string()
	if d.bool() {
		c.Sealed = []byte(d.string())
	} else if d.string() != "" {
		d.fail(errors.New("sealed bytes without their flag"))
	}
	c.Created = d.time()
	c.CreatedBy = d.string()
	c.Updated = d.time()
	return d.finish()
}
