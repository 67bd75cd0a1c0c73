#!/usr/bin/env python3
"""Writes a large, deterministic mbox of synthetic sales-rep sent mail for the mail-reading benchmark.

Every message is multipart/alternative (text/plain 8bit + text/html quoted-printable); about 10% are wrapped in
multipart/mixed with a base64 PDF attachment, about 15% have RFC 2047 encoded subjects, some are replies carrying
quoted history, and each carries 0-2 document links (Google Docs, Dropbox, DocuSign, SharePoint, ...) and 0-2 other
links. The file is an LF mbox with proper From_ lines and mboxrd quoting of body lines starting with "From ".

    python3 benchmarks/generate_mbox.py [SIZE_MB] [--seed N] [--out PATH]

Standard library only; the same arguments always give the same bytes.
"""

import argparse
import base64
import datetime
import os
import quopri
import random
import re
import sys

FIRST_NAMES = [
    "Alice", "Bob", "Carla", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ingrid", "José", "Kwame", "Lena",
    "Marta", "Nils", "Olivia", "Priya", "Quentin", "Rosa", "Sven", "Tamar", "Ulrich", "Valérie", "Wei", "Yusuf",
    "Zoë", "Björn", "Chloé", "Åsa",
]
LAST_NAMES = [
    "Anderson", "Brown", "Chen", "Dubois", "Eriksson", "Fischer", "García", "Hughes", "Ivanova", "Jensen",
    "Kowalski", "López", "Müller", "Nakamura", "O'Brien", "Patel", "Rossi", "Schmidt", "Tanaka", "Van Dijk",
    "Weber", "Yilmaz", "Zhang", "Østergaard",
]
COMPANIES = [
    "acme-corp.com", "globex.io", "initech.com", "umbrella-health.org", "stark-industries.com", "wayne-ent.com",
    "hooli.xyz", "piedpiper.net", "vandelay.co", "soylent.com", "tyrell.ai", "cyberdyne.systems",
    "wonka-foods.de", "oscorp.fr", "gringotts.co.uk",
]
OUR_DOMAIN = "sharedetector-demo.com"
REPS = [
    ("Jordan Miles", "jordan.miles"), ("Sasha Novak", "sasha.novak"), ("Priya Raman", "priya.raman"),
    ("Luis Ortega", "luis.ortega"), ("Emma Lindqvist", "emma.lindqvist"),
]
PRODUCTS = ["Enterprise plan", "Analytics add-on", "Pro tier", "onboarding package", "API bundle", "support SLA"]
SUBJECTS = [
    "Proposal for {company}", "Follow-up: {product} pricing", "Next steps after our call",
    "Contract draft for review", "{product} — quick question", "Quote #{num} for {company}",
    "Recap of today's demo", "Renewal options for {year}", "Intro: {first} <> {first2}", "Security questionnaire",
    "Case study you asked for", "Updated order form", "Meeting notes {month}/{day}", "Pilot scope and timeline",
]
ENCODED_SUBJECTS = [
    "Angebot für {company} – {product}", "Réunion de suivi : prochaines étapes", "Propuesta económica {year}",
    "Предложение для {company}", "見積書の送付 ({num})", "Offerte voor {company} — €{num}", "Ευχαριστώ για τη συνάντηση",
    "Přehled nabídky {product}", "Teklif: {product} ✓",
]
SENTENCES = [
    "Thanks again for taking the time to meet with us this week.",
    "As discussed, I've put together the details below so your team can review them.",
    "Let me know if the timeline works on your side or if we should adjust the scope.",
    "Our implementation team usually needs about two weeks to get everything configured.",
    "Pricing is valid until the end of the quarter; after that the list price applies again.",
    "I've looped in my colleague who handles the technical integration questions.",
    "Could you share the security requirements so we can fill in the questionnaire?",
    "The pilot would cover up to fifty seats and include weekly check-ins with our CSM.",
    "Happy to jump on a quick call tomorrow afternoon if that is easier.",
    "We can also offer a multi-year discount if procurement prefers that structure.",
    "Attached you'll find the one-pager we talked about, plus a short customer story.",
    "From what you described, the analytics add-on would cover most of the reporting needs.",
    "On our side everything is ready; we just need the signed order form.",
    "Please forward this to anyone on your team who should be part of the evaluation.",
    "I noticed your renewal date is coming up, so I wanted to get ahead of it.",
    "Our legal team reviewed the redlines and accepted most of the changes.",
    "Für Rückfragen stehe ich Ihnen gerne zur Verfügung — viele Grüße aus München.",
    "Merci pour votre retour rapide, nous revenons vers vous très bientôt.",
    "The total comes to €12,500 per year, or $13,400 if billed in US dollars.",
    "Let's aim to have the contract signed before the 15th so onboarding can start in time.",
]
SIGN_OFFS = ["Best,", "Thanks,", "Kind regards,", "Cheers,", "Best regards,", "Talk soon,"]
LINK_WORDS = ["proposal", "pricing", "contract", "order-form", "case-study", "deck", "sow", "msa", "roadmap"]
OTHER_LINKS = [
    "https://www.{company}/about", "https://calendly.com/{rep}/30min", "https://www.linkedin.com/in/{rep}",
    "https://{our}/blog/{word}-best-practices", "https://zoom.us/j/{num}", "https://status.{our}/",
    "https://www.youtube.com/watch?v={token11}", "https://{our}/pricing?utm_source=email&utm_campaign={word}",
]
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def token(rng, n, alphabet=ALNUM):
    return "".join(rng.choice(alphabet) for _ in range(n))


