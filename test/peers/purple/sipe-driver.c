/*
 * sipe-driver: a headless libpurple 2.x client that signs the real pidgin-sipe
 * protocol plugin (prpl-sipe, libsipe.so) in to a SIP server and reports what
 * happened, stage by stage, on stdout.
 *
 * Output (one line each, stdout, line buffered):
 *   STAGE <name> <detail>        machine-readable milestones (see README.md)
 *   DEBUG <category>: <message>  every libpurple/SIPE debug message; newlines
 *                                inside a message are escaped as \n, \r as \r,
 *                                backslashes as \\ (so one message = one line)
 *
 * Exit status: 0 after a timeout or SIGTERM/SIGINT (after purple_core_quit),
 *              1 usage or libpurple initialisation error,
 *              2 prpl-sipe not found ("STAGE error no-sipe-plugin"),
 *              3 the connection failed or was signed off unexpectedly.
 *
 * Build: gcc -Wall -O1 sipe-driver.c $(pkg-config --cflags --libs purple glib-2.0) -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib-unix.h>

#include <purple.h>

#define UI_ID "sipe-driver"
#define PRPL_ID "prpl-sipe"

#define EXIT_OK 0
#define EXIT_USAGE 1
#define EXIT_NO_PLUGIN 2
#define EXIT_CONNECTION 3

/* --- options ------------------------------------------------------------ */

static gchar *opt_user_dir;
static gchar *opt_server;
static gchar *opt_address;
static gchar *opt_login;
static gchar *opt_password;
static gchar *opt_auth = "ntlm";
static gchar *opt_transport = "tcp";
static gchar *opt_call;
static gchar *opt_plugin_dir;
static gchar **opt_set;
static gint opt_timeout_ms = 30000;
static gboolean opt_no_sip_dump;
static gboolean opt_no_xml_workaround;
static gchar **opt_buddies;
static gchar **opt_add_buddies;
static gchar *opt_buddy_group = "Contacts";
static gchar *opt_set_status;

