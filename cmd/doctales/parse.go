package main

import (
	"flag"
	"log/slog"
	"os/exec"
	"time"

	"github.com/doctales/doctales/ingest"
	"github.com/doctales/doctales/sandbox"
)

// ParseConfig is the parse section of the configuration: where documents
// (PDF, DOCX, HTML) are read. By default each is read in a worker process
// of this program with its own memory, CPU and time limits, so a hostile
// file that exhausts memory, overflows the stack or loops fails alone
// instead of ending the server (issue 10; see docs/import.md, "Parsing in
// isolation").
type ParseConfig struct {
	// InProcess reads documents in the server's own process, as before
	// issue 10: faster by a millisecond per document, and a fatal
	// runtime error in a parser ends the server. Default false.
	InProcess bool `yaml:"inProcess"`
	// Workers is the most documents read at once, one worker process
	// each. 0 means sandbox.DefaultSize(): one per CPU, 2 to 8.
	Workers int `yaml:"workers"`
	// MemoryBytes is the memory one worker may use, in bytes. 0 means
	// sandbox.DefaultMemoryBytes (512 MiB).
	MemoryBytes int64 `yaml:"memoryBytes"`
	// CPUTime is the CPU time one document may take. 0 means
	// sandbox.DefaultCPUTime (10s).
	CPUTime time.Duration `yaml:"cpuTime"`
	// Timeout is the wall time one message or document may take. 0
	// means ingest.DefaultDocumentTimeout (10s).
	Timeout time.Duration `yaml:"timeout"`
	// PDFToText takes the text of PDFs from poppler's pdftotext, which
	// reads real PDFs better than the built-in reader (docs/import.md,
	// "PDF libraries"): "" (default) never, "auto" when it is on the
	// PATH, or its path. It runs under its own memory and CPU limits.
	PDFToText string `yaml:"pdftotext"`
}

// merge sets the fields of f that are set over c.
func (c *ParseConfig) merge(f ParseConfig) {
	c.InProcess = c.InProcess || f.InProcess
	if f.Workers != 0 {
		c.Workers = f.Workers
	}
	if f.MemoryBytes != 0 {
		c.MemoryBytes = f.MemoryBytes
	}
	if f.CPUTime != 0 {
		c.CPUTime = f.CPUTime
	}
	if f.Timeout != 0 {
		c.Timeout = f.Timeout
	}
	if f.PDFToText != "" {
		c.PDFToText = f.PDFToText
	}
}

// validate checks the parse settings.
func (c *ParseConfig) validate() error {
	switch {
	case c.Workers < 0 || c.Workers > 64:
		return &ConfigError{"parse.workers", c.Workers, "must be between 0 (one per CPU) and 64"}
	case c.MemoryBytes != 0 && c.MemoryBytes < 32<<20:
		return &ConfigError{"parse.memoryBytes", c.MemoryBytes, "must be at least 33554432 (32 MiB)"}
	case c.CPUTime != 0 && c.CPUTime < time.Second:
		return &ConfigError{"parse.cpuTime", c.CPUTime, "must be at least 1s (the CPU limit counts whole seconds)"}
	case c.Timeout < 0:
		return &ConfigError{"parse.timeout", c.Timeout, "must not be negative"}
	}
	return nil
}

// parseFlags are the command-line forms of ParseConfig.
type parseFlags struct {
	inProcess   bool
	workers     int
	memoryBytes int64
	cpuTime     time.Duration
	timeout     time.Duration
	pdftotext   string
}

func (f *parseFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.inProcess, "parse-in-process", false, "read documents in this process instead of sandboxed workers (a hostile file can then crash it)")
	fs.IntVar(&f.workers, "parse-workers", 0, "document parser worker processes (default one per CPU, 2 to 8)")
	fs.Int64Var(&f.memoryBytes, "parse-memory-bytes", 0, "memory limit of one parser worker in bytes (default 536870912)")
	fs.DurationVar(&f.cpuTime, "parse-cpu-time", 0, "CPU time limit of one document (default 10s)")
	fs.DurationVar(&f.timeout, "parse-timeout", 0, "wall time limit of one document or message (default 10s)")
	fs.StringVar(&f.pdftotext, "pdftotext", "", "take PDF text from poppler's pdftotext: auto (when on the PATH) or its path (default: the built-in reader only)")
}

// apply sets the flags given over cfg.
func (f *parseFlags) apply(cfg *Config) {
	cfg.Parse.merge(ParseConfig{InProcess: f.inProcess, Workers: f.workers, MemoryBytes: f.memoryBytes, CPUTime: f.cpuTime, Timeout: f.timeout, PDFToText: f.pdftotext})
}

// newParser returns the parser of raw sources for cfg and, unless
// documents are read in process, the open pool of parser workers it uses,
// which the caller closes.
func newParser(cfg ParseConfig, logger *slog.Logger) (*ingest.Parser, *sandbox.Pool, error) {
	p := &ingest.Parser{Timeout: cfg.Timeout}
	switch cfg.PDFToText {
	case "":
	case "auto":
		if path, err := exec.LookPath("pdftotext"); err == nil {
			p.PDFToText = path
			logger.Info("PDF text by pdftotext", "path", path)
		} else {
			logger.Info("pdftotext not found; PDF text by the built-in reader (apt-get install poppler-utils to use it)")
		}
	default:
		path, err := exec.LookPath(cfg.PDFToText)
		if err != nil {
			return nil, nil, &ConfigError{"parse.pdftotext", cfg.PDFToText, "not an executable: " + err.Error()}
		}
		p.PDFToText = path
		logger.Info("PDF text by pdftotext", "path", path)
	}
	if cfg.InProcess {
		logger.Warn("documents are parsed in process: a hostile file can crash the server")
		return p, nil, nil
	}
	if !sandbox.Supported {
		logger.Warn("documents are parsed in process: parser worker processes need Linux; a hostile file can crash the server")
		return p, nil, nil
	}
	pool := sandbox.NewPool()
	if cfg.Workers > 0 {
		pool.Size = cfg.Workers
	}
	if cfg.MemoryBytes > 0 {
		pool.MemoryBytes = cfg.MemoryBytes
	}
	if cfg.CPUTime > 0 {
		pool.CPUTime = cfg.CPUTime
	}
	if cfg.Timeout > 0 {
		pool.Timeout = cfg.Timeout
	}
	pool.Logger = logger.With(LogKeyComponent, "sandbox")
	if err := pool.Open(); err != nil {
		return nil, nil, err
	}
	p.Sandbox = pool
	return p, pool, nil
}