def document_link(rng):
    word = rng.choice(LINK_WORDS)
    kind = rng.randrange(8)
    if kind == 0:
        return f"https://docs.google.com/document/d/{token(rng, 44)}/edit?usp=sharing"
    if kind == 1:
        return f"https://docs.google.com/spreadsheets/d/{token(rng, 44)}/edit#gid=0"
    if kind == 2:
        return (f"https://www.dropbox.com/scl/fi/{token(rng, 21).lower()}/{word}-v{rng.randrange(1, 9)}.pdf"
                f"?rlkey={token(rng, 25).lower()}&dl=0")
    if kind == 3:
        return f"https://app.docusign.com/documents/details/{token(rng, 8)}-{token(rng, 4)}-{token(rng, 4)}"
    if kind == 4:
        return (f"https://{rng.choice(['acme', 'globex', 'contoso'])}.sharepoint.com/:w:/s/Sales/"
                f"E{token(rng, 40)}?e={token(rng, 6)}")
    if kind == 5:
        return f"https://drive.google.com/file/d/{token(rng, 33)}/view?usp=sharing"
    if kind == 6:
        return f"https://www.box.com/s/{token(rng, 32).lower()}"
    return f"https://1drv.ms/b/s!{token(rng, 28)}"


def other_link(rng, rep_login, company):
    template = rng.choice(OTHER_LINKS)
    return template.format(
        company=company, rep=rep_login, our=OUR_DOMAIN, word=rng.choice(LINK_WORDS),
        num=rng.randrange(10**9, 10**10), token11=token(rng, 11))


def person(rng):
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return first, last


def ascii_local(text):
    table = str.maketrans("éèÉçÇüÜöÖäÄåÅøØñÑóÓáÁíÍ'ëË", "eeEcCuUoOaAaAoOnNoOaAiI-eE")
    return re.sub(r"[^a-z0-9.\-]", "", text.translate(table).lower())


def encode_word(text, rng):
    """RFC 2047 encoded-words, B or Q, split so no word exceeds 75 characters."""
    data = text.encode("utf-8")
    words = []
    use_b = rng.random() < 0.6
    chunk = 36 if use_b else 20
    i = 0
    while i < len(data):
        j = min(len(data), i + chunk)
        while j < len(data) and (data[j] & 0xC0) == 0x80:  # never split a UTF-8 sequence
            j -= 1
        piece = data[i:j]
        if use_b:
            words.append("=?UTF-8?B?" + base64.b64encode(piece).decode("ascii") + "?=")
        else:
            q = "".join(
                chr(b) if (48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122) else ("_" if b == 32 else f"={b:02X}")
                for b in piece)
            words.append("=?UTF-8?Q?" + q + "?=")
        i = j
    return "\r\n ".join(words).replace("\r\n", "\n")


def address_header(name, addr):
    if all(ord(c) < 128 for c in name):
        if re.search(r"[^A-Za-z0-9 !#$%&*+\-/=?^_`{|}~]", name):
            return f'"{name}" <{addr}>'
        return f"{name} <{addr}>"
    return f"=?UTF-8?B?{base64.b64encode(name.encode('utf-8')).decode('ascii')}?= <{addr}>"