static GOptionEntry option_entries[] = {
	{ "user-dir", 'd', 0, G_OPTION_ARG_FILENAME, &opt_user_dir, "Private libpurple user directory (required)", "DIR" },
	{ "server", 's', 0, G_OPTION_ARG_STRING, &opt_server, "SIP server as host:port (required)", "HOST:PORT" },
	{ "address", 'a', 0, G_OPTION_ARG_STRING, &opt_address, "Sign-in address, user@domain (a sip: prefix is dropped) (required)", "ADDR" },
	{ "login", 'l', 0, G_OPTION_ARG_STRING, &opt_login, "Login, e.g. DOMAIN\\user (optional)", "LOGIN" },
	{ "password", 'p', 0, G_OPTION_ARG_STRING, &opt_password, "Password (or env SIPE_DRIVER_PASSWORD)", "PW" },
	{ "auth", 0, 0, G_OPTION_ARG_STRING, &opt_auth, "SIPE authentication setting (default ntlm)", "SCHEME" },
	{ "transport", 0, 0, G_OPTION_ARG_STRING, &opt_transport, "SIPE transport setting (default tcp)", "T" },
	{ "timeout-ms", 't', 0, G_OPTION_ARG_INT, &opt_timeout_ms, "Run this long in total, then quit (default 30000)", "MS" },
	{ "call", 0, 0, G_OPTION_ARG_STRING, &opt_call, "Once the CSTA session is up, make a remote call control call to NUMBER", "NUMBER" },
	{ "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_set, "Extra account setting key=value (string; true/false for booleans); repeatable", "KEY=VALUE" },
	{ "plugin-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_plugin_dir, "Extra libpurple plugin search directory", "DIR" },
	{ "no-sip-dump", 0, 0, G_OPTION_ARG_NONE, &opt_no_sip_dump, "Do not enable unsafe debugging (SIP messages are then not dumped and sip-in/sip-out stages are not reported)", NULL },
	{ "no-xml-workaround", 0, 0, G_OPTION_ARG_NONE, &opt_no_xml_workaround, "Leave SIPE's XML parsing alone even when libxml2's SAX1 callbacks are found broken (see README.md)", NULL },
	{ "buddy", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_buddies, "Before connecting, put this contact (sip:user@domain) in the local buddy list (group --buddy-group); repeatable", "URI" },
	{ "add-buddy", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_add_buddies, "Once SIPE has processed the server's contact list, add this contact as a user would (SIPE subscribes to it and stores it on the server); repeatable", "URI" },
	{ "buddy-group", 0, 0, G_OPTION_ARG_STRING, &opt_buddy_group, "Buddy list group for --buddy and --add-buddy (default Contacts)", "NAME" },
	{ "set-status", 0, 0, G_OPTION_ARG_STRING, &opt_set_status, "After the initial publication, set the account's status to this purple status id (busy, away, do-not-disturb, be-right-back, available, ...)", "ID" },
	{ NULL, 0, 0, 0, NULL, NULL, NULL }
};

/* --- state -------------------------------------------------------------- */

static GMainLoop *main_loop;
static PurpleAccount *the_account;
static int exit_code = EXIT_OK;
static gboolean quitting;
static gboolean was_connected;
static gboolean call_scheduled;
static guint publish_count;
static gchar *make_call_cseq; /* CSeq of the outgoing MakeCall INFO */
static gchar *initial_publish_key; /* Call-ID + CSeq of the first category publication */
static gboolean status_scheduled;
static gboolean buddies_added_online;
static GHashTable *presence_subscribes; /* Call-ID + CSeq of outgoing presence SUBSCRIBEs */
static GHashTable *buddy_last_status;   /* buddy name -> last purple status id reported */

/* --- output ------------------------------------------------------------- */

static void stage(const char *name, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void stage(const char *name, const char *fmt, ...)
{
	gchar *detail = NULL;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		detail = g_strdup_vprintf(fmt, ap);
		va_end(ap);
		/* a stage is one line, whatever its detail holds */
		g_strdelimit(detail, "\r\n", ' ');
	}
	if (detail && *detail)
		printf("STAGE %s %s\n", name, detail);
	else
		printf("STAGE %s\n", name);
	fflush(stdout);
	g_free(detail);
}

static void print_escaped_debug(const char *category, const char *msg)
{
	GString *out = g_string_sized_new(strlen(msg) + 32);
	const char *p;
	gsize len = strlen(msg);

	/* libpurple passes messages with their trailing newline */
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		len--;

	g_string_append(out, "DEBUG ");
	g_string_append(out, category ? category : "-");
	g_string_append(out, ": ");
	for (p = msg; p < msg + len; p++) {
		switch (*p) {
		case '\n': g_string_append(out, "\\n"); break;
		case '\r': g_string_append(out, "\\r"); break;
		case '\\': g_string_append(out, "\\\\"); break;
		default: g_string_append_c(out, *p);
		}
	}
	g_string_append_c(out, '\n');
	fputs(out->str, stdout);
	fflush(stdout);
	g_string_free(out, TRUE);
}

/* --- quitting ----------------------------------------------------------- */

static gboolean quit_now_cb(gpointer data)
{
	(void) data;
	/* disconnects every account (SIPE closes its CSTA dialog, un-registers) */
	purple_core_quit();
	g_main_loop_quit(main_loop);
	return FALSE;
}

static void request_quit(const char *reason, int code)
{
	if (quitting)
		return;
	quitting = TRUE;
	if (code != EXIT_OK)
		exit_code = code;
	stage("quit", "%s", reason);
	g_idle_add(quit_now_cb, NULL);
}

static gboolean timeout_cb(gpointer data)
{
	(void) data;
	request_quit("timeout", EXIT_OK);
	return FALSE;
}

static gboolean unix_signal_cb(gpointer data)
{
	int sig = GPOINTER_TO_INT(data);
	request_quit(sig == SIGTERM ? "sigterm" : "sigint", EXIT_OK);
	return G_SOURCE_CONTINUE;
}

/* swallows libpurple's own g_print() copy of debug output (debug enabled) */
static void swallow_print(const gchar *string)
{
	(void) string;
}

/* --- making the call ---------------------------------------------------- */

typedef void (*make_call_fn)(void *sipe_public, const gchar *phone);
typedef gboolean (*is_idle_fn)(void *sipe_private);

static void *sipe_symbol(const char *name)
{
	void *sym = NULL;
	PurplePlugin *prpl = purple_find_prpl(PRPL_ID);
	const char *path = prpl ? prpl->path : NULL;

	if (path) {
		void *h = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);
		if (h) {
			sym = dlsym(h, name);
			dlclose(h); /* drops only the reference NOLOAD added */
		}
	}
	if (!sym)
		sym = dlsym(RTLD_DEFAULT, name);
	return sym;
}

static gboolean make_call_cb(gpointer data)
{
	PurpleConnection *gc;
	void *sipe_public;
	make_call_fn make_call;
	is_idle_fn is_idle;

	(void) data;
	if (quitting || !the_account)
		return FALSE;

	gc = purple_account_get_connection(the_account);
	sipe_public = gc ? purple_connection_get_protocol_data(gc) : NULL;
	if (!sipe_public) {
		stage("call-failed", "no-connection");
		return FALSE;
	}

	make_call = (make_call_fn) sipe_symbol("sipe_core_buddy_make_call");
	if (!make_call) {
		stage("call-failed", "no-symbol sipe_core_buddy_make_call");
		return FALSE;
	}

	/* the core's private struct starts with its public one: same pointer */
	is_idle = (is_idle_fn) sipe_symbol("sip_csta_is_idle");
	if (is_idle)
		stage("csta-idle", "%s", is_idle(sipe_public) ? "yes" : "no");

	stage("call-requested", "%s", opt_call);
	make_call(sipe_public, opt_call);
	return FALSE;
}

static void schedule_call(void)
{
	if (!opt_call || call_scheduled)
		return;
	call_scheduled = TRUE;
	/* never from inside SIPE's own callback: from the main loop */
	g_idle_add(make_call_cb, NULL);
}

/* --- buddies and our own status ----------------------------------------- */

/* SIPE's form of a buddy name (sip_uri_if_valid() after g_ascii_strdown()): "sip:user@domain", lower case */
static gchar *buddy_name(const char *uri)
{
	gchar *lower = g_ascii_strdown(uri, -1);
	gchar *name = g_str_has_prefix(lower, "sip:") ? g_strdup(lower) : g_strdup_printf("sip:%s", lower);
	g_free(lower);
	return name;
}

static PurpleGroup *buddy_group(void)
{
	PurpleGroup *group = purple_find_group(opt_buddy_group);
	if (!group) {
		group = purple_group_new(opt_buddy_group);
		purple_blist_add_group(group, NULL);
	}
	return group;
}

/* --buddy: local buddy list entries, before the account connects (SIPE is not told) */
static void add_local_buddies(void)
{
	gchar **b;
	for (b = opt_buddies; b && *b; b++) {
		gchar *name = buddy_name(*b);
		PurpleGroup *group = buddy_group();
		if (!purple_find_buddy_in_group(the_account, name, group)) {
			PurpleBuddy *buddy = purple_buddy_new(the_account, name, NULL);
			purple_blist_add_buddy(buddy, NULL, group, NULL);
		}
		stage("buddy-local", "%s group=%s", name, opt_buddy_group);
		g_free(name);
	}
}

/* --add-buddy: as a user adding a contact (libpurple calls the prpl's add_buddy: sipe_purple_add_buddy) */
static gboolean add_online_buddies_cb(gpointer data)
{
	gchar **b;
	(void) data;
	if (quitting || !the_account || !purple_account_is_connected(the_account))
		return FALSE;
	for (b = opt_add_buddies; b && *b; b++) {
		gchar *name = buddy_name(*b);
		PurpleGroup *group = buddy_group();
		PurpleBuddy *buddy = purple_find_buddy_in_group(the_account, name, group);
		if (!buddy) {
			buddy = purple_buddy_new(the_account, name, NULL);
			purple_blist_add_buddy(buddy, NULL, group, NULL);
		}
		stage("buddy-add", "%s group=%s", name, opt_buddy_group);
		purple_account_add_buddy(the_account, buddy);
		g_free(name);
	}
	return FALSE;
}

static void schedule_add_buddies(void)
{
	if (!opt_add_buddies || buddies_added_online)
		return;
	buddies_added_online = TRUE;
	/* never from inside SIPE's own callback: from the main loop */
	g_idle_add(add_online_buddies_cb, NULL);
}

static gboolean set_status_cb(gpointer data)
{
	PurpleStatusType *type;
	(void) data;
	if (quitting || !the_account || !purple_account_is_connected(the_account))
		return FALSE;
	type = purple_account_get_status_type(the_account, opt_set_status);
	if (!type) {
		stage("status-set-failed", "unknown-status %s", opt_set_status);
		return FALSE;
	}
	if (!purple_status_type_is_user_settable(type))
		stage("status-set-warning", "%s is not user-settable", opt_set_status);
	stage("status-set", "%s", opt_set_status);
	/* the prpl's set_status (sipe_purple_set_status) defers SIPE's publication by a second */
	purple_account_set_status(the_account, opt_set_status, TRUE, NULL);
	return FALSE;
}

static void schedule_set_status(void)
{
	if (!opt_set_status || status_scheduled)
		return;
	status_scheduled = TRUE;
	/* a second after the initial publication's answer: SIPE has processed what the pool said back by then */
	g_timeout_add(1000, set_status_cb, NULL);
}

static void report_buddy_status(PurpleBuddy *buddy, const char *why)
{
	const char *name = purple_buddy_get_name(buddy);
	PurpleStatus *status = purple_presence_get_active_status(purple_buddy_get_presence(buddy));
	const char *id = status ? purple_status_get_id(status) : "none";
	const char *last;

	if (!name)
		return;
	last = g_hash_table_lookup(buddy_last_status, name);
	if (g_strcmp0(last, id) != 0) {
		const char *msg = status ? purple_status_get_attr_string(status, "message") : NULL;
		g_hash_table_replace(buddy_last_status, g_strdup(name), g_strdup(id));
		if (msg && *msg)
			stage("buddy-status", "%s %s (%s; message: %s)", name, id, why, msg);
		else
			stage("buddy-status", "%s %s (%s)", name, id, why);
	}
}

static void on_buddy_status_changed(PurpleBuddy *buddy, PurpleStatus *old, PurpleStatus *new_status, gpointer data)
{
	(void) old;
	(void) new_status;
	(void) data;
	report_buddy_status(buddy, "status-changed");
}

static void on_buddy_signed_on(PurpleBuddy *buddy, gpointer data)
{
	(void) data;
	stage("buddy-signed-on", "%s", purple_buddy_get_name(buddy));
	report_buddy_status(buddy, "signed-on");
}

static void on_buddy_signed_off(PurpleBuddy *buddy, gpointer data)
{
	(void) data;
	stage("buddy-signed-off", "%s", purple_buddy_get_name(buddy));
	report_buddy_status(buddy, "signed-off");
}

static void on_buddy_removed(PurpleBuddy *buddy, gpointer data)
{
	PurpleGroup *group = purple_buddy_get_group(buddy);
	(void) data;
	if (purple_buddy_get_account(buddy) != the_account)
		return;
	stage("buddy-removed", "%s group=%s", purple_buddy_get_name(buddy), group ? purple_group_get_name(group) : "?");
	g_hash_table_remove(buddy_last_status, purple_buddy_get_name(buddy));
}

static void on_buddy_added(PurpleBuddy *buddy, gpointer data)
{
	PurpleGroup *group = purple_buddy_get_group(buddy);
	(void) data;
	if (purple_buddy_get_account(buddy) != the_account)
		return;
	stage("buddy-added", "%s group=%s", purple_buddy_get_name(buddy), group ? purple_group_get_name(group) : "?");
}

static void on_account_status_changed(PurpleAccount *account, PurpleStatus *old, PurpleStatus *new_status, gpointer data)
{
	(void) old;
	(void) data;
	if (account == the_account && new_status)
		stage("own-status", "%s", purple_status_get_id(new_status));
}

/* the uri="…" attributes of the <resource> elements of a presence SUBSCRIBE body, comma separated */
static gchar *resource_uris(const char *body)
{
	GString *out = g_string_new(NULL);
	const char *p = body;
	while ((p = strstr(p, "<resource ")) != NULL) {
		const char *u = strstr(p, "uri=\"");
		const char *gt = strchr(p, '>');
		if (u && (!gt || u < gt)) {
			const char *e;
			u += 5;
			e = strchr(u, '"');
			if (e) {
				if (out->len)
					g_string_append_c(out, ',');
				g_string_append_len(out, u, e - u);
			}
		}
		p += 10;
	}
	return g_string_free(out, FALSE);
}

/* --- SIP message dumps (unsafe debugging) -------------------------------- */

static gchar *header_value(gchar **lines, const char *name, const char *compact)
{
	gchar **l;
	gsize nlen = strlen(name);
	for (l = lines + 1; *l && **l; l++) {
		const char *line = *l;
		const char *colon = strchr(line, ':');
		gsize klen;
		if (!colon)
			continue;
		klen = colon - line;
		while (klen > 0 && (line[klen - 1] == ' ' || line[klen - 1] == '\t'))
			klen--;
		if ((klen == nlen && g_ascii_strncasecmp(line, name, nlen) == 0) ||
		    (compact && klen == strlen(compact) && g_ascii_strncasecmp(line, compact, klen) == 0))
			return g_strstrip(g_strdup(colon + 1));
	}
	return NULL;
}

/* the text of the first <tag>…</tag> in body, or NULL */
static gchar *xml_text(const char *body, const char *tag)
{
	gchar *open = g_strdup_printf("<%s>", tag);
	gchar *close = g_strdup_printf("</%s>", tag);
	const char *s = strstr(body, open);
	const char *e = s ? strstr(s, close) : NULL;
	gchar *r = (s && e) ? g_strndup(s + strlen(open), e - s - strlen(open)) : NULL;
	g_free(open);
	g_free(close);
	return r;
}

/* the name of the document element of an XML body (after any <?xml?>) */
static gchar *xml_root(const char *body)
{
	const char *p = body;
	while ((p = strchr(p, '<')) != NULL) {
		if (p[1] != '?' && p[1] != '!') {
			gsize n = strcspn(p + 1, " \t\r\n/>");
			return g_strndup(p + 1, n);
		}
		p++;
	}
	return NULL;
}

static void sip_dump(const char *msg)
{
	const char *start = strstr(msg, "MESSAGE START ");
	gboolean outgoing;
	const char *p, *end;
	gchar *text, **lines, *first, *cseq, *event, *ctype, *body, *callid, *key;
	GString *detail;

	if (!start)
		return;
	outgoing = strncmp(start + 14, ">>>>>>>>>>", 10) == 0;
	p = strchr(start, '\n');
	if (!p)
		return;
	p++;
	end = strstr(p, "\nMESSAGE END ");
	text = end ? g_strndup(p, end - p) : g_strdup(p);

	/* header | blank line | body */
	{
		gchar *sep = strstr(text, "\n\n");
		if (sep) {
			*sep = '\0';
			body = g_strdup(sep + 2);
		} else {
			body = g_strdup("");
		}
	}
	lines = g_strsplit(text, "\n", -1);
	first = g_strdup(lines[0] ? lines[0] : "");
	cseq = header_value(lines, "CSeq", NULL);
	event = header_value(lines, "Event", "o");
	ctype = header_value(lines, "Content-Type", "c");
	callid = header_value(lines, "Call-ID", "i");
	key = g_strdup_printf("%s|%s", callid ? callid : "", cseq ? cseq : "");

	/* "REGISTER sip:uc.lab SIP/2.0" -> "REGISTER sip:uc.lab"; "SIP/2.0 200 OK" -> "200 OK" */
	if (g_str_has_prefix(first, "SIP/2.0 ")) {
		memmove(first, first + 8, strlen(first + 8) + 1);
	} else if (g_str_has_suffix(first, " SIP/2.0")) {
		first[strlen(first) - 8] = '\0';
	}

	detail = g_string_new(first);
	if (cseq) g_string_append_printf(detail, " | CSeq: %s", cseq);
	if (event) g_string_append_printf(detail, " | Event: %s", event);
	if (ctype) g_string_append_printf(detail, " | Content-Type: %s", ctype);
	stage(outgoing ? "sip-out" : "sip-in", "%s", detail->str);
	g_string_free(detail, TRUE);

	if (outgoing) {
		if (g_str_has_prefix(first, "SERVICE ") && ctype &&
		    g_str_has_prefix(ctype, "application/msrtc-category-publish+xml")) {
			gchar *availability = xml_text(body, "availability");
			publish_count++;
			if (publish_count == 1) {
				stage("initial-publish", "%s", first + 8);
				g_free(initial_publish_key);
				initial_publish_key = g_strdup(key);
			} else {
				stage("publish", "%u", publish_count);
			}
			if (availability)
				stage("publish-availability", "%s", availability);
			g_free(availability);
		} else if (g_str_has_prefix(first, "SUBSCRIBE ") && event &&
			   g_ascii_strncasecmp(event, "presence", 8) == 0 &&
			   (event[8] == '\0' || event[8] == ';' || event[8] == ' ')) {
			gchar *resources = resource_uris(body);
			gchar *require = header_value(lines, "Require", NULL);
			gchar *expires = header_value(lines, "Expires", NULL);
			GString *d = g_string_new(first + 10);
			g_string_append_printf(d, " resources=%s", *resources ? resources : "-");
			if (require) g_string_append_printf(d, " require=%s", require);
			if (expires) g_string_append_printf(d, " expires=%s", expires);
			if (strstr(body, "<context/>")) g_string_append(d, " context");
			stage("buddy-subscribe", "%s", d->str);
			g_hash_table_add(presence_subscribes, g_strdup(key));
			g_string_free(d, TRUE);
			g_free(resources);
			g_free(require);
			g_free(expires);
		} else if (g_str_has_prefix(first, "INVITE ") && ctype &&
			   g_str_has_prefix(ctype, "application/csta+xml")) {
			stage("csta-invite", "%s", first + 7);
		} else if (g_str_has_prefix(first, "INFO ") && strstr(body, "<MakeCall")) {
			gchar *called = xml_text(body, "calledDirectoryNumber");
			gchar *calling = xml_text(body, "callingDevice");
			g_free(make_call_cseq);
			make_call_cseq = g_strdup(cseq);
			stage("call-sent", "%s from %s", called ? called : "?", calling ? calling : "?");
			g_free(called);
			g_free(calling);
		}
	} else {
		if (g_ascii_isdigit(first[0])) {
			if (make_call_cseq && cseq && g_strcmp0(cseq, make_call_cseq) == 0)
				stage("call-response", "%s", first);
			if (initial_publish_key && g_strcmp0(key, initial_publish_key) == 0) {
				stage("initial-publish-response", "%s", first);
				schedule_set_status();
			}
			if (g_hash_table_contains(presence_subscribes, key)) {
				gchar *state = header_value(lines, "Subscription-State", NULL);
				GString *d = g_string_new(first);
				if (state) g_string_append_printf(d, " | Subscription-State: %s", state);
				if (ctype) g_string_append_printf(d, " | Content-Type: %s", ctype);
				stage("buddy-subscribe-response", "%s", d->str);
				g_string_free(d, TRUE);
				g_free(state);
				/* a final answer ends the transaction */
				if (first[0] != '1')
					g_hash_table_remove(presence_subscribes, key);
			}
		} else if ((g_str_has_prefix(first, "NOTIFY ") || g_str_has_prefix(first, "BENOTIFY ")) && event &&
			   g_ascii_strncasecmp(event, "presence", 8) == 0 &&
			   (event[8] == '\0' || event[8] == ';' || event[8] == ' ')) {
			gchar *state = header_value(lines, "Subscription-State", NULL);
			GString *d = g_string_new(first);
			if (state) g_string_append_printf(d, " | Subscription-State: %s", state);
			if (ctype) g_string_append_printf(d, " | Content-Type: %s", ctype);
			stage("buddy-notify", "%s", d->str);
			g_string_free(d, TRUE);
			g_free(state);
		} else if (g_str_has_prefix(first, "INFO ") && ctype &&
			   g_str_has_prefix(ctype, "application/csta+xml")) {
			gchar *root = xml_root(body);
			stage("csta-event", "%s", root ? root : "?");
			g_free(root);
		}
	}

	g_free(first);
	g_free(cseq);
	g_free(event);
	g_free(ctype);
	g_free(callid);
	g_free(key);
	g_free(body);
	g_strfreev(lines);
	g_free(text);
}

/* --- SIPE debug lines -> stages ------------------------------------------ */

static gchar *after(const char *msg, const char *prefix)
{
	const char *p = strstr(msg, prefix);
	if (!p)
		return NULL;
	p += strlen(prefix);
	return g_strchomp(g_strndup(p, strcspn(p, "\r\n")));
}

static void sipe_line(const char *msg)
{
	gchar *v;

	if (strstr(msg, "MESSAGE START ")) {
		sip_dump(msg);
		return;
	}

	if ((v = after(msg, "process_register_response: got response to REGISTER; expires = "))) {
		stage("register-response", "expires=%s", v);
	} else if ((v = after(msg, "process_register_response: Supported: "))) {
		stage("register-supported", "%s", v);
	} else if ((v = after(msg, "process_register_response: Allow-Events: "))) {
		stage("register-allow-events", "%s", v);
	} else if ((v = after(msg, "process_subscribe_response: subscription dialog added for event "))) {
		/* "'<vnd-microsoft-roaming-self>'" (key of a self subscription) or "'<presence><sip:...>'" */
		gchar *e = v;
		if (*e == '\'') e++;
		if (g_str_has_prefix(e, "<presence><")) {
			/* -> "presence sip:..." */
			e = g_strdup_printf("presence %s", e + 11);
			g_strdelimit(e, "'", ' ');
			g_strchomp(e);
			if (g_str_has_suffix(e, ">"))
				e[strlen(e) - 1] = '\0';
		} else {
			if (*e == '<') e++;
			e = g_strdup(e);
			g_strdelimit(e, "'", ' ');
			g_strchomp(e);
			if (g_str_has_suffix(e, ">") && !strchr(e, '<'))
				e[strlen(e) - 1] = '\0';
		}
		stage("subscribed", "%s", e);
		g_free(e);
	} else if ((v = after(msg, "sipe_buddy_cleanup_local_list: REMOVING "))) {
		/* "'<uri>' from local group '<group>', as buddy is not in that group on remote contact list" */
		stage("buddy-cleanup", "%s", v);
	} else if ((v = after(msg, "sipe_buddy_cleanup_local_list: "))) {
		/* "%d sipe buddies (unique)": the second of its two lines, after the contact list has been read */
		if (strstr(v, "sipe buddies")) {
			stage("contact-list", "%s", v);
			schedule_add_buddies();
		}
	} else if ((v = after(msg, "process_subscribe_response: subscription "))) {
		/* "'event' to 'with' failed|was rejected|was terminated" */
		stage("subscription-problem", "%s", v);
	} else if (strcmp(msg, "sipe_ocs2007_process_roaming_self") == 0 ||
		   strcmp(msg, "sipe_ocs2007_process_roaming_self\n") == 0) {
		stage("roaming-self", NULL);
	} else if ((v = after(msg, "sipe_ocs2007_process_roaming_self: line_uri="))) {
		stage("rcc-line", "%s", v); /* "<line_uri> server=<server>" */
	} else if ((v = after(msg, "sipe_process_provisioning: line_uri="))) {
		stage("rcc-line", "%s", v);
	} else if ((v = after(msg, "process_invite_csta_gateway_response: gateway_status="))) {
		stage("csta-session", "%s", v);
		if (g_ascii_strcasecmp(v, "normal") != 0 && opt_call && !call_scheduled) {
			call_scheduled = TRUE;
			stage("call-skipped", "csta-status-%s", v);
		}
	} else if (strstr(msg, "process_invite_csta_gateway_response: INVITE response is not 200")) {
		stage("csta-failed", "invite");
		if (opt_call && !call_scheduled) {
			call_scheduled = TRUE;
			stage("call-skipped", "csta-invite-failed");
		}
	} else if ((v = after(msg, "process_csta_monitor_start_response: monitor_cross_ref_id="))) {
		stage("csta-monitor", "%s", v);
		schedule_call();
	} else if (strstr(msg, "process_csta_monitor_start_response: Monitor Start response is not 200")) {
		stage("csta-failed", "monitor-start");
		/* the dialog is established: MakeCall may still work */
		schedule_call();
	} else if (strstr(msg, "process_csta_get_features_response: Get CSTA features response is not 200")) {
		stage("csta-failed", "get-features");
	} else if ((v = after(msg, "sipe_core_buddy_make_call: calling number: "))) {
		stage("call-number", "%s", v);
	} else if (strstr(msg, "sip_csta_make_call: no dialog with CSTA")) {
		stage("call-failed", "no-csta-dialog");
	} else if (strstr(msg, "process_csta_make_call_response: SUCCESS")) {
		stage("call-success", NULL);
	} else if ((v = after(msg, "process_csta_make_call_response: call_id="))) {
		stage("call-id", "%s", v);
	} else if (strstr(msg, "process_csta_make_call_response: Make Call response is not 200")) {
		stage("call-failed", "make-call-not-200");
	} else if ((v = after(msg, "sipe_csta_update_id_and_status: device_id=("))) {
		if (g_str_has_suffix(v, ")"))
			v[strlen(v) - 1] = '\0';
		stage("csta-status", "device_id=%s", v);
	}
	g_free(v);
}


/* --- libxml2 SAX1 workaround --------------------------------------------- */

/*
 * SIPE parses every XML body (roaming-self, CSTA answers, ...) with
 * xmlSAXUserParseMemory() and a handler that sets XML_SAX2_MAGIC but only the
 * SAX1 startElement/endElement callbacks. Some libxml2 builds (Debian 12's
 * 2.9.14+dfsg-1.3~deb12u4/u5, after the CVE-2025-7425 patch) then never call
 * startElement, so SIPE's parser returns NULL for every document and SIPE
 * silently ignores roaming-self, the CSTA answers, etc.
 *
 * The driver checks libxml2 at start-up. If it is broken, it points libsipe's
 * GOT entry for xmlSAXUserParseMemory at a shim that hands libxml2 a copy of
 * such a handler marked as plain SAX1 (initialized = 0), which libxml2 still
 * serves. Nothing else about SIPE changes. --no-xml-workaround disables it.
 */

#define SAX2_MAGIC 0xDEEDBEAFu

/* the layout of libxml2's xmlSAXHandler (libxml/parser.h), to avoid needing its headers */
struct sax_handler {
	void *before_start[14]; /* internalSubset .. endDocument */
	void (*startElement)(void *ctx, const unsigned char *name, const unsigned char **atts);
	void (*endElement)(void *ctx, const unsigned char *name);
	void *after_end[11];    /* reference .. externalSubset */
	unsigned int initialized;
	void *private_data;
	void *startElementNs;
	void *endElementNs;
	void *serror;
};
G_STATIC_ASSERT(offsetof(struct sax_handler, initialized) == 27 * sizeof(void *));

typedef int (*sax_parse_fn)(void *sax, void *user_data, const char *buffer, int size);
static sax_parse_fn real_sax_parse;

static int sax_parse_shim(void *sax, void *user_data, const char *buffer, int size)
{
	struct sax_handler *h = sax;
	if (h && h->initialized == SAX2_MAGIC && !h->startElementNs && !h->endElementNs &&
	    (h->startElement || h->endElement)) {
		struct sax_handler sax1 = *h;
		sax1.initialized = 0;
		return real_sax_parse(&sax1, user_data, buffer, size);
	}
	return real_sax_parse(sax, user_data, buffer, size);
}

static int probe_elements;
static void probe_start(void *ctx, const unsigned char *name, const unsigned char **atts)
{
	(void) ctx; (void) name; (void) atts;
	probe_elements++;
}

/* points every GOT slot of the object behind handle that binds symbol at replacement */
static int hook_got(void *handle, const char *symbol, void *replacement)
{
	struct link_map *lm = NULL;
	ElfW(Addr) base;
	ElfW(Dyn) *d;
	ElfW(Sym) *symtab = NULL;
	const char *strtab = NULL;
	ElfW(Rela) *tables[2] = { NULL, NULL };
	size_t sizes[2] = { 0, 0 };
	long page = sysconf(_SC_PAGESIZE);
	int patched = 0, t;

	if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0 || !lm)
		return -1;
	base = lm->l_addr;
#define FIX(p) ((ElfW(Addr)) (p) < base ? (ElfW(Addr)) (p) + base : (ElfW(Addr)) (p))
	for (d = lm->l_ld; d->d_tag != DT_NULL; d++) {
		switch (d->d_tag) {
		case DT_SYMTAB: symtab = (ElfW(Sym) *) FIX(d->d_un.d_ptr); break;
		case DT_STRTAB: strtab = (const char *) FIX(d->d_un.d_ptr); break;
		case DT_JMPREL: tables[0] = (ElfW(Rela) *) FIX(d->d_un.d_ptr); break;
		case DT_PLTRELSZ: sizes[0] = d->d_un.d_val; break;
		case DT_RELA: tables[1] = (ElfW(Rela) *) FIX(d->d_un.d_ptr); break;
		case DT_RELASZ: sizes[1] = d->d_un.d_val; break;
		}
	}
#undef FIX
	if (!symtab || !strtab)
		return -1;
	for (t = 0; t < 2; t++) {
		size_t i, n = tables[t] ? sizes[t] / sizeof(ElfW(Rela)) : 0;
		for (i = 0; i < n; i++) {
			ElfW(Rela) *r = &tables[t][i];
#if __WORDSIZE == 64
			size_t sym = ELF64_R_SYM(r->r_info);
#else
			size_t sym = ELF32_R_SYM(r->r_info);
#endif
			if (sym && strcmp(strtab + symtab[sym].st_name, symbol) == 0) {
				void **slot = (void **) (base + r->r_offset);
				void *pg = (void *) ((ElfW(Addr)) slot & ~(ElfW(Addr)) (page - 1));
				/* RELRO (BIND_NOW builds): read-only after relocation */
				if (mprotect(pg, page, PROT_READ | PROT_WRITE) != 0)
					return -1;
				*slot = replacement;
				mprotect(pg, page, PROT_READ);
				patched++;
			}
		}
	}
	return patched;
}

