# Sourced by the chaos tests: fail and a visible skip (ctest's SKIP_REGULAR_EXPRESSION; under
# CI=true a failure, since CI runs as root with every tool scripts/deps installs), and the checks
# every scenario run needs.
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() {
  echo "SHOAL-SKIPPED: $*"
  [ "${CI:-}" = true ] && fail "not skipped under CI=true: $*"
  exit 0
}
[ "$(id -u)" -eq 0 ] || skip "scripts/chaos needs root (network namespaces, iptables)"
for tool in ip iptables python3; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/deps test installs it)"
done
