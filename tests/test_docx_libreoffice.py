"""The record's DOCX as LibreOffice opens it: converted to PDF headlessly (Debian's
libreoffice-writer-nogui, which `make test` installs), its text read back and its pages
rendered to test-artifacts/ for people to look at."""
from __future__ import annotations

import shutil
import subprocess
import uuid

import pypdfium2
from browser_kit import SHOTS
from conftest import card_payload, lead, moderator, participant

from facilitation import record as records

ARABIC = "نحتاج إلى مقاعد في الحديقة"


def test_libreoffice_opens_the_record_and_keeps_its_words_whole(app, commands, event, tmp_path):
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is missing: `make test` installs libreoffice-writer-nogui"
    cards = []
    for n, text in enumerate(["Mehr Sitzbänke am Marktplatz", ARABIC]):
        payload = card_payload(event, question_index=n, text=text, **({"lang": "ar"} if n else {}))
        commands.run("card:post", participant(event, pid=f"p{n}"), payload)
        cards.append(payload["id"])
    result = str(uuid.uuid4())
    commands.run("result:create", moderator(event), {"id": result, "kind": "project_idea", "title": "Sitzbänke",
                                                     "cards": cards})
    commands.run("result:follow", lead(event), {"id": result, "responsible": "Kommunalverwaltung",
                                                "due": "2027-03-31", "progress": "in_progress"})
    docx = tmp_path / "record.docx"
    with app.test_request_context("/"):
        docx.write_bytes(records.to_docx(records.build_record(commands.store, event["id"])))
    done = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--norestore",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0 and (tmp_path / "record.pdf").exists(), done.stdout + done.stderr
    pdf = pypdfium2.PdfDocument(str(tmp_path / "record.pdf"))
    text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    for heading in ("Ergebnisprotokoll", "Wer war da", "Wer macht was bis wann", "Projektideen", "Anhang: nach Tischen"):
        assert heading in text, heading
    # The plan's columns are wide enough: no title, name or date broken over two lines
    # (with equal columns LibreOffice printed "Kommunal / verwaltun / g").
    plan = text[text.index("Wer macht was bis wann"):text.index("Projektideen")]
    for word in ("Sitzbänke", "Projektidee", "Kommunalverwaltung", "31.03.2027"):
        assert word in plan, (word, plan)
    ranking = text[text.index("Anhang: alle Ergebnisse nach Punkten"):]
    for word in ("Sitzbänke", "Projektidee", "Bauen & Wohnen"):
        assert word in ranking, (word, ranking)
    assert ARABIC.split()[0] in text
    SHOTS.mkdir(exist_ok=True)
    for i in range(len(pdf)):
        pdf[i].render(scale=1.2).to_pil().save(SHOTS / f"record-docx-page{i + 1}.png")
