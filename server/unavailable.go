package server

import (
	"net/http"
	"strconv"
	"time"
)

// StoreUnavailableMessage is what a Git client reads, over HTTP and SSH,
// when the server's store cannot answer (etcd unreachable or without a
// quorum). It is not a refusal of the client's credentials or access, and
// it is not counted as a failed sign-in.
const StoreUnavailableMessage = "jitgit: the server cannot reach its store; try again shortly"

// storeRetryAfter is the Retry-After of a 503 for an unreachable store:
// about what a lost etcd leader or a restarted member takes.
const storeRetryAfter = 5 * time.Second

// storeUnavailable answers 503 with Retry-After and the message.
func storeUnavailable(w http.ResponseWriter) {
	w.Header().Set("Retry-After", strconv.Itoa(int(storeRetryAfter.Seconds())))
	text(w, http.StatusServiceUnavailable, StoreUnavailableMessage+"\n")
}
