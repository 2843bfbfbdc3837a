package service

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// User import outcomes.
const (
	ImportNew       = "new"
	ImportUpdated   = "updated"
	ImportUnchanged = "unchanged"
)

// UserImportLine is what became of one line of a user file.
type UserImportLine struct {
	Line   int
	Status string // new, updated, unchanged, invalid
	Name   string
	Error  string
}

// UserImportResult is the outcome of a user file.
type UserImportResult struct {
	Format                           string
	DryRun                           bool
	New, Updated, Unchanged, Invalid int
	Lines                            []UserImportLine
}

// importRow is one user as the file says.
type importRow struct {
	line   int
	name   string
	groups []string
	flags  []string
	err    string
}

// ErrImportInvalid refuses a user file with invalid lines.
var ErrImportInvalid = fmt.Errorf("%w: the file has invalid lines (each is named above); nothing was written: fix them and run it again", auth.ErrInvalid)

// ImportUsers reads a user file — CSV with the header name,groups,flags
// (groups and flags separated by spaces or ';'; flags admin, approver,
// disabled), or JSON lines {"name", "groups": [...], "flags": [...]} —
// checks every line, and then makes each user new or sets an existing
// user's groups and flags to the file's. Running the same file again
// changes nothing. With invalid lines nothing is written. Passwords are
// not imported: the users sign in with tokens or keys until given one.
func (s *Service) ImportUsers(ctx context.Context, actor auth.Identity, r io.Reader, format string, dryRun bool) (UserImportResult, error) {
	if err := requireAdmin(actor, "importing users"); err != nil {
		return UserImportResult{}, err
	}
	cr := &countingReader{r: r}
	br := bufio.NewReaderSize(cr, 64<<10)
	if format == "" {
		format = detectFormat(br)
	}
	var rows []importRow
	var err error
	switch format {
	case FormatCSV:
		rows, err = readUsersCSV(br)
	case FormatJSONL:
		rows, err = readUsersJSONL(br)
	default:
		return UserImportResult{}, fmt.Errorf("%w: format %q: use csv or jsonl", auth.ErrInvalid, format)
	}
	if err != nil {
		return UserImportResult{}, fmt.Errorf("user file: %w", err)
	}
	res := UserImportResult{Format: format, DryRun: dryRun, Lines: make([]UserImportLine, len(rows))}
	if len(rows) == 0 {
		return res, fmt.Errorf("%w: user file: no users in it", auth.ErrInvalid)
	}
	var existing []auth.User
	if err := s.store.View(ctx, func(tx storage.Tx) error {
		var err error
		existing, err = tx.Users().List()
		return err
	}); err != nil {
		return res, err
	}
	byName := make(map[string]auth.User, len(existing))
	for _, u := range existing {
		byName[u.Name] = u
	}
	first := map[string]int{}
	now := s.now().UTC()
	var writes []auth.User
	for i, row := range rows {
		l := &res.Lines[i]
		*l = UserImportLine{Line: row.line, Name: row.name}
		u, why := checkImportRow(row)
		if why == "" {
			if j, dup := first[u.Name]; dup {
				why = fmt.Sprintf("duplicate of line %d", rows[j].line)
			} else {
				first[u.Name] = i
			}
		}
		if why == "" && u.Name == actor.User && (u.Disabled || !u.Admin) {
			why = "you cannot take away your own administrator rights or disable yourself"
		}
		if why != "" {
			l.Status, l.Error = BulkInvalid, why
			res.Invalid++
			continue
		}
		old, ok := byName[u.Name]
		switch {
		case !ok:
			u.Created = now
			l.Status = ImportNew
			res.New++
			writes = append(writes, u)
		case slices.Equal(old.Groups, u.Groups) && old.Admin == u.Admin && old.Approver == u.Approver && old.Disabled == u.Disabled:
			l.Status = ImportUnchanged
			res.Unchanged++
		default:
			old.Groups, old.Admin, old.Approver, old.Disabled = u.Groups, u.Admin, u.Approver, u.Disabled
			l.Status = ImportUpdated
			res.Updated++
			writes = append(writes, old)
		}
	}
	if res.Invalid > 0 {
		return res, ErrImportInvalid
	}
	if dryRun || len(writes) == 0 {
		return res, nil
	}
	for len(writes) > 0 {
		n := min(500, len(writes))
		chunk := writes[:n]
		err := s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
			for _, u := range chunk {
				cur, err := tx.Users().Get(u.Name)
				switch {
				case errors.Is(err, auth.ErrNotFound):
					if err := tx.Users().Create(u); err != nil {
						return err
					}
				case err != nil:
					return err
				default:
					cur.Groups, cur.Admin, cur.Approver, cur.Disabled = u.Groups, u.Admin, u.Approver, u.Disabled
					if err := tx.Users().Update(cur); err != nil {
						return err
					}
				}
				action := "user.update"
				if _, ok := byName[u.Name]; !ok {
					action = "user.create"
				}
				if err := ev.add(audit.Event{Action: action, Target: u.Name,
					Detail: fmt.Sprintf("import: groups=%s admin=%t approver=%t disabled=%t", strings.Join(u.Groups, ","), u.Admin, u.Approver, u.Disabled)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return res, fmt.Errorf("user import: %w (the users before it were written; run the file again to finish)", err)
		}
		writes = writes[n:]
	}
	return res, nil
}

// checkImportRow checks one user line and builds the user.
func checkImportRow(row importRow) (auth.User, string) {
	if row.err != "" {
		return auth.User{}, row.err
	}
	why := func(err error) string { return strings.Replace(err.Error(), auth.ErrInvalid.Error()+": ", "", 1) }
	if err := auth.ValidateUserName(row.name); err != nil {
		return auth.User{}, "name: " + why(err)
	}
	switch row.name {
	case "anonymous", "system", "policy", "local-admin", auth.PrincipalUsers, auth.PrincipalAnyone:
		return auth.User{}, fmt.Sprintf("%q is reserved; choose another name", row.name)
	}
	groups, err := cleanGroups(row.groups)
	if err != nil {
		return auth.User{}, why(err)
	}
	u := auth.User{Name: row.name, Groups: groups}
	for _, f := range row.flags {
		switch f {
		case "admin":
			u.Admin = true
		case "approver":
			u.Approver = true
		case "disabled":
			u.Disabled = true
		default:
			return auth.User{}, fmt.Sprintf("flag %q: use admin, approver or disabled", auth.Printable(f))
		}
	}
	return u, ""
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ' ' || r == ',' })
}

