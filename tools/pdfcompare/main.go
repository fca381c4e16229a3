// Command pdfcompare measures PDF text extractors against a reference:
// Doc-Tales' reader (github.com/ledongthuc/pdf with ingest's own text
// operator walk), ledongthuc's own GetPlainText, pdfcpu's content
// extraction, and poppler's pdftotext. It is a module of its own so that
// pdfcpu never enters Doc-Tales' go.mod. See docs/import.md, "PDF libraries".
//
//	cd tools/pdfcompare && go run . [-hostile] DIR...
//
// For each DIR it reads every *.pdf; the reference text is the file's
// source text beside it (NAME.txt) when there is one, else pdftotext's
// output. Each Go extractor runs in a sandbox worker (package sandbox,
// 512 MiB, 10 s), pdftotext under prlimit with the same limits, so a
// crash is counted, not fatal. Scores are word-level (lower-cased runs of
// letters and digits, as multisets): recall = shared / reference words,
// precision = shared / extracted words, summed over the files of a DIR.
// Time is the extraction alone, in the worker, per page (pdftotext's
// includes starting the process).
//
// With -hostile it also feeds the hostile corpus (internal/hostile) to
// each extractor and prints what became of each file.
package main

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/ledongthuc/pdf"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/doctales/doctales/ingest"
	"github.com/doctales/doctales/internal/hostile"
	"github.com/doctales/doctales/sandbox"
)

// result is what one extractor did with one file, in the worker.
type result struct {
	Text  string
	Pages int
	Took  time.Duration
}

// jobs are the Go extractors, run in the worker.
var jobs = map[string]sandbox.Handler{
	"doctales": func(in []byte) ([]byte, error) {
		start := time.Now()
		info, err := (&ingest.Parser{}).ExtractDocument(ingest.FormatPDF, in)
		if err != nil {
			return nil, err
		}
		return encode(result{Text: info.Text, Pages: info.Pages, Took: time.Since(start)})
	},
	"ledongthuc": func(in []byte) ([]byte, error) {
		start := time.Now()
		r, err := pdf.NewReader(bytes.NewReader(in), int64(len(in)))
		if err != nil {
			return nil, err
		}
		rd, err := r.GetPlainText()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(rd)
		if err != nil {
			return nil, err
		}
		return encode(result{Text: string(b), Pages: r.NumPage(), Took: time.Since(start)})
	},
	// pdfcpu has no text extraction: ExtractContent hands over each
	// page's content stream, PDF operators and all, scored as they are.
	"pdfcpu": func(in []byte) ([]byte, error) {
		start := time.Now()
		conf := model.NewDefaultConfiguration()
		conf.ValidationMode = model.ValidationRelaxed
		var text strings.Builder
		pages := 0
		err := api.ExtractContent(context.Background(), bytes.NewReader(in), nil, func(r io.Reader, page int) error {
			pages++
			_, err := io.Copy(&text, r)
			return err
		}, conf)
		if err != nil {
			return nil, err
		}
		return encode(result{Text: text.String(), Pages: pages, Took: time.Since(start)})
	},
}

func encode(r result) ([]byte, error) {
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(r)
	return b.Bytes(), err
}

var goExtractors = []string{"doctales", "ledongthuc", "pdfcpu"}

