// Package adhoc is an XEP-0050 (Ad-Hoc Commands) client and the typed
// XEP-0133 (Service Administration) commands xmpprest runs on the servers it
// attaches to.
//
// Servers differ in the field names of the same command (Prosody's
// end-user-session takes accountjids, ejabberd's accountjid; Prosody's
// announce takes announcement, ejabberd's body) and in how they report
// failure (Prosody completes the command with an error note, ejabberd answers
// an IQ error). The Client learns each command's form the first time it runs
// it on a host, fills the fields by the names that host uses, and then
// submits in one round trip; failures of either convention come back as
// *fault.Error values of one set of kinds. A command the host does not offer
// is refused before any round trip, with an error that names it.
package adhoc
