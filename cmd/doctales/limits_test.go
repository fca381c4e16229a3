package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// docxType is the media type of a Word document.
const docxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

// makeDOCX returns a valid DOCX of about size bytes: word/document.xml,
// stored uncompressed, holds paragraphs of varied words, so the parser
// inflates and reads it all.
func makeDOCX(t testing.TB, size int) []byte {
	t.Helper()
	var xml bytes.Buffer
	xml.Grow(size + 4096)
	xml.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`)
	words := strings.Fields("the quarterly report shows revenue growth across every region please review the figures before friday meeting budget forecast")
	for i := 0; xml.Len() < size; i++ {
		fmt.Fprintf(&xml, "<w:p><w:r><w:t>%s %s paragraph %d of the long report.</w:t></w:r></w:p>", words[i%len(words)], words[(i*7)%len(words)], i)
	}
	xml.WriteString(`</w:body></w:document>`)

	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"word/document.xml", xml.String()},
	} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, f.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// procStatusBytes returns a "VmRSS"/"VmHWM" line of /proc/PID/status, in
// bytes.
func procStatusBytes(t testing.TB, pid int, key string) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("%s: %q: %v", key, line, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", key, pid)
	return 0
}

// TestMemoryBudget is issue 10's "32 concurrent 30 MB uploads stay under
// the configured memory budget": the real server, with a 256 MiB budget,
// gets 32 DOCX uploads of 30 MB at once. Its peak RSS (VmHWM) must stay
// under its baseline plus the budget plus a margin for the runtime's and
// the collector's slack, the excess must get 503 with Retry-After and the
// EOVERLOADED error naming the budget, and no other 5xx.
func TestMemoryBudget(t *testing.T) {
	if runtime.GOOS != "linux" {
		// CI runs on Linux: there a missing /proc is a failure, never a skip.
		if os.Getenv("CI") == "true" {
			t.Fatalf("TestMemoryBudget reads /proc/PID/status; CI must run it on Linux, not %s", runtime.GOOS)
		}
		t.Skip("reads peak RSS from /proc/PID/status, which only Linux has")
	}
	const (
		clients   = 32
		docBytes  = 30 << 20
		budget    = 256 << 20
		marginPct = 25 // of the budget: heap not yet collected, stacks, buffers
	)
	doc := makeDOCX(t, docBytes)
	// A 1 s wait instead of 2 s: several rounds of uploads pass through
	// the budget, and the excess is still refused on a machine that parses
	// 30 MB in 100 ms (at most 20 would pass).
	cfgFile := filepath.Join(t.TempDir(), "doctales.yaml")
	if err := os.WriteFile(cfgFile, []byte("parseMemoryWait: 1s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, t.TempDir(), "--max-parse-memory", strconv.Itoa(budget), "--config", cfgFile)
	pid := srv.cmd.Process.Pid

	// Baseline: the server after one small raw upload has run its code
	// paths once.
	small := makeDOCX(t, 64<<10)
	resp, err := http.Post(srv.url+"/communications?project=warmup&name=w.docx", docxType, bytes.NewReader(small))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("warm-up upload: %d", resp.StatusCode)
	}
	baseline := procStatusBytes(t, pid, "VmRSS")

	type answer struct {
		code       int
		retryAfter string
		body       map[string]any
		err        error
	}
	answers := make([]answer, clients)
	start := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 60 * time.Second}
	began := time.Now()
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			url := fmt.Sprintf("%s/communications?project=storm-%02d&name=report-%02d.docx", srv.url, i, i)
			resp, err := client.Post(url, docxType, bytes.NewReader(doc))
			if err != nil {
				answers[i].err = err
				return
			}
			defer resp.Body.Close()
			answers[i].code = resp.StatusCode
			answers[i].retryAfter = resp.Header.Get("Retry-After")
			_ = json.NewDecoder(resp.Body).Decode(&answers[i].body)
		}()
	}
	close(start)
	wg.Wait()
	elapsed := time.Since(began)
	peak := procStatusBytes(t, pid, "VmHWM")

	counts := map[int]int{}
	for i, a := range answers {
		switch {
		case a.err != nil:
			t.Errorf("upload %d: %v", i, a.err)
		case a.code == http.StatusServiceUnavailable:
			if a.retryAfter == "" || a.body["code"] != "overloaded" || !strings.Contains(fmt.Sprint(a.body["error"]), "maxParseMemory") {
				t.Errorf("upload %d: 503 with Retry-After %q, body %v; want Retry-After and code overloaded naming maxParseMemory", i, a.retryAfter, a.body)
			}
		case a.code >= 500:
			t.Errorf("upload %d: %d %v", i, a.code, a.body)
		}
		counts[a.code]++
	}
	limit := baseline + budget + budget*marginPct/100
	t.Logf("%d uploads of %d bytes in %s: answers %v; RSS baseline %d MiB, peak %d MiB, limit %d MiB (budget %d MiB + %d%%)",
		clients, len(doc), elapsed.Round(time.Millisecond), counts, baseline>>20, peak>>20, limit>>20, budget>>20, marginPct)
	if counts[http.StatusAccepted] == 0 {
		t.Errorf("no upload was accepted: %v", counts)
	}
	if counts[http.StatusServiceUnavailable] == 0 {
		t.Errorf("no upload got 503: the budget never refused one: %v", counts)
	}
	if peak > limit {
		t.Errorf("peak RSS %d MiB is over baseline %d MiB + budget %d MiB + %d%%", peak>>20, baseline>>20, budget>>20, marginPct)
	}

	// /stats counts what the budget did.
	var st struct {
		ParseMemory struct {
			SizeBytes, InUseBytes, PeakBytes, Admitted, Rejected int64
		}
	}
	getJSON(t, srv.url+"/stats", &st)
	pm := st.ParseMemory
	if pm.SizeBytes != budget || pm.InUseBytes != 0 || pm.PeakBytes > budget || pm.Rejected != int64(counts[http.StatusServiceUnavailable]) {
		t.Errorf("/stats parseMemory = %+v; want size %d, nothing in use, peak within it, %d rejected", pm, budget, counts[http.StatusServiceUnavailable])
	}
	// And /metrics.
	resp, err = http.Get(srv.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := fmt.Sprintf(`doctales_store_size{what="parse_memory_rejected"} %d`, counts[http.StatusServiceUnavailable])
	if !strings.Contains(string(metrics), want) {
		t.Errorf("/metrics has no %s", want)
	}
}
