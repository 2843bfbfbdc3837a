package notify

import (
	"testing"

	"github.com/jitgit/jitgit/audit"
)

// A receiver that names no events is sent a mirror's recovery, as it is
// sent its failures.
func TestDefaultEventsSendMirrorRecover(t *testing.T) {
	h := WebhookConfig{Name: "chat", URL: "https://chat.example/hook"}
	if !wants(h, audit.Event{Action: "mirror.recover", Result: "ok", Repo: "mirrors/app"}) {
		t.Fatal("mirror.recover is not sent by default")
	}
	if wants(h, audit.Event{Action: "repo.sync", Result: "ok", Repo: "mirrors/app"}) {
		t.Fatal("every successful sync is sent by default")
	}
	if wants(WebhookConfig{Events: []string{"grant."}}, audit.Event{Action: "mirror.recover"}) {
		t.Fatal("mirror.recover sent to a receiver that asked for grant events only")
	}
}
