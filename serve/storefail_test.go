package serve

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	dto "github.com/prometheus/client_model/go"

	"github.com/zpd-project/zpd/store"
)

// TestStoreFailAnswers: a failed store call is answered by what failed,
// and a request whose client went away is 499 whatever error the driver
// gave for it, not counted as the store being unavailable.
func TestStoreFailAnswers(t *testing.T) {
	f := fitted(t)
	s := newTestServer(t, testConfig(f.dir))
	defer s.Close()
	down := fmt.Errorf("%w: postgres append: %w", store.ErrUnavailable, errors.New("conn closed"))
	tests := []struct {
		name      string
		err       error
		cancelled bool
		status    int
		counted   float64 // store_unavailable errors counted
	}{
		{"database down", down, false, http.StatusServiceUnavailable, 1},
		{"client gone, context error", fmt.Errorf("append: %w", context.Canceled), true, 499, 0},
		{"client gone, driver's own error", down, true, 499, 0},
		{"conflict", &store.ConflictError{Index: 0, Field: "seq", Msg: "seq 3 is not after 5"}, false, http.StatusConflict, 0},
		{"not found", store.ErrNotFound, false, http.StatusNotFound, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := unavailableCount(t, s)
			w := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(w)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancelled {
				cancel()
			}
			c.Request = httptest.NewRequest("POST", "/v1/learners/u1/attempts", nil).WithContext(ctx)
			s.storeFail(c, tt.err)
			if got := c.Writer.Status(); got != tt.status {
				t.Errorf("status %d, want %d", got, tt.status)
			}
			after := unavailableCount(t, s)
			if after-before != tt.counted {
				t.Errorf("store_unavailable counted %v times, want %v", after-before, tt.counted)
			}
		})
	}
}

// unavailableCount is the store_unavailable errors counted so far.
func unavailableCount(t *testing.T, s *Server) float64 {
	t.Helper()
	var m dto.Metric
	if err := s.metrics.errors.WithLabelValues(codeStoreUnavailable).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
