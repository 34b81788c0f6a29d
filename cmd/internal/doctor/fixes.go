package doctor

import (
	"fmt"
	"slices"
	"strings"
)

// The configuration lines each fix adds, per server kind. They match the
// sample configurations in contrib/ (prosody.cfg.lua, ejabberd.yml,
// openfire.md).

const ejabberdACL = `acl:
  rest_component:
    server: %q`

// ejabberdCommands give the component the XEP-0133 commands and
// announcements.
const ejabberdCommands = `# ejabberd.yml:
` + ejabberdACL + `
access_rules:
  configure:
    allow: rest_component
  announce:
    allow: rest_component
modules:
  mod_adhoc: {}
  mod_admin_extra: {}
  mod_configure: {}
  mod_announce:
    access: announce`

// adminLines make the component an admin of host (XEP-0133 commands).
func adminLines(c, host string) map[string]string {
	return map[string]string{
		Prosody: fmt.Sprintf(`-- prosody.cfg.lua, in the VirtualHost %q section (or in the global admins):
admins = { %q }
-- and in the global modules_enabled, if missing:
"admin_adhoc"; "announce";`, host, c),
		Ejabberd: fmt.Sprintf(ejabberdCommands, c),
		Openfire: fmt.Sprintf(`# admin console, Server > Server Manager > System Properties
# (comma-separated with the JIDs already there):
admin.authorizedJIDs = %s`, c),
	}
}

// commandLines enable single commands that a host with admin rights lacks.
func commandLines(c string, missing []string) map[string]string {
	var prosody []string
	if slices.ContainsFunc(missing, func(n string) bool {
		return n == "get-registered-users-list" || n == "disable-user" || n == "reenable-user"
	}) {
		prosody = append(prosody, `-- Prosody 0.12 has no such command: copy contrib/prosody/mod_xmpprest_admin.lua
-- into a directory of plugin_paths, then in the VirtualHost section:
modules_enabled = { "xmpprest_admin" }`)
	}
	if slices.Contains(missing, "announce") {
		prosody = append(prosody, `-- in the global modules_enabled:
"announce";`)
	}
	if len(prosody) == 0 {
		prosody = append(prosody, `-- in the global modules_enabled:
"admin_adhoc";`)
	}
	ejabberd := ""
	if slices.Contains(missing, "disable-user") || slices.Contains(missing, "reenable-user") {
		ejabberd = "# ejabberd has no disable-user and reenable-user commands: lockouts are unavailable.\n"
	}
	return map[string]string{
		Prosody:  strings.Join(prosody, "\n"),
		Ejabberd: ejabberd + fmt.Sprintf(ejabberdCommands, c),
		Openfire: fmt.Sprintf(`# admin console, Server > Server Manager > System Properties:
admin.authorizedJIDs = %s`, c),
	}
}

// privilegeLines make the component a XEP-0356 privileged entity of host.
func privilegeLines(c, host string) map[string]string {
	return map[string]string{
		Prosody: fmt.Sprintf(`-- prosody.cfg.lua (mod_privilege comes with Debian's prosody-modules);
-- in the global modules_enabled:
"privilege";
-- in the VirtualHost %q section:
privileged_entities = {
	[%q] = {
		roster = "both";
		message = "outgoing";
		iq = { ["vcard-temp"] = "both"; };
	};
}
-- in the Component %q section:
modules_enabled = { "privilege" }`, host, c, c),
		Ejabberd: fmt.Sprintf(`# ejabberd.yml (23.01's mod_privilege has no iq permission: vCards need a
# later ejabberd whose mod_privilege grants iq vcard-temp):
`+ejabberdACL+`
access_rules:
  rest_priv:
    allow: rest_component
modules:
  mod_privilege:
    roster:
      both: rest_priv
    message:
      outgoing: rest_priv`, c),
		Openfire: `# Openfire does not implement XEP-0356 privileged entities: rosters, shared
# groups in rosters, messages on behalf of users and vCards are unavailable.`,
	}
}

// mucRightsLines let the component create and administer rooms.
func mucRightsLines(c, service string) map[string]string {
	return map[string]string{
		Prosody: fmt.Sprintf(`-- prosody.cfg.lua, in the global section, so that the component is also an
-- admin of the Component %q "muc":
admins = { %q }`, service, c),
		Ejabberd: fmt.Sprintf(`# ejabberd.yml:
`+ejabberdACL+`
access_rules:
  muc_create:
    - allow: rest_component
  muc_admin:
    - allow: rest_component
modules:
  mod_muc:
    access_create: muc_create
    access_persistent: muc_create
    access_admin: muc_admin`, c),
		Openfire: fmt.Sprintf(`# admin console, Group Chat > Group Chat Settings > Administrators
# (service %s): add %s`, service, c),
	}
}

// mucServiceLines add a chat service to host.
func mucServiceLines(host string) map[string]string {
	return map[string]string{
		Prosody:  fmt.Sprintf(`Component "conference.%s" "muc"`, host),
		Ejabberd: "modules:\n  mod_muc:\n    host: \"conference.@HOST@\"",
		Openfire: "# admin console, Group Chat > Group Chat Settings: enable the service.",
	}
}
