package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/doctales/doctales"
	gomail "github.com/wneessen/go-mail"
)

// DefaultEmailTimeout bounds one e-mail delivery, from connecting to the
// server's answer to the message.
const DefaultEmailTimeout = 30 * time.Second

// SMTP transport security of an [Email] channel.
const (
	// SMTPStartTLSRequired upgrades the connection with STARTTLS and
	// refuses a server that does not offer it (the default).
	SMTPStartTLSRequired = "required"
	// SMTPStartTLSOpportunistic upgrades when the server offers STARTTLS
	// and sends in clear text when it does not.
	SMTPStartTLSOpportunistic = "opportunistic"
	// SMTPTLS speaks TLS from the first byte (implicit TLS, port 465).
	SMTPTLS = "tls"
	// SMTPPlain never encrypts: only for a relay on the same host.
	SMTPPlain = "none"
)

// Email delivers notifications as e-mail over SMTP: SNS's "email"
// protocol, with the message a person would want to read. Each
// notification becomes one message with
//   - the notification's subject ("High Priority: …");
//   - the reason in words and the evidence, as the notification body says
//     them, with the deadline written in the person's time zone;
//   - a link that opens the communication in the dashboard;
//   - a Message-ID made from the notification's MessageId, so that a
//     retried delivery is recognisably the same message;
//   - List-Unsubscribe (RFC 2369) when Unsubscribe is set.
//
// Deliver is safe for concurrent use.
type Email struct {
	// Host and Port of the SMTP server; Port 0 means 587 (465 with
	// TLS "tls", 25 with "none").
	Host string
	Port int
	// Username and Password authenticate (SMTP AUTH PLAIN or LOGIN, the
	// best the server offers); empty Username sends without AUTH.
	Username string
	Password doctales.Secret
	// TLS is one of SMTPStartTLSRequired (default),
	// SMTPStartTLSOpportunistic, SMTPTLS, SMTPPlain.
	TLS string
	// From is the sender, "Doc-Tales <doctales@example.com>".
	From string
	// To is the person's address.
	To string
	// User, when set, limits the channel to that user's notifications
	// (the message's userId attribute).
	User string
	// DashboardURL is the base URL of the dashboard the link points to,
	// "http://127.0.0.1:8080/"; empty leaves the link out.
	DashboardURL string
	// Unsubscribe is the List-Unsubscribe target: a mailto: or https: URL.
	Unsubscribe string
	// AckKey, if set with DashboardURL, adds to each e-mail an ack link,
	// DashboardURL + "communications/<id>/ack?token=" + AckToken: one
	// click acknowledges the communication, which stops its escalation.
	AckKey []byte
	// Location is the person's time zone for the deadline; nil is UTC.
	Location *time.Location
	// Timeout bounds one delivery; 0 means DefaultEmailTimeout.
	Timeout time.Duration
	// TLSConfig, when set, verifies the server (a private CA, for
	// example); nil verifies against the system's roots for Host.
	TLSConfig *tls.Config
}

// Validate checks the channel's settings, naming the first wrong one.
func (e *Email) Validate() error {
	switch {
	case e.Host == "":
		return errors.New("email: smtp host is empty")
	case e.Port < 0 || e.Port > 65535:
		return fmt.Errorf("email: smtp port %d is not between 1 and 65535", e.Port)
	}
	if _, err := mail.ParseAddress(e.From); err != nil {
		return fmt.Errorf("email: from %q is not an address: %w", e.From, err)
	}
	if _, err := mail.ParseAddress(e.To); err != nil {
		return fmt.Errorf("email: to %q is not an address: %w", e.To, err)
	}
	switch e.TLS {
	case "", SMTPStartTLSRequired, SMTPStartTLSOpportunistic, SMTPTLS, SMTPPlain:
	default:
		return fmt.Errorf("email: tls %q is not one of required, opportunistic, tls, none", e.TLS)
	}
	if e.DashboardURL != "" {
		if u, err := url.Parse(e.DashboardURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("email: dashboardUrl %q is not an http(s) URL", e.DashboardURL)
		}
	}
	if e.Unsubscribe != "" {
		if u, err := url.Parse(e.Unsubscribe); err != nil || (u.Scheme != "mailto" && u.Scheme != "https" && u.Scheme != "http") {
			return fmt.Errorf("email: unsubscribe %q is not a mailto: or http(s) URL", e.Unsubscribe)
		}
	}
	return nil
}

// LogValue names the channel in logs without its password.
func (e *Email) LogValue() slog.Value {
	return slog.GroupValue(slog.String("host", e.Host), slog.Int("port", e.port()), slog.String("to", e.To))
}

func (e *Email) port() int {
	switch {
	case e.Port != 0:
		return e.Port
	case e.TLS == SMTPTLS:
		return 465
	case e.TLS == SMTPPlain:
		return 25
	}
	return 587
}

