// Package api is the contract of the JSON API /api/v1: every request body
// and every answer, and the endpoints that pair them. The web handlers
// answer with these types and the CLI decodes into them, so a change to
// one side that the other does not follow is a compile error, not a
// field that quietly reads as empty.
//
// These are wire types, not the stored records: they carry no secret
// hashes, levels are names ("read"), and durations are Go-style strings
// ("2h") except a mirror's "every", which has always been nanoseconds.
// Field names are what scripts read; they change only by adding.
//
// The package depends on nothing but the standard library, so any Go
// client can import it without the server's dependencies.
package api
