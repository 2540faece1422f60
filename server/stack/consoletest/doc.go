// Package consoletest drives the web console (/console) in a real headless
// Chromium against the real stack on loopback, with real mobile-api
// outboxes syncing as the couriers. It holds only tests; run them with
// `go test ./server/stack/consoletest/` (Debian's chromium at
// /usr/bin/chromium; scripts/install-chromium.sh installs it). Without a
// browser the tests skip, except under CI=true where they fail. With
// CONSOLE_SCREENSHOTS=<dir> they also save a screenshot of every screen.
package consoletest
