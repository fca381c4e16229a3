package ingest

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/sandbox"
)

// ExtractJob is the name of the sandbox job that runs
// [Parser.ExtractDocument]; [SandboxJobs] maps it to its handler.
const ExtractJob = "ingest.extract"

// extractRequest is the input of ExtractJob: the document and the limits
// of the parser that sent it.
type extractRequest struct {
	Format               string
	Data                 []byte
	MaxContentBytes      int
	MaxUncompressedBytes int64
	MaxCompressionRatio  int
	MaxZipEntries        int
	PDFToText            string
	Timeout              time.Duration
}

// extractResponse is the output of ExtractJob: what was found, or the
// *doctales.Error the extraction returned, as its parts.
type extractResponse struct {
	Info    *DocumentInfo
	Code    string
	Message string
	Field   string
}

// SandboxJobs returns the jobs a sandbox worker of this package runs:
// ExtractJob. Pass it to sandbox.Main at the start of main (and of
// TestMain where tests use a sandbox).
func SandboxJobs() map[string]sandbox.Handler {
	return map[string]sandbox.Handler{ExtractJob: extractJob}
}

// extractJob runs in the worker: it decodes the request, extracts, and
// encodes the answer. A panic is left to the worker, which reports it.
func extractJob(input []byte) ([]byte, error) {
	var req extractRequest
	if err := gob.NewDecoder(bytes.NewReader(input)).Decode(&req); err != nil {
		return nil, fmt.Errorf("decode extract request: %w", err)
	}
	p := &Parser{
		MaxContentBytes:      req.MaxContentBytes,
		MaxUncompressedBytes: req.MaxUncompressedBytes,
		MaxCompressionRatio:  req.MaxCompressionRatio,
		MaxZipEntries:        req.MaxZipEntries,
		PDFToText:            req.PDFToText,
		Timeout:              req.Timeout,
	}
	var resp extractResponse
	info, err := p.ExtractDocument(req.Format, req.Data)
	if err != nil {
		resp.Code, resp.Message, resp.Field = doctales.ErrorCode(err), doctales.ErrorMessage(err), doctales.ErrorField(err)
	} else {
		resp.Info = info
	}
	var out bytes.Buffer
	if err := gob.NewEncoder(&out).Encode(&resp); err != nil {
		return nil, fmt.Errorf("encode extract answer: %w", err)
	}
	return out.Bytes(), nil
}

// extractIsolated runs ExtractDocument in the parser's sandbox and turns
// a worker's death into this document's client error: a memory, CPU or
// time limit met is ETOOLARGE, a crash (stack overflow, fatal error) or a
// panic EINVALID, each naming the field "file" and saying what happened,
// such as "pdf: parser ran out of memory (limit 512 MiB)".
func (p *Parser) extractIsolated(ctx context.Context, format string, data []byte) (*DocumentInfo, error) {
	var in bytes.Buffer
	if err := gob.NewEncoder(&in).Encode(&extractRequest{
		Format: format, Data: data,
		MaxContentBytes: p.MaxContentBytes, MaxUncompressedBytes: p.MaxUncompressedBytes,
		MaxCompressionRatio: p.MaxCompressionRatio, MaxZipEntries: p.MaxZipEntries,
		PDFToText: p.PDFToText, Timeout: p.Timeout,
	}); err != nil {
		return nil, fmt.Errorf("encode extract request: %w", err)
	}
	out, err := p.Sandbox.Run(ctx, ExtractJob, in.Bytes())
	if err != nil {
		var se *sandbox.Error
		var je *sandbox.JobError
		switch {
		case errors.As(err, &se):
			code := doctales.EINVALID
			if errors.Is(err, sandbox.ErrOutOfMemory) || errors.Is(err, sandbox.ErrCPUTime) || errors.Is(err, sandbox.ErrTimeout) {
				code = doctales.ETOOLARGE
			}
			return nil, doctales.FieldErrorf(code, "file", "%s: %s", format, se.Error())
		case errors.As(err, &je) && je.Panic:
			return nil, doctales.FieldErrorf(doctales.EINVALID, "file", "%s: parser failed (%s)", format, cut(clean(je.Message), 200))
		}
		return nil, fmt.Errorf("extract %s document in sandbox: %w", format, err)
	}
	var resp extractResponse
	if err := gob.NewDecoder(bytes.NewReader(out)).Decode(&resp); err != nil {
		return nil, fmt.Errorf("decode extract answer: %w", err)
	}
	if resp.Code != "" {
		return nil, &doctales.Error{Code: resp.Code, Message: resp.Message, Field: resp.Field}
	}
	if resp.Info == nil {
		return nil, errors.New("extract answer holds neither a document nor an error")
	}
	return resp.Info, nil
}