static void xml_workaround(PurplePlugin *prpl)
{
	static const char doc[] = "<?xml version=\"1.0\"?><a><b>x</b></a>";
	struct sax_handler probe;
	void *h = prpl->path ? dlopen(prpl->path, RTLD_LAZY | RTLD_NOLOAD) : NULL;
	int patched;

	if (!h) {
		stage("xml-check", "cannot-open-plugin");
		return;
	}
	real_sax_parse = (sax_parse_fn) dlsym(h, "xmlSAXUserParseMemory");
	if (!real_sax_parse) {
		stage("xml-check", "no-xmlSAXUserParseMemory");
		dlclose(h);
		return;
	}
	memset(&probe, 0, sizeof probe);
	probe.startElement = probe_start;
	probe.initialized = SAX2_MAGIC;
	probe_elements = 0;
	real_sax_parse(&probe, NULL, doc, (int) strlen(doc));
	if (probe_elements == 2) {
		stage("xml-check", "libxml2-sax1-ok");
	} else if (opt_no_xml_workaround) {
		stage("xml-check", "libxml2-sax1-broken (left alone: SIPE will not parse any XML body)");
	} else {
		patched = hook_got(h, "xmlSAXUserParseMemory", (void *) sax_parse_shim);
		if (patched > 0)
			stage("xml-check", "libxml2-sax1-broken worked-around (%d GOT slot%s of libsipe.so)", patched, patched == 1 ? "" : "s");
		else
			stage("xml-check", "libxml2-sax1-broken workaround-failed");
	}
	dlclose(h);
}

