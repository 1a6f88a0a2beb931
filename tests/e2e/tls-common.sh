# SPDX-License-Identifier: MIT
# Throwaway certificates for the TLS tests, made at test time with the
# openssl tool and never kept: a CA, and server certificates signed by it
# (good, wrong name, expired), one self-signed. Sourced after harness.sh;
# everything lands in $T/certs.

C=$T/certs

# mkcert NAME SAN [DAYS]: NAME.key and NAME.pem signed by the test CA.
mkcert() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$C/$1.key" -out "$C/$1.csr" -subj "/CN=$1" \
		2>/dev/null || return 1
	printf 'subjectAltName=%s\n' "$2" >"$C/$1.ext"
	openssl x509 -req -in "$C/$1.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" \
		-CAcreateserial -out "$C/$1.pem" -days "${3:-2}" \
		-extfile "$C/$1.ext" 2>/dev/null
}

# mkcerts: the CA and good (localhost, 127.0.0.1), wrongname
# (other.test), expired (-days -1: it ended before it began), self
# (self-signed for localhost, 127.0.0.1) and stranger (localhost,
# 127.0.0.1, signed by another CA that nothing trusts).
mkcerts() {
	mkdir -p "$C"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$C/ca.key" -out "$C/ca.pem" -subj "/CN=zr test CA" \
		-days 2 2>/dev/null || return 1
	mkcert good 'DNS:localhost,IP:127.0.0.1' &&
	mkcert wrongname 'DNS:other.test' &&
	mkcert expired 'DNS:localhost,IP:127.0.0.1' -1 &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$C/self.key" -out "$C/self.pem" -subj "/CN=localhost" \
		-addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' -days 2 \
		2>/dev/null || return 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$C/ca2.key" -out "$C/ca2.pem" -subj "/CN=other CA" \
		-days 2 2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$C/stranger.key" -out "$C/stranger.csr" \
		-subj /CN=stranger 2>/dev/null &&
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' \
		>"$C/stranger.ext" &&
	openssl x509 -req -in "$C/stranger.csr" -CA "$C/ca2.pem" \
		-CAkey "$C/ca2.key" -CAcreateserial -out "$C/stranger.pem" \
		-days 2 -extfile "$C/stranger.ext" 2>/dev/null
}

# certfp NAME: the SHA-256 of the certificate, as sha256:HEX.
certfp() {
	echo "sha256:$(openssl x509 -in "$C/$1.pem" -outform DER |
		openssl dgst -sha256 -r | cut -d' ' -f1)"
}

# keyfp NAME: the SHA-256 of its public key (SubjectPublicKeyInfo).
keyfp() {
	echo "sha256:$(openssl x509 -in "$C/$1.pem" -pubkey -noout |
		openssl pkey -pubin -outform DER | openssl dgst -sha256 -r |
		cut -d' ' -f1)"
}

# tls_server NAME CERT ARGS...: the scriptable receiver with CERT.
tls_server() {
	_n=$1
	_c=$2
	shift 2
	# Failed handshakes are the point of some tests: their noise is kept
	# out of the TAP stream.
	py_server "$_n" --tls-cert "$C/$_c.pem" --tls-key "$C/$_c.key" "$@" \
		2>>"$T/$_n.err"
}

# secrets TEXT [MODE]: control/smarthost-secrets, owned by the user
# zr-remote runs as.
secrets() {
	printf '%s\n' "$1" >"$ZR_CONTROL/smarthost-secrets"
	chmod "${2:-600}" "$ZR_CONTROL/smarthost-secrets"
	if [ "$(id -u)" = 0 ]; then
		chown "$ZR_TEST_USER" "$ZR_CONTROL/smarthost-secrets"
	fi
}

# tls_remote_setup: what a test of zr-remote over TLS starts from, after
# plan: a queue and control directory (zr_setup) with short timeouts, the
# certificates (mkcerts) with the test CA in control/tlsca, and one
# message to ok@x.test, its file in $msg. Needs send-common.sh.
tls_remote_setup() {
	zr_setup
	control timeoutremote 5
	control timeoutconnect 2
	mkcerts || { echo 'Bail out! unable to make certificates'; exit 1; }
	cp "$C/ca.pem" "$ZR_CONTROL/tlsca"
	inj ok@x.test
	msg=$(find "$ZR_QUEUE/todo" -type f)
}

# job HOSTLINE...: one job to ok@x.test over the hosts given, handed to
# the test's own remote function (its printf makes the line ends).
job() {
	_j=
	for _h in "$@"; do
		_j="${_j}host $_h\n"
	done
	remote "${_j}file $msg\nto <ok@x.test>\n\n"
}
