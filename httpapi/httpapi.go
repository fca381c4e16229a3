// Package httpapi is the HTTP API of Doc-Tales, the API Gateway role of the
// architecture: clients post communications, list and read them with their
// dimensions, follow notifications live, and inspect and redrive dead
// letters.
//
// Errors are JSON objects {"error": message, "code": code, "field": field}
// with a status chosen from the error code by [Error]. Every response carries
// security headers (a CSP, nosniff, no referrer, no framing); CORS headers
// are sent only to the origins in [Handler.AllowOrigins] (the original
// system's "Access-Control-Allow-Origin: *" let any page read the mail,
// issue 17). Callers authenticate with a bearer key or a session cookie
// (auth.go).
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/doctales/doctales"
)

// statusOf maps application error codes to HTTP status codes.
var statusOf = map[string]int{
	doctales.EINVALID:     http.StatusBadRequest,
	doctales.ENOTFOUND:    http.StatusNotFound,
	doctales.ECONFLICT:    http.StatusConflict,
	doctales.ETOOLARGE:    http.StatusRequestEntityTooLarge,
	doctales.EUNSUPPORTED: http.StatusUnsupportedMediaType,
	doctales.EOVERLOADED:  http.StatusServiceUnavailable,
	doctales.EINTERNAL:    http.StatusInternalServerError,

	doctales.EUNAUTHORIZED:   http.StatusUnauthorized,
	doctales.EFORBIDDEN:      http.StatusForbidden,
	doctales.ENOSPACE:        http.StatusInsufficientStorage, // 507 (issue 10)
	doctales.ENOTIMPLEMENTED: http.StatusNotImplemented,      // 501 (rules on an adapter without them)
	doctales.EDAMAGED:        http.StatusInternalServerError, // with a clear message; the log names the key
}

// ErrorResponse is the body of every error answer.
type ErrorResponse struct {
	Error string `json:"error"`
	Code  string `json:"code"`
	Field string `json:"field,omitempty"`
}

// Error writes err as a JSON error answer. Internal errors are logged with
// their full chain and shown to the client only as "Internal error.";
// ENOSPACE (507) and EDAMAGED (500) are logged too, and the client sees
// their message, which says what to do.
// A *http.MaxBytesError becomes ETOOLARGE.
func Error(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = doctales.FieldErrorf(doctales.ETOOLARGE, "body", "request body is larger than the limit of %d bytes", mbe.Limit)
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client went away
	}
	code := doctales.ErrorCode(err)
	// Internal errors, and the storage failures an operator must act on
	// (a full disk, a damaged object), are logged with their full chain,
	// which names the file or key.
	if code == doctales.EINTERNAL || code == doctales.ENOSPACE || code == doctales.EDAMAGED {
		logger.ErrorContext(r.Context(), "http request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	}
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if code == doctales.EOVERLOADED {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, status, ErrorResponse{Error: doctales.ErrorMessage(err), Code: code, Field: doctales.ErrorField(err)})
}

// writeJSON writes v as a JSON answer with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
