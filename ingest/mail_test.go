package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/ingest"
)

var fixedNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newParser() *ingest.Parser {
	return &ingest.Parser{Now: func() time.Time { return fixedNow }}
}

func TestParser_ParseMail(t *testing.T) {
	ctx := context.Background()
	p := newParser()

	t.Run("OK", func(t *testing.T) {
		res, err := p.ParseMail(ctx, []byte(sampleMail), ingest.Options{Project: "q3"})
		if err != nil {
			t.Fatal(err)
		}
		c := res.Communication
		if c.Type != "email" || c.Source != "email" || c.Project != "q3" {
			t.Errorf("type, source, project = %q, %q, %q", c.Type, c.Source, c.Project)
		}
		if c.Subject != "Réunion budget" {
			t.Errorf("subject = %q", c.Subject)
		}
		if c.Sender != "Ruiz, Ana" || c.SenderID != "ana@acme.example" {
			t.Errorf("sender = %q <%s>", c.Sender, c.SenderID)
		}
		if want := []string{"bo@example.com", "carla@example.com"}; !reflect.DeepEqual(c.Recipients, want) {
			t.Errorf("recipients = %q, want %q", c.Recipients, want)
		}
		if want := []string{"juergen@example.de"}; !reflect.DeepEqual(c.Cc, want) {
			t.Errorf("cc = %q", c.Cc)
		}
		if want := time.Date(2025, 6, 10, 13, 30, 0, 0, time.UTC); !c.Timestamp.Equal(want) {
			t.Errorf("timestamp = %s, want %s", c.Timestamp, want)
		}
		if !strings.Contains(c.Content, "la réunion est reportée") || strings.Contains(c.Content, "<p>") {
			t.Errorf("content = %q: want the Latin-1 text part in UTF-8", c.Content)
		}
		f := c.Fields
		for k, want := range map[string]any{
			"messageId": "abc.123@acme.example", "inReplyTo": "parent@acme.example",
			"threadId": "root@acme.example", "listId": "Finance team <finance.acme.example>",
			"x-priority": "1 (Highest)", "importance": "High", "charset": "iso-8859-1", "hasHtml": true,
		} {
			if f[k] != want {
				t.Errorf("fields[%q] = %#v, want %#v", k, f[k], want)
			}
		}
		if refs := f["references"]; !reflect.DeepEqual(refs, []string{"root@acme.example", "parent@acme.example"}) {
			t.Errorf("references = %#v", refs)
		}
		to, _ := json.Marshal(f["to"])
		if string(to) != `[{"email":"bo@example.com","name":"Bo Lind"},{"email":"carla@example.com"}]` {
			t.Errorf("fields.to = %s", to)
		}
		cc, _ := json.Marshal(f["cc"])
		if string(cc) != `[{"email":"juergen@example.de","name":"Jürgen"}]` {
			t.Errorf("fields.cc = %s (the encoded word must be decoded)", cc)
		}
		if rt, _ := json.Marshal(f["replyTo"]); string(rt) != `[{"email":"finance@acme.example","name":"Finance"}]` {
			t.Errorf("fields.replyTo = %s", rt)
		}
		// A priority header is kept as evidence, never as the sender's
		// urgency: spam sets it freely.
		if c.Metadata.Urgency != "" || c.Metadata.SenderUrgency != "" {
			t.Errorf("metadata = %+v: a priority header must not set urgency", c.Metadata)
		}

		// The original bytes and the attachment are stored beside the
		// communication; the attachment's name cannot escape its folder.
		prefix := strings.TrimSuffix(doctales.ObjectKey(c), ".json")
		if len(res.Objects) != 2 {
			t.Fatalf("objects = %d, want the raw message and one attachment", len(res.Objects))
		}
		if o := res.Objects[0]; o.Key != prefix+".eml" || string(o.Data) != sampleMail || o.ContentType != "message/rfc822" {
			t.Errorf("raw object = %q %q (%d bytes)", o.Key, o.ContentType, len(o.Data))
		}
		a := res.Objects[1]
		if a.Key != prefix+"/attachments/1-passwd_report.pdf" || !strings.HasPrefix(string(a.Data), "%PDF-1.4") {
			t.Errorf("attachment object = %q %q", a.Key, a.Data)
		}
		if len(c.Attachments) != 1 || c.Attachments[0].Name != "../../etc/passwd report.pdf" ||
			c.Attachments[0].Type != "application/pdf" || c.Attachments[0].Size != int64(len(a.Data)) {
			t.Errorf("attachments = %+v", c.Attachments)
		}
		if c.RequestHash == "" || res.VariantID == "" || res.VariantID == c.ID {
			t.Errorf("request hash %q, variant id %q", c.RequestHash, res.VariantID)
		}
	})

	t.Run("SameMessageSameID", func(t *testing.T) {
		a, err := p.ParseMail(ctx, []byte(sampleMail), ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := p.ParseMail(ctx, []byte(sampleMail), ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if a.Communication.ID != b.Communication.ID || a.Communication.RequestHash != b.Communication.RequestHash {
			t.Errorf("ids %q, %q: the same message must get the same id and hash", a.Communication.ID, b.Communication.ID)
		}
		other, _ := p.ParseMail(ctx, []byte(sampleMail), ingest.Options{Project: "other"})
		if other.Communication.ID == a.Communication.ID {
			t.Error("the same message in another project must get another id")
		}
		// Another delivery of the same message (more trace headers) is
		// the same request.
		redelivered := strings.Replace(sampleMail, "Return-Path:", "Received: from relay.example by mx.example; Tue, 10 Jun 2025 15:31:00 +0200\r\nReturn-Path:", 1)
		r, err := p.ParseMail(ctx, []byte(redelivered), ingest.Options{})
		if err != nil || r.Communication.ID != a.Communication.ID || r.Communication.RequestHash != a.Communication.RequestHash {
			t.Errorf("a second delivery must have the same id and hash (%v)", err)
		}
		// Another message reusing the Message-ID has the same id, another
		// hash, and a variant id to be stored under.
		other2, _ := p.ParseMail(ctx, []byte(strings.Replace(sampleMail, "by Friday", "by Monday", 1)), ingest.Options{})
		oc := other2.Communication
		if oc.ID != a.Communication.ID || oc.RequestHash == a.Communication.RequestHash || other2.VariantID == a.VariantID {
			t.Errorf("a different message with the same Message-ID: id %q hash %q variant %q", oc.ID, oc.RequestHash, other2.VariantID)
		}
		v := other2.As(other2.VariantID)
		if v.Communication.ID != other2.VariantID || v.Communication.Fields["variantOf"] != oc.ID ||
			!strings.HasPrefix(v.Objects[0].Key, strings.TrimSuffix(doctales.ObjectKey(v.Communication), ".json")) ||
			v.Communication.Fields["rawKey"] != v.Objects[0].Key || oc.Fields["rawKey"] == v.Objects[0].Key {
			t.Errorf("variant: %q %v %q", v.Communication.ID, v.Communication.Fields["rawKey"], v.Objects[0].Key)
		}
		// Without a Message-ID the id comes from the content.
		noID := strings.Replace(sampleMail, "Message-ID: <abc.123@acme.example>\r\n", "", 1)
		c1, _ := p.ParseMail(ctx, []byte(noID), ingest.Options{})
		c2, _ := p.ParseMail(ctx, []byte(strings.Replace(noID, "by Friday", "by Monday", 1)), ingest.Options{})
		if c1.Communication.ID == c2.Communication.ID || c1.Communication.ID == a.Communication.ID || c1.VariantID != "" {
			t.Error("messages without Message-ID must get ids from their content")
		}
	})

	t.Run("HTMLOnly", func(t *testing.T) {
		res, err := p.ParseMail(ctx, []byte(htmlOnlyMail), ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		c := res.Communication
		want := "Big sale\n\nSave 50% today only.\n\n- Shoes\n- Hats"
		if c.Content != want {
			t.Errorf("content = %q, want %q", c.Content, want)
		}
		if c.Fields["bodyFromHtml"] != true {
			t.Error("bodyFromHtml not set")
		}
		// No Date: the time of import, said so.
		if !c.Timestamp.Equal(fixedNow) || c.Fields["dateSource"] != "import" {
			t.Errorf("timestamp %s from %v", c.Timestamp, c.Fields["dateSource"])
		}
	})

	t.Run("BrokenAddressesAndDates", func(t *testing.T) {
		msg := "From: Weird Sender <weird@example.com\nTo: ,,, a@b.example;\n" +
			"Date: Thursday, 22 August 2002 (whenever)\n" +
			"Received: from x by y; Thu, 22 Aug 2002 12:36:23 +0100\nSubject: hi\n\nbody\n"
		res, err := p.ParseMail(ctx, []byte(msg), ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		c := res.Communication
		if c.SenderID != "weird@example.com" && c.Sender == "" {
			t.Errorf("sender = %q <%s>: a broken From must still name someone", c.Sender, c.SenderID)
		}
		if c.Fields["dateSource"] != "received" || c.Timestamp.Year() != 2002 {
			t.Errorf("timestamp %s from %v: want the Received stamp", c.Timestamp, c.Fields["dateSource"])
		}
	})

	t.Run("DateFromAWrongClock", func(t *testing.T) {
		// easy-ham-1 holds "Date: Wed, 04 Oct 2028" on a mail received
		// in 2002: it stood first in every newest-first list.
		msg := "From: a@example.com\nTo: b@example.com\nDate: Wed, 04 Oct 2028 12:05:01 -0400\n" +
			"Received: from x by y; Fri, 4 Oct 2002 17:10:02 +0100\nSubject: Re: ActiveBuddy\n\nbody\n"
		res, err := p.ParseMail(ctx, []byte(msg), ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if c := res.Communication; c.Fields["dateSource"] != "received" || c.Timestamp.Year() != 2002 {
			t.Errorf("timestamp %s from %v: want the Received stamp", c.Timestamp, c.Fields["dateSource"])
		}
		// A Date a few hours after its Received stamp (a zone written
		// wrongly) is still the Date.
		msg = strings.Replace(msg, "Wed, 04 Oct 2028 12:05:01 -0400", "Fri, 04 Oct 2002 20:05:01 +0000", 1)
		res, err = p.ParseMail(ctx, []byte(msg), ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if c := res.Communication; c.Fields["dateSource"] != "date" {
			t.Errorf("timestamp %s from %v: want the Date header", c.Timestamp, c.Fields["dateSource"])
		}
	})

	t.Run("ErrNotMail", func(t *testing.T) {
		for _, in := range []string{"", "   \n", "just some words\nand more\n", "\x00\x01\x02binary"} {
			_, err := p.ParseMail(ctx, []byte(in), ingest.Options{})
			if code := doctales.ErrorCode(err); code != doctales.EINVALID {
				t.Errorf("%q: code %q (%v), want invalid", in, code, err)
			}
		}
	})
}

// TestParser_Limits crosses each limit once and checks the error names it.
func TestParser_Limits(t *testing.T) {
	ctx := context.Background()
	multipart := func(parts int, size int) string {
		var b strings.Builder
		b.WriteString("From: a@example.com\nSubject: x\nContent-Type: multipart/mixed; boundary=b\n\n")
		for i := 0; i < parts; i++ {
			fmt.Fprintf(&b, "--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=f%d.bin\n\n%s\n", i, strings.Repeat("x", size))
		}
		b.WriteString("--b--\n")
		return b.String()
	}
	nested := func(depth int) string {
		var b strings.Builder
		b.WriteString("From: a@example.com\nSubject: x\nContent-Type: multipart/mixed; boundary=b0\n\n")
		for i := 1; i <= depth; i++ {
			fmt.Fprintf(&b, "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n", i-1, i)
		}
		fmt.Fprintf(&b, "--b%d\nContent-Type: text/plain\n\nhello\n", depth)
		for i := depth; i >= 0; i-- {
			fmt.Fprintf(&b, "--b%d--\n", i)
		}
		return b.String()
	}
	tests := []struct {
		name   string
		p      ingest.Parser
		msg    string
		code   string
		substr string
	}{
		{"MessageSize", ingest.Parser{MaxMessageBytes: 100}, multipart(1, 200), doctales.ETOOLARGE, "the limit is 100 bytes"},
		{"AttachmentCount", ingest.Parser{MaxAttachments: 3}, multipart(4, 1), doctales.ETOOLARGE, "4 attachments; the limit is 3"},
		{"AttachmentSize", ingest.Parser{MaxAttachmentBytes: 10}, multipart(1, 11), doctales.ETOOLARGE, "is 11 bytes; the limit is 10 bytes"},
		{"Parts", ingest.Parser{MaxParts: 3}, multipart(3, 1), doctales.ETOOLARGE, "4 MIME parts; the limit is 3"},
		{"Depth", ingest.Parser{MaxPartDepth: 5}, nested(6), doctales.ETOOLARGE, "7 levels deep; the limit is 5"},
		{"Boundaries", ingest.Parser{MaxParts: 5}, nested(6), doctales.ETOOLARGE, "multipart boundaries; the limit is 5 MIME parts"},
		{"Time", ingest.Parser{Timeout: time.Microsecond}, multipart(50, 100_000), doctales.ETOOLARGE, "to parse; the limit is 1µs"},
		{"WithinLimits", ingest.Parser{MaxAttachments: 4, MaxParts: 10, MaxPartDepth: 7}, nested(6), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.p.ParseMail(ctx, []byte(tt.msg), ingest.Options{})
			if doctales.ErrorCode(err) != tt.code || (tt.code != "" && !strings.Contains(doctales.ErrorMessage(err), tt.substr)) {
				t.Fatalf("error %v, want code %q with %q", err, tt.code, tt.substr)
			}
		})
	}
}

// TestParser_MailHashIgnoresTrailingNewlines: the same message as a file
// and as read from an mbox (one more newline at the end, or CRLF line
// endings) has one identity, so importing both stores it once (issue 15).
func TestParser_MailHashIgnoresTrailingNewlines(t *testing.T) {
	p := &ingest.Parser{}
	base := "From: Ann <ann@example.com>\nTo: bob@example.com\nSubject: Lunch\nMessage-ID: <l-1@example.com>\nDate: Mon, 02 Jun 2025 10:00:00 +0000\n\nLunch at noon?\nAnn"
	hash := func(raw string) string {
		t.Helper()
		res, err := p.ParseMail(context.Background(), []byte(raw), ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return res.Communication.RequestHash
	}
	want := hash(base)
	for name, raw := range map[string]string{
		"TrailingNewline": base + "\n",
		"TwoNewlines":     base + "\n\n",
		"CRLF":            strings.ReplaceAll(base, "\n", "\r\n") + "\r\n",
	} {
		if got := hash(raw); got != want {
			t.Errorf("%s: hash %s, want %s as without it", name, got, want)
		}
	}
	if got := hash(strings.Replace(base, "Lunch at noon?", "Lunch at one?", 1)); got == want {
		t.Error("a different body has the same hash")
	}
}

// TestParser_CalendarPart: the start and method of an invitation's
// text/calendar part (base64, Outlook's Windows zone name) are kept in
// Fields for the extraction engine; a part that does not parse is named in
// parseWarnings and the mail is still accepted.
func TestParser_CalendarPart(t *testing.T) {
	raw, err := os.ReadFile("../extract/testdata/invite/outlook-request.eml")
	if err != nil {
		t.Fatal(err)
	}
	p := &ingest.Parser{}
	res, err := p.ParseMail(context.Background(), raw, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := res.Communication.Fields
	if f["calendarStart"] != "2026-12-10T14:00:00+01:00" || f["calendarMethod"] != "REQUEST" {
		t.Fatalf("calendarStart %v calendarMethod %v, want 2026-12-10T14:00:00+01:00 REQUEST", f["calendarStart"], f["calendarMethod"])
	}

	broken := "From: Ann <ann@example.com>\nTo: bob@example.com\nSubject: Invitation: sync\nDate: Mon, 02 Jun 2025 10:00:00 +0000\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\nJoin us.\n--b\nContent-Type: text/calendar; method=REQUEST\n\nBEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n--b--\n"
	res, err = p.ParseMail(context.Background(), []byte(broken), ingest.Options{})
	if err != nil {
		t.Fatalf("a calendar part that does not parse refused the mail: %v", err)
	}
	if _, ok := res.Communication.Fields["calendarStart"]; ok {
		t.Fatal("calendarStart set from a calendar without an event")
	}
	warns, _ := res.Communication.Fields["parseWarnings"].([]string)
	if len(warns) == 0 || !strings.Contains(strings.Join(warns, "|"), "invite:") {
		t.Fatalf("parseWarnings = %v, want the calendar part named", warns)
	}
}

// TestParser_UnquotedCommaInDisplayName: "Lang, Petra <petra@…>" without
// quotes (as some clients write it) names one sender, not "Lang" without
// an address, and "Weber, Tobias <…>, Ann <…>" two recipients.
func TestParser_UnquotedCommaInDisplayName(t *testing.T) {
	raw := "From: Lang, Petra <petra.lang@hausmann.example>\nTo: Weber, Tobias <tobias.weber@hausmann.example>, Ann Lee <ann@hausmann.example>\n" +
		"Subject: AW: Q4\nDate: Thu, 10 Dec 2026 11:45:30 +0100\n\nPasst.\n"
	res, err := (&ingest.Parser{}).ParseMail(context.Background(), []byte(raw), ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Communication
	if c.SenderID != "petra.lang@hausmann.example" || c.Sender != "Lang, Petra" {
		t.Errorf("sender = %q <%s>, want \"Lang, Petra\" <petra.lang@hausmann.example>", c.Sender, c.SenderID)
	}
	if want := []string{"tobias.weber@hausmann.example", "ann@hausmann.example"}; strings.Join(c.Recipients, " ") != strings.Join(want, " ") {
		t.Errorf("recipients = %q, want %q", c.Recipients, want)
	}
}

// TestParser_UndeclaredUTF8 checks that a body in UTF-8 whose message
// declares no charset, or US-ASCII, keeps its letters (the MIME parser
// reads such a part as Windows-1252), while a body really in Windows-1252
// is still read as Windows-1252.
func TestParser_UndeclaredUTF8(t *testing.T) {
	ctx := context.Background()
	p := newParser()
	head := "From: Ana <ana@acme.example>\r\nTo: Bruno <bruno@acme.example>\r\nSubject: amostra\r\nDate: Wed, 09 Dec 2026 15:00:00 -0300\r\n"
	for _, tc := range []struct {
		name, headers, body, want string
	}{
		{"NoMIMEHeaders", "", "Consegue descer às 15h? Ángel já está aqui, Łódź, ā, ő.", "Consegue descer às 15h? Ángel já está aqui, Łódź, ā, ő."},
		{"DeclaredASCII", "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n", "Café à 14h, s'il te plaît.", "Café à 14h, s'il te plaît."},
		{"HTMLOnly", "MIME-Version: 1.0\r\nContent-Type: text/html\r\n", "<p>Können Sie bis 16 Uhr antworten?</p>", "Können Sie bis 16 Uhr antworten?"},
		{"RealWindows1252", "", "Caf\xe9 \xe0 14h, d\xe9j\xe0 \x93vu\x94.", "Café à 14h, déjà “vu”."},
		{"DeclaredLatin1", "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n", "Caf\xc3\xa9", "CafÃ©"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := p.ParseMail(ctx, []byte(head+tc.headers+"\r\n"+tc.body+"\r\n"), ingest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(res.Communication.Content); got != tc.want {
				t.Errorf("content = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestParser_LineEndings: the content's lines end with "\n" whatever the
// message used (CRLF as sent over SMTP, CR alone), so that a blank line
// is "\n\n" to the extraction engine (blind-47, 2292: a CRLF message was
// one paragraph, and an ask addressed to someone else became the
// reader's).
func TestParser_LineEndings(t *testing.T) {
	ctx := context.Background()
	p := newParser()
	head := "From: Marta <marta@acme.example>\nTo: Lucia <lucia@acme.example>\nSubject: Muestras\nDate: Mon, 07 Dec 2026 09:30:41 +0100\n"
	want := "Carlos, ¿puedes enviarlas?\n\nLucía, tú no tienes que hacer nada.\n\nMarta"
	for name, eol := range map[string]string{"LF": "\n", "CRLF": "\r\n", "CR": "\r"} {
		t.Run(name, func(t *testing.T) {
			raw := strings.ReplaceAll(head, "\n", "\r\n") + "\r\n" + strings.ReplaceAll(want, "\n", eol) + eol
			if name == "LF" {
				raw = head + "\n" + want + "\n"
			}
			res, err := p.ParseMail(ctx, []byte(raw), ingest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Communication.Content; got != want {
				t.Errorf("content = %q, want %q", got, want)
			}
		})
	}
}
