"""Firm ids and plausible Korean firm names."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rootmatch.domain.taxonomy import RootTechnology

__all__ = ["_firm_ids", "_names"]


T = RootTechnology


def _firm_ids(n: int) -> NDArray[np.str_]:
    """``F`` + zero-padded numbers (at least 6 digits), built as bytes (fast at any size)."""
    width = max(6, len(str(max(n - 1, 0))))
    digits = (np.arange(n, dtype=np.int64)[:, None] // 10 ** np.arange(width - 1, -1, -1)) % 10
    raw = np.empty((n, width + 1), np.uint8)
    raw[:, 0] = ord("F")
    raw[:, 1:] = digits + ord("0")
    return raw.view(f"S{width + 1}").ravel().astype(f"U{width + 1}")


_NAME_PREFIX = (
    "대성", "동양", "한일", "삼원", "부산", "신라", "태광", "세진", "영진", "금강", "대한",
    "동아", "성우", "화신", "우진", "대원", "서진", "일진", "삼보", "제일", "청우", "해동",
    "광명", "신흥", "동일", "경남", "남선", "태양", "보광", "대양", "한성", "삼화", "진영",
    "성진", "유성", "명성", "신성", "대림", "한국", "동원", "고려", "미래", "새한", "오성",
)
_NAME_WORD: dict[RootTechnology, tuple[str, str, str]] = {
    T.CASTING: ("주조", "주물", "캐스팅"),
    T.MOLD: ("금형", "몰드", "정밀금형"),
    T.FORMING: ("단조", "프레스", "포밍"),
    T.WELDING: ("용접", "웰딩", "특수용접"),
    T.SURFACE_TREATMENT: ("도금", "표면처리", "코팅"),
    T.HEAT_TREATMENT: ("열처리", "열처리", "써멀"),
    T.INJECTION_PRESS: ("사출", "플라스틱", "프레스"),
    T.PRECISION_MACHINING: ("정밀", "정공", "기공"),
    T.ADDITIVE_MANUFACTURING: ("3D프린팅", "쾌속조형", "적층"),
    T.FILM_PAPER: ("필름", "지류", "포장"),
    T.ROBOTICS: ("로보틱스", "로봇", "오토메이션"),
    T.SENSORS: ("센서", "센싱", "계측"),
    T.INDUSTRIAL_SOFTWARE: ("소프트", "정보기술", "솔루션"),
    T.ENGINEERING_DESIGN: ("엔지니어링", "설계", "디자인"),
}
_NAME_SUFFIX = ("", "", "산업", "공업", "테크", "이엔지", "(주)", "㈜", "기계", "산업(주)")


def _names(primary: NDArray[np.int64], rng: np.random.Generator) -> NDArray[np.str_]:
    """Plausible Korean firm names: prefix + technology word + suffix, or "㈜" + prefix + word
    (one table of every combination, fancy-indexed)."""
    pre = np.asarray(_NAME_PREFIX)
    words = np.asarray([_NAME_WORD[t] for t in RootTechnology])  # (14, 3)
    suf = np.asarray(_NAME_SUFFIX)
    base = np.char.add(pre[:, None, None], words[None, :, :])  # (P, 14, 3)
    table = np.char.add(base[..., None], suf[None, None, None, :])  # (P, 14, 3, S)
    lead = _NAME_SUFFIX.index("㈜")
    table[..., lead] = np.char.add("㈜", base)
    n = primary.size
    a = rng.integers(0, pre.size, n)
    b = rng.integers(0, words.shape[1], n)
    c = rng.integers(0, suf.size, n)
    return table[a, primary, b, c]
