package extract

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/invite"
)

// MaxMailBodyBytes bounds the body ParseMail reads from one message.
const MaxMailBodyBytes = 1 << 20

// ParseMail turns a raw RFC 5322 message into a communication, minimally:
// headers with net/mail (From, To, Cc, Subject, Date, priority headers into
// Fields), the first text/plain part of a multipart body; transfer
// encodings are left as they are. It serves the command line and the
// evaluation harness; the ingestion path has its own MIME parser. A message
// whose header cannot be read is an EINVALID error.
func ParseMail(raw []byte) (*doctales.Communication, error) {
	// An mbox "From " line is not a header.
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		}
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, doctales.Errorf(doctales.EINVALID, "Message header is malformed: %v.", err)
	}
	h := m.Header
	dec := new(mime.WordDecoder)
	decode := func(s string) string {
		if d, err := dec.DecodeHeader(s); err == nil {
			return d
		}
		return s
	}
	c := &doctales.Communication{Type: doctales.TypeEmail, Source: "email", Subject: decode(h.Get("Subject")), Fields: map[string]any{}}
	if t, err := h.Date(); err == nil {
		c.Timestamp = t
	}
	if from, err := mail.ParseAddress(h.Get("From")); err == nil {
		c.Sender, c.SenderID = from.Name, from.Address
	} else {
		c.Sender = decode(h.Get("From"))
	}
	addrs := func(key string) []string {
		var out []string
		if l, err := h.AddressList(key); err == nil {
			for _, a := range l {
				out = append(out, a.String())
			}
		}
		return out
	}
	c.Recipients, c.Cc = addrs("To"), addrs("Cc")
	for _, k := range []string{"X-Priority", "Importance", "X-MSMail-Priority"} {
		if v := h.Get(k); v != "" {
			c.Fields[k] = v
		}
	}
	body, _ := io.ReadAll(io.LimitReader(m.Body, MaxMailBodyBytes))
	mt, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if strings.HasPrefix(mt, "multipart/") && params["boundary"] != "" {
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			switch {
			case (pt == "" || pt == "text/plain") && c.Content == "":
				b, _ := io.ReadAll(io.LimitReader(p, MaxMailBodyBytes))
				c.Content = string(b)
			case pt == "text/calendar" || strings.HasSuffix(strings.ToLower(p.FileName()), ".ics"):
				// The invitation's start, as the ingestion parser reads it.
				var r io.Reader = p
				if strings.EqualFold(strings.TrimSpace(p.Header.Get("Content-Transfer-Encoding")), "base64") {
					r = base64.NewDecoder(base64.StdEncoding, p) // (it skips line breaks)
				}
				b, _ := io.ReadAll(io.LimitReader(r, invite.MaxBytes+1))
				if inv, err := invite.Parse(b, c.Timestamp.Location()); err == nil {
					c.Fields["calendarStart"] = inv.Start.Format(time.RFC3339)
					if inv.Method != "" {
						c.Fields["calendarMethod"] = inv.Method
					}
					if inv.AllDay {
						c.Fields["calendarAllDay"] = true
					}
				}
			}
		}
	} else {
		c.Content = string(body)
	}
	return c, nil
}
