// Package metrics holds the metric registry, samples and system tags, shaped like k6 v0.54.0's
// metrics package (metrics/registry.go, metrics/builtin.go, metrics/system_tag.go).
package metrics

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// MetricType is the kind of a metric, as k6's metrics.MetricType.
type MetricType int

// Metric types; names as k6's MetricType.String (metrics/metric_type.go).
const (
	Counter MetricType = iota
	Gauge
	Trend
	Rate
)

func (t MetricType) String() string {
	switch t {
	case Counter:
		return "counter"
	case Gauge:
		return "gauge"
	case Trend:
		return "trend"
	case Rate:
		return "rate"
	}
	return fmt.Sprintf("MetricType(%d)", int(t))
}

// ValueType says what a metric's values are (k6 metrics/value_type.go).
type ValueType int

// Value types.
const (
	Default ValueType = iota
	Time
	Data
)

func (v ValueType) String() string {
	switch v {
	case Time:
		return "time"
	case Data:
		return "data"
	}
	return "default"
}

// Metric is a registered metric.
type Metric struct {
	Name     string
	Type     MetricType
	Contains ValueType
}

// k6 v0.54.0 metrics/registry.go (nameRegexString, badNameWarning).
var nameRegex = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]{1,128}$`)

const badNameWarning = "Metric names must only include up to 128 ASCII letters, numbers, or underscores " +
	"and start with a letter or an underscore."

// Registry holds the metrics of a test run.
type Registry struct {
	mu      sync.Mutex
	metrics map[string]*Metric
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{metrics: map[string]*Metric{}} }

// NewMetric registers a metric or returns the one already registered under that name.
// k6 v0.54.0 metrics/registry.go (Registry.NewMetric): same name check and the same errors for a
// type or value-type mismatch.
func (r *Registry) NewMetric(name string, typ MetricType, t ...ValueType) (*Metric, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !nameRegex.MatchString(name) {
		return nil, fmt.Errorf("Invalid metric name: '%s'. %s", name, badNameWarning) //nolint:stylecheck
	}
	old, ok := r.metrics[name]
	if !ok {
		m := &Metric{Name: name, Type: typ}
		if len(t) > 0 {
			m.Contains = t[0]
		}
		r.metrics[name] = m
		return m, nil
	}
	if old.Type != typ {
		return nil, fmt.Errorf("metric '%s' already exists but with type %s, instead of %s", name, old.Type, typ)
	}
	if len(t) > 0 && t[0] != old.Contains {
		return nil, fmt.Errorf("metric '%s' already exists but with a value type %s, instead of %s",
			name, old.Contains, t[0])
	}
	return old, nil
}

// MustNewMetric is NewMetric that panics on error (built-in metrics only).
func (r *Registry) MustNewMetric(name string, typ MetricType, t ...ValueType) *Metric {
	m, err := r.NewMetric(name, typ, t...)
	if err != nil {
		panic(err)
	}
	return m
}

// Builtin holds the built-in metrics this runner emits (k6 v0.54.0 metrics/builtin.go
// RegisterBuiltinMetrics: names, types and value types).
type Builtin struct {
	VUs, VUsMax, Iterations, IterationDuration, DroppedIterations *Metric
	Checks, GroupDuration                                         *Metric
	HTTPReqs, HTTPReqFailed, HTTPReqDuration, HTTPReqBlocked      *Metric
	HTTPReqConnecting, HTTPReqTLSHandshaking, HTTPReqSending      *Metric
	HTTPReqWaiting, HTTPReqReceiving                              *Metric
	GRPCReqDuration, DataSent, DataReceived                       *Metric
}

// RegisterBuiltin registers the built-in metrics in r.
func RegisterBuiltin(r *Registry) *Builtin {
	return &Builtin{
		VUs:                   r.MustNewMetric("vus", Gauge),
		VUsMax:                r.MustNewMetric("vus_max", Gauge),
		Iterations:            r.MustNewMetric("iterations", Counter),
		IterationDuration:     r.MustNewMetric("iteration_duration", Trend, Time),
		DroppedIterations:     r.MustNewMetric("dropped_iterations", Counter),
		Checks:                r.MustNewMetric("checks", Rate),
		GroupDuration:         r.MustNewMetric("group_duration", Trend, Time),
		HTTPReqs:              r.MustNewMetric("http_reqs", Counter),
		HTTPReqFailed:         r.MustNewMetric("http_req_failed", Rate),
		HTTPReqDuration:       r.MustNewMetric("http_req_duration", Trend, Time),
		HTTPReqBlocked:        r.MustNewMetric("http_req_blocked", Trend, Time),
		HTTPReqConnecting:     r.MustNewMetric("http_req_connecting", Trend, Time),
		HTTPReqTLSHandshaking: r.MustNewMetric("http_req_tls_handshaking", Trend, Time),
		HTTPReqSending:        r.MustNewMetric("http_req_sending", Trend, Time),
		HTTPReqWaiting:        r.MustNewMetric("http_req_waiting", Trend, Time),
		HTTPReqReceiving:      r.MustNewMetric("http_req_receiving", Trend, Time),
		GRPCReqDuration:       r.MustNewMetric("grpc_req_duration", Trend, Time),
		DataSent:              r.MustNewMetric("data_sent", Counter, Data),
		DataReceived:          r.MustNewMetric("data_received", Counter, Data),
	}
}

// Tags is an immutable tag set: never modify one after it was shared; use With/WithMap.
type Tags map[string]string

// With returns a copy of t with k=v.
func (t Tags) With(k, v string) Tags {
	n := make(Tags, len(t)+1)
	for a, b := range t {
		n[a] = b
	}
	n[k] = v
	return n
}

// WithMap returns a copy of t with every pair of m set.
func (t Tags) WithMap(m map[string]string) Tags {
	n := make(Tags, len(t)+len(m))
	for a, b := range t {
		n[a] = b
	}
	for a, b := range m {
		n[a] = b
	}
	return n
}

// Without returns a copy of t without k.
func (t Tags) Without(k string) Tags {
	n := make(Tags, len(t))
	for a, b := range t {
		if a != k {
			n[a] = b
		}
	}
	return n
}

// String is a stable representation (for tests and logs).
func (t Tags) String() string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + t[k]
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// Sample is one measurement.
type Sample struct {
	Metric *Metric
	Tags   Tags
	Time   time.Time
	Value  float64
}

// Samples is a batch of samples (k6's metrics.SampleContainer).
type Samples []Sample

// PushIfNotDone sends s to out unless ctx is done, as k6 v0.54.0 metrics/sample.go PushIfNotDone:
// a sample produced after its context ended is dropped.
func PushIfNotDone(ctx context.Context, out chan<- Samples, s Samples) bool {
	if ctx.Err() != nil {
		return false
	}
	select {
	case <-ctx.Done():
		return false
	case out <- s:
		return true
	}
}

// D converts a duration to the float milliseconds k6 stores (metrics.D).
func D(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// SystemTag names, in k6 v0.54.0 metrics/system_tag.go order.
var systemTagNames = []string{
	"proto", "subproto", "status", "method", "url", "name", "group", "check", "error", "error_code",
	"tls_version", "scenario", "service", "expected_response", "iter", "vu", "ocsp_status", "ip",
}

// IsSystemTag says whether name is one of k6's system tags.
func IsSystemTag(name string) bool {
	for _, n := range systemTagNames {
		if n == name {
			return true
		}
	}
	return false
}

// SystemTagSet is the set of enabled system tags.
type SystemTagSet map[string]bool

// DefaultSystemTags is k6 v0.54.0 metrics.DefaultSystemTagSet: every system tag except iter, vu,
// ocsp_status and ip.
func DefaultSystemTags() SystemTagSet {
	s := SystemTagSet{}
	for _, n := range systemTagNames {
		switch n {
		case "iter", "vu", "ocsp_status", "ip":
		default:
			s[n] = true
		}
	}
	return s
}

// ToSystemTagSet keeps the known system tag names of list and ignores the rest, as k6 v0.54.0
// metrics/system_tag.go ToSystemTagSet.
func ToSystemTagSet(list []string) SystemTagSet {
	s := SystemTagSet{}
	for _, n := range list {
		if IsSystemTag(n) {
			s[n] = true
		}
	}
	return s
}

// Has says whether the tag is enabled.
func (s SystemTagSet) Has(name string) bool { return s[name] }

// SetIfEnabled returns t with k=v when k is an enabled system tag, else t
// (k6 TagsAndMeta.SetSystemTagOrMetaIfEnabled; the non-indexable vu/iter go to metadata in k6,
// which no output here reads, so they are simply not tags).
func (s SystemTagSet) SetIfEnabled(t Tags, k, v string) Tags {
	if !s.Has(k) {
		return t
	}
	if k == "vu" || k == "iter" {
		return t
	}
	return t.With(k, v)
}
