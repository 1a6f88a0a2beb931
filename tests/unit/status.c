/* SPDX-License-Identifier: MIT */
#include "../lib/tap.h"
#include "die.h"
#include "job.h"
#include "status.h"

int
main(void)
{
	plan(6);
	ok(zr_status_exit(ZR_OK) == EXIT_OK &&
	    zr_status_exit(ZR_TEMP) == EXIT_TEMP &&
	    zr_status_exit(ZR_PERM) == EXIT_PERM, "status to exit code");
	ok(zr_status_of_reply(250) == ZR_OK &&
	    zr_status_of_reply(451) == ZR_TEMP &&
	    zr_status_of_reply(550) == ZR_PERM, "2xx 4xx 5xx");
	ok(zr_status_of_reply(354) == ZR_TEMP &&
	    zr_status_of_reply(0) == ZR_TEMP, "no verdict is temporary");
	ok(job_rcpt_letter(ZR_OK) == 'r' && job_rcpt_letter(ZR_TEMP) == 's' &&
	    job_rcpt_letter(ZR_PERM) == 'h', "recipient letters r s h");
	ok(job_msg_letter(ZR_OK) == 'K' && job_msg_letter(ZR_TEMP) == 'Z' &&
	    job_msg_letter(ZR_PERM) == 'D', "message letters K Z D");
	ok(job_letter_status(JOB_RCPT_PERM) == ZR_PERM &&
	    job_letter_status(JOB_MSG_OK) == ZR_OK &&
	    job_letter_status(JOB_HOST) == ZR_TEMP, "letters back to status");
	return done();
}
