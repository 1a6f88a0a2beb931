#!/bin/sh
# zr-passwd prints a control/passwords line for a password on stdin.
. "${0%/*}/../lib/harness.sh"
plan 6
line=$(echo 'pass word' | zr-passwd -i 1000 alice)
is "$?" 0 'zr-passwd succeeds'
like "$line" '^alice:\$pbkdf2-sha256\$1000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]{44}$' 'it prints user:hash'
line2=$(echo 'pass word' | zr-passwd -i 1000 alice)
ok 'two runs use different salts' test "$line" != "$line2"
printf '' | zr-passwd alice 2>"$T/err"
is "$?" 100 'an empty password: exit 100'
echo x | zr-passwd 'a:b' 2>/dev/null
is "$?" 100 'a user name with a colon: exit 100'
echo x | zr-passwd -i 5 alice 2>/dev/null
is "$?" 100 'too few iterations: exit 100'
done_testing
