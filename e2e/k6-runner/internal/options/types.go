// Package options decodes and validates a script's exported options like k6 v0.54.0 (lib/options.go,
// lib/executors.go, lib/executor/*_config.go, lib/types): the exported JS object goes through
// JSON into Go types with guregu null values, and validation errors read as k6's.
package options

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Duration is k6's types.Duration.
type Duration time.Duration

// ParseExtendedDuration is k6 v0.54.0 lib/types/types.go ParseExtendedDuration: a bare number is
// milliseconds, "Nd" days are allowed, else time.ParseDuration.
func ParseExtendedDuration(data string) (time.Duration, error) {
	if t, errp := strconv.ParseFloat(data, 64); errp == nil {
		return time.Duration(t * float64(time.Millisecond)), nil
	}
	dPos := strings.IndexByte(data, 'd')
	if dPos < 0 {
		return time.ParseDuration(data)
	}
	var hours time.Duration
	var err error
	if dPos+1 < len(data) {
		hours, err = time.ParseDuration(data[dPos+1:])
		if err != nil {
			return 0, err
		}
		if hours < 0 {
			return 0, fmt.Errorf("invalid time format '%s'", data[dPos+1:])
		}
	}
	days, err := strconv.ParseInt(data[:dPos], 10, 64)
	if err != nil {
		return 0, err
	}
	if days < 0 {
		hours = -hours
	}
	return time.Duration(days)*24*time.Hour + hours, nil
}

// String is time.Duration's.
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalText as types.Duration.UnmarshalText.
func (d *Duration) UnmarshalText(data []byte) error {
	v, err := ParseExtendedDuration(string(data))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// UnmarshalJSON as types.Duration.UnmarshalJSON: a string is parsed, a number is milliseconds.
func (d *Duration) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		var str string
		if err := json.Unmarshal(data, &str); err != nil {
			return err
		}
		v, err := ParseExtendedDuration(str)
		if err != nil {
			return err
		}
		*d = Duration(v)
	} else if t, errp := strconv.ParseFloat(string(data), 64); errp == nil {
		*d = Duration(t * float64(time.Millisecond))
	} else {
		return fmt.Errorf("'%s' is not a valid duration value", string(data))
	}
	return nil
}

// MarshalJSON as types.Duration.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// NullDuration is k6's types.NullDuration.
type NullDuration struct {
	Duration
	Valid bool
}

// NewNullDuration returns a NullDuration.
func NewNullDuration(d time.Duration, valid bool) NullDuration {
	return NullDuration{Duration(d), valid}
}

// UnmarshalText as types.NullDuration.UnmarshalText (empty = null).
func (d *NullDuration) UnmarshalText(data []byte) error {
	if len(data) == 0 {
		*d = NullDuration{}
		return nil
	}
	if err := d.Duration.UnmarshalText(data); err != nil {
		return err
	}
	d.Valid = true
	return nil
}

// UnmarshalJSON as types.NullDuration.UnmarshalJSON.
func (d *NullDuration) UnmarshalJSON(data []byte) error {
	if bytes.Equal(data, []byte(`null`)) {
		d.Valid = false
		return nil
	}
	if err := json.Unmarshal(data, &d.Duration); err != nil {
		return err
	}
	d.Valid = true
	return nil
}

// MarshalJSON as types.NullDuration.
func (d NullDuration) MarshalJSON() ([]byte, error) {
	if !d.Valid {
		return []byte(`null`), nil
	}
	return d.Duration.MarshalJSON()
}

// TimeDuration returns the time.Duration.
func (d NullDuration) TimeDuration() time.Duration { return time.Duration(d.Duration) }

// Host is k6's types.Host: an IP and an optional port.
type Host struct {
	IP   net.IP
	Port int
}

// String is "ip:port" (JoinHostPort) or the IP alone when no port.
func (h Host) String() string {
	if h.Port == 0 {
		return h.IP.String()
	}
	return net.JoinHostPort(h.IP.String(), strconv.Itoa(h.Port))
}

// ParseHost is k6 v0.54.0 lib/types/hosts.go NewHostFromString / NewHost: "ip" or "ip:port".
func ParseHost(s string) (Host, error) {
	ip := net.ParseIP(s)
	if ip != nil {
		return Host{IP: ip}, nil
	}
	h, p, err := net.SplitHostPort(s)
	if err != nil {
		return Host{}, fmt.Errorf("invalid IP address: %s", s)
	}
	ip = net.ParseIP(h)
	if ip == nil {
		return Host{}, fmt.Errorf("invalid IP address: %s", h)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return Host{}, err
	}
	if port < 0 || port > 65535 {
		return Host{}, fmt.Errorf("invalid port %d: must be between 0 and 65535", port)
	}
	return Host{IP: ip, Port: port}, nil
}

// Hosts is k6's types.Hosts: lower-cased names ("name" or "name:port", a leading "*" matches any
// prefix) mapped to hosts.
type Hosts struct {
	source map[string]Host
}

