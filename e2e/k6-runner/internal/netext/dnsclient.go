package netext

import (
	"context"
	"errors"
	"math/rand"
	"net"
	"strings"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// DNSServerResolver resolves names by asking one DNS server over UDP for A and AAAA records
// (runner-only --dns-server): no /etc/hosts, no search domains, so a test's DNS server sees
// exactly the names the script uses. Errors are *net.DNSError like Go's resolver returns, so
// k6's error codes apply (1101 for "no such host", 1100 otherwise).
func DNSServerResolver(server string) MultiResolver {
	return func(host string) ([]net.IP, error) {
		var ips []net.IP
		for _, qt := range []dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeAAAA} {
			got, _, err := queryDNS(server, host, qt)
			if err != nil {
				// As Go's resolver: a timeout is a DNSError with IsTimeout (net.Error.Timeout()).
				return nil, &net.DNSError{Err: err.Error(), Name: host, Server: server, IsTimeout: errors.Is(err, errDNSTimeout)}
			}
			ips = append(ips, got...)
		}
		if len(ips) == 0 {
			return nil, &net.DNSError{Err: "no such host", Name: host, Server: server, IsNotFound: true}
		}
		return ips, nil
	}
}

var errDNSTimeout = errors.New("i/o timeout")

func queryDNS(server, host string, qt dnsmessage.Type) (ips []net.IP, nxdomain bool, err error) {
	fqdn := host
	if !strings.HasSuffix(fqdn, ".") {
		fqdn += "."
	}
	name, err := dnsmessage.NewName(fqdn)
	if err != nil {
		return nil, false, err
	}
	id := uint16(rand.Intn(1 << 16)) //nolint:gosec
	msg := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: id, RecursionDesired: true},
		Questions: []dnsmessage.Question{{Name: name, Type: qt, Class: dnsmessage.ClassINET}},
	}
	packed, err := msg.Pack()
	if err != nil {
		return nil, false, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", server)
	if err != nil {
		return nil, false, err
	}
	defer func() { _ = conn.Close() }()
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	if _, err := conn.Write(packed); err != nil {
		return nil, false, err
	}
	buf := make([]byte, 65535)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return nil, false, errDNSTimeout
			}
			return nil, false, err
		}
		var resp dnsmessage.Message
		if err := resp.Unpack(buf[:n]); err != nil || resp.Header.ID != id || !resp.Header.Response {
			continue // not our answer
		}
		switch resp.Header.RCode {
		case dnsmessage.RCodeSuccess:
		case dnsmessage.RCodeNameError:
			return nil, true, nil
		default:
			// Go's resolver reports any other rcode as errServerMisbehaving.
			return nil, false, errors.New("server misbehaving")
		}
		for _, a := range resp.Answers {
			switch b := a.Body.(type) {
			case *dnsmessage.AResource:
				ips = append(ips, net.IP(append([]byte(nil), b.A[:]...)))
			case *dnsmessage.AAAAResource:
				ips = append(ips, net.IP(append([]byte(nil), b.AAAA[:]...)))
			}
		}
		return ips, false, nil
	}
}
