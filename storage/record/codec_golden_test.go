package record

import (
	"bytes"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

var update = flag.Bool("update", false, "rewrite testdata/records/current from the fixtures")

// decodeInto decodes b into a new value of want's type and returns it.
func decodeInto(b []byte, want any) (any, error) {
	p := reflect.New(reflect.TypeOf(want))
	err := Decode(b, p.Interface())
	return p.Elem().Interface(), err
}

// TestOldRecordsDecode reads the records of testdata/records/old, the bytes
// the store wrote before it had a codec per type (JSON, and the binary
// grant and policy codecs), and wants back exactly the fixtures they were
// written from. These files are never rewritten.
func TestOldRecordsDecode(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "records", "old", "*.bin"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no old records: %v", err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".bin")
		kind, json := strings.CutSuffix(name, "-json")
		kind, v1 := strings.CutSuffix(kind, "-v1") // a binary layout replaced since
		kind, v2 := strings.CutSuffix(kind, "-v2")
		v1 = v1 || v2
		want, ok := fixtures()[kind]
		if !ok {
			t.Fatalf("%s: no fixture %q", f, kind)
		}
		seen[kind] = true
		if v2 {
			// Written from the current fixture before it had a batch (a
			// grant) or an archive (a repository).
			want = currentFixtures()[kind]
			switch v := want.(type) {
			case auth.Grant:
				v.Batch = ""
				want = v
			case auth.Repo: // before it could be archived
				v.Archived, v.ArchivedBy, v.ArchiveReason = time.Time{}, "", ""
				want = v
			}
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if json || (!v1 && kind != "grant" && kind != "policy") {
			if b[0] != codecJSON {
				t.Fatalf("%s: codec %d, want the JSON codec", f, b[0])
			}
		}
		if e, ok := want.(audit.Event); ok {
			e.HashVersion = audit.HashV1 // what every old event was hashed in
			want = e
		}
		got, err := decodeInto(b, want)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %#v\nwant %#v", name, got, want)
		}
	}
	for _, kind := range []string{"grant", "user", "event"} {
		if !seen[kind] {
			t.Errorf("no old %s record", kind)
		}
	}
}

// currentFixtures are the fixtures as they are written now.
func currentFixtures() map[string]any {
	fs := fixtures()
	e := fs["event"].(audit.Event)
	e.HashVersion = audit.HashCurrent
	fs["event"] = e
	g := fs["grant"].(auth.Grant)
	g.Ref, g.Allow = "refs/heads/hotfix/*", auth.ChangeForce|auth.ChangeDelete
	g.Batch = "b_01"
	fs["grant"] = g
	u := fs["user"].(auth.User)
	u.Auditor = true
	fs["user"] = u
	r := fs["request"].(auth.Request)
	r.Ref, r.Allow = "refs/heads/main", auth.ChangeForce
	fs["request"] = r
	repo := fs["repo"].(auth.Repo)
	repo.Credential, repo.HostKeys, repo.HostKeyTOFU = "deploy-app", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl", true
	repo.Paused, repo.ReadOnly, repo.LastSuccess = true, true, fixedAt.Add(-time.Hour)
	repo.SyncDuration, repo.SyncRewritten, repo.Failures = 1500*time.Millisecond, 1, 4
	repo.Archived, repo.ArchivedBy, repo.ArchiveReason = fixedAt.Add(-30*time.Minute), "root", "vendor contract ended"
	fs["repo"] = repo
	tok := fs["token"].(auth.Token)
	tok.While = "grant:g_01"
	fs["token"] = tok
	return fs
}

