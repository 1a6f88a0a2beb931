/* SPDX-License-Identifier: MIT */
/*
 * Every reply zr-smtpd sends: one table of codes and texts, and one
 * checked emitter that also logs refusals and counts bad commands.
 */
#include <errno.h>
#include <string.h>

#include "buf.h"
#include "die.h"
#include "fmt.h"
#include "smtpd_int.h"

const struct smtpd_replytab smtpd_replies[RPL_COUNT] = {
	[RPL_GREET] = { 220, NULL, "" },
	[RPL_HELO] = { 250, NULL, "" },
	[RPL_OK] = { 250, "2.0.0", "Ok" },
	[RPL_SENDER_OK] = { 250, "2.1.0", "Sender ok" },
	[RPL_RCPT_OK] = { 250, "2.1.5", "Recipient ok" },
	[RPL_QUEUED] = { 250, "2.0.0", "Ok: queued as " },
	[RPL_VRFY] = { 252, "2.0.0",
	    "Cannot VRFY user, but will accept message and attempt delivery" },
	[RPL_HELP] = { 214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA BDAT "
	    "RSET NOOP QUIT VRFY HELP STARTTLS AUTH" },
	[RPL_DATA] = { 354, NULL, "End data with <CR><LF>.<CR><LF>" },
	[RPL_BYE] = { 221, "2.0.0", "Bye" },
	[RPL_TIMEOUT] = { 421, "4.4.2", "Timeout, closing connection" },
	[RPL_ERRORS] = { 421, "4.7.0", "Too many errors, closing connection" },
	[RPL_TEMP] = { 421, "4.3.0", "Temporary failure, closing connection" },
	[RPL_JUNK] = { 421, "4.7.0",
	    "Too many commands that do no work, closing connection" },
	[RPL_SESSIONTIME] = { 421, "4.4.2",
	    "Session time limit reached, closing connection" },
	[RPL_SLOW] = { 421, "4.4.2", "Data rate too low, closing connection" },
	[RPL_RATE] = { 450, "4.7.1",
	    "Too many messages from your address, try again later" },
	[RPL_SENDERLIMIT] = { 450, "4.7.1",
	    "Too many messages from this sender, try again later" },
	[RPL_QUEUEFAIL] = { 451, "4.3.0",
	    "Temporary queue failure, try again later" },
	[RPL_TOOMANYRCPT] = { 452, "4.5.3", "Too many recipients" },
	[RPL_UNKNOWN] = { 500, "5.5.1", "Command unrecognized" },
	[RPL_LINELONG] = { 500, "5.5.2", "Line too long" },
	[RPL_BARELF] = { 500, "5.5.2", "Commands must end in CRLF" },
	[RPL_BADBYTE] = { 500, "5.5.2", "Invalid character in command" },
	[RPL_SYNTAX] = { 501, "5.5.4", "Syntax error in parameters" },
	[RPL_NOPARAM] = { 501, "5.5.4", "No parameters allowed" },
	[RPL_HELOSYNTAX] = { 501, NULL, "Syntax: EHLO hostname" },
	[RPL_FROMSYNTAX] = { 501, "5.1.7", "Bad sender address syntax" },
	[RPL_TOSYNTAX] = { 501, "5.1.3", "Bad recipient address syntax" },
	[RPL_NEEDHELO] = { 503, "5.5.1", "Send HELO or EHLO first" },
	[RPL_NEEDMAIL] = { 503, "5.5.1", "Need MAIL command" },
	[RPL_NESTED] = { 503, "5.5.1", "Sender already given" },
	[RPL_NEEDRCPT] = { 503, "5.5.1",
	    "Need RCPT command (no valid recipients)" },
	[RPL_RELAY] = { 550, "5.7.1", "Relaying denied" },
	[RPL_ROUTED] = { 550, "5.7.1",
	    "Relaying denied: routing in the address is not allowed" },
	[RPL_NOUSER] = { 550, "5.1.1", "No such user here" },
	[RPL_TOOBIG] = { 552, "5.3.4", "Message size exceeds fixed limit" },
	[RPL_BAREDATA] = { 554, "5.6.0",
	    "Message refused: bare CR or LF (lines must end in CRLF)" },
	[RPL_NULDATA] = { 554, "5.6.0", "Message refused: NUL byte" },
	[RPL_LONGDATA] = { 554, "5.6.0",
	    "Message refused: line longer than 1000 octets" },
	/* RFC 3463 3.5: X.4.6 is a routing loop. */
	[RPL_LOOP] = { 554, "5.4.6",
	    "Message refused: too many hops, it is looping" },
	[RPL_EARLY] = { 554, NULL,
	    "Protocol violation: input before greeting" },
	[RPL_PIPELINE] = { 554, NULL,
	    "Protocol violation: commands sent before the reply to HELO/EHLO" },
	[RPL_HTTP] = { 554, "5.7.0",
	    "Protocol violation: this is an SMTP server, closing connection" },
	[RPL_PARAM] = { 555, "5.5.4", "Unsupported parameter" },
	[RPL_NOSPACE] = { 452, "4.3.1", "Insufficient system storage" },
	[RPL_INTX] = { 503, "5.5.1", "Not allowed during a mail transaction" },
	/* RFC 6531 3.5 names 5.6.7 for addresses it cannot take. */
	[RPL_UTF8] = { 553, "5.6.7", "Malformed UTF-8 in the address" },
	[RPL_UTF8DATA] = { 554, "5.6.7",
	    "Message refused: malformed UTF-8 in the header (SMTPUTF8)" },
	/* RFC 3030 2 and 4.2. */
	[RPL_CHUNK] = { 250, "2.0.0", "Ok: chunk received" },
	[RPL_BDATSYNTAX] = { 501, "5.5.4",
	    "Syntax: BDAT size [LAST], closing connection" },
	[RPL_MIXED] = { 503, "5.5.1",
	    "BDAT and DATA do not mix in one transaction; it is reset" },
	/* RFC 3207 4. */
	[RPL_TLS_READY] = { 220, "2.0.0", "Ready to start TLS" },
	[RPL_TLS_TEMP] = { 454, "4.7.0",
	    "TLS not available due to temporary reason" },
	[RPL_TLS_NO] = { 502, "5.5.1", "STARTTLS not available" },
	[RPL_TLS_ACTIVE] = { 503, "5.5.1", "TLS already active" },
	/* RFC 4954 4 and 6. */
	[RPL_AUTH_OK] = { 235, "2.7.0", "Authentication successful" },
	[RPL_AUTH_NO] = { 503, "5.5.1", "AUTH not available" },
	[RPL_AUTH_ENCRYPT] = { 538, "5.7.11",
	    "Encryption required for requested authentication mechanism" },
	[RPL_AUTH_AGAIN] = { 503, "5.5.1", "Already authenticated" },
	[RPL_AUTH_MECH] = { 504, "5.5.4", "Unrecognized authentication type" },
	[RPL_AUTH_CANCEL] = { 501, "5.0.0", "Authentication cancelled" },
	[RPL_AUTH_DECODE] = { 501, "5.5.2", "Cannot decode response" },
	[RPL_AUTH_LONG] = { 500, "5.5.6",
	    "Authentication Exchange line is too long" },
	[RPL_AUTH_FAIL] = { 535, "5.7.8",
	    "Authentication credentials invalid" },
	[RPL_AUTH_TEMP] = { 454, "4.7.0", "Temporary authentication failure" },
	[RPL_AUTH_LIMIT] = { 421, "4.7.0",
	    "Too many failed authentications, closing connection" },
	[RPL_AUTH_CLIENT] = { 421, "4.7.0", "Too many failed authentications "
	    "from your address, try again later" },
	[RPL_AUTH_REQUIRED] = { 530, "5.7.0", "Authentication required" },
};

