package userops

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

func TestAddressAllowed(t *testing.T) {
	allow := []netip.Prefix{netip.MustParsePrefix("10.9.0.0/16")}
	for addr, want := range map[string]bool{
		"93.184.216.34": true, "2606:4700::1": true, "10.9.1.2": true,
		"10.1.2.3": false, "127.0.0.1": false, "::1": false, "169.254.169.254": false, "fe80::1": false,
		"192.168.1.1": false, "172.16.0.1": false, "100.64.0.1": false, "0.0.0.0": false, "::": false,
		"fd00::1": false, "::ffff:127.0.0.1": false, "::ffff:10.9.0.1": true, "224.0.0.1": false,
		"64:ff9b::7f00:1": false, "240.0.0.1": false,
	} {
		if got := AddressAllowed(netip.MustParseAddr(addr), allow); got != want {
			t.Errorf("%s: allowed %v, want %v", addr, got, want)
		}
	}
}

func TestParsePreview(t *testing.T) {
	base, _ := url.Parse("https://example.org/a/b")
	p := ParsePreview(strings.NewReader(`<html><head><title>T</title><meta name="twitter:title" content="TT">
		<meta name="description" content="D"><meta property="og:image" content="../img.png"></head><body><meta property="og:title" content="late"></body>`), base)
	if p.Title != "TT" || p.Description != "D" || p.Image != "https://example.org/img.png" {
		t.Fatalf("%+v", p)
	}
	p = ParsePreview(strings.NewReader(`<title>x</title><meta property="og:image" content="javascript:alert(1)">`), base)
	if p.Title != "x" || p.Image != "" {
		t.Fatalf("%+v", p)
	}
}

func TestPayload(t *testing.T) {
	got, err := Payload([]byte(` {"a": "<b>"} `))
	if err != nil || string(got) != `<json xmlns='urn:xmpp:json:0'>{&#34;a&#34;: &#34;&lt;b&gt;&#34;}</json>` {
		t.Fatalf("json: %s %v", got, err)
	}
	if got, err := Payload([]byte(`<x xmlns='urn:a'/>`)); err != nil || string(got) != `<x xmlns='urn:a'/>` {
		t.Fatalf("xml: %s %v", got, err)
	}
	for _, bad := range []string{"", "nope", "<a>", "<a/><b/>", "text<a/>"} {
		if _, err := Payload([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
