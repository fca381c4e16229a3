package eval

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"time"

	"github.com/doctales/doctales"
)

// maxMailBytes bounds the body read from one message in the harness.
const maxMailBytes = 1 << 20

// parseMail turns a raw RFC 5322 message into a communication, minimally:
// headers with net/mail, the first text/plain part of a multipart body,
// quoted-printable and base64 left as they are. It is a harness helper,
// not the project's mail parser.
func parseMail(raw []byte) (*doctales.Communication, error) {
	// An mbox "From " line is not a header.
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		}
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, err
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
	} else {
		c.Timestamp = time.Date(2002, 8, 22, 12, 0, 0, 0, time.UTC)
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
	body, _ := io.ReadAll(io.LimitReader(m.Body, maxMailBytes))
	mt, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if strings.HasPrefix(mt, "multipart/") && params["boundary"] != "" {
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			if pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); pt == "" || pt == "text/plain" {
				b, _ := io.ReadAll(io.LimitReader(p, maxMailBytes))
				c.Content = string(b)
				break
			}
		}
	} else {
		c.Content = string(body)
	}
	return c, nil
}
