package api

import "time"

// Delivery is one audit event sent, or being sent, to one webhook
// receiver. ID ("receiver:seq") names it for a redelivery.
type Delivery struct {
	ID       string    `json:"id"`
	Receiver string    `json:"receiver"`
	Seq      uint64    `json:"seq"`
	Action   string    `json:"action"`
	Status   string    `json:"status"` // retrying, delivered, failed, redeliver
	Attempts int       `json:"attempts"`
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
	// Delivered is when the receiver took it, absent until then.
	Delivered time.Time `json:"delivered,omitzero"`
	// Code is the receiver's last HTTP status, 0 when none came.
	Code  int    `json:"code,omitempty"`
	Error string `json:"error,omitempty"`
}

// Redelivery answers a redelivery request: it is queued, the receiver's
// worker sends it next.
type Redelivery struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// The webhook endpoints (admins only). GET deliveries takes receiver,
// failed=1 and limit.
var (
	ListDeliveries = Endpoint[None, []Delivery]{Method: "GET", Path: "/api/v1/webhooks/deliveries"}
	Redeliver      = Endpoint[None, Redelivery]{Method: "POST", Path: "/api/v1/webhooks/deliveries/{id}/redeliver"}
)