int
smtpd_reply_line(struct smtpd_session *s, int code, char sep, const char *esc,
    const char *text, const char *extra)
{
	char num[4];

	/* A wrong code or a class mismatch is our bug: never send it. */
	if (code < 200 || code > 599 ||
	    (esc != NULL && (esc[0] != '0' + code / 100 || code / 100 == 3))) {
		warn_x("bad reply code: ", text);
		errno = EINVAL;
		return 0;
	}
	num[0] = (char)('0' + code / 100);
	num[1] = (char)('0' + code / 10 % 10);
	num[2] = (char)('0' + code % 10);
	num[3] = sep;
	return buf_put(&s->out, num, 4) &&
	    (esc == NULL ||
	    (buf_puts(&s->out, esc) && buf_put(&s->out, " ", 1))) &&
	    buf_puts(&s->out, text) &&
	    (extra == NULL || buf_puts(&s->out, extra)) &&
	    buf_put(&s->out, "\r\n", 2);
}

/* The command word for a log line: letters only, else "?". */
static void
verb_of(const struct zs *line, char out[12])
{
	size_t i;

	for (i = 0; i < line->len && i < 10; i++) {
		char c = line->s[i];

		if (c == ' ')
			break;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
			break;
		out[i] = c;
	}
	if (i == 0 || (i < line->len && line->s[i] != ' '))
		memcpy(out, "?", 2);
	else
		out[i] = '\0';
}

enum smtpd_step
smtpd_reply(struct smtpd_session *s, enum smtpd_reply_id id,
    const char *extra)
{
	const struct smtpd_replytab *r = &smtpd_replies[id];

	if (r->code >= 400 && !s->quietlog) {
		char verb[12], code[FMT_ULONG];

		if (s->logcmd != NULL)
			memcpy(verb, s->logcmd, strlen(s->logcmd) + 1);
		else
			verb_of(&s->line, verb);
		code[fmt_ulong(code, (unsigned long long)r->code)] = '\0';
		log_info("client=", s->conf->client, " reject=", code,
		    r->esc != NULL ? " esc=" : "", r->esc != NULL ? r->esc : "",
		    " cmd=", verb, s->logarg != NULL ? " arg=<" : "",
		    s->logarg != NULL ? s->logarg : "",
		    s->logarg != NULL ? ">" : "", " reason=", DIE_Q, r->text);
	}
	/* RFC 5321 4.2: these mean the client sent what it should not. */
	if (r->code == 500 || r->code == 501 || r->code == 503 ||
	    r->code == 555) {
		s->badcmds++;
		s->junk++;
	}
	return smtpd_reply_line(s, r->code, ' ', r->esc, r->text, extra) ?
	    STEP_NEXT : STEP_CLOSE;
}

enum smtpd_step
smtpd_reply_close(struct smtpd_session *s, enum smtpd_reply_id id,
    const char *result)
{
	(void)(smtpd_reply(s, id, NULL) == STEP_NEXT && buf_flush(&s->out));
	s->result = result;
	return STEP_CLOSE;
}
