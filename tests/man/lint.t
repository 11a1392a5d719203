#!/bin/sh
# Every man page passes mandoc -Tlint at warning level, and every installed
# program has a page.
. "$SUITE_SRC/tests/lib/tap.sh"
cd "$SUITE_SRC" || exit 1
for m in man/*.[1-8]; do
    out=$(mandoc -Tlint -Wwarning "$m" 2>&1)
    is "$out" "" "mandoc -Tlint $m"
done
for p in "$SUITE_BUILD"/bin/*; do
    [ -e "$p" ] || continue
    name=$(basename "$p")
    found=no
    for m in man/"$name".[1-8]; do [ -f "$m" ] && found=yes; done
    is "$found" yes "man page for $name"
done
# the overview page lists every page (add an ".It Xr name section" line to
# man/mailsuite.7 for each new page)
missing=
for m in man/*.[1-8]; do
    b=$(basename "$m"); name=${b%.*}; sec=${b##*.}
    [ "$name" = mailsuite ] && continue
    grep -q "^\.It Xr $name $sec\$" man/mailsuite.7 || missing="$missing $b"
done
is "$missing" "" "mailsuite(7) lists every page"
done_testing