/* --- UI ops ------------------------------------------------------------- */

static void debug_print(PurpleDebugLevel level, const char *category, const char *arg)
{
	(void) level;
	if (!arg)
		return;
	print_escaped_debug(category, arg);
	if (category && strcmp(category, "sipe") == 0) {
		/* SIPE debug output passes through "%s\n" */
		gchar *msg = g_strdup(arg);
		gsize len = strlen(msg);
		if (len > 0 && msg[len - 1] == '\n')
			msg[len - 1] = '\0';
		sipe_line(msg);
		g_free(msg);
	}
}

static gboolean debug_is_enabled(PurpleDebugLevel level, const char *category)
{
	(void) level;
	(void) category;
	return TRUE;
}

static PurpleDebugUiOps debug_ops = { debug_print, debug_is_enabled, NULL, NULL, NULL, NULL };

static void enable_debugging(void)
{
	purple_debug_set_enabled(TRUE);
	if (!opt_no_sip_dump)
		purple_debug_set_unsafe(TRUE);
}

static void core_debug_ui_init(void)
{
	purple_debug_set_ui_ops(&debug_ops);
	enable_debugging();
}

static GHashTable *ui_info;

static GHashTable *core_get_ui_info(void)
{
	if (!ui_info) {
		ui_info = g_hash_table_new(g_str_hash, g_str_equal);
		g_hash_table_insert(ui_info, "name", "sipe-driver");
		g_hash_table_insert(ui_info, "version", "1.0");
		g_hash_table_insert(ui_info, "client_type", "bot");
	}
	return ui_info;
}

