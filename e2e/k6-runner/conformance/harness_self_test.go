package conformance

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/DataDog/datadog-go/statsd"
	"golang.org/x/net/dns/dnsmessage"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// The harness itself is checked against the datadog-go client k6 v0.54.0 pins (the one its statsd
// output writes with), so a failing conformance case is the runner's, not the parser's.
func TestHarnessReadsDatadogGo(t *testing.T) {
	t.Parallel()
	col := newCollector(t)
	c, err := statsd.NewBuffered(col.addr(), defaultBufferSize)
	if err != nil {
		t.Fatal(err)
	}
	c.Namespace = "k6."
	tags := []string{"status:200", "method:GET", "name:http://127.0.0.1:1/ok?a=b", "scenario:web"}
	const n = 45
	for i := 0; i < n; i++ {
		if err := c.Count("http_reqs", 1, tags, 1); err != nil {
			t.Fatal(err)
		}
		if err := c.TimeInMilliseconds("http_req_duration", 1.5, tags, 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Gauge("vus", 3, nil, 1); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	r := &result{packets: col.stop()}
	r.lines = checkPackets(t, r.packets, defaultBufferSize)
	want := map[string]string{"status": "200", "method": "GET", "name": "http://127.0.0.1:1/ok?a=b", "scenario": "web"}
	expectAllValues(t, expectLines(t, r, "k6.http_reqs", "c", want, n, n), "1")
	expectAllValues(t, expectLines(t, r, "k6.http_req_duration", "ms", want, n, n), "1.500000")
	expectAllValues(t, expectLines(t, r, "k6.vus", "g", map[string]string{}, 1, 1), "3.000000")
	if len(r.packets) < (2*n+1)/defaultBufferSize {
		t.Errorf("%d datagrams for %d lines", len(r.packets), 2*n+1)
	}
}

func TestHarnessRejectsMalformedLines(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"k6.x", "k6.x|c", "k6.x:1|c|#a", "k6.x:1|c|#a:1,a:2", "k6.x:abc|c", "k6.x:1|c|zz"} {
		if _, err := parseLine(s); err == nil {
			t.Errorf("parseLine(%q) accepted a malformed line", s)
		}
	}
	l, err := parseLine("k6.check.a:b.pass:1|c|#error:dial: refused,scenario:s")
	if err != nil {
		t.Fatal(err)
	}
	if l.name != "k6.check.a:b.pass" || l.value != "1" || l.tags["error"] != "dial: refused" || l.tags["scenario"] != "s" {
		t.Errorf("parsed %+v", l)
	}
}

// The DNS fixture answers the way k6's error mapping expects from Go's resolver (net.LookupIP).
func TestHarnessDNSFixture(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rcode dnsmessage.RCode
		err   string
	}{{dnsmessage.RCodeNameError, "no such host"}, {dnsmessage.RCodeServerFailure, "server misbehaving"}} {
		f := newDNSFixture(t, tc.rcode)
		res := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", f.addr)
		}}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := res.LookupIP(ctx, "ip", "x.conformance.test")
		cancel()
		var dnsErr *net.DNSError
		if !errors.As(err, &dnsErr) || dnsErr.Err != tc.err {
			t.Errorf("rcode %v: lookup error %v, want a *net.DNSError %q", tc.rcode, err, tc.err)
		}
	}
}

// The gRPC fixture gives the statuses the gRPC cases rely on: 0, DeadlineExceeded for "slow",
// Unavailable after Stop.
func TestHarnessGRPCFixture(t *testing.T) {
	t.Parallel()
	f := newGRPCFixture(t)
	conn, err := grpc.NewClient(f.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	hc := healthpb.NewHealthClient(conn)
	call := func(service string, timeout time.Duration) codes.Code {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		_, err := hc.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
		return status.Code(err)
	}
	if c := call("podinfo", 5*time.Second); c != codes.OK {
		t.Errorf("podinfo: %v", c)
	}
	if c := call("slow", 200*time.Millisecond); c != codes.DeadlineExceeded {
		t.Errorf("slow: %v", c)
	}
	f.Stop()
	if c := call("podinfo", 2*time.Second); c != codes.Unavailable {
		t.Errorf("after Stop: %v", c)
	}
}

// The hang fixture never answers, the closed port refuses.
func TestHarnessTCPFixtures(t *testing.T) {
	t.Parallel()
	hang := newHangFixture(t)
	c, err := net.DialTimeout("tcp", hang, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := c.Read(make([]byte, 10)); n != 0 || err == nil {
		t.Errorf("hang fixture answered: %d bytes, %v", n, err)
	}
	_, err = net.DialTimeout("tcp", closedPort(t), 2*time.Second)
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("closed port: %v, want connection refused", err)
	}
}
