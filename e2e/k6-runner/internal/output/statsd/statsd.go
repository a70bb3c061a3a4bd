// Package statsd is the statsd output of k6 v0.54.0 (output/statsd/config.go, output/statsd/output.go,
// output/helpers.go), sending through the DataDog statsd client k6 pins, so the wire format (value
// formatting, `|#tags`, buffering, 1432-byte packets) is the client's own.
package statsd

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/DataDog/datadog-go/statsd"
	"gopkg.in/guregu/null.v3"

	"continuous-load.test/k6-runner/internal/metrics"
	"continuous-load.test/k6-runner/internal/netext"
	"continuous-load.test/k6-runner/internal/options"
)

// Config is k6's output/statsd config.
type Config struct {
	Addr         null.String
	BufferSize   null.Int
	Namespace    null.String
	PushInterval options.NullDuration
	TagBlocklist map[string]bool
	EnableTags   null.Bool
}

// k6 v0.54.0 output/statsd/config.go newConfig: the defaults.
func newConfig() Config {
	return Config{
		Addr:         null.NewString("localhost:8125", false),
		BufferSize:   null.NewInt(20, false),
		Namespace:    null.NewString("k6.", false),
		PushInterval: options.NewNullDuration(time.Second, false),
		TagBlocklist: map[string]bool{"vu": true, "iter": true, "url": true},
		EnableTags:   null.NewBool(false, false),
	}
}

// ParseError is mstoykov/envconfig's ParseError text, which k6 returns for a bad env value.
type ParseError struct {
	Key, Field, Type, Value string
	Err                     error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("envconfig.Process: assigning %s to %s: converting '%s' to type %s. details: %s",
		e.Key, e.Field, e.Value, e.Type, e.Err)
}

// ConfigFromEnv consolidates the config as k6 v0.54.0 output/statsd/config.go getConsolidatedConfig
// does with no JSON config: defaults, then every K6_STATSD_* variable present in env (envconfig
// decodes through each field type's UnmarshalText; a set but empty variable unsets null fields).
func ConfigFromEnv(env map[string]string) (Config, error) {
	c := newConfig()
	var e Config
	type field struct {
		key, name, typ string
		set            func(string) error
		apply          func()
	}
	fields := []field{
		{"K6_STATSD_ADDR", "Addr", "null.String", func(v string) error { return e.Addr.UnmarshalText([]byte(v)) },
			func() {
				if e.Addr.Valid {
					c.Addr = e.Addr
				}
			}},
		{"K6_STATSD_BUFFER_SIZE", "BufferSize", "null.Int", func(v string) error { return e.BufferSize.UnmarshalText([]byte(v)) },
			func() {
				if e.BufferSize.Valid {
					c.BufferSize = e.BufferSize
				}
			}},
		{"K6_STATSD_NAMESPACE", "Namespace", "null.String", func(v string) error { return e.Namespace.UnmarshalText([]byte(v)) },
			func() {
				if e.Namespace.Valid {
					c.Namespace = e.Namespace
				}
			}},
		{"K6_STATSD_PUSH_INTERVAL", "PushInterval", "types.NullDuration", func(v string) error { return e.PushInterval.UnmarshalText([]byte(v)) },
			func() {
				if e.PushInterval.Valid {
					c.PushInterval = e.PushInterval
				}
			}},
		// metrics.EnabledTags.UnmarshalText: comma-separated, trimmed, empty items skipped; a set
		// variable (even empty) replaces the default blocklist (config.Apply checks != nil).
		{"K6_STATSD_TAG_BLOCKLIST", "TagBlocklist", "metrics.EnabledTags", func(v string) error {
			e.TagBlocklist = map[string]bool{}
			for _, k := range strings.Split(v, ",") {
				if k = strings.TrimSpace(k); k != "" {
					e.TagBlocklist[k] = true
				}
			}
			return nil
		}, func() {
			if e.TagBlocklist != nil {
				c.TagBlocklist = e.TagBlocklist
			}
		}},
		{"K6_STATSD_ENABLE_TAGS", "EnableTags", "null.Bool", func(v string) error { return e.EnableTags.UnmarshalText([]byte(v)) },
			func() {
				if e.EnableTags.Valid {
					c.EnableTags = e.EnableTags
				}
			}},
	}
	for _, f := range fields {
		v, ok := env[f.key]
		if !ok {
			continue
		}
		if err := f.set(v); err != nil {
			return c, &ParseError{Key: f.key, Field: f.name, Type: f.typ, Value: v, Err: err}
		}
	}
	for _, f := range fields {
		f.apply()
	}
	return c, nil
}

