"""Fill the zh-hans .po file from the translation sources.

Translations live in platform/zhengtong/locale/sources/*.json ({English msgid: 中文}), one
file per area, so people working on different areas never edit the same lines. Messages
written bilingually ("English (中文).") translate to their Chinese part when no entry exists.
Usage: i18n_fill.py PO_FILE SOURCES_DIR
"""
import glob
import json
import re
import sys

po_path, sources = sys.argv[1], sys.argv[2]
T = {}
for path in sorted(glob.glob(f"{sources}/*.json")):
    T.update(json.load(open(path, encoding="utf-8")))
text = open(po_path, encoding="utf-8").read()
blocks = text.split("\n\n")
out, missing = [], []


def unq(lines):
    return "".join(json.loads(line) if line.startswith('"') else "" for line in lines)


for b in blocks:
    lines = b.split("\n")
    try:
        i = next(k for k, line in enumerate(lines) if line.startswith("msgid "))
        j = next(k for k, line in enumerate(lines) if line.startswith("msgstr "))
    except StopIteration:
        out.append(b)
        continue
    if any(line.startswith("msgid_plural") for line in lines):
        out.append(b)
        continue
    msgid = unq([lines[i][6:]] + lines[i+1:j])
    msgstr = unq([lines[j][7:]] + lines[j+1:])
    if msgid == "":
        out.append(b)
        continue
    if msgid not in T and any(line.startswith("#,") and "fuzzy" in line for line in lines[:i]):
        msgstr = ""  # a fuzzy guess from a similar message is usually wrong: never ship it
    new = msgstr
    if msgid in T:
        new = T[msgid]
    elif not msgstr:
        m = re.search(r"\(([^()]*[\u4e00-\u9fff][^()]*)\)\.?$", msgid)
        if m:
            new = m.group(1)
            if "%(" in msgid and "%(" not in new:
                new = msgid  # keep placeholders: show bilingual text
        else:
            missing.append(msgid)
    # drop fuzzy flags for entries we now translate
    flags = [re.sub(r"(, )?\bfuzzy\b(, )?", lambda m: ", " if m.group(1) and m.group(2) else "", line)
             if line.startswith("#,") else line for line in lines[:i]]  # also "#, fuzzy, python-format"
    kept = [line for line in flags if line.strip() not in ("#", "#,", "#, fuzzy") and not line.startswith("#| ")]
    lines = kept + ["msgid " + json.dumps(msgid, ensure_ascii=False), "msgstr " + json.dumps(new, ensure_ascii=False)]
    out.append("\n".join(lines))
open(po_path, "w", encoding="utf-8").write("\n\n".join(out))
if missing:
    print(f"{len(missing)} message(s) without a translation (add them to a sources/*.json file):")
    for m in missing:
        print("  " + json.dumps(m, ensure_ascii=False))
