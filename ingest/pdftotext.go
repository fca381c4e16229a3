package ingest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/doctales/doctales"
)

// DefaultPDFToTextMemoryBytes is the address space pdftotext may use, in
// bytes (512 MiB), as a sandbox worker's memory limit. pdftotext is C++
// and reserves little it does not use, so RLIMIT_AS means what it says.
const DefaultPDFToTextMemoryBytes = 512 << 20

// pdftotextText returns the text of a PDF as poppler's pdftotext (at
// p.PDFToText) reads it, at most MaxContentBytes+1 bytes, and its page
// count (pages end with a form feed). pdftotext runs under an
// address-space limit of DefaultPDFToTextMemoryBytes and a CPU limit of
// half the parse time-out, set with prlimit before it reads the file, is
// killed when that time passes, and dies with the process that started
// it (Pdeathsig), which in a sandbox worker is the worker. Errors say what
// pdftotext said.
func (p *Parser) pdftotextText(data []byte) (string, int, error) {
	// Half the parse time-out: when pdftotext is killed, the built-in
	// reader's text still makes it in time.
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultDocumentTimeout
	}
	timeout /= 2
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	inR, inW, err := os.Pipe()
	if err != nil {
		return "", 0, err
	}
	defer inW.Close()
	cmd := exec.CommandContext(ctx, p.PDFToText, "-q", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = inR
	out := &cappedBuffer{limit: p.MaxContentBytes + 1}
	var stderr cappedBuffer
	stderr.limit = 4096
	cmd.Stdout, cmd.Stderr = out, &stderr
	cmd.SysProcAttr = dieWithParent()
	if err := cmd.Start(); err != nil {
		inR.Close()
		return "", 0, fmt.Errorf("start pdftotext: %w", err)
	}
	inR.Close()
	// The limits, before pdftotext has read a byte of the file.
	pid := cmd.Process.Pid
	mem := uint64(DefaultPDFToTextMemoryBytes)
	cpu := uint64((timeout + time.Second - 1) / time.Second)
	if err := limitProcess(pid, mem, cpu); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return "", 0, err
	}
	go func() {
		_, _ = inW.Write(data)
		inW.Close()
	}()
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			return "", 0, fmt.Errorf("pdftotext took longer than %s (killed)", timeout)
		}
		return "", 0, fmt.Errorf("pdftotext: %v: %s", err, cut(clean(stderr.String()), 200))
	}
	text := out.String()
	return text, strings.Count(text, "\f"), nil
}

// cappedBuffer keeps the first limit bytes written to it and discards
// the rest, so a program's output cannot exhaust memory.
type cappedBuffer struct {
	bytes.Buffer
	limit int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.limit - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// pdfWithPDFToText reads a PDF with both readers: the text from
// pdftotext, the metadata and counts from ours. When one fails the other
// stands (ours without text counts pages from pdftotext's form feeds);
// when both fail, ours says why.
func (p *Parser) pdfWithPDFToText(data []byte) (*DocumentInfo, error) {
	info, err := p.pdfText(data)
	text, pages, perr := p.pdftotextText(data)
	switch {
	case perr != nil && err != nil:
		return nil, err
	case perr != nil:
		return info, nil
	case err != nil:
		if doctales.ErrorCode(err) == doctales.ETOOLARGE {
			return nil, err
		}
		info = &DocumentInfo{Pages: pages}
	}
	info.Text = text
	return info, nil
}
