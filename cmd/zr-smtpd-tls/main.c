/* SPDX-License-Identifier: MIT */
/*
 * zr-smtpd-tls: zr-smtpd with OpenSSL linked in. zr-smtpd hands a
 * connection over to it at STARTTLS (-S) or for implicit TLS (-s); it can
 * also be run in zr-smtpd's place.
 */
#include "die.h"
#include "../zr-smtpd/smtpd.h"

int
main(int argc, char **argv)
{
	zr_prog = "zr-smtpd";
	return smtpd_main(argc, argv, &smtpd_tls_here);
}
