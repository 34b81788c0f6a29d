-- Prosody 0.12 configuration for a server xmpprest administers.
--
-- A complete file: copy it to /etc/prosody/prosody.cfg.lua, replace
-- example.org, rest.example.org and the component secret by your own, and
-- restart Prosody. The lines marked "xmpprest" are what xmpprest needs;
-- README.md ("Prosody") says what each right enables. The project's tests
-- start a real Prosody from this very file (loopback ports and paths
-- swapped in), so it is known to load and to give xmpprest every feature
-- (see `xmpprest doctor`).
--
-- Needs Debian's prosody and prosody-modules (mod_privilege), and
-- mod_xmpprest_admin from this directory (see README.md beside it).

pidfile = "/run/prosody/prosody.pid"
data_path = "/var/lib/prosody"
certificates = "certs"

-- xmpprest: the component is an admin of every host (XEP-0133 commands,
-- announcements) and of the chat service (room owner rights). Add the
-- people who administer the server too.
admins = { "rest.example.org" }

-- xmpprest: mod_xmpprest_admin.lua lives here (copy it from contrib/prosody).
plugin_paths = { "/usr/local/lib/prosody/xmpprest", "/usr/lib/prosody/modules" }

modules_enabled = {
	"roster"; "saslauth"; "tls"; "dialback"; "disco"; "carbons"; "pep";
	"private"; "blocklist"; "vcard4"; "vcard_legacy"; "version"; "uptime";
	"time"; "ping"; "register"; "mam"; "csi_simple"; "smacks";
	-- xmpprest: XEP-0133 service administration and announcements.
	"admin_adhoc"; "announce";
	-- xmpprest: account listing and lockouts Prosody 0.12 lacks.
	"xmpprest_admin";
	-- xmpprest: XEP-0356 privileged entities (from prosody-modules).
	"privilege";
}

allow_registration = false
c2s_require_encryption = true
s2s_require_encryption = true
s2s_secure_auth = false
authentication = "internal_hashed"
storage = "internal"
archive_expires_after = "1w"

-- xmpprest attaches to the component port; keep it off the network.
component_interfaces = { "127.0.0.1" }
component_ports = { 5347 }

log = {
	info = "/var/log/prosody/prosody.log";
	error = "/var/log/prosody/prosody.err";
}

VirtualHost "example.org"
	-- xmpprest: XEP-0356. roster: users' rosters and shared groups;
	-- message: messages sent on behalf of users and the server; iq
	-- vcard-temp: users' vCards.
	privileged_entities = {
		["rest.example.org"] = {
			roster = "both";
			message = "outgoing";
			iq = {
				["vcard-temp"] = "both";
			};
		};
	}

Component "conference.example.org" "muc"
	modules_enabled = { "muc_mam" }

-- xmpprest itself (XEP-0114): the same secret as [xmpp] secret in
-- component.toml.
Component "rest.example.org"
	component_secret = "change-me-component-secret"
	modules_enabled = { "privilege" }
