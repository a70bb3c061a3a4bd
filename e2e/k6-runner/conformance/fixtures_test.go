package conformance

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/reflection"
)

// httpFixture is a loopback HTTP server that counts requests and new TCP connections.
type httpFixture struct {
	srv      *httptest.Server
	conns    atomic.Int64
	requests atomic.Int64
	// onStop runs when /stop is requested, before the answer.
	onStop func()
}

// newHTTPFixture serves:
//
//	/ok, /api/info  200 "ok"
//	/api/echo       the request body (podinfo's echo)
//	/redirect       302 to /ok?from=redirect
//	/env            podinfo's /env shape: a JSON array of KEY=value with NODE_NAME=node-a
//	/slow           200 after 600ms (bounded by the request's context)
//	/stop           runs onStop, then 200
func newHTTPFixture(t *testing.T) *httpFixture {
	t.Helper()
	f := &httpFixture{}
	mux := http.NewServeMux()
	ok := func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok"))
	}
	mux.HandleFunc("/ok", ok)
	mux.HandleFunc("/api/info", ok)
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ok?from=redirect", http.StatusFound)
	})
	mux.HandleFunc("/api/echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.Copy(w, io.LimitReader(r.Body, 1<<20))
	})
	mux.HandleFunc("/env", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`["PATH=/usr/bin","NODE_NAME=node-a","HOSTNAME=podinfo-0"]`))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(600 * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		_, _ = w.Write([]byte("slow"))
	})
	mux.HandleFunc("/stop", func(w http.ResponseWriter, r *http.Request) {
		if f.onStop != nil {
			f.onStop()
		}
		_, _ = w.Write([]byte("stopped"))
	})
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		mux.ServeHTTP(w, r)
	}))
	f.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			f.conns.Add(1)
		}
	}
	f.srv.Start() // httptest listens on 127.0.0.1:0
	t.Cleanup(f.srv.Close)
	return f
}

func (f *httpFixture) hostPort() string { return f.srv.Listener.Addr().String() }

// newHangFixture accepts TCP connections on 127.0.0.1, reads whatever is sent and never answers.
func newHangFixture(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go func() { _, _ = io.Copy(io.Discard, c) }()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// closedPort returns 127.0.0.1:<port> where connects are refused: a TCP socket bound to the port but not
// listening, held until the test ends, so no other fixture of the parallel cases can take the port.
func closedPort(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socket: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("bind 127.0.0.1:0: %v", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatalf("getsockname: %v", err)
	}
	return fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
}

// dnsFixture is a UDP DNS server on 127.0.0.1. It answers every question with one rcode and no
// records, or, for the names it knows, A 127.0.0.1 (and no AAAA record), counting A questions per name.
type dnsFixture struct {
	addr    string
	queries atomic.Int64
	known   map[string]bool
	mu      sync.Mutex
	aByName map[string]int64
}

func (f *dnsFixture) aQueries(name string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.aByName[name]
}

// newDNSFixtureAnswering answers A 127.0.0.1 for names, NXDOMAIN for anything else.
func newDNSFixtureAnswering(t *testing.T, names []string) *dnsFixture {
	known := map[string]bool{}
	for _, n := range names {
		known[n] = true
	}
	return startDNSFixture(t, dnsmessage.RCodeNameError, known)
}

func newDNSFixture(t *testing.T, rcode dnsmessage.RCode) *dnsFixture {
	return startDNSFixture(t, rcode, nil)
}

func startDNSFixture(t *testing.T, rcode dnsmessage.RCode, known map[string]bool) *dnsFixture {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	f := &dnsFixture{addr: conn.LocalAddr().String(), known: known, aByName: map[string]int64{}}
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			qs, err := p.AllQuestions()
			if err != nil {
				continue
			}
			f.queries.Add(1)
			code := rcode
			var answerA []dnsmessage.Question
			for _, q := range qs {
				name := strings.TrimSuffix(strings.ToLower(q.Name.String()), ".")
				if !f.known[name] {
					continue
				}
				code = dnsmessage.RCodeSuccess
				if q.Type == dnsmessage.TypeA {
					f.mu.Lock()
					f.aByName[name]++
					f.mu.Unlock()
					answerA = append(answerA, q)
				}
			}
			b := dnsmessage.NewBuilder(nil, dnsmessage.Header{
				ID: h.ID, Response: true, OpCode: h.OpCode, RecursionDesired: h.RecursionDesired,
				RecursionAvailable: true, Authoritative: true, RCode: code,
			})
			if err := b.StartQuestions(); err != nil {
				continue
			}
			for _, q := range qs {
				_ = b.Question(q)
			}
			if err := b.StartAnswers(); err != nil {
				continue
			}
			for _, q := range answerA {
				_ = b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: 0},
					dnsmessage.AResource{A: [4]byte{127, 0, 0, 1}})
			}
			msg, err := b.Finish()
			if err != nil {
				continue
			}
			_, _ = conn.WriteToUDP(msg, from)
		}
	}()
	t.Cleanup(func() { conn.Close() })
	return f
}

