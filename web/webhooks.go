package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
)

// Webhooks is what the API and the admin page need of the webhook
// outbox; notify.Outbox implements it.
type Webhooks interface {
	// Deliveries lists delivery records, newest first.
	Deliveries(ctx context.Context, receiver string, failed bool, limit int) ([]api.Delivery, error)
	// Redeliver queues the delivery id ("receiver:seq") to be sent again.
	Redeliver(ctx context.Context, id string) error
}

// webhooksOff answers when no outbox is wired in.
var errWebhooksOff = fmt.Errorf("%w: webhooks are not configured on this server", auth.ErrNotFound)

func (h *Handler) apiDeliveries(r *http.Request, who auth.Identity) (int, []api.Delivery, error) {
	if err := requireAdminAPI(who, "listing webhook deliveries"); err != nil {
		return 0, nil, err
	}
	if h.opts.Webhooks == nil {
		return 0, nil, errWebhooksOff
	}
	q := r.URL.Query()
	limit := 0
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return 0, nil, fmtInvalid("limit %q: use a positive number", s)
		}
		limit = n
	}
	ds, err := h.opts.Webhooks.Deliveries(r.Context(), strings.TrimSpace(q.Get("receiver")), q.Get("failed") == "1" || q.Get("failed") == "true", limit)
	if ds == nil {
		ds = []api.Delivery{}
	}
	return 0, ds, err
}

func (h *Handler) apiRedeliver(r *http.Request, who auth.Identity) (int, api.Redelivery, error) {
	if err := requireAdminAPI(who, "a redelivery"); err != nil {
		return 0, api.Redelivery{}, err
	}
	if h.opts.Webhooks == nil {
		return 0, api.Redelivery{}, errWebhooksOff
	}
	id := r.PathValue("id")
	if err := h.opts.Webhooks.Redeliver(r.Context(), id); err != nil {
		return 0, api.Redelivery{}, err
	}
	return http.StatusAccepted, api.Redelivery{ID: id, Status: "redeliver"}, nil
}

func requireAdminAPI(who auth.Identity, what string) error {
	if !who.Admin {
		return fmt.Errorf("%w: %s needs an administrator", auth.ErrForbidden, what)
	}
	return nil
}

// webhooksData is the admin page of deliveries.
type webhooksData struct {
	Receiver   string
	Failed     bool
	Deliveries []api.Delivery
	Off        bool
}

func (h *Handler) adminWebhooks(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := requireAdminPage(v); err != nil {
		return err
	}
	q := r.URL.Query()
	d := webhooksData{Receiver: strings.TrimSpace(q.Get("receiver")), Failed: q.Get("failed") == "1", Off: h.opts.Webhooks == nil}
	msg, status := "", http.StatusOK
	if !d.Off {
		ds, err := h.opts.Webhooks.Deliveries(r.Context(), d.Receiver, d.Failed, 200)
		if err != nil {
			msg, status = friendly(err), pageStatus(err)
		}
		d.Deliveries = ds
	}
	vw := v.view("Webhook deliveries", "webhooks", d)
	vw.Error = msg
	h.render(w, status, "admin_webhooks", vw)
	return nil
}

func (h *Handler) adminRedeliver(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := requireAdminPage(v); err != nil {
		return err
	}
	if h.opts.Webhooks == nil {
		return errWebhooksOff
	}
	if err := h.opts.Webhooks.Redeliver(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	seeOther(w, r, "/admin/webhooks", "queued for redelivery")
	return nil
}
