#!/usr/bin/env python3
"""Writes the labelled mailing-list corpus (../shared/corpus/links/*/*.eml) as one mboxrd file, for the list-mail
parsing benchmark: CRLF becomes LF, `From ` lines in bodies are quoted, messages are in list and file-name order.

    python3 benchmarks/list_mbox.py ../shared/corpus/links /tmp/list-mail.mbox
"""
import os
import re
import sys


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: list_mbox.py CORPUS_LINKS_DIR OUT.mbox")
    root, path = sys.argv[1], sys.argv[2]
    count = 0
    with open(path, "wb") as out:
        for name in sorted(os.listdir(root)):
            folder = os.path.join(root, name)
            if not os.path.isdir(folder):
                continue
            for file in sorted(f for f in os.listdir(folder) if f.endswith(".eml")):
                with open(os.path.join(folder, file), "rb") as handle:
                    data = handle.read().replace(b"\r\n", b"\n")
                data = re.sub(rb"(?m)^(>*From )", rb">\1", data)
                out.write(b"From list@example.org Thu Jan  1 00:00:00 2026\n" + data)
                if not data.endswith(b"\n"):
                    out.write(b"\n")
                out.write(b"\n")
                count += 1
    print(f"{path}: {count} messages")


if __name__ == "__main__":
    main()
