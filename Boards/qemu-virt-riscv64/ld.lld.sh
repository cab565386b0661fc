#!/bin/sh
# Linker front for qemu-virt-riscv64 debug builds: SwiftPM links `swift-frontend -modulewrap` objects
# (debugger metadata only) that are built without the board's -mabi=lp64d, and ld.lld refuses to mix
# float ABIs. Drop those objects (and @file lists entries naming them), then run the real ld.lld.
set -e
args=""
for a in "$@"; do
  case "$a" in
    *.swiftmodule.o|*/Modules/*.o) continue ;;
    @*) f="${a#@}"; g="$f.lp64d"; grep -v -e '\.swiftmodule\.o' -e '/Modules/[^/]*\.o' "$f" > "$g" || true; a="@$g" ;;
  esac
  args="$args '$(printf %s "$a" | sed "s/'/'\\\\''/g")'"
done
eval exec "\"$(dirname "$(command -v clang 2>/dev/null || echo /opt/swift/usr/bin/clang)")/ld.lld\"" $args
