package sandbox

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"fmt"
	"io"
)

// request is one job sent to a worker.
type request struct {
	Job        string
	Input      []byte
	CPUSeconds int64 // CPU time the job may use; 0 for no limit
}

// response is a worker's answer: the output, or the job's error.
type response struct {
	Output []byte
	Err    string
	Failed bool // Err is set (an error may have an empty text)
	Panic  bool // the job panicked
}

// writeFrame writes v as one frame: its gob encoding after a 4-byte
// big-endian length.
func writeFrame(w io.Writer, v any, maxBytes int) error {
	var buf bytes.Buffer
	buf.Write(make([]byte, 4))
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return fmt.Errorf("encode frame: %w", err)
	}
	n := buf.Len() - 4
	if n > maxBytes {
		return fmt.Errorf("frame of %d bytes is larger than the limit of %d bytes", n, maxBytes)
	}
	b := buf.Bytes()
	binary.BigEndian.PutUint32(b, uint32(n))
	_, err := w.Write(b)
	return err
}

// readFrame reads one frame into v; a frame over maxBytes is an error.
func readFrame(r io.Reader, v any, maxBytes int) error {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if int64(n) > int64(maxBytes) {
		return fmt.Errorf("frame of %d bytes is larger than the limit of %d bytes", n, maxBytes)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(v); err != nil {
		return fmt.Errorf("decode frame: %w", err)
	}
	return nil
}
