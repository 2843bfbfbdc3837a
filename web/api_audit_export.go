package web

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// defaultEventPage is the page GET /api/v1/audit answers with when asked
// for neither a limit nor a page.
const defaultEventPage = 1000

// eventFilter reads the audit filters common to the list and the export:
// since, until, user, repo, action, result.
func (h *Handler) eventFilter(q url.Values) (service.EventFilter, error) {
	f := service.EventFilter{User: q.Get("user"), Repo: q.Get("repo"), Action: q.Get("action"), Result: q.Get("result")}
	switch f.Result {
	case "", "allow", "deny", "ok", "error":
	default:
		return f, fmtInvalid("result %q: use allow, deny, ok or error", f.Result)
	}
	for _, p := range []struct {
		key string
		dst *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if s := q.Get(p.key); s != "" {
			t, err := parseSince(s, h.now())
			if err != nil {
				return f, fmt.Errorf("%s: %w", p.key, err)
			}
			*p.dst = t
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return f, fmtInvalid("until (%s) is not after since (%s)", f.Until.Format(time.RFC3339), f.Since.Format(time.RFC3339))
	}
	return f, nil
}

// apiAuditExport streams GET /api/v1/audit/export: the events that pass
// the filters as JSON lines (api.ExportLine), oldest first, each signed
// checkpoint on the line after its event. It holds one event at a time
// and flushes as it goes, so an export of any length costs the server
// constant memory. A failure after the first byte cuts the stream: the
// client sees a truncated last line.
func (h *Handler) apiAuditExport(identify identifyFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(err error) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(apiStatus(err))
			_ = json.NewEncoder(w).Encode(api.Error{Error: err.Error()})
		}
		who, err := identify(r)
		if err != nil {
			fail(err)
			return
		}
		f, err := h.eventFilter(r.URL.Query())
		if err != nil {
			fail(err)
			return
		}
		if !who.Admin && !who.Auditor {
			fail(fmt.Errorf("%w: exporting the audit trail needs an administrator or an auditor", auth.ErrForbidden))
			return
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.Header().Set("Cache-Control", "no-store")
		bw := bufio.NewWriterSize(w, 256<<10)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		var line []byte // reused: one event's line at a time
		err = h.svc.ExportEvents(r.Context(), who, f,
			func(e audit.Event) error {
				line = appendEventLine(line[:0], viewEvent(e))
				_, err := bw.Write(line)
				return err
			},
			func(c audit.Checkpoint) error {
				cp := viewCheckpoint(c)
				return enc.Encode(struct {
					Checkpoint *api.Checkpoint `json:"checkpoint"`
				}{&cp})
			})
		if err == nil {
			err = bw.Flush()
		}
		if err != nil {
			if r.Context().Err() == nil {
				h.log.Error("audit export", "err", err)
			}
			panic(http.ErrAbortHandler)
		}
	})
}
