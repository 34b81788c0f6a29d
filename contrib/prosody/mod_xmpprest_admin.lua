-- mod_xmpprest_admin: the XEP-0133 service administration commands that
-- Prosody 0.12's mod_admin_adhoc lacks, for xmpprest and any other XEP-0133
-- client:
--
--   http://jabber.org/protocol/admin#get-registered-users-list
--   http://jabber.org/protocol/admin#get-registered-users-num
--   http://jabber.org/protocol/admin#disable-user
--   http://jabber.org/protocol/admin#reenable-user
--
-- Load it on a VirtualHost (modules_enabled). Only admins of the host may
-- run the commands (the "admin" permission, as for mod_admin_adhoc).
--
-- A disabled account is kept in the module's storage ("xmpprest_disabled",
-- one record per account, removed with the account when it is deleted). Its
-- logins fail with SASL not-authorized ("This account is disabled"), whatever
-- the mechanism, only once the password has been verified, so the answer
-- tells nothing to someone who does not know the password. Its sessions are
-- closed (stream error policy-violation) when it is disabled.
--
-- get-user-lastlogin is deliberately not offered: Prosody 0.12 records no
-- creation or login time for an account, so for every account that has not
-- logged in since this module was loaded (including those created by
-- prosodyctl, a process this module never sees) the only honest answer would
-- be "Never", which XEP-0133 clients such as ejabberd's read as "no such
-- account".
--
-- Errors follow mod_admin_adhoc's convention: status "completed" with a note
-- of type "error" ("User does not exist: ...", "Invalid account JID ...").
--
-- Written for Prosody 0.12; MIT licensed, like Prosody.

-- luacheck: ignore 212/self 212/state

local jid = require "util.jid";
local usermanager = require "core.usermanager";
local dataforms_new = require "util.dataforms".new;
local adhoc_simple = require "util.adhoc".new_simple_form;

local t_concat, t_sort = table.concat, table.sort;
local hosts = prosody.hosts;
local host = module.host;

if module:get_host_type() ~= "local" then
	error("mod_" .. module.name .. " serves the accounts of a VirtualHost: enable it on a VirtualHost, not on the Component " .. host);
end

module:depends("adhoc");
local adhoc_new = module:require "adhoc".new;

local ns_admin = "http://jabber.org/protocol/admin";
local refusal = "This account is disabled";

-- One record per disabled account: { when = <unix time>, by = <admin JID> }.
local disabled_accounts = module:open_store("xmpprest_disabled");

-- is_disabled fails closed: an account whose record cannot be read is
-- treated as disabled.
local function is_disabled(username)
	local record, err = disabled_accounts:get(username);
	if err then
		module:log("error", "Cannot read whether %s@%s is disabled (%s): refusing its login", username, host, err);
		return true;
	end
	return record ~= nil;
end

--------------------------------------------------------------------------
-- Refusing the logins of disabled accounts
--------------------------------------------------------------------------

-- guard_sasl makes a SASL handler (util.sasl) fail, after the credentials
-- have been verified, for a disabled account. Wrapping the handler's
-- process() covers every mechanism (PLAIN, SCRAM-*, ...). mod_saslauth
-- replaces a handler after a failed attempt by its clean_clone(), which is
-- guarded too.
local function guard_sasl(handler)
	local process, clean_clone = handler.process, handler.clean_clone;
	handler.process = function (self, message)
		local status, ret, text = process(self, message);
		if status == "success" and self.username and is_disabled(self.username) then
			module:log("info", "Refused the login of disabled account %s@%s", self.username, host);
			return "failure", "not-authorized", refusal;
		end
		return status, ret, text;
	end
	if clean_clone then
		handler.clean_clone = function (self)
			return guard_sasl(clean_clone(self));
		end
	end
	return handler;
end

-- The auth providers whose get_sasl_handler is guarded, with the function
-- it replaced (raw: nil when the provider inherited it), to restore on
-- unload.
local guarded = setmetatable({}, { __mode = "k" });

-- guard_provider wraps the get_sasl_handler of the host's auth provider,
-- through which mod_saslauth makes every SASL handler
-- (usermanager.get_sasl_handler).
local function guard_provider(provider)
	if not provider or guarded[provider] then
		return;
	end
	local get_sasl_handler = provider.get_sasl_handler;
	guarded[provider] = { raw = rawget(provider, "get_sasl_handler") };
	rawset(provider, "get_sasl_handler", function (...)
		local handler = get_sasl_handler(...);
		if handler then
			guard_sasl(handler);
		end
		return handler;
	end);