static PurpleCoreUiOps core_ops = {
	NULL, core_debug_ui_init, NULL, NULL, core_get_ui_info, NULL, NULL, NULL
};

/* event loop on GLib */

#define READ_COND (G_IO_IN | G_IO_HUP | G_IO_ERR)
#define WRITE_COND (G_IO_OUT | G_IO_HUP | G_IO_ERR | G_IO_NVAL)

struct io_watch {
	PurpleInputFunction func;
	gpointer data;
};

static gboolean io_invoke(GIOChannel *ch, GIOCondition cond, gpointer data)
{
	struct io_watch *w = data;
	PurpleInputCondition pc = 0;
	if (cond & READ_COND)
		pc |= PURPLE_INPUT_READ;
	if (cond & WRITE_COND)
		pc |= PURPLE_INPUT_WRITE;
	w->func(w->data, g_io_channel_unix_get_fd(ch), pc);
	return TRUE;
}

static guint loop_input_add(int fd, PurpleInputCondition cond, PurpleInputFunction func, gpointer data)
{
	struct io_watch *w = g_new0(struct io_watch, 1);
	GIOChannel *ch = g_io_channel_unix_new(fd);
	GIOCondition gc = 0;
	guint id;

	w->func = func;
	w->data = data;
	if (cond & PURPLE_INPUT_READ)
		gc |= READ_COND;
	if (cond & PURPLE_INPUT_WRITE)
		gc |= WRITE_COND;
	id = g_io_add_watch_full(ch, G_PRIORITY_DEFAULT, gc, io_invoke, w, g_free);
	g_io_channel_unref(ch);
	return id;
}

