/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "log.h"

void
log_line(struct zs *l)
{
	if (zs_catc(l, '\n'))
		(void)!write(2, l->s, l->len);
	l->len = 0;
}

int
log_begin(struct zs *l, const char *level, const char *id)
{
	return die_catprefix(l, level) && (id == NULL ||
	    (zs_cats(l, "id=") && zs_cats(l, id) && zs_catc(l, ' ')));
}

int
log_q(struct zs *l, const char *key, const char *v)
{
	return zs_catc(l, ' ') && zs_cats(l, key) && zs_catc(l, '=') &&
	    die_catq(l, v);
}

int
log_num(struct zs *l, unsigned long long u)
{
	return zs_catulong(l, u);
}

/*
 * A message in a log line, as qmail's log tools read it: "msg N", N the
 * queue file's inode number. qmailanalog's matchup reads N as an unsigned
 * decimal and stops at the first other byte, so the id's leading seconds
 * would merge every message of one second; the inode is unique among the
 * files present and lasts through every rename. The id itself ends the
 * line as an id= field (log_id).
 */
int
log_msg(struct zs *l, unsigned long long ino)
{
	return zs_cats(l, "msg ") && log_num(l, ino);
}

int
log_id(struct zs *l, const char *id)
{
	return zs_cats(l, " id=") && zs_cats(l, id);
}

/* The inode of a message file, for log_msg; 0 when it cannot be seen. */
unsigned long long
log_ino(struct queue *q, enum queue_dir d, const char *id)
{
	struct stat st;

	return queue_stat(q, d, id, &st) == 1 ?
	    (unsigned long long)st.st_ino : 0;
}

/* A report's text in one log field: qmail-send turns spaces into '_'. */
int
log_report(struct zs *l, const char *t)
{
	size_t n = strlen(t), i;

	if (!zs_readyplus(l, n + 1))
		return 0;
	for (i = 0; i < n; i++) {
		char c = t[i];

		l->s[l->len++] = c == ' ' ? '_' :
		    (unsigned char)c < 32 || c == 127 ? '?' : c;
	}
	l->s[l->len++] = '/';
	return 1;
}
