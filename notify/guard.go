package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
)

// A refused range is a block of addresses a webhook may not connect to
// unless an allow-list names it (issue 17): a configured URL must not be
// able to reach the machine itself, the local network or a cloud metadata
// service (server-side request forgery).
type refusedRange struct {
	rule   string // the name given in errors: "loopback", "private", ...
	prefix netip.Prefix
}

// refusedRanges is checked in order, so the metadata addresses, which lie in
// link-local and ULA space, are named for what they are.
var refusedRanges = []refusedRange{
	{RuleMetadata, netip.MustParsePrefix("169.254.169.254/32")}, // AWS, GCP, Azure, OpenStack
	{RuleMetadata, netip.MustParsePrefix("fd00:ec2::254/128")},  // AWS over IPv6
	{"unspecified", netip.MustParsePrefix("0.0.0.0/8")},
	{"unspecified", netip.MustParsePrefix("::/128")},
	{"loopback", netip.MustParsePrefix("127.0.0.0/8")},
	{"loopback", netip.MustParsePrefix("::1/128")},
	{"private", netip.MustParsePrefix("10.0.0.0/8")},
	{"private", netip.MustParsePrefix("172.16.0.0/12")},
	{"private", netip.MustParsePrefix("192.168.0.0/16")},
	{"cgnat", netip.MustParsePrefix("100.64.0.0/10")},
	{"link-local", netip.MustParsePrefix("169.254.0.0/16")},
	{"link-local", netip.MustParsePrefix("fe80::/10")},
	{"unique-local", netip.MustParsePrefix("fc00::/7")},
	{"multicast", netip.MustParsePrefix("224.0.0.0/4")},
	{"multicast", netip.MustParsePrefix("ff00::/8")},
	{"reserved", netip.MustParsePrefix("240.0.0.0/4")}, // 255.255.255.255 included
	{"ipv4-compatible", netip.MustParsePrefix("::/96")},
	// NAT64 embeds an IPv4 address that a gateway would reach for us.
	{"nat64", netip.MustParsePrefix("64:ff9b::/96")},
	{"nat64", netip.MustParsePrefix("64:ff9b:1::/48")},
}

// RuleMetadata is the rule of the cloud metadata addresses
// (169.254.169.254, fd00:ec2::254). An allow-list lets them through only
// when it names the address itself (a /32 or /128), never through a wider
// range such as 169.254.0.0/16.
const RuleMetadata = "metadata"

// RefusedTargetError is the error of a webhook delivery whose target
// address lies in a refused range that no allow-list entry names. No
// connection was attempted to Addr. It is permanent: the runtime
// dead-letters the notification at once (see [RefusedTargetError.Permanent]).
type RefusedTargetError struct {
	Host string     // the host name or address of the URL or redirect
	Addr netip.Addr // the refused address, IPv4-mapped forms unmapped
	Rule string     // the range it lies in: "loopback", "private", "metadata", ...
	// Range is the refused prefix Addr lies in.
	Range netip.Prefix
}

// Error implements the error interface.
func (e *RefusedTargetError) Error() string {
	host := ""
	if e.Host != "" && e.Host != e.Addr.String() {
		host = fmt.Sprintf(" (%s)", e.Host)
	}
	return fmt.Sprintf("refused address %s%s: %s range %s; allow it with topic.allowPrivateTargets",
		e.Addr, host, e.Rule, e.Range)
}

// Permanent reports true: the same address is refused on every retry.
func (e *RefusedTargetError) Permanent() bool { return true }

// ParseAllowList parses CIDR prefixes such as "127.0.0.1/32" or
// "10.1.2.0/24" (a bare address means that address alone) for
// [Webhook.AllowPrivate]. The error names the entry that is not one.
func ParseAllowList(entries []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for i, s := range entries {
		p, err := netip.ParsePrefix(strings.TrimSpace(s))
		if err != nil {
			a, aerr := netip.ParseAddr(strings.TrimSpace(s))
			if aerr != nil {
				return nil, fmt.Errorf("entry %d %q is not a CIDR prefix such as 10.1.2.0/24 or an IP address", i, s)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0))
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// CheckAddr returns a *[RefusedTargetError] if addr lies in a refused
// range that allow does not name, and nil otherwise. host names the URL's
// host in the error. IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) are
// checked as the IPv4 address they carry.
func CheckAddr(host string, addr netip.Addr, allow []netip.Prefix) error {
	addr = addr.Unmap().WithZone("")
	for _, r := range refusedRanges {
		if !r.prefix.Contains(addr) {
			continue
		}
		for _, a := range allow {
			if a.Contains(addr) && (r.rule != RuleMetadata || a.Bits() == addr.BitLen()) {
				return nil
			}
		}
		return &RefusedTargetError{Host: host, Addr: addr, Rule: r.rule, Range: r.prefix}
	}
	return nil
}

// Resolver looks up the addresses of a host name; *net.Resolver is one.
// Tests give a [Webhook] their own to point a name at any address.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// guardedDialer connects only to addresses CheckAddr lets through.
//
// It resolves the host itself, checks each address, and dials the checked
// address as a literal, so a DNS answer that changes between the check and
// the connection (DNS rebinding) cannot reach a refused address: the address
// checked is the address dialled. The dialer's Control function checks the
// socket's address once more just before connect, as the last line.
type guardedDialer struct {
	allow    []netip.Prefix
	resolver Resolver
}

// DialContext is http.Transport's DialContext.
func (g *guardedDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}

	// Resolve, unless the host is an address already.
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		addrs, err = g.resolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, err
		}
		if len(addrs) == 0 {
			return nil, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
		}
	}

	// Dial the allowed addresses in turn; refused ones are never dialled.
	var firstErr error
	d := &net.Dialer{Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("dial %s: unparsable address: %w", address, err)
		}
		return CheckAddr(host, ap.Addr(), g.allow)
	}}
	for _, a := range addrs {
		if err := CheckAddr(host, a, g.allow); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
		if err == nil {
			return conn, nil
		}
		if firstErr == nil || isRefused(firstErr) {
			firstErr = err
		}
	}
	return nil, firstErr
}

// isRefused reports whether err is, or wraps, a *RefusedTargetError.
func isRefused(err error) bool {
	var re *RefusedTargetError
	return errors.As(err, &re)
}

// check returns the refusal of host (an address or a name, resolved) if
// any of its addresses is refused. It is used on redirect targets, which
// are never followed, to report a redirect to a refused range as such.
func (g *guardedDialer) check(ctx context.Context, host string) error {
	if a, err := netip.ParseAddr(host); err == nil {
		return CheckAddr(host, a, g.allow)
	}
	addrs, err := g.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil // not followed anyway
	}
	for _, a := range addrs {
		if err := CheckAddr(host, a, g.allow); err != nil {
			return err
		}
	}
	return nil
}
