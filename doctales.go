// Package doctales holds the vocabulary of the Doc-Tales pipeline and the
// ports it consumes.
//
// A communication (an e-mail, a shared document, a social post) enters through
// the ingestion function, is stored raw in an [ObjectStore], recorded as an
// [Item] in a [Table], enriched with [Dimensions] by an [Extractor] when the
// store announces the object, and, when a change to the table matters, a
// [Message] is published to a [Topic].
//
// The events that travel between the steps keep the AWS shapes of
// github.com/aws/aws-lambda-go/events, so a filter pattern written for AWS
// Lambda means the same in every runtime. This package has no dependency on
// SQL, HTTP or any AWS SDK; adapters live in packages named after what they
// wrap (sqlite, fsblob, ...).
package doctales

import (
	"errors"
	"fmt"
)

// Application error codes. Each maps to one HTTP status at the API edge.
const (
	EINVALID     = "invalid"     // 400: the request is malformed or violates a limit
	ENOTFOUND    = "not_found"   // 404: the named thing does not exist
	ECONFLICT    = "conflict"    // 409: the id is taken by different content
	ETOOLARGE    = "too_large"   // 413: a body or field exceeds its size limit
	EUNSUPPORTED = "unsupported" // 415: the content type is not accepted
	EOVERLOADED  = "overloaded"  // 503: a bounded queue is full; retry later
	ENOSPACE     = "no_space"    // 507: the data folder's file system is full; free space and retry
	EDAMAGED     = "damaged"     // 500: stored data is damaged; run doctales doctor
	EINTERNAL    = "internal"    // 500: a bug or an outside failure

	ENOTIMPLEMENTED = "not_implemented" // 501: this adapter does not offer the feature (rules on DynamoDB)

	EUNAUTHORIZED = "unauthorized" // 401: no valid key or session (issue 17)
	EFORBIDDEN    = "forbidden"    // 403: the key or session lacks the scope, or a CSRF token is missing
)

// Error is a failure a client can act on. Message is safe to show to the
// client; Field, when set, names the input field at fault (for example
// "timestamp" or "metadata.urgency"). Anything that is not an *Error is an
// internal error whose text is not shown.
type Error struct {
	Code    string
	Message string
	Field   string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("doctales error: code=%s field=%s message=%s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("doctales error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an *Error with code, the offending field and a formatted
// message. The message should name the field and the limit it broke.
func FieldErrorf(code, field string, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for a nil
// error and EINTERNAL for any other error.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of err: the message of the
// first *Error in its chain, or "Internal error." for anything else.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorField returns the field named by the first *Error in err's chain, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
