"""The study's report and figures."""

from __future__ import annotations

import warnings

import pytest

import rootmatch as rm


def test_report_is_written(small_study, tmp_path) -> None:
    lang = "ko"
    pytest.importorskip("matplotlib")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph (tofu) warns: fail on it
        paths = small_study.write(tmp_path, lang=lang)
    pngs = sorted(tmp_path.glob("*.png"))
    assert len(pngs) >= 4
    assert all(p.stat().st_size > 10_000 and p.read_bytes()[:4] == b"\x89PNG" for p in pngs)
    page = (tmp_path / "index.html").read_text("utf-8")
    assert page.count("data:image/png;base64,") == len(pngs)
    assert "<img" in page
    assert 'src="fig' not in page  # self-contained
    md = (tmp_path / "report.md").read_text("utf-8")
    assert all(p.name in md for p in pngs)
    assert "지원센터" in md
    assert paths["html"] == tmp_path / "index.html"


def test_figures_fall_back_to_english_without_a_korean_font(small_study, tmp_path,
                                                             monkeypatch) -> None:
    pytest.importorskip("matplotlib")
    monkeypatch.setattr("rootmatch.analysis.study._figures.korean_font", lambda: None)
    with pytest.warns(UserWarning, match="Korean font"):
        small_study.write(tmp_path, lang="ko")
    assert len(list(tmp_path.glob("*.png"))) >= 4


def test_report_without_figures(small_study, tmp_path) -> None:
    paths = small_study.write(tmp_path, lang="en", figures=False)
    assert set(paths) == {"markdown", "html"}
    md = paths["markdown"].read_text("utf-8")
    assert "What the hub changes" in md
    assert "지원센터" not in md
    assert "![" not in md
    with pytest.raises(rm.ValidationError, match="lang"):
        small_study.write(tmp_path, lang="fr")
