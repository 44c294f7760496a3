"""The PDF renderer on its own: every document's text extracts with its fields, batches have a
page per document and an index, long lists continue, files are private and never replaced,
and the font handling (embedded, 〓 for missing glyphs, the non-embedded fallback, bad paths)."""

from __future__ import annotations

import re
import stat
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.documents.model import (
    Addressee,
    AppropriationLine,
    AppropriationNotice,
    CertificateLine,
    DunningNotice,
    Issuer,
    PeriodRow,
    ReceiptDocument,
    ReceiptLine,
    RefundNotice,
    ReminderNotice,
    SeizureRecord,
    TaxCertificate,
)
from core.errors import ValidationError
from storage.documents import PdfDocumentWriter, load_fonts
from storage.documents import fonts as font_module
from tests.documents.helpers import index_rows, pages_text

ISSUER = Issuer("999991", "みなと市", "みなと市長", "納税課", "03-1234-5678")
#: Full-width digits and space, half-width katakana: both must print and extract as written.
WHO = Addressee("0000001234", "山田　太郎", "1000001", "みなと市本町１丁目2番3号　ｺｰﾎﾟみなと101号室")
ROWS = (PeriodRow(2025, "個人住民税", 1, "2025010000123", date(2025, 6, 30), 123_400, 5_600, 100),
        PeriodRow(2024, "固定資産税・都市計画税", 4, "2024030000999", date(2025, 2, 28), 1_234_500, 0, 100))

SAMPLES = {
    "dunning": (DunningNotice("TK20250715-0000001234", ISSUER, WHO, date(2025, 7, 15), date(2025, 7, 25), ROWS),
                ["督促状", "令和7年7月15日", "指定期限", "令和7年7月25日", "1,357,900", "1,358,100円", "第331条",
                 "審査請求"]),
    "reminder": (ReminderNotice("SK20251101-000012", ISSUER, WHO, date(2025, 11, 1), date(2025, 11, 11), ROWS, 12),
                 ["催告書", "令和7年11月1日", "指定期限", "令和7年11月11日", "1,363,700円", "5,600"]),
    "certificate": (TaxCertificate("2025-000012", ISSUER, WHO, date(2025, 11, 1), "nozei", "融資申込（みなと銀行）",
                                   (2024, 2025), (CertificateLine(2024, "個人住民税", 120_000, 120_000, 0),
                                                  CertificateLine(2025, "個人住民税", 100_000, 50_000, 50_000, 300))),
                    ["納税証明書", "納税証明", "融資申込（みなと銀行）", "令和6年度", "令和7年度", "120,000", "50,000",
                     "220,000", "第 2025-000012 号", "みなと市長"]),
    "refund": (RefundNotice("KF-000003", ISSUER, WHO, date(2025, 11, 1), "二重納付", 30_000, date(2025, 9, 1), 10_000,
                            20_000, 300, "依頼書の口座", date(2025, 11, 20), "金融機関 0001 支店 123 普通 ****567"),
               ["還付通知書", "二重納付", "30,000円", "20,300円", "令和7年11月20日", "****567", "審査請求"]),
    "appropriation": (AppropriationNotice("JT-000004", ISSUER, WHO, date(2025, 11, 1), "減額更正", 30_000,
                                          date(2025, 9, 1), (AppropriationLine(2024, "個人住民税", 4, "2024010000001",
                                                                               date(2025, 9, 1), 9_000, 900, 100, 0),),
                                          20_000),
                      ["充当通知書", "第17条の2", "2024010000001", "R7.9.1", "10,000", "20,000円"]),
    "receipt": (ReceiptDocument("R20251101-00000123", ISSUER, WHO, date(2025, 11, 1),
                                (ReceiptLine(2025, "個人住民税", 1, "2025010000123", 25_000, 1_200, 100),), 26_300,
                                "収納　一郎", "CTR-01", 30_000, 3_700),
                ["領収証書", "R20251101-00000123", "¥26,300-", "令和7年11月1日", "おつり 3,700円", "収納　一郎"]),
    "seizure": (SeizureRecord("SO-000005", ISSUER, WHO, date(2025, 11, 1), "差押", date(2025, 10, 20), "預金",
                              "みなと銀行 本店 普通預金 口座番号 1234567 に係る預金払戻請求権", 150_000, ROWS,
                              "滞納　健太", "統括　由美"),
                ["差押調書", "令和7年10月20日", "預金払戻請求権", "150,000円", "徴収職員", "滞納　健太",
                 "国税徴収法第54条"]),
}
COMMON = ["みなと市", "団体コード 999991", "山田　太郎"]


@pytest.fixture
def out(tmp_path: Path) -> PdfDocumentWriter:
    return PdfDocumentWriter(tmp_path / "documents")


class TestEachDocument:
    @pytest.mark.parametrize("kind", sorted(SAMPLES))
    def test_the_text_extracts_with_its_fields(self, out: PdfDocumentWriter, kind: str) -> None:
        document, expected = SAMPLES[kind]
        written = out.write(kind, "t", [document])
        (text,) = pages_text(out.folder / written.file_name)
        flat = text.replace("\n", "")  # a wrapped line may split a field
        missing = [field for field in COMMON + expected if field not in flat]
        assert missing == []
        assert written.pages == 1 and written.documents == 1
        if kind in ("dunning", "reminder", "refund", "appropriation"):  # the envelope window shows the address
            assert "〒100-0001" in text and "みなと市本町１丁目2番3号　ｺｰﾎﾟみなと101号室" in text

    def test_no_repr_shows_personal_data(self) -> None:
        for document, _ in SAMPLES.values():
            assert "山田" not in repr(document) and "みなと市本町" not in repr(document)