// CheckLoopback refuses a statsd address that does not resolve to loopback (a runner limit).
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("K6_STATSD_ADDR %q: %w", addr, err)
	}
	ips, err := netext.SystemResolver(host)
	if err != nil {
		return fmt.Errorf("K6_STATSD_ADDR %q: %w", addr, err)
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return fmt.Errorf("K6_STATSD_ADDR %q resolves to %s: this runner only sends to loopback (127.0.0.0/8, ::1)", addr, ip)
		}
	}
	return nil
}

// Output is the statsd output: a sample buffer, flushed every push interval.
type Output struct {
	cfg    Config
	client *statsd.Client

	mu     sync.Mutex
	buffer []metrics.Samples

	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once
	// Errors counts samples the client refused (logged like k6's warning).
	Errors int
	logf   func(format string, args ...any)
}

// New starts the output as k6 v0.54.0 output/statsd/output.go Output.Start: an empty address is
// an error, then statsd.NewBuffered(addr, bufferSize), the namespace, and a PeriodicFlusher
// (output/helpers.go) with the push interval.
func New(cfg Config, logf func(string, ...any)) (*Output, error) {
	if cfg.Addr.String == "" {
		return nil, fmt.Errorf("connection string is invalid. Received: \"%+s\"", cfg.Addr.String)
	}
	if cfg.PushInterval.Duration <= 0 {
		return nil, fmt.Errorf("metric flush period should be positive but was %s", time.Duration(cfg.PushInterval.Duration))
	}
	client, err := statsd.NewBuffered(cfg.Addr.String, int(cfg.BufferSize.Int64))
	if err != nil {
		return nil, err
	}
	if cfg.Namespace.String != "" {
		client.Namespace = cfg.Namespace.String
	}
	o := &Output{cfg: cfg, client: client, stop: make(chan struct{}), stopped: make(chan struct{}), logf: logf}
	go o.run(time.Duration(cfg.PushInterval.Duration))
	return o, nil
}

// AddMetricSamples buffers samples (output.SampleBuffer).
func (o *Output) AddMetricSamples(s []metrics.Samples) {
	o.mu.Lock()
	o.buffer = append(o.buffer, s...)
	o.mu.Unlock()
}

func (o *Output) run(period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			o.flush()
		case <-o.stop:
			o.flush()
			close(o.stopped)
			return
		}
	}
}

// Stop flushes one last time and closes the client (Output.Stop: periodicFlusher.Stop, client.Close).
func (o *Output) Stop() error {
	o.once.Do(func() { close(o.stop) })
	<-o.stopped
	return o.client.Close()
}

// flush is Output.flushMetrics: dispatch every buffered sample, then client.Flush() when there
// was any.
func (o *Output) flush() {
	o.mu.Lock()
	buf := o.buffer
	o.buffer = nil
	o.mu.Unlock()
	count, errs := 0, 0
	for _, sc := range buf {
		for _, s := range sc {
			count++
			if err := o.dispatch(s); err != nil {
				errs++
			}
		}
	}
	if count > 0 {
		if errs != 0 && o.logf != nil {
			o.logf("Couldn't send %d out of %d metrics. Enable verbose logging with --verbose to see individual errors", errs, count)
		}
		o.Errors += errs
		if err := o.client.Flush(); err != nil && o.logf != nil {
			o.logf("Couldn't flush a batch: %v", err)
		}
	}
}

// ProcessTags is k6 v0.54.0 output/statsd/config.go processTags: key:value for every non-empty
// tag not in the blocklist, in map order (k6 iterates a Go map, so the order is random there too).
func ProcessTags(blocklist map[string]bool, tags map[string]string) []string {
	var res []string
	for k, v := range tags {
		if v != "" && !blocklist[k] {
			res = append(res, k+":"+v)
		}
	}
	return res
}

// dispatch is k6 v0.54.0 output/statsd/output.go Output.dispatch.
func (o *Output) dispatch(s metrics.Sample) error {
	var tagList []string
	if o.cfg.EnableTags.Bool {
		tagList = ProcessTags(o.cfg.TagBlocklist, s.Tags)
	}
	switch s.Metric.Type {
	case metrics.Counter:
		return o.client.Count(s.Metric.Name, int64(s.Value), tagList, 1)
	case metrics.Trend:
		return o.client.TimeInMilliseconds(s.Metric.Name, s.Value, tagList, 1)
	case metrics.Gauge:
		return o.client.Gauge(s.Metric.Name, s.Value, tagList, 1)
	case metrics.Rate:
		if check, ok := s.Tags["check"]; ok {
			label := "pass"
			if s.Value == 0 {
				label = "fail"
			}
			return o.client.Count("check."+check+"."+label, 1, tagList, 1)
		}
		return o.client.Count(s.Metric.Name, int64(s.Value), tagList, 1)
	}
	return fmt.Errorf("unsupported metric type %s", s.Metric.Type)
}
