// Package c2stest is a client-to-server XMPP client for tests: it logs a
// user in, records the messages and presences the user receives, answers
// roster pushes and pings, and reads and sets the user's roster, so a test
// can check the effect of an operation on the server as the user sees it.
// Only tests import it; the component itself only checks passwords (package
// c2s).
package c2stest
