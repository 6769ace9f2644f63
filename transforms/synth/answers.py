"""Final answers compared as a grader would: the last \\boxed{...} or "#### 42", numbers as numbers."""

from __future__ import annotations

import re
from fractions import Fraction

_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?|-?\.\d+")
_FRAC = re.compile(r"\\[dt]?frac\{([^{}]+)\}\{([^{}]+)\}")
_TEXT = re.compile(r"\\(?:text|mathrm|textbf)\{([^{}]*)\}")


def final_answer(text: str) -> str:
    """The part of a solution that is its answer: the last \\boxed{} (braces balanced), else what follows
    the last "####" (GSM8K), else the whole text."""
    start = text.rfind("\\boxed")
    if start >= 0:
        i = text.find("{", start)
        depth, j = 0, i
        while 0 <= j < len(text):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            if depth == 0:
                return text[i + 1:j].strip()
            j += 1
    if "####" in text:
        return text.rpartition("####")[2].strip()
    return text.strip()


def as_number(text: str) -> Fraction | None:
    """The answer's last number (1,000 -> 1000; 3/4 and \\frac{3}{4} -> 3/4; 50% -> 50), or None."""
    answer = _TEXT.sub(r"\1", final_answer(text))
    answer = _FRAC.sub(r"\1/\2", answer).replace("$", "")
    found = _NUMBER.findall(answer)
    if not found:
        return None
    try:
        return Fraction(found[-1].replace(",", ""))
    except (ValueError, ZeroDivisionError):
        return None


def normalize_answer(text: str) -> str:
    """An answer for exact comparison and voting: its number if it has one, else its words, casefolded."""
    number = as_number(text)
    if number is not None:
        return str(number)
    answer = _TEXT.sub(r"\1", final_answer(text)).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", answer).split())


def answers_match(answer: str, reference: str, mode: str = "auto") -> bool:
    """numeric: equal as numbers; exact: equal once normalised; auto: numeric where the reference is one."""
    if mode == "numeric" or (mode == "auto" and as_number(reference) is not None):
        a, b = as_number(answer), as_number(reference)
        return a is not None and b is not None and a == b
    return normalize_answer(answer) == normalize_answer(reference)