func main() {
	sandbox.Main(jobs)
	hostileToo := flag.Bool("hostile", false, "also feed the hostile corpus to each extractor")
	flag.Parse()
	pool := sandbox.NewPool()
	pool.Size = 1
	if err := pool.Open(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer pool.Close()
	if *hostileToo {
		runHostile(pool)
	}
	fmt.Println("| set | files | pages | extractor | opened | word recall | word precision | ms per page |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, dir := range flag.Args() {
		compareDir(pool, dir)
	}
}

// score is the sums over a set of files for one extractor.
type score struct {
	opened, pages    int
	shared, ref, got int
	took             time.Duration
}

func compareDir(pool *sandbox.Pool, dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.pdf"))
	scores := map[string]*score{}
	names := append(append([]string{}, goExtractors...), "pdftotext")
	for _, n := range names {
		scores[n] = &score{}
	}
	totalPages := 0
	fromSource := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		outs := map[string]*result{}
		for _, n := range goExtractors {
			if r, err := runGo(pool, n, data); err == nil {
				outs[n] = r
			}
		}
		if r, err := pdftotext(f); err == nil {
			outs["pdftotext"] = r
		}
		ref := ""
		if b, err := os.ReadFile(strings.TrimSuffix(f, ".pdf") + ".txt"); err == nil {
			ref = string(b)
			fromSource++
		} else if r := outs["pdftotext"]; r != nil {
			ref = r.Text
		} else {
			continue
		}
		pages := 0
		if r := outs["doctales"]; r != nil {
			pages = r.Pages
		}
		totalPages += pages
		refWords := words(ref)
		for _, n := range names {
			s := scores[n]
			r := outs[n]
			if r == nil {
				continue
			}
			s.opened++
			s.pages += pages
			s.took += r.Took
			got := words(r.Text)
			s.shared += shared(refWords, got)
			s.ref += total(refWords)
			s.got += total(got)
		}
	}
	set := filepath.Base(dir)
	refName := "pdftotext"
	if fromSource == len(files) {
		refName = "source text"
	}
	for _, n := range names {
		s := scores[n]
		recall, precision, ms := "-", "-", "-"
		if s.ref > 0 {
			recall = fmt.Sprintf("%.1f%%", 100*float64(s.shared)/float64(s.ref))
		}
		if s.got > 0 {
			precision = fmt.Sprintf("%.1f%%", 100*float64(s.shared)/float64(s.got))
		}
		if s.pages > 0 {
			ms = fmt.Sprintf("%.2f", float64(s.took.Microseconds())/1000/float64(s.pages))
		}
		if n == refName {
			recall, precision = "(reference)", "(reference)"
		}
		fmt.Printf("| %s (reference: %s) | %d | %d | %s | %d | %s | %s | %s |\n", set, refName, len(files), totalPages, n, s.opened, recall, precision, ms)
	}
}

// runGo runs one Go extractor in the sandbox.
func runGo(pool *sandbox.Pool, name string, data []byte) (*result, error) {
	out, err := pool.Run(context.Background(), name, data)
	if err != nil {
		return nil, err
	}
	var r result
	if err := gob.NewDecoder(bytes.NewReader(out)).Decode(&r); err != nil {
		return nil, err
	}
	return &r, nil
}

// pdftotext runs poppler's pdftotext under prlimit: 512 MiB of address
// space, 10 s of CPU.
func pdftotext(path string) (*result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, "prlimit", "--as=536870912", "--cpu=10", "--", "pdftotext", "-q", "-enc", "UTF-8", path, "-")
	out, err := cmd.Output()
	if err != nil {
		return nil, err
	}
	return &result{Text: string(out), Took: time.Since(start)}, nil
}

// words returns the multiset of lower-cased words of s.
func words(s string) map[string]int {
	m := map[string]int{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		m[w]++
	}
	return m
}

func shared(a, b map[string]int) int {
	n := 0
	for w, k := range a {
		n += min(k, b[w])
	}
	return n
}

func total(m map[string]int) int {
	n := 0
	for _, k := range m {
		n += k
	}
	return n
}

// runHostile feeds the hostile corpus to every extractor and prints the
// outcome of each file.
func runHostile(pool *sandbox.Pool) {
	dir, _ := os.MkdirTemp("", "hostile-")
	defer os.RemoveAll(dir)
	fmt.Println("| hostile file | doctales | ledongthuc GetPlainText | pdfcpu | pdftotext |")
	fmt.Println("|---|---|---|---|---|")
	for _, f := range hostile.PDFs() {
		path := filepath.Join(dir, f.Name)
		os.WriteFile(path, f.Data, 0o644)
		row := []string{f.Name}
		for _, n := range goExtractors {
			start := time.Now()
			_, err := pool.Run(context.Background(), n, f.Data)
			row = append(row, outcome(err, time.Since(start)))
		}
		start := time.Now()
		_, err := pdftotext(path)
		row = append(row, outcome(err, time.Since(start)))
		fmt.Println("| " + strings.Join(row, " | ") + " |")
	}
	fmt.Println()
}

func outcome(err error, took time.Duration) string {
	var se *sandbox.Error
	var ee *exec.ExitError
	switch {
	case err == nil:
		return fmt.Sprintf("read (%s)", took.Round(time.Millisecond))
	case errors.As(err, &se):
		return fmt.Sprintf("**%s**", se.Error())
	case errors.As(err, &ee):
		return fmt.Sprintf("error, exit %d (%s)", ee.ExitCode(), took.Round(time.Millisecond))
	}
	msg := err.Error()
	if len(msg) > 60 {
		msg = msg[:60] + "…"
	}
	return fmt.Sprintf("error: %s", strings.ReplaceAll(msg, "|", "/"))
}