// TestCurrentRecordsGolden pins the current layout of every record type:
// encoding a fixture gives exactly the bytes of its file, and the file
// decodes into the fixture. Run with -update after adding a codec, never
// to paper over a changed layout of an existing codec byte.
func TestCurrentRecordsGolden(t *testing.T) {
	dir := filepath.Join("testdata", "records", "current")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, v := range currentFixtures() {
		b, err := Encode(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f := filepath.Join(dir, name+".bin")
		if *update {
			if err := os.WriteFile(f, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, want) {
			t.Errorf("%s: encoding changed\n got %x\nwant %x", name, b, want)
		}
		if b[0] == codecJSON {
			t.Errorf("%s: written as JSON", name)
		}
		got, err := decodeInto(want, v)
		if err != nil || !reflect.DeepEqual(got, v) {
			t.Errorf("%s: decodes to %#v, %v", name, got, err)
		}
		// A record of one type never decodes as another.
		for other, w := range currentFixtures() {
			if other != name {
				if _, err := decodeInto(want, w); err == nil {
					t.Errorf("a %s record decoded as a %s", name, other)
				}
			}
		}
	}
}

// filler sets every field of a value to something random and not zero.
type filler struct {
	t   *testing.T
	r   *rand.Rand
	utc bool // times in UTC only (events keep the instant alone)
}

func (f filler) time() time.Time {
	t := time.Unix(f.r.Int64N(250000000000)-62000000000, f.r.Int64N(1e9))
	if f.utc {
		return t.UTC()
	}
	switch f.r.IntN(3) {
	case 0:
		return t.UTC()
	case 1:
		return t.Local()
	}
	return t.In(time.FixedZone("", 7*3600+17*60)) // an offset no real zone uses
}

func (f filler) string() string {
	b := make([]byte, 1+f.r.IntN(12))
	for i := range b {
		b[i] = byte(f.r.Uint32()) // not always UTF-8: records keep bytes
	}
	return string(b)
}

func (f filler) fill(path string, v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(f.string())
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		n := f.r.Int64() - 1<<62
		if n == 0 {
			n = -1
		}
		v.SetInt(n)
	case reflect.Uint8:
		if v.Type() == reflect.TypeFor[storage.BatchState]() {
			v.SetUint(1 + f.r.Uint64N(3))
			return
		}
		if v.Type() == reflect.TypeFor[auth.Changes]() {
			v.SetUint(1 + f.r.Uint64N(15))
			return
		}
		v.SetUint(1 + f.r.Uint64N(1<<(v.Type().Bits()-1)))
	case reflect.Uint64:
		v.SetUint(1 + f.r.Uint64N(1<<(v.Type().Bits()-1)))
	case reflect.Slice:
		n := f.r.IntN(4)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			f.fill(path+"[]", s.Index(i))
		}
		v.Set(s)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(f.time()))
			return
		}
		for i := range v.NumField() {
			fv := v.Field(i)
			name := path + "." + v.Type().Field(i).Name
			f.fill(name, fv)
			if fv.IsZero() {
				f.t.Fatalf("%s: left zero; teach the filler its kind", name)
			}
		}
	default:
		f.t.Fatalf("%s: no filler for %s", path, v.Type())
	}
}

// TestRecordsRoundTripEveryField fills every field of every record type,
// found by reflection, with random values: a field a codec forgets comes
// back zero and fails the test.
func TestRecordsRoundTripEveryField(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for name, v := range fixtures() {
		typ := reflect.TypeOf(v)
		for range 300 {
			p := reflect.New(typ)
			filler{t: t, r: r, utc: name == "event" || name == "checkpoint"}.fill(typ.Name(), p.Elem())
			if name == "checkpoint" {
				// A signature is never empty; nil and empty need not differ.
				p.Elem().FieldByName("Signature").SetBytes(bytes.Repeat([]byte{byte(r.Uint32())}, 64))
			}
			if name == "event" {
				// The intent travels with an event; the chain does not keep it.
				p.Elem().FieldByName("Intent").SetString("")
			}
			in := p.Elem().Interface()
			b, err := Encode(in)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			out, err := decodeInto(b, in)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !reflect.DeepEqual(out, in) {
				t.Fatalf("%s: round trip\n got %#v\nwant %#v", name, out, in)
			}
		}
	}
}

// FuzzDecode feeds arbitrary bytes to the decoder of every record type: it
// never panics, and what it accepts in a current codec encodes and decodes
// back to itself.
func FuzzDecode(f *testing.F) {
	for _, dir := range []string{"old", "current"} {
		files, _ := filepath.Glob(filepath.Join("testdata", "records", dir, "*.bin"))
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte{codecRequest, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	kinds := fixtures()
	f.Fuzz(func(t *testing.T, b []byte) {
		for name, want := range kinds {
			got, err := decodeInto(b, want)
			if err != nil {
				if !reflect.ValueOf(got).IsZero() {
					t.Fatalf("%s: a failed decode left %#v", name, got)
				}
				continue
			}
			if b[0] == codecJSON {
				continue // rewritten in the current codec, zones may differ
			}
			again, err := Encode(got)
			if err != nil {
				t.Fatalf("%s: decoded %#v but cannot encode it: %v", name, got, err)
			}
			back, err := decodeInto(again, want)
			if err != nil || !reflect.DeepEqual(back, got) {
				t.Fatalf("%s: %#v re-encoded reads as %#v, %v", name, got, back, err)
			}
		}
	})
}
