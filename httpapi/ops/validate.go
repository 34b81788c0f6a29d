package ops

import (
	"unicode"
	"unicode/utf8"

	"xmpprest/component/fault"
)

// What text fields may hold, checked here once for every dialect:
//
//   - a key (a property key) or a name (a user's, a group's): valid UTF-8,
//     no control characters (C0, DEL, C1 such as U+0085), no line breaks,
//     no invisible format characters (zero-width spaces and joiners,
//     bidirectional overrides such as U+202E, byte-order marks), no
//     noncharacters or U+FFFD, and no white space at either end, so that what is
//     shown is what is stored and the key can be addressed again;
//   - free text (a description, a property value): the same, except that
//     tab, line feed and carriage return are allowed and format characters
//     (right-to-left text needs them) are kept.
//
// Each is also bounded in characters.

// Lengths, in characters.
const (
	maxKeyLength       = 1024
	maxFreeTextLength  = 65536
	maxEmailLength     = 254
	maxUserNameLength  = 255
	maxFreeTextMessage = 40 // characters of the offending text quoted in an error
)

// checkKey validates a key: required, and as checkName.
func checkKey(what, s string, max int) *fault.Error {
	if s == "" {
		return fault.New(fault.BadRequest, "the %s is empty", what)
	}
	return checkName(what, s, max)
}

// checkName validates a name (see above); an empty one passes.
func checkName(what, s string, max int) *fault.Error {
	if err := checkRunes(what, s, max, false); err != nil {
		return err
	}
	if s == "" {
		return nil
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return fault.New(fault.BadRequest, "the %s %q begins or ends with white space; remove it", what, quoteShort(s))
	}
	return nil
}

// checkFreeText validates free text (see above).
func checkFreeText(what, s string, max int) *fault.Error {
	return checkRunes(what, s, max, true)
}

func checkRunes(what, s string, max int, free bool) *fault.Error {
	if !utf8.ValidString(s) {
		return fault.New(fault.BadRequest, "the %s is not valid UTF-8", what)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fault.New(fault.BadRequest, "the %s is %d characters long; at most %d are allowed", what, n, max)
	}
	for _, r := range s {
		if reason := refusedRune(r, free); reason != "" {
			return fault.New(fault.BadRequest, "the %s %q contains %s (%U), which is not allowed", what, quoteShort(s), reason, r)
		}
	}
	return nil
}

// refusedRune says why r may not appear, or "" when it may.
func refusedRune(r rune, free bool) string {
	switch {
	case free && (r == '\t' || r == '\n' || r == '\r'):
		return ""
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
		return "a control character"
	case r == utf8.RuneError:
		return "the replacement character, the mark of text damaged on the way (a lone surrogate escape in JSON decodes to it)"
	case r == 0xfffe || r == 0xffff || (r >= 0xfdd0 && r <= 0xfdef) || r&0xfffe == 0xfffe:
		return "a noncharacter"
	case r == 0x2028 || r == 0x2029:
		if free {
			return ""
		}
		return "a line break"
	case !free && unicode.Is(unicode.Cf, r):
		return "an invisible formatting character"
	case !free && unicode.IsSpace(r) && r != ' ':
		return "white space other than a plain space"
	}
	return ""
}

// quoteShort shortens s for an error message.
func quoteShort(s string) string {
	if utf8.RuneCountInString(s) <= maxFreeTextMessage {
		return s
	}
	return string([]rune(s)[:maxFreeTextMessage]) + "…"
}

// checkUserText validates the free-form fields of a user: name and email
// (nil means not given).
func checkUserText(name, email *string) error {
	if name != nil {
		if err := checkName("name", *name, maxUserNameLength); err != nil {
			return err
		}
	}
	if email != nil {
		if err := checkName("email", *email, maxEmailLength); err != nil {
			return err
		}
	}
	return nil
}

// checkPassword refuses a password the XMPP server would choke on: not
// UTF-8, or holding control characters (PRECIS's OpaqueString class, which
// servers apply to passwords, disallows them).
func checkPassword(pw string) error {
	if !utf8.ValidString(pw) {
		return fault.New(fault.BadRequest, "the password is not valid UTF-8")
	}
	for _, r := range pw {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			return fault.New(fault.BadRequest, "the password contains a control character (%U), which is not allowed", r)
		}
	}
	return nil
}
