package extract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/doctales/doctales"
)

// MaxInputBytes bounds one input of Run: a whole document in single mode,
// one line in JSON Lines mode.
const MaxInputBytes = 16 << 20

// Result is one line of Run's output: the input's id and its dimensions,
// or the error that input gave.
type Result struct {
	ID         string               `json:"id"`
	Dimensions *doctales.Dimensions `json:"dimensions,omitempty"`
	Error      string               `json:"error,omitempty"`
	Code       string               `json:"code,omitempty"`
}

// textInput is the short input form {"id": ..., "text": ...}; any JSON
// input may also give "now", its reading time.
type textInput struct {
	ID        string    `json:"id"`
	Text      *string   `json:"text"`
	Timestamp time.Time `json:"timestamp"`
	Now       string    `json:"now"`
}

// inputNow returns the reading time a JSON input gives as "now" (RFC
// 3339), the zero time when it gives none, or an EINVALID error.
func inputNow(b []byte) (time.Time, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return time.Time{}, nil
	}
	var in struct {
		Now *string `json:"now"`
	}
	if err := json.Unmarshal(b, &in); err != nil || in.Now == nil {
		return time.Time{}, nil // Decode reports bad JSON
	}
	t, err := time.Parse(time.RFC3339, *in.Now)
	if err != nil {
		return time.Time{}, doctales.FieldErrorf(doctales.EINVALID, "now", "now must be an RFC 3339 date-time such as 2025-06-10T09:30:00Z, not %q", *in.Now)
	}
	return t, nil
}

// at returns e, or a copy of it whose clock reads now when now is set.
func at(e *Engine, now time.Time) *Engine {
	if now.IsZero() {
		return e
	}
	c := *e
	c.Now = func() time.Time { return now }
	return &c
}

// Decode reads one input: a JSON communication, a JSON {"id","text"}
// object (text becomes the content), or else a raw RFC 5322 e-mail. A
// communication without a timestamp is dated now by Extract.
func Decode(b []byte) (*doctales.Communication, error) {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var ti textInput
		if err := json.Unmarshal(b, &ti); err != nil {
			return nil, doctales.Errorf(doctales.EINVALID, "Input is not valid JSON: %v.", err)
		}
		var c doctales.Communication
		_ = json.Unmarshal(b, &c)
		if ti.Text != nil && c.Content == "" {
			c.Content = *ti.Text
		}
		if c.Type == "" {
			c.Type = doctales.TypeEmail
		}
		return &c, nil
	}
	return ParseMail(b)
}

// Run extracts from in and writes to out. In single mode (jsonl false) it
// reads the whole input as one communication (see Decode) and writes one
// indented Result. In JSON Lines mode it reads one JSON object a line and
// writes one Result a line, in input order; a bad line gives a Result with
// Error and the run goes on. Run returns an error when it cannot read or
// write, when the context ends, or in single mode when the input is
// invalid.
func Run(ctx context.Context, e *Engine, in io.Reader, out io.Writer, jsonl bool) error {
	if e == nil {
		e = New()
	}
	if !jsonl {
		b, err := io.ReadAll(io.LimitReader(in, MaxInputBytes+1))
		if err != nil {
			return fmt.Errorf("read input: %w", err)
		}
		if len(b) > MaxInputBytes {
			return doctales.Errorf(doctales.ETOOLARGE, "Input is larger than %d bytes.", MaxInputBytes)
		}
		c, err := Decode(b)
		if err != nil {
			return err
		}
		now, err := inputNow(b)
		if err != nil {
			return err
		}
		d, err := at(e, now).Extract(ctx, c)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(Result{ID: c.ID, Dimensions: d})
	}

	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), MaxInputBytes)
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return err
		}
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var res Result
		if line[0] != '{' {
			res = Result{Error: "Line is not a JSON object.", Code: doctales.EINVALID}
		} else if c, err := Decode(line); err != nil {
			res = Result{Error: doctales.ErrorMessage(err), Code: doctales.ErrorCode(err)}
		} else if now, err := inputNow(line); err != nil {
			res = Result{ID: c.ID, Error: doctales.ErrorMessage(err), Code: doctales.ErrorCode(err)}
		} else if d, err := at(e, now).Extract(ctx, c); err != nil {
			res = Result{ID: c.ID, Error: doctales.ErrorMessage(err), Code: doctales.ErrorCode(err)}
		} else {
			res = Result{ID: c.ID, Dimensions: d}
		}
		if err := enc.Encode(res); err != nil {
			return fmt.Errorf("write result: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read input: %w", err)
	}
	return w.Flush()
}
