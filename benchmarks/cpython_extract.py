#!/usr/bin/env python3
"""The slow baseline for the mail-reading benchmark: CPython's mailbox.mbox + email (policy=default).

Does the same extraction as `share-detector-bench parse`: subject, from/to/cc addresses, date, the decoded text/plain
and text/html parts, and attachment names. Prints one key=value line in the bench tool's format.

    python3 benchmarks/cpython_extract.py MBOX
"""

import email
import email.policy
import mailbox
import os
import resource
import sys
import time


def addresses(message, name):
    try:
        header = message[name]
    except Exception:  # malformed header
        return []
    if header is None:
        return []
    try:
        return [(a.display_name, a.addr_spec) for a in header.addresses]
    except Exception:
        return []


def extract(raw):
    message = email.message_from_bytes(raw, policy=email.policy.default)
    subject = str(message.get("subject", "") or "")
    message_id = str(message.get("message-id", "") or "").strip().strip("<>")
    people = addresses(message, "from") + addresses(message, "to") + addresses(message, "cc")
    try:
        date = message["date"].datetime if message["date"] is not None else None
    except Exception:
        date = None
    text_bytes = html_bytes = attachments = name_bytes = 0
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        if part.get_content_disposition() != "attachment" and content_type in ("text/plain", "text/html"):
            try:
                content = part.get_content()
            except Exception:
                content = part.get_payload(decode=True).decode("utf-8", "replace")
            size = len(content.encode("utf-8", "surrogateescape"))
            if content_type == "text/html":
                html_bytes += size
            else:
                text_bytes += size
        else:
            attachments += 1
            name_bytes += len(part.get_filename() or "")
    checksum = len(subject.encode("utf-8", "surrogateescape")) + len(message_id.encode("utf-8", "surrogateescape")) + text_bytes + html_bytes + attachments + name_bytes
    checksum += sum(len((n or "").encode("utf-8", "surrogateescape")) + len(a) for n, a in people)
    checksum += int(date.timestamp()) if date is not None else 0
    return checksum


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: cpython_extract.py MBOX")
    path = sys.argv[1]
    size = os.path.getsize(path)
    cpu_before = time.process_time()
    start = time.monotonic()
    box = mailbox.mbox(path, create=False)
    messages = failures = checksum = 0
    for key in box.iterkeys():
        messages += 1
        try:
            checksum += extract(box.get_bytes(key))
        except Exception:
            failures += 1
    seconds = time.monotonic() - start
    cpu = time.process_time() - cpu_before
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"mode=cpython messages={messages} failures={failures} bytes={size} seconds={seconds:.3f} "
          f"cpu_seconds={cpu:.3f} msg_per_s={messages / seconds:.0f} mb_per_s={size / 1e6 / seconds:.1f} "
          f"peak_rss_kb={rss_kb} checksum={checksum}")


if __name__ == "__main__":
    main()
