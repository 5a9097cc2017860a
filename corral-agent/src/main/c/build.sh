#!/bin/sh
# Builds the agent's native launcher server from corral-forker.c next to this script:
#   corral-agent/src/main/c/build.sh OUTPUT
# The program reports the SHA-256 of the source it was built from (`corral-forker --version`), which
# NativeForkerBinaryTest checks against the source for the binary committed under src/main/resources (the one a build
# without a C compiler ships). After changing corral-forker.c, rebuild that binary on x86-64 Linux with glibc 2.34 or
# newer (it then runs on those):
#   corral-agent/src/main/c/build.sh corral-agent/src/main/resources/io/corral/agent/containerizer/linux-amd64/corral-forker
# The build's native-forker profile runs this script where /usr/bin/cc exists, into target/classes.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
output="$1"
source_sha256="$(sha256sum "$here/corral-forker.c" | cut -d' ' -f1)"
mkdir -p "$(dirname "$output")"
cc -std=c11 -O2 -Wall -Wextra -Wl,-z,now,-z,relro -ffile-prefix-map="$here"=. -DSOURCE_SHA256="\"$source_sha256\"" \
    -o "$output" "$here/corral-forker.c"
