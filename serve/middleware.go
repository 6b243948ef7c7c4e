package serve

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
)

// requestIDHeader carries the request id in and out.
const requestIDHeader = "X-Request-ID"

// requestIDs generates request ids: a random per-process prefix and a
// counter, unique without a random read per request.
type requestIDs struct {
	prefix string
	n      atomic.Uint64
}

func newRequestIDs() *requestIDs {
	var b [6]byte
	rand.Read(b[:])
	return &requestIDs{prefix: hex.EncodeToString(b[:]) + "-"}
}

func (g *requestIDs) next() string {
	var buf [40]byte
	b := append(buf[:0], g.prefix...)
	return string(strconv.AppendUint(b, g.n.Add(1), 16))
}

// validRequestID accepts a client's id if it is short and printable ASCII,
// so it is safe to echo in a header and a log line.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

// observe is the first middleware: it assigns the request id, then, after
// the handlers, records metrics and writes the access log line.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	id := c.GetHeader(requestIDHeader)
	if !validRequestID(id) {
		id = s.ids.next()
	}
	c.Header(requestIDHeader, id)
	c.Set(requestIDHeader, id)
	s.metrics.inFlight.Inc()
	c.Next()
	s.metrics.inFlight.Dec()

	elapsed := time.Since(start)
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	s.metrics.observe(route, status, elapsed.Seconds())
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case status >= 400:
		level = slog.LevelWarn
	case !s.cfg.AccessLog:
		return
	}
	ctx := context.Background()
	if !s.log.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("request_id", id),
		slog.String("method", c.Request.Method),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
		slog.Int("bytes", c.Writer.Size()),
		slog.String("remote", c.ClientIP()),
	}
	if len(c.Errors) > 0 {
		attrs = append(attrs, slog.String("error", c.Errors.Last().Error()))
	}
	s.log.LogAttrs(ctx, level, "request", attrs...)
}

// recovery answers a panic with a 500 and logs it; it is a last resort (the
// handlers are fuzzed not to panic on any input).
func (s *Server) recovery(c *gin.Context, err any) {
	s.metrics.errors.WithLabelValues("panic").Inc()
	s.log.Error("panic", "request_id", c.GetString(requestIDHeader), "route", c.FullPath(), "panic", fmt.Sprint(err))
	abortWith(c, &apiError{Status: http.StatusInternalServerError, Code: codeInternal, Message: "internal error"})
}

// keyring holds the SHA-256 of each accepted key. Comparing fixed-length
// digests in constant time does not leak a key's length or prefix.
type keyring [][sha256.Size]byte

func newKeyring(entries ...[]string) keyring {
	var k keyring
	for _, e := range entries {
		for _, key := range splitKeys(e) {
			k = append(k, sha256.Sum256([]byte(key)))
		}
	}
	return k
}

// accepts reports whether token is one of the keys, looking at every key.
func (k keyring) accepts(token string) bool {
	sum := sha256.Sum256([]byte(token))
	ok := 0
	for i := range k {
		ok |= subtle.ConstantTimeCompare(sum[:], k[i][:])
	}
	return ok == 1
}

// bearer returns the token of an "Authorization: Bearer <token>" header.
func bearer(c *gin.Context) (string, bool) {
	h := c.GetHeader("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	return strings.TrimSpace(h[len(prefix):]), true
}

// auth lets requests through with a key in keys; with open (the
// --insecure mode) every request goes through.
func (s *Server) auth(keys keyring, open bool, what string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if open {
			return
		}
		if len(keys) == 0 {
			abortWith(c, &apiError{Status: http.StatusForbidden, Code: codeForbidden,
				Message: what + " routes are disabled: no key configured for them"})
			return
		}
		token, ok := bearer(c)
		if !ok {
			c.Header("WWW-Authenticate", `Bearer realm="zpd"`)
			abortWith(c, &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized,
				Message: "missing bearer token: send Authorization: Bearer <key>"})
			return
		}
		if !keys.accepts(token) {
			c.Header("WWW-Authenticate", `Bearer realm="zpd", error="invalid_token"`)
			abortWith(c, &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized, Message: "invalid " + what + " key"})
			return
		}
	}
}