static PurpleEventLoopUiOps loop_ops = {
	g_timeout_add, g_source_remove, loop_input_add, g_source_remove, NULL,
	g_timeout_add_seconds, NULL, NULL, NULL
};

/* connection UI ops */

static void conn_progress(PurpleConnection *gc, const char *text, size_t step, size_t count)
{
	(void) gc;
	stage("progress", "%u/%u %s", (unsigned) step, (unsigned) count, text ? text : "");
}

static void conn_connected(PurpleConnection *gc)
{
	(void) gc;
	was_connected = TRUE;
	stage("connected", "%s", purple_account_get_username(purple_connection_get_account(gc)));
}

static void conn_disconnected(PurpleConnection *gc)
{
	(void) gc;
	stage("disconnected", NULL);
}

static void conn_notice(PurpleConnection *gc, const char *text)
{
	(void) gc;
	stage("notice", "%s", text ? text : "");
}

static PurpleConnectionUiOps conn_ops = {
	conn_progress, conn_connected, conn_disconnected, conn_notice,
	NULL, NULL, NULL, NULL, NULL, NULL, NULL
};

/* notify and request UI ops: reported, never answered */

static void *notify_message(PurpleNotifyMsgType type, const char *title, const char *primary, const char *secondary)
{
	(void) type;
	stage("notify", "%s | %s | %s", title ? title : "", primary ? primary : "", secondary ? secondary : "");
	return NULL;
}