// Deliver sends m. A message of another user than User is skipped. A
// refused address or message (an SMTP 5xx answer) is permanent: retrying
// it cannot succeed, so it is returned as a [PermanentError] for the
// subscription to dead-letter at once.
func (e *Email) Deliver(ctx context.Context, m *doctales.Message) error {
	if e.User != "" {
		if a, ok := m.MessageAttributes[AttrUserID]; ok && a.StringValue != e.User {
			return nil
		}
	}
	msg, err := e.Compose(m)
	if err != nil {
		return &PermanentError{Err: err}
	}
	opts := []gomail.Option{gomail.WithPort(e.port()), gomail.WithTimeout(e.timeout())}
	switch e.TLS {
	case SMTPStartTLSOpportunistic:
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.TLSOpportunistic))
	case SMTPTLS:
		opts = append(opts, gomail.WithSSL())
	case SMTPPlain:
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.TLSMandatory))
	}
	if e.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(e.TLSConfig))
	}
	if e.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(e.Username), gomail.WithPassword(string(e.Password)))
	}
	c, err := gomail.NewClient(e.Host, opts...)
	if err != nil {
		return &PermanentError{Err: fmt.Errorf("email: smtp client for %s:%d: %w", e.Host, e.port(), err)}
	}
	ctx, cancel := context.WithTimeout(ctx, e.timeout())
	defer cancel()
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		var se *gomail.SendError
		if errors.As(err, &se) && !se.IsTemp() && se.Reason != gomail.ErrSMTPMailFrom && se.Reason != gomail.ErrConnCheck && se.Reason != gomail.ErrGetSender {
			return &PermanentError{Err: fmt.Errorf("email: %s:%d refused the message to %s: %w", e.Host, e.port(), e.To, err)}
		}
		return fmt.Errorf("email: send to %s through %s:%d: %w", e.To, e.Host, e.port(), err)
	}
	return nil
}

// PermanentError is a delivery failure that retrying cannot fix: the
// runtime dead-letters it at once (runtime.PermanentError).
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string   { return e.Err.Error() }
func (e *PermanentError) Unwrap() error   { return e.Err }
func (e *PermanentError) Permanent() bool { return true }

func (e *Email) timeout() time.Duration {
	if e.Timeout > 0 {
		return e.Timeout
	}
	return DefaultEmailTimeout
}

// Compose builds the e-mail of notification m, without sending it.
func (e *Email) Compose(m *doctales.Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(e.From); err != nil {
		return nil, fmt.Errorf("email: from %q: %w", e.From, err)
	}
	if err := msg.To(e.To); err != nil {
		return nil, fmt.Errorf("email: to %q: %w", e.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetDateWithValue(m.Timestamp)
	msg.SetMessageIDWithValue(MessageIDHeader(m.MessageID, e.From))
	msg.SetGenHeader("X-Doctales-Message-Id", m.MessageID)
	if e.Unsubscribe != "" {
		msg.SetGenHeader("List-Unsubscribe", "<"+e.Unsubscribe+">")
	}
	msg.SetBodyString(gomail.TypeTextPlain, e.Body(m))
	return msg, nil
}

// MessageIDHeader returns the Message-ID header value of notification
// messageID sent from address from: "<messageID@domain-of-from>".
func MessageIDHeader(messageID, from string) string {
	domain := "doctales.invalid"
	if a, err := mail.ParseAddress(from); err == nil {
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 {
			domain = a.Address[i+1:]
		}
	}
	return messageID + "@" + domain
}

// Body returns the e-mail text of notification m: its body, with the
// deadline in the person's time zone and words, and a link to the
// communication.
func (e *Email) Body(m *doctales.Message) string {
	loc := e.Location
	if loc == nil {
		loc = time.UTC
	}
	lines := strings.Split(m.Message, "\n")
	for i, l := range lines {
		if v, ok := strings.CutPrefix(l, "Deadline: "); ok {
			if t, err := time.Parse(time.RFC3339, v); err == nil {
				lines[i] = "Deadline: " + t.In(loc).Format("Mon 2 Jan 2006, 15:04 MST")
			}
		}
	}
	body := strings.Join(lines, "\n")
	if link := e.Link(m); link != "" {
		body += "\n\nOpen it: " + link
	}
	if link := e.AckLink(m); link != "" {
		body += "\nAcknowledge it (stops reminders to other channels): " + link
	}
	if e.Unsubscribe != "" {
		body += "\n\nTo stop these e-mails: " + e.Unsubscribe
	}
	return body + "\n"
}

// Link returns the dashboard URL that opens the communication of m, or ""
// without a DashboardURL.
func (e *Email) Link(m *doctales.Message) string {
	id := m.MessageAttributes[AttrCommunicationID].StringValue
	if e.DashboardURL == "" || id == "" {
		return ""
	}
	return strings.TrimRight(e.DashboardURL, "/") + "/#/prioritizer?" + url.Values{"open": {id}}.Encode()
}

// AckLink returns the link that acknowledges the communication of m, or
// "" without AckKey or DashboardURL.
func (e *Email) AckLink(m *doctales.Message) string {
	id := m.MessageAttributes[AttrCommunicationID].StringValue
	if e.DashboardURL == "" || len(e.AckKey) == 0 || id == "" {
		return ""
	}
	return strings.TrimRight(e.DashboardURL, "/") + "/communications/" + url.PathEscape(id) + "/ack?" + url.Values{"token": {AckToken(e.AckKey, id)}}.Encode()
}
