// Package usersession holds the live XMPP sessions of users signed in to a
// user-facing REST API: one client-to-server session per user (opened with
// component/c2s, so STARTTLS and SCRAM as configured), shared by all of that
// user's API tokens.
//
// A session keeps the user's roster (fetched at sign-in, kept current by
// roster pushes) and the presence of their contacts, enables message carbons
// (XEP-0280) so messages the user sends or receives on other devices are
// seen too, and turns every incoming stanza into events (chat, presence,
// groupchat, raw XML) fanned out to the user's open event streams, with a
// bounded buffer for streams that reconnect.
//
// A session whose connection drops (the server restarted, the network broke)
// reconnects with capped exponential backoff and jitter, using the password
// it was opened with, which it holds in memory only; one whose password is
// no longer accepted ends. A Manager ends sessions nobody has used for its
// idle timeout while no event stream is open.
package usersession
