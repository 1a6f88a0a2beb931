# SPDX-License-Identifier: MIT
# certs.sh: a throwaway CA and a server certificate for relay.test, made at
# test time (no key is ever committed). Sourced after harness.sh.
#
#   make_certs DIR      # DIR/ca.pem, DIR/server.pem, DIR/server.key
#   tls_install DIR     # the server's pair as control/tlscert and tlskey

make_certs() {
	mkdir -p "$1" || return 1
	(
		cd "$1" || exit 1
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			-nodes -keyout ca.key -out ca.pem -days 2 \
			-subj /CN=zr-test-ca &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			-nodes -keyout server.key -out server.csr \
			-subj /CN=relay.test &&
		printf 'subjectAltName=DNS:relay.test\n' >ext &&
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
			-CAcreateserial -days 2 -extfile ext -out server.pem
	) >/dev/null 2>&1
}

tls_install() {
	cp "$1/server.pem" "$ZR_CONTROL/tlscert" &&
	cp "$1/server.key" "$ZR_CONTROL/tlskey" &&
	chmod 644 "$ZR_CONTROL/tlscert" && chmod 600 "$ZR_CONTROL/tlskey" ||
		return 1
	if [ "$(id -u)" = 0 ]; then
		chown "$ZR_TEST_USER:$ZR_TEST_GROUP" "$ZR_CONTROL/tlscert" \
			"$ZR_CONTROL/tlskey"
	fi
}