def fake_pdf(rng, size):
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    body = rng.randbytes(size - len(head) - 6) if hasattr(rng, "randbytes") else bytes(
        rng.randrange(256) for _ in range(size - len(head) - 6))
    return head + body + b"%%EOF\n"


def b64_lines(data):
    text = base64.b64encode(data).decode("ascii")
    return "\n".join(text[i:i + 76] for i in range(0, len(text), 76))


def html_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def make_message(rng, index, when):
    rep_name, rep_login = rng.choice(REPS)
    company = rng.choice(COMPANIES)
    first, last = person(rng)
    to_addr = f"{ascii_local(first)}.{ascii_local(last)}@{company}"
    cc = []
    for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
        f2, l2 = person(rng)
        cc.append((f"{f2} {l2}", f"{ascii_local(f2)}.{ascii_local(l2)}@{rng.choice([company, OUR_DOMAIN])}"))
    fill = dict(company=company, product=rng.choice(PRODUCTS), num=rng.randrange(1000, 99999), year=when.year,
                first=first, first2=rng.choice(FIRST_NAMES), month=when.month, day=when.day)
    is_reply = rng.random() < 0.3
    if rng.random() < 0.15:
        subject_text = rng.choice(ENCODED_SUBJECTS).format(**fill)
        subject = encode_word(("Re: " if is_reply else "") + subject_text, rng)
    else:
        subject = ("Re: " if is_reply else "") + rng.choice(SUBJECTS).format(**fill)

    links = [document_link(rng) for _ in range(rng.choice([0, 1, 1, 2]))]
    links += [other_link(rng, rep_login, company) for _ in range(rng.choice([0, 1, 2]))]
    rng.shuffle(links)

    paragraphs = []
    for _ in range(rng.randrange(2, 6)):
        paragraphs.append(" ".join(rng.choice(SENTENCES) for _ in range(rng.randrange(2, 6))))
    link_paragraphs = []
    for link in links:
        link_paragraphs.append((rng.choice(["Here is the link:", "You can find it here:", "See", "Link:"]), link))

    text_lines = [f"Hi {first},", ""]
    for p in paragraphs:
        text_lines += wrap(p, 72) + [""]
    for intro, link in link_paragraphs:
        text_lines += [f"{intro} {link}", ""]
    text_lines += [rng.choice(SIGN_OFFS), rep_name, f"Account Executive | {OUR_DOMAIN}", "+1 (415) 555-0134"]
    quoted_text = []
    quoted_html = ""
    if is_reply:
        prev = when - datetime.timedelta(hours=rng.randrange(2, 96))
        quoted_text = ["", f"On {prev.strftime('%a, %b %d, %Y at %H:%M')}, {first} {last} <{to_addr}> wrote:"]
        q_par = " ".join(rng.choice(SENTENCES) for _ in range(rng.randrange(3, 9)))
        for line in wrap(q_par, 70):
            quoted_text.append("> " + line)
        if rng.random() < 0.5:
            quoted_text += [">", "> From our last call: " + rng.choice(SENTENCES)]
        quoted_text += ["> ", f"> {first}"]
        quoted_html = ("<blockquote style=\"margin:0 0 0 .8ex;border-left:1px #ccc solid;padding-left:1ex\">"
                       + html_escape(q_par) + "</blockquote>")
    # A body line starting with "From " (needs mboxrd quoting) in some messages.
    if rng.random() < 0.05:
        text_lines.insert(2, "From what we heard on the call, the pilot could start next month.")
        text_lines.insert(3, "")
    text = "\n".join(text_lines + quoted_text) + "\n"

    html_parts = [f"<html><head><meta charset=\"utf-8\"></head><body><div dir=\"ltr\"><p>Hi {html_escape(first)},</p>"]
    for p in paragraphs:
        html_parts.append(f"<p>{html_escape(p)}</p>")
    for intro, link in link_paragraphs:
        label = rng.choice(["proposal", "this document", "here", link])
        html_parts.append(f"<p>{html_escape(intro)} <a href=\"{html_escape(link)}\" target=\"_blank\">"
                          f"{html_escape(label)}</a></p>")
    html_parts.append(f"<p>{rng.choice(SIGN_OFFS)}<br>{html_escape(rep_name)}<br>"
                      f"<span style=\"color:#888888\">Account Executive | {OUR_DOMAIN}</span></p>")
    html_parts.append(quoted_html + "</div></body></html>")
    html = "\n".join(html_parts) + "\n"
    html_qp = quopri.encodestring(html.encode("utf-8")).decode("ascii")

    boundary_alt = f"000000000000{token(rng, 16, '0123456789abcdef')}"
    headers = [
        f"Return-Path: <{rep_login}@{OUR_DOMAIN}>",
        f"Message-ID: <{token(rng, 24)}.{index}@mail.{OUR_DOMAIN}>",
        f"Date: {when.strftime('%a, %d %b %Y %H:%M:%S')} {rng.choice(['-0700', '-0500', '+0000', '+0100', '+0200'])}",
        f"From: {address_header(rep_name, rep_login + '@' + OUR_DOMAIN)}",
        f"To: {address_header(first + ' ' + last, to_addr)}",
    ]
    if cc:
        headers.append("Cc: " + ",\n ".join(address_header(n, a) for n, a in cc))
    headers.append(f"Subject: {subject}")
    if is_reply:
        ref = f"<{token(rng, 20)}@mail.{company}>"
        headers += [f"In-Reply-To: {ref}", f"References: <{token(rng, 20)}@mail.{company}>\n {ref}"]
    headers += ["MIME-Version: 1.0", "X-Mailer: ShareDetector-Bench-Generator 1.0"]

    alternative = (
        f"--{boundary_alt}\nContent-Type: text/plain; charset=\"UTF-8\"\nContent-Transfer-Encoding: 8bit\n\n"
        f"{text}\n--{boundary_alt}\nContent-Type: text/html; charset=\"UTF-8\"\n"
        f"Content-Transfer-Encoding: quoted-printable\n\n{html_qp}\n--{boundary_alt}--\n")
    if rng.random() < 0.10:
        boundary_mixed = f"000000000000{token(rng, 16, '0123456789abcdef')}"
        name = f"{rng.choice(LINK_WORDS)}-{company.split('.')[0]}-{rng.randrange(1, 20)}.pdf"
        pdf = fake_pdf(rng, rng.randrange(3000, 25000))
        headers.append(f"Content-Type: multipart/mixed; boundary=\"{boundary_mixed}\"")
        body = (
            f"--{boundary_mixed}\nContent-Type: multipart/alternative; boundary=\"{boundary_alt}\"\n\n{alternative}\n"
            f"--{boundary_mixed}\nContent-Type: application/pdf; name=\"{name}\"\n"
            f"Content-Disposition: attachment; filename=\"{name}\"\nContent-Transfer-Encoding: base64\n\n"
            f"{b64_lines(pdf)}\n--{boundary_mixed}--\n")
    else:
        headers.append(f"Content-Type: multipart/alternative; boundary=\"{boundary_alt}\"")
        body = alternative
    message = "\n".join(headers) + "\n\n" + body
    return rep_login, message.encode("utf-8")