// NewHosts builds Hosts from name -> "ip" / "ip:port" strings (types.NullHosts.UnmarshalJSON).
func NewHosts(src map[string]string) (*Hosts, error) {
	h := &Hosts{source: map[string]Host{}}
	for k, v := range src {
		host, err := ParseHost(v)
		if err != nil {
			return nil, err
		}
		k = strings.ToLower(k)
		if err := validHostPattern(k); err != nil {
			return nil, err
		}
		h.source[k] = host
	}
	return h, nil
}

// k6 v0.54.0 lib/types/hostnametrie.go isValidHostPattern: a leading '*' only, then a name.
func validHostPattern(s string) error {
	if len(s) == 0 {
		return fmt.Errorf("invalid host pattern: empty")
	}
	rest := s
	if rest[0] == '*' {
		rest = rest[1:]
	}
	if strings.Contains(rest, "*") {
		return fmt.Errorf("invalid host pattern '%s': '*' is only allowed at the start", s)
	}
	return nil
}

// Merge adds other's entries over h's.
func (h *Hosts) Merge(other *Hosts) *Hosts {
	n := &Hosts{source: map[string]Host{}}
	if h != nil {
		for k, v := range h.source {
			n.source[k] = v
		}
	}
	if other != nil {
		for k, v := range other.source {
			n.source[k] = v
		}
	}
	return n
}

// Match is types.Hosts.Match: an exact entry first, then the longest "*suffix" pattern.
func (h *Hosts) Match(s string) *Host {
	if h == nil {
		return nil
	}
	s = strings.ToLower(s)
	if v, ok := h.source[s]; ok {
		return &v
	}
	best := ""
	for k := range h.source {
		if strings.HasPrefix(k, "*") && strings.HasSuffix(s, k[1:]) && len(k) > len(best) {
			best = k
		}
	}
	if best == "" {
		return nil
	}
	v := h.source[best]
	return &v
}

// UnmarshalJSON decodes a JSON object of strings (types.NullHosts.UnmarshalJSON).
func (h *Hosts) UnmarshalJSON(data []byte) error {
	if bytes.Equal(data, []byte("null")) {
		return nil
	}
	var src map[string]string
	if err := json.Unmarshal(data, &src); err != nil {
		return err
	}
	n, err := NewHosts(src)
	if err != nil {
		return err
	}
	*h = *n
	return nil
}

// DNS select and policy values (lib/types/dns.go and its generated enumer code).
const (
	DNSFirst      = "first"
	DNSRandom     = "random"
	DNSRoundRobin = "roundRobin"

	DNSPreferIPv4 = "preferIPv4"
	DNSPreferIPv6 = "preferIPv6"
	DNSOnlyIPv4   = "onlyIPv4"
	DNSOnlyIPv6   = "onlyIPv6"
	DNSAny        = "any"
)

// DNSConfig is k6's types.DNSConfig (ttl as a string, select, policy).
type DNSConfig struct {
	TTL    string
	Select string
	Policy string
	// set says which were given.
	TTLSet, SelectSet, PolicySet bool
}

// UnmarshalJSON decodes {ttl, select, policy} like types.DNSConfig.UnmarshalJSON, with the
// enumer errors for unknown values.
func (c *DNSConfig) UnmarshalJSON(data []byte) error {
	var raw struct {
		TTL    *string `json:"ttl"`
		Select *string `json:"select"`
		Policy *string `json:"policy"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if raw.TTL != nil {
		c.TTL, c.TTLSet = *raw.TTL, true
	}
	if raw.Select != nil {
		switch *raw.Select {
		case DNSFirst, DNSRandom, DNSRoundRobin:
		default:
			return fmt.Errorf("%s does not belong to DNSSelect values", *raw.Select)
		}
		c.Select, c.SelectSet = *raw.Select, true
	}
	if raw.Policy != nil {
		switch *raw.Policy {
		case DNSPreferIPv4, DNSPreferIPv6, DNSOnlyIPv4, DNSOnlyIPv6, DNSAny:
		default:
			return fmt.Errorf("%s does not belong to DNSPolicy values", *raw.Policy)
		}
		c.Policy, c.PolicySet = *raw.Policy, true
	}
	return nil
}

// ParseTTL is k6 v0.54.0 js/runner.go parseTTL: "inf" caches for a year, "0" disables the
// cache, "" is the default 5m, else an extended duration (bare number = ms).
func ParseTTL(ttlS string) (time.Duration, error) {
	ttl := time.Duration(0)
	switch ttlS {
	case "inf":
		ttl = time.Hour * 24 * 365
	case "0":
	case "":
		ttlS = "5m"
		fallthrough
	default:
		var err error
		ttl, err = ParseExtendedDuration(ttlS)
		if ttl < 0 || err != nil {
			return ttl, fmt.Errorf("invalid DNS TTL: %s", ttlS)
		}
	}
	return ttl, nil
}
