package badgerstore

import (
	"fmt"
	"log/slog"
	"strings"
)

// slogAdapter passes Badger's warnings and errors to a slog.Logger and drops
// its informational chatter.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Errorf(format string, v ...any) {
	a.l.Error(strings.TrimSpace(fmt.Sprintf(format, v...)), "component", "badger")
}

func (a slogAdapter) Warningf(format string, v ...any) {
	a.l.Warn(strings.TrimSpace(fmt.Sprintf(format, v...)), "component", "badger")
}

func (a slogAdapter) Infof(string, ...any)  {}
func (a slogAdapter) Debugf(string, ...any) {}
