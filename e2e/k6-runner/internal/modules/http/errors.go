package http

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"

	"continuous-load.test/k6-runner/internal/netext"
)

// errCode and the codes and messages of k6 v0.54.0 lib/netext/httpext/error_codes.go.
type errCode uint32

const (
	defaultErrorCode          errCode = 1000
	defaultNetNonTCPErrorCode errCode = 1010
	invalidURLErrorCode       errCode = 1020
	requestTimeoutErrorCode   errCode = 1050
	defaultDNSErrorCode       errCode = 1100
	dnsNoSuchHostErrorCode    errCode = 1101
	blackListedIPErrorCode    errCode = 1110
	blockedHostnameErrorCode  errCode = 1111
	defaultTCPErrorCode       errCode = 1200
	tcpBrokenPipeErrorCode    errCode = 1201
	netUnknownErrnoErrorCode  errCode = 1202
	tcpDialErrorCode          errCode = 1210
	tcpDialTimeoutErrorCode   errCode = 1211
	tcpDialRefusedErrorCode   errCode = 1212
	tcpDialUnknownErrnoCode   errCode = 1213
	tcpResetByPeerErrorCode   errCode = 1220
	tlsHeaderErrorCode        errCode = 1301
	x509UnknownAuthorityCode  errCode = 1310
	x509HostnameErrorCode     errCode = 1311
)

const (
	tcpResetByPeerErrorCodeMsg  = "%s: connection reset by peer"
	tcpDialTimeoutErrorCodeMsg  = "dial: i/o timeout"
	tcpDialRefusedErrorCodeMsg  = "dial: connection refused"
	tcpBrokenPipeErrorCodeMsg   = "%s: broken pipe"
	netUnknownErrnoErrorCodeMsg = "%s: unknown errno `%d` on %s with message `%s`"
	dnsNoSuchHostErrorCodeMsg   = "lookup: no such host"
	blackListedIPErrorCodeMsg   = "ip is blacklisted"
	blockedHostnameErrorMsg     = "hostname is blocked"
	x509HostnameErrorCodeMsg    = "x509: certificate doesn't match hostname"
	x509UnknownAuthority        = "x509: unknown authority"
	requestTimeoutErrorCodeMsg  = "request timeout"
	invalidURLErrorCodeMsg      = "invalid URL"
)

// k6Error is httpext.K6Error.
type k6Error struct {
	Code          errCode
	Message       string
	OriginalError error
}

func (e k6Error) Error() string { return e.Message }
func (e k6Error) Unwrap() error { return e.OriginalError }

// errorCodeForNetOpError is httpext.errorCodeForNetOpError (linux: no OS-specific syscall codes).
func errorCodeForNetOpError(err *net.OpError) (errCode, string) {
	if err.Net != "tcp" && err.Net != "tcp6" {
		return defaultNetNonTCPErrorCode, err.Error()
	}
	if sErr, ok := err.Err.(*os.SyscallError); ok { //nolint:errorlint
		switch sErr.Unwrap() { //nolint:errorlint
		case syscall.ECONNRESET:
			return tcpResetByPeerErrorCode, fmt.Sprintf(tcpResetByPeerErrorCodeMsg, err.Op)
		case syscall.EPIPE:
			return tcpBrokenPipeErrorCode, fmt.Sprintf(tcpBrokenPipeErrorCodeMsg, err.Op)
		}
	}
	if err.Op != "dial" {
		switch inErr := err.Err.(type) { //nolint:errorlint
		case syscall.Errno:
			return netUnknownErrnoErrorCode,
				fmt.Sprintf(netUnknownErrnoErrorCodeMsg, err.Op, int(inErr), "linux", inErr.Error())
		default:
			return defaultTCPErrorCode, err.Error()
		}
	}
	if iErr, ok := err.Err.(*os.SyscallError); ok { //nolint:errorlint
		if errno, ok := iErr.Err.(syscall.Errno); ok { //nolint:errorlint
			if errno == syscall.ECONNREFUSED {
				return tcpDialRefusedErrorCode, tcpDialRefusedErrorCodeMsg
			}
			return tcpDialUnknownErrnoCode, fmt.Sprintf("dial: unknown errno %d error with msg `%s`", errno, iErr.Err)
		}
	}
	if wrapped := errors.Unwrap(err); wrapped != nil {
		c, m := errorCodeForError(wrapped)
		if c != defaultErrorCode {
			return c, m
		}
	}
	return tcpDialErrorCode, err.Error()
}

// errorCodeForError is httpext.errorCodeForError (without the HTTP/2 error types: this runner's
// transport speaks HTTP/1.1 only).
func errorCodeForError(err error) (errCode, string) {
	switch e := err.(type) { //nolint:errorlint
	case k6Error:
		return e.Code, e.Message
	case *net.DNSError:
		if e.Err == "no such host" {
			return dnsNoSuchHostErrorCode, dnsNoSuchHostErrorCodeMsg
		}
		return defaultDNSErrorCode, err.Error()
	case netext.BlackListedIPError:
		return blackListedIPErrorCode, blackListedIPErrorCodeMsg
	case netext.BlockedHostError:
		return blockedHostnameErrorCode, blockedHostnameErrorMsg
	case *net.OpError:
		return errorCodeForNetOpError(e)
	case x509.UnknownAuthorityError:
		return x509UnknownAuthorityCode, x509UnknownAuthority
	case x509.HostnameError:
		return x509HostnameErrorCode, x509HostnameErrorCodeMsg
	case tls.RecordHeaderError:
		return tlsHeaderErrorCode, err.Error()
	case *url.Error:
		return errorCodeForError(e.Err)
	default:
		if w := errors.Unwrap(err); w != nil {
			return errorCodeForError(w)
		}
		return defaultErrorCode, err.Error()
	}
}

// quoteField quotes a log field value as logrus' text formatter does when it needs quoting.
func quoteField(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._/@^+", r)) {
			return strconv.Quote(s)
		}
	}
	return s
}
