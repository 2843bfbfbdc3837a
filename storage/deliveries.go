package storage

import "time"

// DeliveryStatus is where the delivery of one event to one receiver stands.
type DeliveryStatus string

// The states of a delivery.
const (
	// DeliveryRetrying: tried and failed, to be tried again.
	DeliveryRetrying DeliveryStatus = "retrying"
	// DeliveryDelivered: the receiver answered 2xx.
	DeliveryDelivered DeliveryStatus = "delivered"
	// DeliveryFailed: given up on, older than the receiver's longest retry.
	DeliveryFailed DeliveryStatus = "failed"
	// DeliveryRedeliver: an administrator asked for it to be sent again.
	DeliveryRedeliver DeliveryStatus = "redeliver"
)

// Delivery is the record of one audit event sent, or being sent, to one
// webhook receiver.
type Delivery struct {
	Receiver string
	Seq      uint64 // the event's sequence number in the trail
	Action   string // the event's action, for listings
	Status   DeliveryStatus
	Attempts int
	// First and Last are when it was first and last tried.
	First, Last time.Time
	// Delivered is when the receiver took it; zero until then.
	Delivered time.Time
	// Code is the receiver's last HTTP status, 0 when none came.
	Code int
	// Error is why the last attempt failed; empty after a success.
	Error string
}

// Deliveries are the state of the webhook outbox. The audit trail is the
// outbox: a receiver's cursor is the sequence number of the last event it
// is done with (delivered, not wanted, or given up on), and a record per
// event tried says how that went. Nothing here is written by the change an
// event reports, so the outbox adds nothing to a change.
type Deliveries interface {
	// Cursor returns the cursor of receiver, and false when none is stored
	// (a receiver new to this server).
	Cursor(receiver string) (uint64, bool, error)
	// SetCursor stores the cursor of receiver. The receiver name must not
	// contain '/'.
	SetCursor(receiver string, seq uint64) error
	// Put stores d, replacing the record of the same receiver and Seq.
	Put(d Delivery) error
	// Get returns the record of event seq for receiver.
	Get(receiver string, seq uint64) (Delivery, error)
	// List returns up to limit records, newest event first: of receiver
	// (every receiver when empty) and with status (any when empty).
	List(receiver string, status DeliveryStatus, limit int) ([]Delivery, error)
	// Prune removes up to limit records of receiver whose Seq is below
	// before, oldest first, and returns how many it removed.
	Prune(receiver string, before uint64, limit int) (int, error)
}
