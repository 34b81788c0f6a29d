package ops

import (
	"strings"
	"testing"
)

// The cases the hostile test found, and their neighbours: one rule for
// keys and names, a looser one for free text.
func TestTextValidation(t *testing.T) {
	refusedAsName := []string{
		"pk\u0001", "a\u0000b", "pk\nx", "tab\there", "nel\u0085x", "rlo\u202eevil", "zw\u200bsp",
		"bom\ufeff", "lrm\u200e", "ls\u2028x", "nb\u00a0sp", "del\u007f", "\ufdd0non", "x\U0001fffe",
		" gls", "gls ", "sur\ufffdrogate", "\u3000ideo", "\xff\xfe", "a\xc3", strings.Repeat("n", 256),
	}
	for _, s := range refusedAsName {
		if err := checkName("name", s, 255); err == nil {
			t.Errorf("name %q was accepted", s)
		} else if !strings.Contains(err.Error(), "name") {
			t.Errorf("name %q: the message does not name the field: %v", s, err)
		}
	}
	for _, s := range []string{"", "Alice", "Zoë O'Brien", "Ünïcödé 名前", "a b", "שלום", "emoji 🎉", strings.Repeat("n", 255)} {
		if err := checkName("name", s, 255); err != nil {
			t.Errorf("name %q was refused: %v", s, err)
		}
	}
	if err := checkKey("key", "", 10); err == nil {
		t.Error("an empty key was accepted")
	}
	for _, s := range []string{"line one\nline two", "tab\tseparated", "crlf\r\n", "rtl \u202bעברית\u202c", " padded "} {
		if err := checkFreeText("text", s, 1000); err != nil {
			t.Errorf("free text %q was refused: %v", s, err)
		}
	}
	for _, s := range []string{"a\u0000b", "bell\u0007", "nel\u0085", "\xff", "\uffff"} {
		if err := checkFreeText("text", s, 1000); err == nil {
			t.Errorf("free text %q was accepted", s)
		}
	}
	if err := checkProperties([]Property{{Key: "pk\u0001", Value: "v"}}); err == nil {
		t.Error("a user property key with a control character was accepted")
	}
	if err := checkProperties([]Property{{Key: "k", Value: "a\u0000b"}}); err == nil {
		t.Error("a user property value with NUL was accepted")
	}
	if err := checkGroupName("gls\u0085"); err == nil {
		t.Error("a group name with U+0085 was accepted")
	}
	bad := "Bob\u0001"
	if err := checkUserText(&bad, nil); err == nil {
		t.Error("a user name with a control character was accepted")
	}
}

func FuzzTextValidation(f *testing.F) {
	for _, s := range []string{"Alice", "pk\u0001", " gls", "rlo\u202e", "\xff", "line\nbreak"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		nameErr := checkName("name", s, 255)
		textErr := checkFreeText("text", s, 255)
		if nameErr == nil && textErr != nil {
			t.Fatalf("%q is a valid name but not valid free text: %v", s, textErr)
		}
		if nameErr == nil {
			for _, r := range s {
				if r < 0x20 || r == 0x7f {
					t.Fatalf("valid name %q holds control character %U", s, r)
				}
			}
		}
	})
}