end

guard_provider(hosts[host].users);
-- usermanager switches the host to a new provider (auth module loaded or
-- reloaded) at priority 0; guard the new one after that.
module:hook("item-added/auth-provider", function ()
	guard_provider(hosts[host].users);
end, -1);

function module.unload()
	for provider, original in pairs(guarded) do
		rawset(provider, "get_sasl_handler", original.raw);
	end
end

-- Every login path (SASL, legacy iq:auth, BOSH, WebSocket) binds a resource:
-- refuse the binding of a disabled account too. This also closes the window
-- where an account is disabled between its authentication and its binding.
module:hook("pre-resource-bind", function (event)
	local username = event.session.username;
	if username and is_disabled(username) then
		module:log("info", "Refused a resource binding of disabled account %s@%s", username, host);
		event.error = { type = "auth", condition = "not-authorized", text = refusal };
		return false;
	end
end, 1000);

-- end_sessions closes every session of the account.
local function end_sessions(username)
	local user = hosts[host].sessions[username];
	if not user then
		return;
	end
	local sessions = {};
	for _, session in pairs(user.sessions or {}) do
		sessions[#sessions + 1] = session;
	end
	for _, session in ipairs(sessions) do
		module:log("debug", "Closing session %s of disabled account", session.full_jid or username);
		session:close({ condition = "policy-violation", text = refusal });
	end
end

--------------------------------------------------------------------------
-- Commands
--------------------------------------------------------------------------

local function error_result(message)
	return { status = "completed", error = { message = message } };
end

local function form_errors(errors)
	local lines = {};
	for name, err in pairs(errors) do
		lines[#lines + 1] = name .. ": " .. err;
	end
	t_sort(lines);
	return error_result(t_concat(lines, "\n"));
end

-- accounts_of returns the usernames of jids, or an error result (and
-- nothing is to be changed) when one is not an existing account of this host.
local function accounts_of(jids)
	local usernames, foreign, missing = {}, {}, {};
	for _, account in ipairs(jids) do
		local username, account_host = jid.split(account);
		if not username or account_host ~= host then
			foreign[#foreign + 1] = account;
		elseif not usermanager.user_exists(username, host) then
			missing[#missing + 1] = account;
		else
			usernames[#usernames + 1] = username;
		end
	end
	if #foreign > 0 then
		return nil, error_result("Invalid account JID (not an account of " .. host .. ", where the command was sent): " .. t_concat(foreign, ", "));
	elseif #missing > 0 then
		return nil, error_result("User does not exist: " .. t_concat(missing, ", "));
	end
	return usernames;
end

-- registered_users returns the sorted usernames of every account of the
-- host, or nil and an error message.
local function registered_users()
	local ok, list = pcall(function ()
		local iter, state, init = usermanager.users(host);
		if type(iter) ~= "function" then
			error("the authentication provider cannot list accounts (" .. tostring(state) .. ")", 0);
		end
		local list = {};
		for username in iter, state, init do
			list[#list + 1] = username;
		end
		return list;
	end);
	if not ok then
		module:log("error", "Cannot list the accounts of %s: %s", host, list);
		return nil, "Cannot list the accounts of " .. host .. ": " .. tostring(list);
	end
	t_sort(list);
	return list;
end

-- Disabling accounts
local disable_user_layout = dataforms_new{
	title = "Disabling a User";
	instructions = "Fill out this form to disable accounts: they can no longer log in, and their sessions end.";

	{ name = "FORM_TYPE", type = "hidden", value = ns_admin };
	{ name = "accountjids", type = "jid-multi", required = true, label = "The Jabber ID(s) to disable" };
};

local disable_user_handler = adhoc_simple(disable_user_layout, function (fields, errors, data)
	if errors then
		return form_errors(errors);
	end
	local usernames, failure = accounts_of(fields.accountjids);
	if not usernames then
		return failure;
	end
	local by = jid.bare(data.from);
	local done = {};
	for _, username in ipairs(usernames) do
		local ok, err = disabled_accounts:set(username, { when = os.time(), by = by });
		if not ok then
			return error_result("Failed to write data to disk: could not disable " .. username .. "@" .. host .. " (" .. tostring(err) .. ")"
				.. (#done > 0 and "; disabled already: " .. t_concat(done, ", ") or ""));
		end
		module:log("info", "Account %s@%s disabled by %s", username, host, by);
		end_sessions(username);
		done[#done + 1] = username .. "@" .. host;
	end
	return { status = "completed", info = "The following accounts were disabled:\n" .. t_concat(done, "\n") .. "\n" };
end);

-- Re-enabling accounts
local reenable_user_layout = dataforms_new{
	title = "Re-Enabling a User";
	instructions = "Fill out this form to re-enable disabled accounts.";

	{ name = "FORM_TYPE", type = "hidden", value = ns_admin };
	{ name = "accountjids", type = "jid-multi", required = true, label = "The Jabber ID(s) to re-enable" };
};

local reenable_user_handler = adhoc_simple(reenable_user_layout, function (fields, errors, data)
	if errors then
		return form_errors(errors);
	end
	local usernames, failure = accounts_of(fields.accountjids);
	if not usernames then
		return failure;
	end
	local by = jid.bare(data.from);
	local done = {};
	for _, username in ipairs(usernames) do
		local ok, err = disabled_accounts:set(username, nil);
		if not ok then
			return error_result("Failed to write data to disk: could not re-enable " .. username .. "@" .. host .. " (" .. tostring(err) .. ")"
				.. (#done > 0 and "; re-enabled already: " .. t_concat(done, ", ") or ""));
		end
		module:log("info", "Account %s@%s re-enabled by %s", username, host, by);
		done[#done + 1] = username .. "@" .. host;
	end
	return { status = "completed", info = "The following accounts were re-enabled:\n" .. t_concat(done, "\n") .. "\n" };
end);

-- Listing the registered accounts
local get_registered_users_list_layout = dataforms_new{
	title = "Getting List of Registered Users";
	instructions = "How many users should be returned at most?";

	{ name = "FORM_TYPE", type = "hidden", value = ns_admin };
	{ name = "max_items", type = "list-single", label = "Maximum number of users",
		options = { "25", "50", "75", "100", "150", "200", "all" } };
};

local get_registered_users_list_result = dataforms_new{
	{ name = "FORM_TYPE", type = "hidden", value = ns_admin };
	{ name = "registereduserjids", type = "jid-multi", label = "The list of all users" };
};

-- max_items_of reads max_items: nil for no limit ("all", or "none" as in
-- XEP-0133's examples, or absent), false when invalid.
local function max_items_of(value)
	if value == nil or value == "" or value == "all" or value == "none" then
		return nil;
	end
	local n = tonumber(value);
	if not n or n < 1 or n % 1 ~= 0 then
		return false;
	end
	return n;
end

local get_registered_users_list_handler = adhoc_simple(get_registered_users_list_layout, function (fields, errors)
	if errors then
		return form_errors(errors);
	end
	local max_items = max_items_of(fields.max_items);
	if max_items == false then
		return error_result("Invalid max_items " .. tostring(fields.max_items) .. ": a positive whole number, or \"all\"");
	end
	local usernames, err = registered_users();
	if not usernames then
		return error_result(err);
	end
	local jids = {};
	for i, username in ipairs(usernames) do
		if max_items and i > max_items then
			break;
		end
		jids[i] = username .. "@" .. host;
	end
	return { status = "completed", result = { layout = get_registered_users_list_result, values = { registereduserjids = jids } } };
end);

-- Counting the registered accounts (no input)
local get_registered_users_num_result = dataforms_new{
	{ name = "FORM_TYPE", type = "hidden", value = ns_admin };
	{ name = "registeredusersnum", type = "text-single", label = "The number of registered users", datatype = "xs:integer" };
};

local function get_registered_users_num_handler(self, data, state)
	local usernames, err = registered_users();
	if not usernames then
		return error_result(err);
	end
	return { status = "completed", result = { layout = get_registered_users_num_result, values = { registeredusersnum = tostring(#usernames) } } };
end

module:provides("adhoc", adhoc_new("Get List of Registered Users", ns_admin .. "#get-registered-users-list", get_registered_users_list_handler, "admin"));
module:provides("adhoc", adhoc_new("Get Number of Registered Users", ns_admin .. "#get-registered-users-num", get_registered_users_num_handler, "admin"));
module:provides("adhoc", adhoc_new("Disable a User", ns_admin .. "#disable-user", disable_user_handler, "admin"));
module:provides("adhoc", adhoc_new("Re-Enable a User", ns_admin .. "#reenable-user", reenable_user_handler, "admin"));
