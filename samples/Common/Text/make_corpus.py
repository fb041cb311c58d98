#!/usr/bin/env python3
"""Rebuilds jargon-4.4.7.txt.gz from Debian's jargon-text package (see README.md)."""
import gzip
import re
import sys

source = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/doc/jargon-text/jargon.txt.gz"
lines = gzip.open(source, "rt", encoding="utf-8").read().split("\n")
glossary = next(i for i, line in enumerate(lines) if i > 2115 and line.startswith("   :"))
text = "\n".join(line[3:] if line.startswith("   ") else line for line in lines[glossary:])
for typographic, ascii_text in {"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u2014": "--",
                                "\u2013": "-", "\u00b7": "-", "\u2026": "...", "\u00a0": " "}.items():
    text = text.replace(typographic, ascii_text)
text = "".join(c for c in text if 32 <= ord(c) < 127 or c == "\n")
text = re.sub(r"\n{3,}", "\n\n", text)[:400000]
text = text[: text.rfind("\n\n:")] + "\n"
with gzip.GzipFile("jargon-4.4.7.txt.gz", "wb", compresslevel=9, mtime=0) as out:
    out.write(text.encode("ascii"))