static void *notify_formatted(const char *title, const char *primary, const char *secondary, const char *text)
{
	(void) text;
	stage("notify", "%s | %s | %s", title ? title : "", primary ? primary : "", secondary ? secondary : "");
	return NULL;
}

static PurpleNotifyUiOps notify_ops = {
	notify_message, NULL, NULL, notify_formatted, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
};

static void *request_input(const char *title, const char *primary, const char *secondary,
			   const char *default_value, gboolean multiline, gboolean masked, gchar *hint,
			   const char *ok_text, GCallback ok_cb, const char *cancel_text, GCallback cancel_cb,
			   PurpleAccount *account, const char *who, PurpleConversation *conv, void *user_data)
{
	stage("request", "input | %s | %s", title ? title : "", primary ? primary : "");
	return NULL;
}

static void *request_action(const char *title, const char *primary, const char *secondary,
			    int default_action, PurpleAccount *account, const char *who,
			    PurpleConversation *conv, void *user_data, size_t action_count, va_list actions)
{
	stage("request", "action | %s | %s", title ? title : "", primary ? primary : "");
	return NULL;
}

static void *request_fields(const char *title, const char *primary, const char *secondary,
			    PurpleRequestFields *fields, const char *ok_text, GCallback ok_cb,
			    const char *cancel_text, GCallback cancel_cb, PurpleAccount *account,
			    const char *who, PurpleConversation *conv, void *user_data)
{
	stage("request", "fields | %s | %s", title ? title : "", primary ? primary : "");
	return NULL;
}

static PurpleRequestUiOps request_ops = {
	request_input, NULL, request_action, request_fields, NULL, NULL, NULL, NULL, NULL, NULL, NULL
};

/* --- signals ------------------------------------------------------------ */

static const char *error_slug(PurpleConnectionError e)
{
	switch (e) {
	case PURPLE_CONNECTION_ERROR_NETWORK_ERROR: return "network-error";
	case PURPLE_CONNECTION_ERROR_INVALID_USERNAME: return "invalid-username";
	case PURPLE_CONNECTION_ERROR_AUTHENTICATION_FAILED: return "authentication-failed";
	case PURPLE_CONNECTION_ERROR_AUTHENTICATION_IMPOSSIBLE: return "authentication-impossible";
	case PURPLE_CONNECTION_ERROR_NO_SSL_SUPPORT: return "no-ssl-support";
	case PURPLE_CONNECTION_ERROR_ENCRYPTION_ERROR: return "encryption-error";
	case PURPLE_CONNECTION_ERROR_NAME_IN_USE: return "name-in-use";
	case PURPLE_CONNECTION_ERROR_INVALID_SETTINGS: return "invalid-settings";
	case PURPLE_CONNECTION_ERROR_OTHER_ERROR: return "other-error";
	default: return "certificate-error";
	}
}

static void on_signing_on(PurpleConnection *gc, gpointer data)
{
	(void) data;
	stage("connecting", "%s", purple_account_get_username(purple_connection_get_account(gc)));
}

static void on_signed_on(PurpleConnection *gc, gpointer data)
{
	(void) gc;
	(void) data;
	stage("signed-on", NULL);
}

static gboolean quit_after_error_cb(gpointer data)
{
	(void) data;
	request_quit("connection-lost", EXIT_CONNECTION);
	return FALSE;
}

static void on_signed_off(PurpleConnection *gc, gpointer data)
{
	(void) gc;
	(void) data;
	stage("signed-off", NULL);
	if (!quitting)
		g_timeout_add(50, quit_after_error_cb, NULL);
}