func readUsersCSV(r io.Reader) ([]importRow, error) {
	rd := csv.NewReader(r)
	rd.FieldsPerRecord = -1
	rd.Comment = '#'
	header, err := rd.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: line 1: the file needs the header name,groups,flags", auth.ErrInvalid)
	}
	want := []string{"name", "groups", "flags"}
	if len(header) < 1 || len(header) > 3 || !slices.EqualFunc(header, want[:len(header)], func(a, b string) bool { return strings.EqualFold(strings.TrimSpace(a), b) }) {
		return nil, fmt.Errorf("%w: line 1: wrong header %q: it must be name,groups,flags", auth.ErrInvalid, auth.Printable(strings.Join(header, ",")))
	}
	var rows []importRow
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			return rows, nil
		}
		if errors.Is(err, ErrBulkTooLarge) {
			return nil, err
		}
		line, _ := rd.FieldPos(0)
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			rows = append(rows, importRow{line: pe.StartLine, err: csvReason(err)})
			continue
		}
		if err != nil {
			return nil, err
		}
		if len(rows) >= MaxBulkLines {
			return nil, ErrBulkTooLarge
		}
		row := importRow{line: line}
		switch {
		case len(rec) != len(header):
			row.err = fmt.Sprintf("%d fields, want %d", len(rec), len(header))
		case !validUTF8(rec):
			row.err = "not valid UTF-8"
		default:
			row.name = strings.TrimSpace(rec[0])
			if len(rec) > 1 {
				row.groups = splitList(rec[1])
			}
			if len(rec) > 2 {
				row.flags = splitList(rec[2])
			}
		}
		rows = append(rows, row)
	}
}

func readUsersJSONL(br *bufio.Reader) ([]importRow, error) {
	var rows []importRow
	for line := 1; ; line++ {
		b, tooLong, err := readLine(br)
		if err != nil && err != io.EOF {
			return nil, err
		}
		if err == io.EOF && len(b) == 0 && !tooLong {
			return rows, nil
		}
		b = bytes.TrimSpace(b)
		if len(b) > 0 || tooLong {
			if len(rows) >= MaxBulkLines {
				return nil, ErrBulkTooLarge
			}
			row := importRow{line: line}
			var j struct {
				Name   string   `json:"name"`
				Groups []string `json:"groups"`
				Flags  []string `json:"flags"`
			}
			switch {
			case tooLong:
				row.err = fmt.Sprintf("longer than %d KiB", maxBulkLine>>10)
			case !utf8.Valid(b):
				row.err = "not valid UTF-8"
			default:
				dec := json.NewDecoder(bytes.NewReader(b))
				dec.DisallowUnknownFields()
				if err := dec.Decode(&j); err != nil {
					row.err = "not a JSON object of name, groups, flags: " + err.Error()
				} else {
					row.name, row.groups, row.flags = strings.TrimSpace(j.Name), j.Groups, j.Flags
				}
			}
			rows = append(rows, row)
		}
		if err == io.EOF {
			return rows, nil
		}
	}
}
