package service

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/jitgit/jitgit/auth"
)

// The bounds of one bulk file. A file over them is refused as a whole
// before anything is checked: the server reads the file as it comes, and
// these keep what it holds of it well inside its memory budget.
const (
	MaxBulkBytes = 64 << 20
	MaxBulkLines = 200000
	maxBulkLine  = 64 << 10 // one line of the file
)

// ErrBulkTooLarge refuses a bulk file over MaxBulkBytes or MaxBulkLines.
var ErrBulkTooLarge = fmt.Errorf("%w: the file is larger than a batch may be (%d MiB, %d lines); split it into several files, each its own batch", auth.ErrInvalid, MaxBulkBytes>>20, MaxBulkLines)

// Bulk file formats.
const (
	FormatCSV   = "csv"
	FormatJSONL = "jsonl"
)

// bulkHeader is the header of a CSV bulk file; ticket is optional.
var bulkHeader = []string{"subject", "repo", "access", "for", "reason", "ticket"}

// bulkRow is one line of a bulk file as written, before it is checked.
type bulkRow struct {
	line                                       int
	subject, repo, access, dur, reason, ticket string
	err                                        string // why it could not even be read
}

// jsonRow is one JSON line.
type jsonRow struct {
	Subject string `json:"subject"`
	Repo    string `json:"repo"`
	Access  string `json:"access"`
	For     string `json:"for"`
	Reason  string `json:"reason"`
	Ticket  string `json:"ticket"`
}

// countingReader counts what it passes, to refuse a file over the byte
// bound without holding it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > MaxBulkBytes {
		return n, ErrBulkTooLarge
	}
	return n, err
}

// detectFormat says which format the file is in from its first
// character: a JSON line starts with '{'.
func detectFormat(br *bufio.Reader) string {
	for i := 1; i <= 4096; i++ {
		b, err := br.Peek(i)
		if err != nil {
			break
		}
		b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		b = bytes.TrimLeft(b, " \t\r\n")
		if len(b) > 0 {
			if b[0] == '{' {
				return FormatJSONL
			}
			return FormatCSV
		}
	}
	return FormatCSV
}

// readBulk reads every row of a bulk file in format (empty: detect it).
// A row that cannot be read carries its reason; an error is a file that
// cannot be read as a whole (too large, a wrong header, broken off).
func readBulk(r io.Reader, format string) (string, []bulkRow, error) {
	cr := &countingReader{r: r}
	br := bufio.NewReaderSize(cr, 64<<10)
	switch format {
	case "":
		format = detectFormat(br)
	case FormatCSV, FormatJSONL:
	default:
		return "", nil, fmt.Errorf("%w: format %q: use csv or jsonl", auth.ErrInvalid, format)
	}
	// Skip a byte-order mark, which spreadsheets write.
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		_, _ = br.Discard(3)
	}
	var rows []bulkRow
	var err error
	if format == FormatJSONL {
		rows, err = readJSONL(br)
	} else {
		rows, err = readCSV(br)
	}
	if errors.Is(err, ErrBulkTooLarge) {
		return format, nil, ErrBulkTooLarge
	}
	return format, rows, err
}

func readCSV(r io.Reader) ([]bulkRow, error) {
	rd := csv.NewReader(r)
	rd.FieldsPerRecord = -1
	rd.ReuseRecord = true
	rd.Comment = '#'
	header, err := rd.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: the file is empty; it needs the header %s and a line per grant", auth.ErrInvalid, strings.Join(bulkHeader[:5], ","))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: line 1: %v", auth.ErrInvalid, csvReason(err))
	}
	ok := len(header) == 5 || len(header) == 6
	for i, h := range header {
		if !ok || !strings.EqualFold(strings.TrimSpace(h), bulkHeader[i]) {
			ok = false
			break
		}
	}
	if !ok {
		return nil, fmt.Errorf("%w: line 1: wrong header %q: it must be subject,repo,access,for,reason (and optionally ,ticket)", auth.ErrInvalid, auth.Printable(strings.Join(header, ",")))
	}
	fields := len(header)
	var rows []bulkRow
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			return rows, nil
		}
		line, _ := rd.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rows = append(rows, bulkRow{line: pe.StartLine, err: csvReason(err)})
				if len(rows) > MaxBulkLines {
					return nil, ErrBulkTooLarge
				}
				continue
			}
			return nil, err
		}
		if len(rows) >= MaxBulkLines {
			return nil, ErrBulkTooLarge
		}
		row := bulkRow{line: line}
		switch {
		case len(rec) != fields:
			row.err = fmt.Sprintf("%d fields, want %d (%s)", len(rec), fields, strings.Join(bulkHeader[:fields], ","))
		case !validUTF8(rec):
			row.err = "not valid UTF-8"
		default:
			row.subject, row.repo, row.access, row.dur, row.reason = strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1]), strings.TrimSpace(rec[2]), strings.TrimSpace(rec[3]), rec[4]
			if fields == 6 {
				row.ticket = strings.TrimSpace(rec[5])
			}
		}
		rows = append(rows, row)
	}
}

func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func validUTF8(rec []string) bool {
	for _, f := range rec {
		if !utf8.ValidString(f) {
			return false
		}
	}
	return true
}

func readJSONL(br *bufio.Reader) ([]bulkRow, error) {
	var rows []bulkRow
	for line := 1; ; line++ {
		b, tooLong, err := readLine(br)
		if err == io.EOF && len(b) == 0 && !tooLong {
			return rows, nil
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 && !tooLong {
			continue
		}
		if len(rows) >= MaxBulkLines {
			return nil, ErrBulkTooLarge
		}
		row := bulkRow{line: line}
		var j jsonRow
		switch {
		case tooLong:
			row.err = fmt.Sprintf("longer than %d KiB", maxBulkLine>>10)
		case !utf8.Valid(b):
			row.err = "not valid UTF-8"
		default:
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&j); err != nil {
				row.err = "not a JSON object of subject, repo, access, for, reason, ticket: " + err.Error()
			} else if dec.More() {
				row.err = "more than one JSON value on the line"
			} else {
				row.subject, row.repo, row.access, row.dur, row.reason, row.ticket = strings.TrimSpace(j.Subject), strings.TrimSpace(j.Repo), strings.TrimSpace(j.Access), strings.TrimSpace(j.For), j.Reason, strings.TrimSpace(j.Ticket)
			}
		}
		rows = append(rows, row)
		if err == io.EOF {
			return rows, nil
		}
	}
}

// readLine reads one line without its end; a line over maxBulkLine is
// skipped to its end and reported as too long.
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	for {
		chunk, isPrefix, err := br.ReadLine()
		if !tooLong {
			if len(line)+len(chunk) > maxBulkLine {
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if err != nil || !isPrefix {
			return line, tooLong, err
		}
	}
}
