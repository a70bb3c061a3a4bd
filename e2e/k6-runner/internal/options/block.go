package options

import (
	"encoding/json"
	"fmt"
	"net"
	"regexp"
	"strings"
)

// IPNet is lib.IPNet: a CIDR from options.blacklistIPs.
type IPNet struct{ net.IPNet }

// UnmarshalText is lib.IPNet.UnmarshalText.
func (n *IPNet) UnmarshalText(b []byte) error {
	_, ipnet, err := net.ParseCIDR(string(b))
	if err != nil {
		return fmt.Errorf("failed to parse CIDR '%s': %w", string(b), err)
	}
	n.IPNet = *ipnet
	return nil
}

// k6 v0.54.0 lib/types/hostnametrie.go validHostnamePattern.
var validHostnamePattern = regexp.MustCompile(`^(\*\.?)?((([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9])\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\-]*[A-Za-z0-9]))?$`)

// HostnameTrie is types.HostnameTrie (options.blockHostnames): exact names, or a leading "*"
// matching any prefix.
type HostnameTrie struct{ patterns []string }

// NewHostnameTrie validates the patterns as types.NewHostnameTrie.
func NewHostnameTrie(source []string) (*HostnameTrie, error) {
	t := &HostnameTrie{}
	for _, s := range source {
		s = strings.ToLower(s)
		if len(validHostnamePattern.FindString(s)) != len(s) {
			return nil, fmt.Errorf("invalid hostname pattern '%s'", s)
		}
		t.patterns = append(t.patterns, s)
	}
	return t, nil
}

// UnmarshalJSON is types.NullHostnameTrie.UnmarshalJSON.
func (t *HostnameTrie) UnmarshalJSON(data []byte) error {
	var m []string
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	n, err := NewHostnameTrie(m)
	if err != nil {
		return err
	}
	*t = *n
	return nil
}

// Contains is HostnameTrie.Contains: an exact pattern, else the longest "*suffix" pattern.
func (t *HostnameTrie) Contains(s string) (string, bool) {
	if t == nil {
		return "", false
	}
	s = strings.ToLower(s)
	best := ""
	for _, p := range t.patterns {
		if p == s {
			return p, true
		}
		if strings.HasPrefix(p, "*") && strings.HasSuffix(s, p[1:]) && len(p) > len(best) {
			best = p
		}
	}
	return best, best != ""
}
