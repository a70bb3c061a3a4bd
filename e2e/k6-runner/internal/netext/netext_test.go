package netext

import (
	"errors"
	"net"
	"testing"

	"golang.org/x/net/dns/dnsmessage"

	"continuous-load.test/k6-runner/internal/options"
)

// dnsServer answers A queries for svc. with two loopback addresses and NXDOMAIN otherwise;
// it counts the queries.
func dnsServer(t *testing.T) (addr string, queries *int) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	n := 0
	go func() {
		buf := make([]byte, 1500)
		for {
			l, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var m dnsmessage.Message
			if m.Unpack(buf[:l]) != nil {
				continue
			}
			q := m.Questions[0]
			if q.Type == dnsmessage.TypeA {
				n++
			}
			resp := dnsmessage.Message{Header: dnsmessage.Header{ID: m.Header.ID, Response: true}, Questions: m.Questions}
			if q.Name.String() != "svc." {
				resp.Header.RCode = dnsmessage.RCodeNameError
			} else if q.Type == dnsmessage.TypeA {
				for _, ip := range [][4]byte{{127, 0, 0, 2}, {127, 0, 0, 3}} {
					resp.Answers = append(resp.Answers, dnsmessage.Resource{
						Header: dnsmessage.ResourceHeader{Name: q.Name, Type: q.Type, Class: q.Class},
						Body:   &dnsmessage.AResource{A: ip},
					})
				}
			}
			b, _ := resp.Pack()
			_, _ = pc.WriteTo(b, from)
		}
	}()
	return pc.LocalAddr().String(), &n
}

func TestResolverRoundRobinNoCache(t *testing.T) {
	addr, queries := dnsServer(t)
	r := NewResolver(DNSServerResolver(addr), 0, options.DNSRoundRobin, options.DNSPreferIPv4)
	var got []string
	for i := 0; i < 3; i++ {
		ip, err := r.LookupIP("svc")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ip.String())
	}
	if got[0] != "127.0.0.2" || got[1] != "127.0.0.3" || got[2] != "127.0.0.2" || *queries != 3 {
		t.Fatalf("got %v after %d queries", got, *queries)
	}
	_, err := r.LookupIP("nope")
	var de *net.DNSError
	if !errors.As(err, &de) || de.Err != "no such host" {
		t.Fatalf("got %v", err)
	}
}

func TestResolverCacheAndPolicy(t *testing.T) {
	addr, queries := dnsServer(t)
	r := NewResolver(DNSServerResolver(addr), 60e9, options.DNSFirst, options.DNSOnlyIPv6)
	ip, err := r.LookupIP("svc")
	if err != nil || ip != nil {
		t.Fatalf("onlyIPv6 of IPv4 answers: %v %v", ip, err)
	}
	_, _ = r.LookupIP("svc")
	if *queries != 1 {
		t.Fatalf("%d queries with a 60s ttl", *queries)
	}
}

func TestDialerHostsAndLoopbackGuard(t *testing.T) {
	hosts, err := options.NewHosts(map[string]string{"svc:80": "127.0.0.1:8080", "other": "127.0.0.5", "far": "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	d := &Dialer{Hosts: hosts, Resolver: NewResolver(func(string) ([]net.IP, error) { return []net.IP{net.ParseIP("10.1.2.3")}, nil }, 0, options.DNSFirst, options.DNSAny)}
	for in, want := range map[string]string{"svc:80": "127.0.0.1:8080", "other:81": "127.0.0.5:81", "127.0.0.9:1": "127.0.0.9:1", "[::1]:5": "[::1]:5"} {
		got, err := d.GetDialAddr(in)
		if err != nil || got != want {
			t.Errorf("%s: %q %v", in, got, err)
		}
	}
	for _, in := range []string{"far:80", "resolved:80", "192.0.2.7:80"} {
		_, err := d.GetDialAddr(in)
		var be BlackListedIPError
		if !errors.As(err, &be) {
			t.Errorf("%s: want BlackListedIPError, got %v", in, err)
		}
	}
}

func TestBlacklistAndBlockedHostnames(t *testing.T) {
	var n options.IPNet
	if err := n.UnmarshalText([]byte("127.0.0.64/26")); err != nil {
		t.Fatal(err)
	}
	trie, err := options.NewHostnameTrie([]string{"*.blocked.test", "exact.test"})
	if err != nil {
		t.Fatal(err)
	}
	d := &Dialer{Blacklist: []*options.IPNet{&n}, BlockedHostnames: trie,
		Resolver: NewResolver(func(string) ([]net.IP, error) { return []net.IP{net.ParseIP("127.0.0.1")}, nil }, 0, options.DNSFirst, options.DNSAny)}
	_, err = d.GetDialAddr("127.0.0.70:80")
	var be BlackListedIPError
	if !errors.As(err, &be) || be.Net != "127.0.0.64/26" {
		t.Fatalf("got %v", err)
	}
	for _, h := range []string{"a.blocked.test:80", "EXACT.test:1"} {
		_, err = d.GetDialAddr(h)
		var bh BlockedHostError
		if !errors.As(err, &bh) {
			t.Fatalf("%s: got %v", h, err)
		}
	}
	if _, err := d.GetDialAddr("ok.test:80"); err != nil {
		t.Fatal(err)
	}
	if err := n.UnmarshalText([]byte("nope")); err == nil || err.Error() != "failed to parse CIDR 'nope': invalid CIDR address: nope" {
		t.Fatalf("got %v", err)
	}
}
