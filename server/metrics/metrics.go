package metrics

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds courierd's collectors and the registry they live in.
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	ops        *prometheus.CounterVec
	groupSize  prometheus.Histogram
	commitTime prometheus.Histogram
	fcm        *prometheus.CounterVec
	photos     *prometheus.CounterVec
	photoTime  prometheus.Histogram
}

// Outcomes of an FCM send and of a photo job (label values).
const (
	FCMSent         = "sent"
	FCMUnregistered = "unregistered"
	FCMRetry        = "retry"
	FCMFailed       = "failed"

	PhotoDone          = "done"
	PhotoUnprocessable = "unprocessable"
	PhotoFailed        = "failed"
)

// New returns the collectors registered in a fresh registry, with the Go
// runtime's and the process's own metrics.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "courierd_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status."}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "courierd_http_request_duration_seconds",
			Help: "Time to answer an HTTP request, by route pattern and method.", Buckets: prometheus.DefBuckets}, []string{"route", "method"}),
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "courierd_sync_ops_total",
			Help: "Pushed ops by kind and result: applied, duplicate (a resend answered from the record) or rejected (with its error code)."},
			[]string{"kind", "status", "code"}),
		groupSize: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "courierd_store_commit_group_jobs",
			Help: "Writes that shared one group commit.", Buckets: prometheus.ExponentialBuckets(1, 2, 11)}),
		commitTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "courierd_store_commit_seconds",
			Help:    "Time of one group commit: the transaction and its fsync.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		fcm: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "courierd_fcm_sends_total",
			Help: "Wake-up messages handed to FCM, by outcome (sent, unregistered, retry, failed)."}, []string{"outcome"}),
		photos: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "courierd_photo_jobs_total",
			Help: "Photos through the image pipeline, by outcome (done, unprocessable, failed)."}, []string{"outcome"}),
		photoTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "courierd_photo_job_seconds",
			Help: "Time to process one photo (decode, variants, write).", Buckets: prometheus.ExponentialBuckets(0.01, 2, 12)}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.ops, m.groupSize, m.commitTime, m.fcm, m.photos, m.photoTime,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Request counts one answered HTTP request. route must be a registered
// route pattern, never the request's path.
func (m *Metrics) Request(route, method string, status int, d time.Duration) {
	if !slices.Contains(methods, method) {
		method = "other"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

var methods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// Ops counts the results of one push: kinds come from the request's ops,
// in the order of the results.
func (m *Metrics) Ops(req *syncproto.PushRequest, res *syncproto.PushResponse) {
	for i, r := range res.Results {
		kind := "other"
		if i < len(req.Ops) && slices.Contains(syncproto.Kinds, req.Ops[i].Kind) {
			kind = req.Ops[i].Kind
		}
		status, code := r.Status, ""
		switch {
		case r.Duplicate:
			status = "duplicate"
		case status != syncproto.StatusApplied && status != syncproto.StatusRejected:
			status = "other"
		}
		if r.Error != nil {
			code = label(string(r.Error.Code))
		}
		m.ops.WithLabelValues(kind, status, code).Inc()
	}
}

// Commit observes one group commit of jobs writes that took d.
func (m *Metrics) Commit(jobs int, d time.Duration) {
	m.groupSize.Observe(float64(jobs))
	m.commitTime.Observe(d.Seconds())
}

// FCM counts one send by outcome (FCMSent, FCMUnregistered, FCMRetry,
// FCMFailed).
func (m *Metrics) FCM(outcome string) { m.fcm.WithLabelValues(label(outcome)).Inc() }

// Photo counts one photo job by outcome (PhotoDone, PhotoUnprocessable,
// PhotoFailed) and observes its time.
func (m *Metrics) Photo(outcome string, d time.Duration) {
	m.photos.WithLabelValues(label(outcome)).Inc()
	m.photoTime.Observe(d.Seconds())
}

// Gauge registers a queue depth (or any level) read at each scrape.
func (m *Metrics) Gauge(name, help string, fn func() float64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, fn))
}

// label keeps a server-made word as it is and turns anything else into
// "other": lower-case letters and underscores, at most 40 bytes.
func label(s string) string {
	if s == "" || len(s) > 40 {
		return "other"
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '_' {
			return "other"
		}
	}
	return s
}
