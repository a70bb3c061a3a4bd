package statsd

import (
	"net"
	"sort"
	"strings"
	"testing"
	"time"

	"continuous-load.test/k6-runner/internal/metrics"
)

func TestConfigFromEnv(t *testing.T) {
	c, err := ConfigFromEnv(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr.String != "localhost:8125" || c.BufferSize.Int64 != 20 || c.Namespace.String != "k6." ||
		c.PushInterval.TimeDuration() != time.Second || c.EnableTags.Bool || len(c.TagBlocklist) != 3 || !c.TagBlocklist["url"] {
		t.Fatalf("defaults: %+v", c)
	}
	c, err = ConfigFromEnv(map[string]string{"K6_STATSD_TAG_BLOCKLIST": " a, ,b", "K6_STATSD_ENABLE_TAGS": "true", "K6_STATSD_PUSH_INTERVAL": "250"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.TagBlocklist) != 2 || !c.TagBlocklist["a"] || !c.EnableTags.Bool || c.PushInterval.TimeDuration() != 250*time.Millisecond {
		t.Fatalf("env: %+v", c)
	}
	_, err = ConfigFromEnv(map[string]string{"K6_STATSD_ENABLE_TAGS": "yes"})
	want := "envconfig.Process: assigning K6_STATSD_ENABLE_TAGS to EnableTags: converting 'yes' to type null.Bool. details: invalid input:yes"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v", err)
	}
	_, err = ConfigFromEnv(map[string]string{"K6_STATSD_BUFFER_SIZE": "x"})
	if err == nil || !strings.HasPrefix(err.Error(), "envconfig.Process: assigning K6_STATSD_BUFFER_SIZE to BufferSize: converting 'x' to type null.Int.") {
		t.Fatalf("got %v", err)
	}
}

// The lines the real datadog-go client writes for each metric type, after one flush.
func TestDispatchWireFormat(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	cfg, _ := ConfigFromEnv(map[string]string{
		"K6_STATSD_ADDR": pc.LocalAddr().String(), "K6_STATSD_ENABLE_TAGS": "true", "K6_STATSD_PUSH_INTERVAL": "50ms",
		"K6_STATSD_TAG_BLOCKLIST": "url",
	})
	o, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	reg := metrics.NewRegistry()
	b := metrics.RegisterBuiltin(reg)
	now := time.Now()
	tags := metrics.Tags{"scenario": "s", "url": "http://x", "empty": ""}
	o.AddMetricSamples([]metrics.Samples{{
		{Metric: b.HTTPReqs, Tags: tags, Time: now, Value: 1},
		{Metric: b.HTTPReqDuration, Tags: tags, Time: now, Value: 1.25},
		{Metric: b.VUs, Tags: metrics.Tags{}, Time: now, Value: 3},
		{Metric: b.HTTPReqFailed, Tags: tags, Time: now, Value: 1},
		{Metric: b.Checks, Tags: tags.With("check", "status"), Time: now, Value: 0},
		{Metric: b.Checks, Tags: tags.With("check", "body"), Time: now, Value: 1},
	}})
	if err := o.Stop(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	buf := make([]byte, 65536)
	_ = pc.SetReadDeadline(time.Now().Add(2 * time.Second))
	for len(lines) < 6 {
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatalf("after %q: %v", lines, err)
		}
		lines = append(lines, strings.Split(string(buf[:n]), "\n")...)
	}
	// Tag order is Go map order in k6 too (processTags); compare with sorted tags.
	for i, l := range lines {
		if j := strings.Index(l, "|#"); j >= 0 {
			ts := strings.Split(l[j+2:], ",")
			sort.Strings(ts)
			lines[i] = l[:j+2] + strings.Join(ts, ",")
		}
	}
	want := []string{
		"k6.http_reqs:1|c|#scenario:s",
		"k6.http_req_duration:1.250000|ms|#scenario:s",
		"k6.vus:3.000000|g",
		"k6.http_req_failed:1|c|#scenario:s",
		"k6.check.status.fail:1|c|#check:status,scenario:s",
		"k6.check.body.pass:1|c|#check:body,scenario:s",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestStartErrors(t *testing.T) {
	// An empty K6_STATSD_ADDR leaves the default (null.String: "" is null); only a config whose
	// address is empty reaches Start's check.
	cfg, _ := ConfigFromEnv(map[string]string{"K6_STATSD_ADDR": ""})
	if cfg.Addr.String != "localhost:8125" {
		t.Fatalf("got %q", cfg.Addr.String)
	}
	cfg.Addr.String = ""
	if _, err := New(cfg, nil); err == nil || err.Error() != `connection string is invalid. Received: ""` {
		t.Fatalf("got %v", err)
	}
	if err := CheckLoopback("127.0.0.1:8125"); err != nil {
		t.Fatal(err)
	}
	if err := CheckLoopback("192.0.2.1:8125"); err == nil {
		t.Fatal("want an error for a non-loopback address")
	}
}
