package serve

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, on a registry of its own so
// two servers in one process (tests) do not collide.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	modelInfo *prometheus.GaugeVec
	loadedAt  prometheus.Gauge
	reloads   *prometheus.CounterVec
	errors    *prometheus.CounterVec
	learners  prometheus.Counter
	inFlight  prometheus.Gauge

	// observers caches the counter and histogram of each (route, code):
	// WithLabelValues hashes the labels on every call.
	mu        sync.RWMutex
	observers map[routeCode]observer
}

type routeCode struct {
	route string
	code  int
}

type observer struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "zpd_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "zpd_http_request_duration_seconds", Help: "HTTP request latency by route and status code.",
			Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5},
		}, []string{"route", "code"}),
		modelInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "zpd_model_info", Help: "The model being served: 1 for its version and family.",
		}, []string{"version", "family"}),
		loadedAt: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "zpd_model_loaded_timestamp_seconds", Help: "When the model being served was loaded (Unix time).",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "zpd_model_reloads_total", Help: "Model reloads by result (ok, error).",
		}, []string{"result"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "zpd_scoring_errors_total", Help: "Requests that could not be scored, by reason.",
		}, []string{"reason"}),
		learners: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "zpd_learners_scored_total", Help: "Learners scored, over every route.",
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "zpd_http_requests_in_flight", Help: "Requests being served.",
		}),
		observers: map[routeCode]observer{},
	}
	m.reg.MustRegister(m.requests, m.latency, m.modelInfo, m.loadedAt, m.reloads, m.errors, m.learners, m.inFlight,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, r := range []string{"ok", "error"} {
		m.reloads.WithLabelValues(r)
	}
	return m
}

// observe counts one request and its latency in seconds.
func (m *metrics) observe(route string, code int, seconds float64) {
	key := routeCode{route, code}
	m.mu.RLock()
	o, ok := m.observers[key]
	m.mu.RUnlock()
	if !ok {
		c := strconv.Itoa(code)
		o = observer{m.requests.WithLabelValues(route, c), m.latency.WithLabelValues(route, c)}
		m.mu.Lock()
		m.observers[key] = o
		m.mu.Unlock()
	}
	o.count.Inc()
	o.latency.Observe(seconds)
}

// setModel records the model now served.
func (m *metrics) setModel(l *loaded) {
	m.modelInfo.Reset()
	m.modelInfo.WithLabelValues(l.meta.ModelVersion, l.meta.Family).Set(1)
	m.loadedAt.Set(float64(l.loadedAt.UnixNano()) / 1e9)
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
