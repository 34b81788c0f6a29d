// Package prosody embeds the Prosody module xmpprest ships, so the test harness can load it.
package prosody

import _ "embed"

// ModuleName is the name of the module, as listed in Prosody's
// modules_enabled.
const ModuleName = "xmpprest_admin"

// ModuleFile is the file Prosody looks for in the directories of its
// plugin_paths.
const ModuleFile = "mod_" + ModuleName + ".lua"

// Module is the Lua source of mod_xmpprest_admin, which adds the XEP-0133
// commands get-registered-users-list, get-registered-users-num,
// disable-user and reenable-user to Prosody 0.12.
//
//go:embed mod_xmpprest_admin.lua
var Module string

// SampleConfig is contrib/prosody/prosody.cfg.lua, the documented Prosody
// 0.12 configuration that gives xmpprest every right it uses.
//
//go:embed prosody.cfg.lua
var SampleConfig string