// grpcFixture is a loopback grpc-go server with the health service, grpc.testing.TestService and server reflection
// (v1 and v1alpha, as grpc-go's reflection.Register does), like podinfo's gRPC port.
type grpcFixture struct {
	addr   string
	srv    *grpc.Server
	health *health.Server
	stop   sync.Once
}

// slowHealth holds Check for the service "slow" for 1.5s, whatever the deadline, so the client's own
// deadline (300ms in the scripts) is what ends the RPC. Returning at the server-side deadline (which
// grpc-timeout puts a few microseconds after the client's) would race the client's context timer: the
// client could receive the server's DEADLINE_EXCEEDED while its ctx is not done yet, and k6's
// PushIfNotDone would then push a sample.
type slowHealth struct {
	*health.Server
}

func (h slowHealth) Check(ctx context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	if req.GetService() == "slow" {
		time.Sleep(1500 * time.Millisecond)
	}
	return h.Server.Check(ctx, req)
}

func newGRPCFixture(t *testing.T) *grpcFixture { return startGRPCFixture(t, true) }

// newGRPCFixtureWithoutReflection is the same server without the reflection service.
func newGRPCFixtureWithoutReflection(t *testing.T) *grpcFixture { return startGRPCFixture(t, false) }

func startGRPCFixture(t *testing.T, withReflection bool) *grpcFixture {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &grpcFixture{addr: l.Addr().String(), srv: grpc.NewServer(), health: health.NewServer()}
	f.health.SetServingStatus("podinfo", healthpb.HealthCheckResponse_SERVING)
	f.health.SetServingStatus("slow", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(f.srv, slowHealth{f.health})
	testgrpc.RegisterTestServiceServer(f.srv, emptyCallServer{})
	if withReflection {
		reflection.Register(f.srv)
	}
	go func() { _ = f.srv.Serve(l) }()
	t.Cleanup(f.Stop)
	return f
}

// emptyCallServer answers grpc.testing.TestService/EmptyCall: a unary method besides health, like
// podinfo's version service in dist's gRPC flow.
type emptyCallServer struct {
	testgrpc.UnimplementedTestServiceServer
}

func (emptyCallServer) EmptyCall(context.Context, *testpb.Empty) (*testpb.Empty, error) {
	return &testpb.Empty{}, nil
}

// Stop closes the listener and every connection (grpc.Server.Stop); later RPCs fail with Unavailable.
func (f *grpcFixture) Stop() { f.stop.Do(f.srv.Stop) }

func hostsJSON(m map[string]string) string {
	s := "{"
	first := true
	for k, v := range m {
		if !first {
			s += ","
		}
		first = false
		s += fmt.Sprintf("%q:%q", k, v)
	}
	return s + "}"
}
