package serve

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// apiError is an error answer: an HTTP status and the JSON body
// {"code","message","field"} (serve/openapi.json, Error).
type apiError struct {
	Status  int
	Code    string
	Message string
	Field   string
	// v2 adds the "error" member the KServe v2 protocol uses.
	v2 bool
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// Error codes, one per kind of failure.
const (
	codeBadJSON          = "bad_json"
	codeInvalid          = "invalid"
	codeUnauthorized     = "unauthorized"
	codeForbidden        = "forbidden"
	codeNotFound         = "not_found"
	codeMethodNotAllowed = "method_not_allowed"
	codeTooLarge         = "body_too_large"
	codeMediaType        = "unsupported_media_type"
	codeNotReady         = "not_ready"
	codeInternal         = "internal"
	codeReloadFailed     = "reload_failed"
	codeOverloaded       = "overloaded"
)

// asAPIError maps decoding and scoring errors to answers: malformed JSON is
// 400, a well-formed request with a bad field 422.
func asAPIError(err error) *apiError {
	var ae *apiError
	var fe *fieldError
	var se *syntaxError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &fe):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: codeInvalid, Message: fe.msg, Field: fe.field}
	case errors.As(err, &se):
		return &apiError{Status: http.StatusBadRequest, Code: codeBadJSON, Message: se.Error()}
	}
	return &apiError{Status: http.StatusInternalServerError, Code: codeInternal, Message: "internal error"}
}

// abortWith answers the request with e and stops the handler chain.
func abortWith(c *gin.Context, e *apiError) {
	b := make([]byte, 0, 128)
	b = append(b, `{"code":`...)
	b = appendString(b, e.Code)
	b = append(b, `,"message":`...)
	b = appendString(b, e.Message)
	b = append(b, `,"field":`...)
	b = appendString(b, e.Field)
	if e.v2 {
		b = append(b, `,"error":`...)
		b = appendString(b, e.Message)
	}
	b = append(b, "}\n"...)
	c.Error(e) // for the access log
	c.Abort()
	writeJSON(c, e.Status, b)
}

const jsonContentType = "application/json"

// writeJSON writes a JSON body with its Content-Length. Without it
// net/http switches bodies over 2 KB to chunked encoding, which costs a
// scoring response extra writes.
func writeJSON(c *gin.Context, status int, body []byte) {
	h := c.Writer.Header()
	h["Content-Type"] = []string{jsonContentType}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	c.Status(status)
	c.Writer.Write(body)
}
