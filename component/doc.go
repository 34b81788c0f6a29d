// Package component is xmpprest's side of the XMPP server: the XEP-0114
// component link (dial, handshake, reconnect forever with capped exponential
// backoff and jitter), IQ round trips with deadlines, the component's own
// answers to disco#info (XEP-0030) and ping (XEP-0199), and the discovery of
// what the attached server lets the component do: the ad-hoc commands
// (XEP-0050) of each host, the XEP-0356 privileges, and the MUC service.
//
// Every outgoing stanza carries an explicit from (ejabberd ends the stream
// with improper-addressing otherwise). Calls made while the link is down fail
// before anything is sent, with fault.Unavailable carrying a RetryAfter (the
// reconnect backoff): safe to retry. Calls in flight when the link drops fail
// at once: a read with fault.Unavailable, a change (IQ set, message) with
// fault.OutcomeUnknown (a Timeout marked MaybeApplied), because the server
// may have received it.
package component
