// Package ejabberd embeds the sample ejabberd configuration xmpprest ships,
// so the test harness can start a server from it.
package ejabberd

import _ "embed"

// SampleConfig is contrib/ejabberd/ejabberd.yml, the documented ejabberd
// 23.01 configuration that gives xmpprest the rights it uses.
//
//go:embed ejabberd.yml
var SampleConfig string
