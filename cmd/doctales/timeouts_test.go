package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// shortTimeouts writes a configuration with time-outs short enough to
// cross in a test.
func shortTimeouts(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doctales.yaml")
	body := "readHeaderTimeout: 500ms\nreadTimeout: 1s\nidleTimeout: 1s\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// closedWithin reads c until the server closes it and returns how long
// that took and what was read; it fails the test if c stays open past
// limit.
func closedWithin(t *testing.T, c net.Conn, limit time.Duration) (time.Duration, string) {
	t.Helper()
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(limit))
	got, err := io.ReadAll(c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("connection still open after %s; read %q", limit, got)
	}
	return time.Since(start), string(got)
}

// TestServerTimeouts crosses each time-out of the HTTP server (issue 10:
// slow request bodies were held open for ever): stalled headers, a stalled
// JSON body, a trickled raw upload and an idle keep-alive connection are
// all closed, while a raw upload slower than ReadTimeout but faster than
// the minimum upload rate is accepted and the live stream outlives
// ReadTimeout.
func TestServerTimeouts(t *testing.T) {
	m := MustRunMain(t, nil, "--config", shortTimeouts(t))
	addr := strings.TrimPrefix(m.URL(), "http://")
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	t.Run("StalledHeaders", func(t *testing.T) {
		c := dial()
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n")
		if d, _ := closedWithin(t, c, 3*time.Second); d > 2*time.Second {
			t.Fatalf("closed after %s; readHeaderTimeout is 500ms", d)
		}
	})

	t.Run("StalledBody", func(t *testing.T) {
		c := dial()
		fmt.Fprintf(c, "POST /communications HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"body\":")
		d, got := closedWithin(t, c, 4*time.Second)
		if d > 3*time.Second {
			t.Fatalf("closed after %s; readTimeout is 1s", d)
		}
		if strings.Contains(got, " 500 ") {
			t.Fatalf("a stalled body answered 500: %q", got)
		}
	})

	t.Run("TrickledUpload", func(t *testing.T) {
		// 100 kB declared: the deadline is 1s + 100 kB at 128 KiB/s, about
		// 1.8s; one byte every 50ms would take 80 minutes.
		c := dial()
		fmt.Fprintf(c, "POST /communications?name=slow.pdf HTTP/1.1\r\nHost: x\r\nContent-Type: application/pdf\r\nContent-Length: 100000\r\n\r\n%%PDF-1.7\n")
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; i < 200; i++ {
				if _, err := c.Write([]byte{' '}); err != nil {
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
		d, got := closedWithin(t, c, 6*time.Second)
		if d > 4*time.Second {
			t.Fatalf("closed after %s; want about 1.8s", d)
		}
		if strings.Contains(got, " 500 ") {
			t.Fatalf("a trickled upload answered 500: %q", got)
		}
		c.Close()
		<-done
	})

	t.Run("IdleKeepAlive", func(t *testing.T) {
		c := dial()
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		start := time.Now()
		_ = c.SetReadDeadline(start.Add(4 * time.Second))
		if _, err := br.ReadByte(); err != io.EOF {
			t.Fatalf("idle connection: read %v after %s, want EOF", err, time.Since(start))
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("idle connection closed after %s; idleTimeout is 1s", d)
		}
	})

	t.Run("SlowUploadFits", func(t *testing.T) {
		// 4 MiB in 2s: twice the ReadTimeout, far above the minimum rate.
		doc := makeDOCX(t, 4<<20)
		pr, pw := io.Pipe()
		go func() {
			const chunks = 20
			n := len(doc) / chunks
			for i := 0; i < chunks; i++ {
				end := (i + 1) * n
				if i == chunks-1 {
					end = len(doc)
				}
				if _, err := pw.Write(doc[i*n : end]); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
			pw.Close()
		}()
		req, _ := http.NewRequest("POST", m.URL()+"/communications?name=slow.docx", pr)
		req.ContentLength = int64(len(doc))
		req.Header.Set("Content-Type", docxType)
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("slow upload of %d bytes in %s: %d %s", len(doc), time.Since(start), resp.StatusCode, body)
		}
	})

	t.Run("StreamOutlivesReadTimeout", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", m.URL()+"/notifications/stream?events=notification", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		lines := make(chan string, 16)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		time.Sleep(2500 * time.Millisecond) // past ReadTimeout and IdleTimeout
		if code, out := post(t, m.URL(), urgentEmail); code != http.StatusAccepted {
			t.Fatalf("POST = %d %v", code, out)
		}
		deadline := time.After(10 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatal("the stream ended: ReadTimeout cut it")
				}
				if strings.HasPrefix(l, "data: ") && bytes.Contains([]byte(l), []byte("Wire transfer")) {
					return
				}
			case <-deadline:
				t.Fatal("no notification on the stream after ReadTimeout")
			}
		}
	})
}
