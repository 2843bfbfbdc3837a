package audit

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files of the current hash form")

// fixedEvent is the event of the golden hashes. It must never change.
func fixedEvent() Event {
	return Event{
		Seq: 7, Time: time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC), Actor: "alice",
		Remote: "192.0.2.1:5555", Transport: "ssh", Action: "access.write", Repo: "acme/app",
		Target: "user:bob", Result: "deny", Grant: "g_01", Policy: "p_01", Request: "r_01",
		Detail: "no grant <for> \"write\" & more",
		Prev:   "0000000000000000000000000000000000000000000000000000000000000001",
		Hash:   "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	}
}

// The HashV1 values were computed by the store's hash function before the
// form had a version: events already in trails carry them.
func TestHashV1Golden(t *testing.T) {
	e := fixedEvent()
	e.HashVersion = HashV1
	for prev, want := range map[string]string{
		e.Prev: "d90259103fead521da3a87b772d6ebe166e3b90b75b9b3ffbd24e43b7aa0b72b",
		"":     "ef2401d340715b7e3ac016130ee85a0336961d234fb58f418d0631601896d5c6",
	} {
		e.Prev = prev
		if got, err := Hash(e); err != nil || got != want {
			t.Errorf("Hash(v1, prev %q) = %s, %v; want %s", prev, got, err, want)
		}
	}
}

func TestHashV2Golden(t *testing.T) {
	e := fixedEvent()
	e.HashVersion = HashV2
	golden := filepath.Join("testdata", "event-v2.canonical")
	b := appendCanonicalV2(nil, e)
	if *update {
		if err := os.WriteFile(golden, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("canonical encoding changed:\n got %q\nwant %q", b, want)
	}
	const wantHash = "f005d7b7dcf64d77e5253789b504cf75e95aaa2297cc9ac960a665bc58a86109"
	if got, err := Hash(e); err != nil || got != wantHash {
		t.Errorf("Hash(v2) = %s, %v; want %s", got, err, wantHash)
	}
}

// mutate returns v changed to another value of its kind.
func mutate(t *testing.T, name string, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "x")
	case reflect.Uint64, reflect.Uint8:
		v.SetUint(v.Uint() + 1)
	case reflect.Struct:
		if tm, ok := v.Addr().Interface().(*time.Time); ok {
			*tm = tm.Add(time.Nanosecond)
			return
		}
		t.Fatalf("field %s: no mutation for %s", name, v.Type())
	default:
		t.Fatalf("field %s: no mutation for %s", name, v.Type())
	}
}

// TestHashCoversEveryField changes each field of Event in turn: the current
// form must notice every one, so a field added without a new form fails.
func TestHashCoversEveryField(t *testing.T) {
	base := fixedEvent()
	base.HashVersion = HashCurrent
	want, err := Hash(base)
	if err != nil {
		t.Fatal(err)
	}
	typ := reflect.TypeFor[Event]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Name == "Hash" || f.Name == "Intent" {
			continue
		}
		e := base
		mutate(t, f.Name, reflect.ValueOf(&e).Elem().Field(i))
		if got, err := Hash(e); err == nil && got == want {
			t.Errorf("changing %s leaves the hash as it was", f.Name)
		}
	}
}

// TestHashV1RefusesWhatItCannotCover checks that the old form is not a
// place to hide an edit: a field outside it, or bytes its JSON would
// replace, make the event fail instead of hashing like another.
func TestHashV1RefusesWhatItCannotCover(t *testing.T) {
	covered := map[string]bool{"HashVersion": true, "Hash": true, "Intent": true}
	for f := range reflect.TypeFor[eventV1]().Fields() {
		covered[f.Name] = true
	}
	typ := reflect.TypeFor[Event]()
	for i := range typ.NumField() {
		if covered[typ.Field(i).Name] {
			continue
		}
		e := fixedEvent()
		e.HashVersion = HashV1
		mutate(t, typ.Field(i).Name, reflect.ValueOf(&e).Elem().Field(i))
		if _, err := Hash(e); !errors.Is(err, ErrHashForm) {
			t.Errorf("HashV1 of an event that sets %s: %v, want ErrHashForm", typ.Field(i).Name, err)
		}
	}
	e := fixedEvent()
	e.HashVersion = HashV1
	e.Detail = "a\xffb"
	if _, err := Hash(e); !errors.Is(err, ErrHashForm) {
		t.Errorf("HashV1 with invalid UTF-8: %v, want ErrHashForm", err)
	}
	e.HashVersion = 0
	if _, err := Hash(e); !errors.Is(err, ErrHashForm) {
		t.Errorf("Hash without a form: %v, want ErrHashForm", err)
	}
}

func TestHashFormsDiffer(t *testing.T) {
	e := fixedEvent()
	e.HashVersion = HashV1
	h1, err := Hash(e)
	if err != nil {
		t.Fatal(err)
	}
	e.HashVersion = HashV2
	h2, err := Hash(e)
	if err != nil {
		t.Fatal(err)
	}
	if h1 == h2 {
		t.Fatal("both forms hash alike")
	}
}

func chain(t *testing.T, forms ...uint8) []Event {
	t.Helper()
	var out []Event
	prev := ""
	for i, f := range forms {
		e := fixedEvent()
		e.Seq, e.Prev, e.HashVersion = uint64(i+1), prev, f
		h, err := Hash(e)
		if err != nil {
			t.Fatal(err)
		}
		e.Hash = h
		out = append(out, e)
		prev = h
	}
	return out
}

func checkChain(evs []Event) error {
	var prev *Event
	for i := range evs {
		if err := CheckLink(prev, evs[i]); err != nil {
			return err
		}
		prev = &evs[i]
	}
	return nil
}

func TestCheckLink(t *testing.T) {
	if err := checkChain(chain(t, HashV1, HashV1, HashV2, HashV2)); err != nil {
		t.Fatalf("a trail moving from form 1 to 2: %v", err)
	}
	// Rewriting the tail in the old form, hashes and all, is refused.
	evs := chain(t, HashV1, HashV2, HashV1)
	if err := checkChain(evs); err == nil || !strings.Contains(err.Error(), "form 1 after form 2") {
		t.Fatalf("a downgrade: %v", err)
	}
	// Marking one event with the other form breaks its hash.
	evs = chain(t, HashV1, HashV2, HashV2)
	evs[2].HashVersion = HashV1
	if err := checkChain(evs); err == nil {
		t.Fatal("a re-marked event verified")
	}
	evs = chain(t, HashV2, HashV2)
	evs[1].Detail = "edited"
	if err := checkChain(evs); err == nil || !strings.Contains(err.Error(), "contents") {
		t.Fatalf("an edited event: %v", err)
	}
	evs = chain(t, HashV2, HashV2)
	evs[1].Prev = strings.Repeat("0", 64)
	if err := checkChain(evs); err == nil || !strings.Contains(err.Error(), "previous") {
		t.Fatalf("a broken link: %v", err)
	}
}

func FuzzHashV2Injective(f *testing.F) {
	f.Add("a", "b", "", "c")
	f.Fuzz(func(t *testing.T, a1, a2, b1, b2 string) {
		x, y := fixedEvent(), fixedEvent()
		x.Actor, x.Remote = a1, a2
		y.Actor, y.Remote = b1, b2
		if (a1 != b1 || a2 != b2) && bytes.Equal(appendCanonicalV2(nil, x), appendCanonicalV2(nil, y)) {
			t.Fatalf("different events encode alike: %q %q / %q %q", a1, a2, b1, b2)
		}
	})
}
