package userops

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/html"

	"xmpprest/component/fault"
)

// Link previews fetch a page on a user's behalf, which makes the service
// a way into the networks it can reach (SSRF). Every address a name
// resolves to is checked before connecting, and the connection goes to
// the checked address (no second lookup): loopback, private, link-local
// (cloud metadata included), shared, multicast and reserved addresses are
// refused unless the operator allow-lists their network. At most
// maxPreviewRedirects redirects are followed, each checked the same way;
// the page is read up to maxPreviewBytes within the timeout; results are
// cached.

// Limits of a preview fetch.
const (
	maxPreviewRedirects = 3
	maxPreviewBytes     = 1 << 20
	// DefaultPreviewTimeout bounds a whole preview fetch.
	DefaultPreviewTimeout = 5 * time.Second
	previewCacheTTL       = 10 * time.Minute
	previewCacheMax       = 1000
)

// refusedNetworks are refused beyond what netip.Addr's predicates say.
var refusedNetworks = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // shared address space (carrier-grade NAT)
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64 reaches IPv4 addresses
	netip.MustParsePrefix("2001:db8::/32"),
}

// ErrAddressRefused is wrapped by the refusals of a preview of an address
// the service may not fetch.
var ErrAddressRefused = errors.New("address refused")

// AddressAllowed reports whether a preview may connect to ip: a public
// address, or one in the allow-listed networks.
func AddressAllowed(ip netip.Addr, allow []netip.Prefix) bool {
	ip = ip.Unmap()
	for _, p := range allow {
		if p.Contains(ip) {
			return true
		}
	}
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range refusedNetworks {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// Preview is what a page says about itself.
type Preview struct {
	URL         string // the page, after redirects
	Title       string
	Description string
	Image       string // absolute URL
	SiteName    string
}

// Previewer fetches link previews. Its zero value is not usable: see
// NewPreviewer.
type Previewer struct {
	allow   []netip.Prefix
	timeout time.Duration
	client  *http.Client

	mu    sync.Mutex
	cache map[string]cachedPreview
}

type cachedPreview struct {
	p     Preview
	err   error
	until time.Time
}

// GuardedTransport returns an HTTP transport that connects only to
// addresses AddressAllowed accepts (checking every address a name
// resolves to, and dialing the address checked), never through a proxy.
func GuardedTransport(allow []netip.Prefix, timeout time.Duration) *http.Transport {
	dialer := &net.Dialer{Timeout: timeout}
	return &http.Transport{
		Proxy: nil, // never through a proxy: the check is on the address dialed
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
			if err != nil {
				return nil, err
			}
			if len(ips) == 0 {
				return nil, fmt.Errorf("%s has no address", host)
			}
			for _, ip := range ips {
				if !AddressAllowed(ip, allow) {
					return nil, fmt.Errorf("%w: %s resolves to %s, a loopback, private, link-local or reserved address", ErrAddressRefused, host, ip)
				}
			}
			return dialer.DialContext(ctx, network, net.JoinHostPort(ips[0].Unmap().String(), port))
		},
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          10,
		IdleConnTimeout:       30 * time.Second,
	}
}

// NewPreviewer returns a previewer that may reach the allow-listed
// networks besides public addresses; timeout 0 is DefaultPreviewTimeout.
func NewPreviewer(allow []netip.Prefix, timeout time.Duration) *Previewer {
	if timeout <= 0 {
		timeout = DefaultPreviewTimeout
	}
	p := &Previewer{allow: allow, timeout: timeout, cache: map[string]cachedPreview{}}
	transport := GuardedTransport(allow, timeout)
	p.client = &http.Client{
		Transport: transport,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxPreviewRedirects {
				return fmt.Errorf("%w: more than %d redirects", ErrAddressRefused, maxPreviewRedirects)
			}
			return checkPreviewURL(req.URL)
		},
	}
	return p
}

func checkPreviewURL(u *url.URL) error {
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: only http and https URLs are previewed", ErrAddressRefused)
	}
	if u.User != nil {
		return fmt.Errorf("%w: URLs with credentials are not previewed", ErrAddressRefused)
	}
	return nil
}

