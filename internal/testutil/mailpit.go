package testutil

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Mailpit is a Mailpit server started for a test: SMTP with STARTTLS
// required and AUTH checked against one user, and its HTTP API.
type Mailpit struct {
	// SMTPPort is its SMTP port on 127.0.0.1; API the base of its HTTP
	// API; Roots trusts its certificate (for 127.0.0.1).
	SMTPPort int
	API      string
	Roots    *x509.CertPool
	// CertFile is its certificate, PEM (a CA file for clients).
	CertFile string
}

// MailpitUser and MailpitPassword are the one login Mailpit accepts.
const MailpitUser, MailpitPassword = "doctales", "s3cret-pw"

// StartMailpit runs Mailpit ($MAILPIT, or mailpit on the PATH, or
// ~/go/bin/mailpit) on free ports of 127.0.0.1. Without it the test skips,
// saying how to get it, and fails under CI=true.
func StartMailpit(t testing.TB) *Mailpit {
	t.Helper()
	bin := os.Getenv("MAILPIT")
	if bin == "" {
		if p, err := exec.LookPath("mailpit"); err == nil {
			bin = p
		} else if home, _ := os.UserHomeDir(); home != "" {
			if p := filepath.Join(home, "go", "bin", "mailpit"); fileExists(p) {
				bin = p
			}
		}
	}
	if bin == "" {
		msg := "mailpit not found; install it with: go install github.com/axllent/mailpit@v1.33.1 (or set $MAILPIT)"
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true: " + msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	certFile, keyFile, roots := selfSigned(t, dir)
	authFile := filepath.Join(dir, "auth")
	if err := os.WriteFile(authFile, []byte(MailpitUser+":"+MailpitPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	smtpPort, httpPort := mustFreePort(t), mustFreePort(t)
	cmd := exec.Command(bin,
		"--smtp", fmt.Sprintf("127.0.0.1:%d", smtpPort), "--listen", fmt.Sprintf("127.0.0.1:%d", httpPort),
		"--database", filepath.Join(dir, "mailpit.db"),
		"--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, "--smtp-require-starttls",
		"--smtp-auth-file", authFile, "--smtp-disable-rdns")
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	m := &Mailpit{SMTPPort: smtpPort, API: fmt.Sprintf("http://127.0.0.1:%d/api/v1", httpPort), Roots: roots, CertFile: certFile}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(m.API + "/messages")
		if err == nil {
			resp.Body.Close()
			if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", smtpPort)); err == nil {
				c.Close()
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit did not start: %v\n%s", err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// MailpitMessage is what a test reads of a stored message.
type MailpitMessage struct {
	ID      string `json:"ID"`
	Subject string `json:"Subject"`
	Text    string `json:"Text"`
	To      []struct {
		Address string `json:"Address"`
	} `json:"To"`
	MessageID string `json:"MessageID"`
}

// Messages returns the stored messages, waiting up to 10 s for n of them.
func (m *Mailpit) Messages(t testing.TB, n int) []MailpitMessage {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var list struct {
			Messages []MailpitMessage `json:"messages"`
		}
		getJSON(t, m.API+"/messages", &list)
		if len(list.Messages) >= n || time.Now().After(deadline) {
			out := make([]MailpitMessage, 0, len(list.Messages))
			for _, s := range list.Messages {
				var full MailpitMessage
				getJSON(t, m.API+"/message/"+s.ID, &full)
				out = append(out, full)
			}
			return out
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Headers returns the headers of stored message id.
func (m *Mailpit) Headers(t testing.TB, id string) map[string][]string {
	h := map[string][]string{}
	getJSON(t, m.API+"/message/"+id+"/headers", &h)
	return h
}

func getJSON(t testing.TB, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func mustFreePort(t testing.TB) int {
	p, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// selfSigned writes a certificate for 127.0.0.1 and its key into dir and
// returns their paths and a pool that trusts it.
func selfSigned(t testing.TB, dir string) (certFile, keyFile string, roots *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return certFile, keyFile, roots
}

// TLSConfig returns a client configuration that trusts m's certificate.
func (m *Mailpit) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: m.Roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}