static void on_connection_error(PurpleConnection *gc, PurpleConnectionError err, const gchar *desc, gpointer data)
{
	(void) gc;
	(void) data;
	stage("error", "%s %s", error_slug(err), desc ? desc : "");
	if (!quitting)
		/* libpurple disconnects the account from an idle callback: let it */
		g_timeout_add(50, quit_after_error_cb, NULL);
}

/* --- main --------------------------------------------------------------- */

static void apply_setting(PurpleAccount *account, const char *kv)
{
	const char *eq = strchr(kv, '=');
	gchar *key;
	const char *value;
	if (!eq) {
		fprintf(stderr, "sipe-driver: ignoring --set %s (no '=')\n", kv);
		return;
	}
	key = g_strndup(kv, eq - kv);
	value = eq + 1;
	if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0)
		purple_account_set_bool(account, key, strcmp(value, "true") == 0);
	else
		purple_account_set_string(account, key, value);
	stage("setting", "%s=%s", key, value);
	g_free(key);
}

int main(int argc, char *argv[])
{
	GOptionContext *ctx;
	GError *error = NULL;
	PurplePlugin *prpl;
	gchar *username;
	const char *address;
	static int handle;
	gchar **s;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	ctx = g_option_context_new("- sign pidgin-sipe in to a SIP server and report stages");
	g_option_context_add_main_entries(ctx, option_entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "sipe-driver: %s\n", error->message);
		return EXIT_USAGE;
	}
	g_option_context_free(ctx);
	if (!opt_password)
		opt_password = (gchar *) g_getenv("SIPE_DRIVER_PASSWORD");
	if (!opt_user_dir || !opt_server || !opt_address || !opt_password) {
		fprintf(stderr, "sipe-driver: --user-dir, --server, --address and --password are required (see --help)\n");
		return EXIT_USAGE;
	}
	address = g_str_has_prefix(opt_address, "sip:") ? opt_address + 4 : opt_address;

	g_set_print_handler(swallow_print);
	g_mkdir_with_parents(opt_user_dir, 0700);
	purple_util_set_user_dir(opt_user_dir);
	enable_debugging();

	purple_core_set_ui_ops(&core_ops);
	purple_eventloop_set_ui_ops(&loop_ops);
	if (opt_plugin_dir)
		purple_plugins_add_search_path(opt_plugin_dir);

	if (!purple_core_init(UI_ID)) {
		stage("error", "purple-core-init-failed");
		return EXIT_USAGE;
	}
	enable_debugging();
	purple_connections_set_ui_ops(&conn_ops);
	purple_notify_set_ui_ops(&notify_ops);
	purple_request_set_ui_ops(&request_ops);

	purple_set_blist(purple_blist_new());
	purple_blist_load();
	purple_prefs_load();

	main_loop = g_main_loop_new(NULL, FALSE);

	prpl = purple_find_prpl(PRPL_ID);
	if (!prpl) {
		stage("error", "no-sipe-plugin");
		purple_core_quit();
		return EXIT_NO_PLUGIN;
	}
	stage("plugin", "%s %s %s", PRPL_ID, purple_plugin_get_version(prpl) ? purple_plugin_get_version(prpl) : "?",
	      prpl->path ? prpl->path : "?");

	xml_workaround(prpl);

	purple_signal_connect(purple_connections_get_handle(), "signing-on", &handle, PURPLE_CALLBACK(on_signing_on), NULL);
	purple_signal_connect(purple_connections_get_handle(), "signed-on", &handle, PURPLE_CALLBACK(on_signed_on), NULL);
	purple_signal_connect(purple_connections_get_handle(), "signed-off", &handle, PURPLE_CALLBACK(on_signed_off), NULL);
	purple_signal_connect(purple_connections_get_handle(), "connection-error", &handle, PURPLE_CALLBACK(on_connection_error), NULL);
	purple_signal_connect(purple_blist_get_handle(), "buddy-status-changed", &handle, PURPLE_CALLBACK(on_buddy_status_changed), NULL);
	purple_signal_connect(purple_blist_get_handle(), "buddy-signed-on", &handle, PURPLE_CALLBACK(on_buddy_signed_on), NULL);
	purple_signal_connect(purple_blist_get_handle(), "buddy-signed-off", &handle, PURPLE_CALLBACK(on_buddy_signed_off), NULL);
	purple_signal_connect(purple_blist_get_handle(), "buddy-added", &handle, PURPLE_CALLBACK(on_buddy_added), NULL);
	purple_signal_connect(purple_blist_get_handle(), "buddy-removed", &handle, PURPLE_CALLBACK(on_buddy_removed), NULL);
	purple_signal_connect(purple_accounts_get_handle(), "account-status-changed", &handle, PURPLE_CALLBACK(on_account_status_changed), NULL);
	presence_subscribes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	buddy_last_status = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	/* SIPE's username format: <sign-in address>,<optional login> */
	username = (opt_login && *opt_login) ? g_strdup_printf("%s,%s", address, opt_login) : g_strdup(address);
	the_account = purple_account_new(username, PRPL_ID);
	purple_account_set_password(the_account, opt_password);
	purple_account_set_remember_password(the_account, FALSE);
	purple_account_set_string(the_account, "server", opt_server);
	purple_account_set_string(the_account, "transport", opt_transport);
	purple_account_set_string(the_account, "authentication", opt_auth);
	for (s = opt_set; s && *s; s++)
		apply_setting(the_account, *s);
	purple_accounts_add(the_account);
	add_local_buddies();

	g_timeout_add(opt_timeout_ms > 0 ? (guint) opt_timeout_ms : 1, timeout_cb, NULL);
	g_unix_signal_add(SIGTERM, unix_signal_cb, GINT_TO_POINTER(SIGTERM));
	g_unix_signal_add(SIGINT, unix_signal_cb, GINT_TO_POINTER(SIGINT));

	purple_account_set_enabled(the_account, UI_ID, TRUE);
	purple_account_set_status(the_account, "available", TRUE, NULL);
	if (purple_account_is_disconnected(the_account))
		purple_account_connect(the_account);

	g_main_loop_run(main_loop);

	if (exit_code == EXIT_OK && !was_connected)
		stage("exit", "0 never-connected");
	else
		stage("exit", "%d", exit_code);
	g_free(username);
	g_free(make_call_cseq);
	g_free(initial_publish_key);
	return exit_code;
}