def wrap(paragraph, width):
    lines, current = [], ""
    for word in paragraph.split(" "):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines


FROM_QUOTE = re.compile(rb"^(>*From )", re.MULTILINE)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("size_mb", nargs="?", type=float, default=210.0, help="target size in MB (10^6 bytes)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", default=None, help="output file (default benchmarks/data/sales-sent-<SIZE>MB.mbox)")
    args = parser.parse_args()
    if args.size_mb < 200 and args.out is None:
        sys.exit("generate_mbox.py: the benchmark file must be at least 200 MB (use --out for a smaller test file)")
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                                   f"sales-sent-{int(args.size_mb)}MB.mbox")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    target = int(args.size_mb * 1_000_000)
    rng = random.Random(args.seed)
    when = datetime.datetime(2024, 1, 8, 9, 0, 0)
    written = 0
    count = 0
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        while written < target:
            when += datetime.timedelta(minutes=rng.randrange(3, 90))
            login, message = make_message(rng, count, when)
            # mboxrd: every body line matching ^>*From gains one '>'.
            header_end = message.index(b"\n\n")
            message = message[:header_end] + FROM_QUOTE.sub(rb">\1", message[header_end:])
            from_line = (f"From {login}@{OUR_DOMAIN} {WEEKDAYS[when.weekday()]} {MONTHS[when.month - 1]} "
                         f"{when.day:2d} {when.strftime('%H:%M:%S')} {when.year}\n").encode("ascii")
            chunk = from_line + message + b"\n"
            f.write(chunk)
            written += len(chunk)
            count += 1
    os.replace(tmp, out)
    print(f"{out}: {count} messages, {written} bytes")


if __name__ == "__main__":
    main()
