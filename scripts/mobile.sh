#!/usr/bin/env bash
# The handheld library for native apps, through gomobile's gobind.
#
#   scripts/mobile.sh gen   generate the Java and Objective-C bindings of
#                           mobile-api/bind into build/mobile/{java,objc}
#                           and fail if gobind skipped any exported name
#   scripts/mobile.sh jvm   build the Java binding for this machine: the Go
#                           side as a JNI library (c-shared, cgo) and the
#                           generated Java plus the test app compiled with
#                           javac, into build/mobile/_jvm
#   scripts/mobile.sh test  gen, jvm, then the Go test that runs the Java app
#                           against a real courierd
#
# gobind comes from golang.org/x/mobile at the version go.mod requires and
# is installed into bin/. The JDK is Debian's: default-jdk-headless is
# installed with apt-get only when javac is missing (then, outside CI, the
# JVM test is skipped instead when apt-get is not possible).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PKG=./mobile-api/bind
OUT=$ROOT/build/mobile
JVM=$OUT/_jvm # leading underscore: never matched by ./... patterns
BIN=$ROOT/bin

gobind_bin() {
	local version
	version=$(go list -m -f '{{.Version}}' golang.org/x/mobile)
	if [ ! -x "$BIN/gobind" ] || [ "$(cat "$BIN/gobind.version" 2>/dev/null)" != "$version" ]; then
		echo "installing gobind $version" >&2
		GOBIN=$BIN go install "golang.org/x/mobile/cmd/gobind@$version"
		echo "$version" >"$BIN/gobind.version"
	fi
	echo "$BIN/gobind"
}

# The generated Go is not part of this module: a go.mod in each output
# keeps `go vet ./...` and `go test ./...` out of it.
gen() {
	local gobind
	gobind=$(gobind_bin)
	rm -rf "$OUT/java" "$OUT/objc"
	mkdir -p "$OUT"
	PATH="$BIN:$PATH" "$gobind" -lang=go,java -outdir="$OUT/java" "$PKG"
	PATH="$BIN:$PATH" "$gobind" -lang=objc -outdir="$OUT/objc" "$PKG"
	for d in java objc; do printf 'module generated/%s\n' "$d" >"$OUT/$d/go.mod"; done
	if grep -rn -i "skipped" "$OUT/java" "$OUT/objc"; then
		echo "mobile: gobind skipped the names above: the bindable surface is incomplete" >&2
		exit 1
	fi
	local n
	n=$(find "$OUT/java/java/courier" -name '*.java' | wc -l)
	echo "mobile: bindings in build/mobile/java ($n Java classes) and build/mobile/objc; nothing skipped"
}

need_jdk() {
	if command -v javac >/dev/null && command -v java >/dev/null; then
		return 0
	fi
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		apt-get install -y default-jdk-headless >&2
		return 0
	fi
	if [ -n "${CI:-}" ]; then
		echo "mobile: javac missing and cannot install default-jdk-headless" >&2
		exit 1
	fi
	return 1
}

jvm() {
	[ -d "$OUT/java/src/gobind" ] || gen
	local javac_path jdk
	javac_path=$(readlink -f "$(command -v javac)")
	jdk=$(dirname "$(dirname "$javac_path")")
	[ -f "$jdk/include/jni.h" ] || jdk=/usr/lib/jvm/default-java
	rm -rf "$JVM"
	mkdir -p "$JVM/gobind" "$JVM/lib" "$JVM/classes"
	# The JNI glue is named *_android.*: Go builds it only for GOOS=android.
	# Copied under another name it builds for linux; liblog (Android's)
	# is replaced by the android/log.h shim of testdata/jni.
	local f base
	for f in "$OUT/java/src/gobind"/*; do
		base=$(basename "$f")
		case "$base" in
		*_android.go | *_android.c) base=${base/_android./_jvm.} ;;
		esac
		cp "$f" "$JVM/gobind/$base"
	done
	sed -i 's|^//#cgo LDFLAGS: -llog$||' "$JVM/gobind"/*.go
	CGO_ENABLED=1 CGO_CFLAGS="-D__GOBIND_ANDROID__ -Wno-incompatible-pointer-types -I$jdk/include -I$jdk/include/linux -I$ROOT/mobile-api/bind/testdata/jni" \
		go build -buildmode=c-shared -o "$JVM/lib/libgojni.so" ./build/mobile/_jvm/gobind
	javac -nowarn -encoding UTF-8 -d "$JVM/classes" \
		$(find "$OUT/java/java" "$ROOT/mobile-api/bind/testdata/java" -name '*.java')
	echo "mobile: JNI library build/mobile/_jvm/lib/libgojni.so, classes in build/mobile/_jvm/classes"
}

case "${1:-}" in
gen) gen ;;
jvm)
	need_jdk || { echo "mobile: no JDK; skipping the JVM build" >&2; exit 0; }
	jvm
	;;
test)
	gen
	if ! need_jdk; then
		echo "mobile: no JDK (javac) and not CI: skipping the JVM test" >&2
		exit 0
	fi
	jvm
	go test -count=1 -run 'TestJavaApp' "$PKG" -args -jvm="$JVM"
	;;
*)
	echo "usage: $0 gen|jvm|test" >&2
	exit 2
	;;
esac
