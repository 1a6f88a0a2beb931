/* SPDX-License-Identifier: MIT */
#include "die.h"
#include "smtpd.h"

int
main(int argc, char **argv)
{
	zr_prog = "zr-smtpd";
	return smtpd_main(argc, argv, &smtpd_tls_handoff);
}