class TestBatches:
    def test_one_page_per_document_across_chunks_with_the_contractors_index(self, tmp_path: Path) -> None:
        seen = []

        def documents():  # type: ignore[no-untyped-def]
            for n in range(1, 26):
                who = replace(WHO, atena_no=f"{n:010d}", name=f"試験　{n}郎", postal_code=f"{1000000 + n}")
                yield replace(SAMPLES["dunning"][0], document_no=f"TK20250715-{n:010d}", addressee=who,
                              public_notice=n == 7)

        out = PdfDocumentWriter(tmp_path, chunk_pages=7, progress=lambda d, t: seen.append((d, t)))
        written = out.write("dunning", "2025-07-15", documents(), total=25, index=True)
        assert (written.documents, written.pages) == (25, 25)
        pdf = tmp_path / written.file_name
        assert len(PdfReader(pdf).pages) == 25
        texts = pages_text(pdf)
        assert all(f"試験　{n}郎" in texts[n - 1] for n in range(1, 26))
        rows = index_rows(tmp_path / str(written.index_file))
        assert rows[0] == ["ページ", "枚数", "宛名番号", "文書番号", "郵便番号", "送付区分"]
        assert rows[1] == ["1", "1", "0000000001", "TK20250715-0000000001", "100-0001", "郵送"]
        assert rows[7][5] == "公示送達" and [r[0] for r in rows[1:]] == [str(n) for n in range(1, 26)]
        assert seen[-1] == (25, 25) and len(seen) == 25
        raw = pdf.read_bytes()  # every chunk's font subsets are embedded, each under a tag of its own
        subsets = re.findall(rb"/FontName\s*/([A-Z]{6}\+[^\s/>]+)", raw)
        assert len(subsets) >= 4 * 2 and len(subsets) == len(set(subsets)) and b"/Helvetica" not in raw

    def test_a_long_list_continues_on_further_pages_and_the_index_counts_them(self, out: PdfDocumentWriter) -> None:
        many = tuple(PeriodRow(2020 + i % 6, "国民健康保険税", 1 + i % 10, f"N{i:012d}", date(2021, 7, 31), 10_000, 0,
                               0) for i in range(40))
        reminder = replace(SAMPLES["reminder"][0], rows=many)
        written = out.write("reminder", "t", [reminder, SAMPLES["reminder"][0]], index=True)
        texts = pages_text(out.folder / written.file_name)
        assert (written.documents, written.pages) == (2, 3)
        assert "400,000円" in texts[0] and "催告書（続き）" in texts[1] and "N000000000039" in texts[1]
        rows = index_rows(out.folder / str(written.index_file))
        assert [(r[0], r[1]) for r in rows[1:]] == [("1", "2"), ("3", "1")]


class TestFiles:
    def test_files_are_owner_only_and_never_replaced(self, out: PdfDocumentWriter) -> None:
        first = out.write("receipt", "same", [SAMPLES["receipt"][0]])
        second = out.write("receipt", "same", [SAMPLES["receipt"][0]])
        assert first.file_name != second.file_name
        for name in (first.file_name, second.file_name):
            assert stat.S_IMODE((out.folder / name).stat().st_mode) == 0o600
        assert sorted(p.name for p in out.folder.iterdir()) == sorted([first.file_name, second.file_name])
        out.discard(first)
        assert not (out.folder / first.file_name).exists()

    def test_a_failing_document_source_leaves_no_file(self, out: PdfDocumentWriter) -> None:
        def broken():  # type: ignore[no-untyped-def]
            yield SAMPLES["dunning"][0]
            raise RuntimeError("database went away")

        with pytest.raises(RuntimeError):
            out.write("dunning", "t", broken(), index=True)
        assert list(out.folder.iterdir()) == []


class TestFonts:
    def test_the_japanese_font_is_embedded_and_a_missing_glyph_prints_as_geta(self, out: PdfDocumentWriter) -> None:
        assert out.fonts.embedded
        document = replace(SAMPLES["receipt"][0], payer=replace(WHO, name="𠮷田　花子"))
        written = out.write("receipt", "t", [document])
        (text,) = pages_text(out.folder / written.file_name)
        assert "〓田　花子" in text
        fonts = [f for page in PdfReader(out.folder / written.file_name).pages
                 for f in page["/Resources"]["/Font"].values()]
        assert any("/DescendantFonts" in f.get_object() or "/FontDescriptor" in f.get_object() for f in fonts)

    def test_without_a_japanese_font_the_standard_cid_fonts_are_used(self, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(font_module, "MINCHO_FONTS", ())
        monkeypatch.setattr(font_module, "GOTHIC_FONTS", ())
        fonts = load_fonts(None)
        assert not fonts.embedded
        out = PdfDocumentWriter(tmp_path, fonts=fonts)
        written = out.write("dunning", "t", [SAMPLES["dunning"][0]])
        (text,) = pages_text(tmp_path / written.file_name)
        assert "督促状" in text and "令和7年7月25日" in text

    def test_a_bad_font_path_is_a_clear_error(self, tmp_path: Path) -> None:
        with pytest.raises(ValidationError, match="フォントファイルがありません"):
            load_fonts(tmp_path / "none.ttf")
        latin = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
        if latin.is_file():
            with pytest.raises(ValidationError, match="日本語の文字を含みません"):
                load_fonts(latin)