// Preview fetches (or returns the cached) preview of a page.
func (p *Previewer) Preview(ctx context.Context, raw string) (Preview, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return Preview{}, fault.New(fault.BadRequest, "%q is not an http or https URL", raw)
	}
	if err := checkPreviewURL(u); err != nil {
		return Preview{}, fault.Wrap(fault.BadRequest, err, "%q is not an http or https URL", raw)
	}
	u.Fragment = ""
	key := u.String()
	p.mu.Lock()
	c, hit := p.cache[key]
	p.mu.Unlock()
	if hit && time.Now().Before(c.until) {
		return c.p, c.err
	}
	pv, err := p.fetch(ctx, u)
	if err != nil && errors.Is(err, context.Canceled) {
		return pv, err
	}
	p.mu.Lock()
	if len(p.cache) >= previewCacheMax {
		for k, v := range p.cache {
			if time.Now().After(v.until) || len(p.cache) >= previewCacheMax {
				delete(p.cache, k)
			}
		}
	}
	p.cache[key] = cachedPreview{p: pv, err: err, until: time.Now().Add(previewCacheTTL)}
	p.mu.Unlock()
	return pv, err
}

func (p *Previewer) fetch(ctx context.Context, u *url.URL) (Preview, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Preview{}, fault.New(fault.BadRequest, "%q is not an http or https URL", u)
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	req.Header.Set("User-Agent", "xmpprest-link-preview")
	resp, err := p.client.Do(req)
	if err != nil {
		if errors.Is(err, ErrAddressRefused) {
			return Preview{}, fault.Wrap(fault.Denied, err, "the preview of %s is refused: %v", u.Host, unwrapURLError(err))
		}
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			return Preview{}, fault.Wrap(fault.Timeout, err, "%s did not answer within %s", u.Host, p.timeout)
		}
		return Preview{}, fault.Wrap(fault.BadGateway, err, "could not fetch %s: %v", u.Host, unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Preview{}, fault.New(fault.BadGateway, "%s answered %d", resp.Request.URL.Host, resp.StatusCode)
	}
	ct := strings.ToLower(resp.Header.Get("Content-Type"))
	if !strings.HasPrefix(ct, "text/html") && !strings.HasPrefix(ct, "application/xhtml+xml") {
		return Preview{}, fault.New(fault.BadRequest, "%s is not a web page (%s)", resp.Request.URL, ct)
	}
	pv := ParsePreview(io.LimitReader(resp.Body, maxPreviewBytes), resp.Request.URL)
	if ctx.Err() != nil && pv.Title == "" {
		return Preview{}, fault.New(fault.Timeout, "%s did not send its page within %s", u.Host, p.timeout)
	}
	return pv, nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// ParsePreview reads a page's title, description, image and site name
// from its head: OpenGraph first, then the usual meta tags and <title>.
func ParsePreview(r io.Reader, base *url.URL) Preview {
	z := html.NewTokenizer(r)
	pv := Preview{URL: base.String()}
	meta := map[string]string{}
	title, inTitle := "", false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return finishPreview(pv, meta, title, base)
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "title":
				inTitle = tt == html.StartTagToken
			case "meta":
				var key, content string
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					switch strings.ToLower(string(k)) {
					case "property", "name":
						if key == "" {
							key = strings.ToLower(string(v))
						}
					case "content":
						content = string(v)
					}
				}
				if key != "" && meta[key] == "" {
					meta[key] = strings.TrimSpace(content)
				}
			case "body":
				return finishPreview(pv, meta, title, base)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "title":
				inTitle = false
			case "head":
				return finishPreview(pv, meta, title, base)
			}
		case html.TextToken:
			if inTitle && len(title) < 1024 {
				title += string(z.Text())
			}
		}
	}
}

func finishPreview(pv Preview, meta map[string]string, title string, base *url.URL) Preview {
	pick := func(keys ...string) string {
		for _, k := range keys {
			if v := meta[k]; v != "" {
				return v
			}
		}
		return ""
	}
	pv.Title = pick("og:title", "twitter:title")
	if pv.Title == "" {
		pv.Title = strings.Join(strings.Fields(title), " ")
	}
	pv.Description = pick("og:description", "twitter:description", "description")
	pv.SiteName = pick("og:site_name")
	if img := pick("og:image", "og:image:url", "twitter:image"); img != "" {
		if iu, err := base.Parse(img); err == nil && (iu.Scheme == "http" || iu.Scheme == "https") {
			pv.Image = iu.String()
		}
	}
	return pv
}

// LinkPreview previews a page for the caller; quality (1 to 9) is the
// image quality the client asks for, accepted for compatibility.
func (s *Service) LinkPreview(ctx context.Context, c Caller, quality, link string) (Preview, error) {
	if _, err := c.self(); err != nil {
		return Preview{}, err
	}
	if q, err := strconv.Atoi(quality); err != nil || q < 1 || q > 9 {
		return Preview{}, fault.New(fault.BadRequest, "the quality is a number from 1 to 9, not %q", quality)
	}
	if s.Previews == nil {
		return Preview{}, fault.New(fault.NotSupported, "link previews are off on this service")
	}
	return s.Previews.Preview(ctx, link)
}
