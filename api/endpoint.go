package api

import (
	"fmt"
	"net/url"
	"strings"
)

// None is the body of an endpoint that takes none.
type None struct{}

// Endpoint is one route of /api/v1 with the body it takes (In) and the
// answer it gives (Out). The server registers its handler by it and the
// client calls by it, so the two agree on both types or neither compiles.
type Endpoint[In, Out any] struct {
	Method string
	// Path is the route as http.ServeMux patterns spell it, with
	// {wildcards} for the path's variable parts.
	Path string
	// OptionalBody means an empty body stands for the zero In, so a
	// client may send nothing when it has nothing to say.
	OptionalBody bool
}

// Pattern is the route in http.ServeMux form: "GET /api/v1/users".
func (e Endpoint[In, Out]) Pattern() string { return e.Method + " " + e.Path }

// URL is Path with its {wildcards} filled, in order, by args, each
// path-escaped so a name cannot reach another route. It panics when the
// count of args differs from the wildcards: that is a bug in the caller,
// never input.
func (e Endpoint[In, Out]) URL(args ...string) string {
	var b strings.Builder
	rest := e.Path
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 || len(args) == 0 {
			panic(fmt.Sprintf("api: %s needs more arguments than %d", e.Path, len(args)))
		}
		b.WriteString(rest[:i])
		b.WriteString(url.PathEscape(args[0]))
		args, rest = args[1:], rest[i+j+1:]
	}
	if len(args) > 0 {
		panic(fmt.Sprintf("api: %s takes fewer arguments than given", e.Path))
	}
	b.WriteString(rest)
	return b.String()
}
