package ops

import "testing"

func TestCleanVCard(t *testing.T) {
	for _, c := range []struct {
		name, in, out string
		hasText       bool
	}{
		{"declaration and whitespace", "<?xml version=\"1.0\"?>\n<vCard xmlns=\"vcard-temp\">\n <FN>Jane</FN>\n</vCard>\n",
			"<vCard xmlns=\"vcard-temp\">\n <FN>Jane</FN>\n</vCard>", true},
		{"no namespace", `<vCard><N><FAMILY>Doe</FAMILY></N></vCard>`, `<vCard xmlns="vcard-temp"><N><FAMILY>Doe</FAMILY></N></vCard>`, true},
		{"comment dropped, escapes kept", `<vCard xmlns='vcard-temp'><!-- x --><NOTE>a &lt; b &amp; c</NOTE></vCard>`,
			`<vCard xmlns="vcard-temp"><NOTE>a &lt; b &amp; c</NOTE></vCard>`, true},
		{"foreign namespace kept", `<vCard xmlns='vcard-temp'><x xmlns='urn:ext'><y>1</y></x></vCard>`,
			`<vCard xmlns="vcard-temp"><x xmlns="urn:ext"><y>1</y></x></vCard>`, true},
		{"empty", `<vCard xmlns='vcard-temp'><N><FAMILY/></N><EMAIL><HOME/><USERID> </USERID></EMAIL></vCard>`,
			`<vCard xmlns="vcard-temp"><N><FAMILY></FAMILY></N><EMAIL><HOME></HOME><USERID> </USERID></EMAIL></vCard>`, false},
	} {
		out, hasText, err := CleanVCard([]byte(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if string(out) != c.out || hasText != c.hasText {
			t.Errorf("%s:\n got %s (text %t)\nwant %s (text %t)", c.name, out, hasText, c.out, c.hasText)
		}
	}
	for _, bad := range []string{
		"", "   ", "<vCard xmlns='vcard-temp'><FN>x</vCard>", "<user/>", "<vCard xmlns='urn:other'/>",
		"<vCard xmlns='vcard-temp'/><vCard xmlns='vcard-temp'/>", "text<vCard/>",
		`<!DOCTYPE vCard [<!ENTITY x "y">]><vCard xmlns="vcard-temp"><FN>&x;</FN></vCard>`,
	} {
		if _, _, err := CleanVCard([]byte(bad)); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}
