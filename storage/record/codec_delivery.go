package record

import (
	"encoding/binary"

	"github.com/jitgit/jitgit/storage"
)

// encodeDelivery returns dl as a codecDelivery value:
//
//	Receiver                      string
//	Seq                           uvarint
//	Action, Status                string
//	Attempts                      varint
//	First, Last, Delivered        time
//	Code                          varint
//	Error                         string
func encodeDelivery(dl *storage.Delivery) ([]byte, error) {
	b := appendString([]byte{codecDelivery}, dl.Receiver)
	b = binary.AppendUvarint(b, dl.Seq)
	b = appendString(b, dl.Action)
	b = appendString(b, string(dl.Status))
	b = binary.AppendVarint(b, int64(dl.Attempts))
	b, err := appendTimes(b, "delivery", dl.Receiver, dl.First, dl.Last, dl.Delivered)
	if err != nil {
		return nil, err
	}
	b = binary.AppendVarint(b, int64(dl.Code))
	return appendString(b, dl.Error), nil
}

func decodeDelivery(b []byte, dl *storage.Delivery) error {
	d := binDecoder{s: string(b)}
	dl.Receiver = d.string()
	dl.Seq = d.uvarint()
	dl.Action = d.string()
	dl.Status = storage.DeliveryStatus(d.string())
	dl.Attempts = d.int()
	dl.First = d.time()
	dl.Last = d.time()
	dl.Delivered = d.time()
	dl.Code = d.int()
	dl.Error = d.string()
	return d.finish()
}

func decodeCursor(b []byte, c *Cursor) error {
	d := binDecoder{s: string(b)}
	c.Seq = d.uvarint()
	return d.finish()
}
