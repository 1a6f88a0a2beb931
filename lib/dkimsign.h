/* SPDX-License-Identifier: MIT */
/*
 * dkimsign: DKIM signing at queue time, for the writers of new messages.
 *
 * A writer calls dkimsign_file once, when the message file in tmp/ is
 * complete and before it commits it, for mail that is ours to sign: from
 * local submitters (zr-inject), relay clients and authenticated clients
 * (zr-smtpd); never for mail passing through from outside. Retries never
 * come here, so a message is signed once.
 *
 * The signing runs in zr-dkim sign (beside this program, else from
 * $PATH), with the file as its standard input: OpenSSL stays out of the
 * SMTP server, whose start per connection is cheap (as for zr-passwd),
 * and zr-dkim may be installed set-user-id to the owner of the private
 * keys, which are private to that owner. Nothing is run when there is no
 * control/dkim. zr-dkim says on standard error why it failed.
 */
#ifndef ZR_DKIMSIGN_H
#define ZR_DKIMSIGN_H

/* A signer that takes longer than this is a failure. */
#define DKIMSIGN_TIMEOUT 60

/*
 * Sign the message file fd (open for reading and writing) in place: 1
 * when signed or when nothing is to be signed, 0 with errno set when it
 * could not be signed as control/dkim says (the writer refuses the
 * message for now).
 */
int dkimsign_file(int fd);

#endif
