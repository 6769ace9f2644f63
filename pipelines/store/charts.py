"""The card's everyday charts drawn with Pillow: the stage funnel and the quality-score histogram. Every
build draws the funnel, and importing matplotlib costs seconds where drawing these takes milliseconds."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

KEPT, DROPPED, THRESHOLD, INK, GRID = "#4c72b0", "#dd8452", "#c44e52", "#222222", "#dddddd"
BAR, GAP, MARGIN = 22, 8, 12  # pixels: a stage's bar, the space between bars, the margins


def _font(size: int = 12) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _width(draw: ImageDraw.ImageDraw, text: str, font) -> int:
    left, _, right, _ = draw.textbbox((0, 0), text, font=font)
    return right - left


def _short(n: float) -> str:
    """1,234 as 1.2k, 3,400,000 as 3.4M: axis labels."""
    for bound, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= bound:
            return f"{n / bound:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{n:g}"


def _save(image: Image.Image, path: Path) -> Path:
    image.save(path, format="PNG", optimize=False)  # no text chunks: the same input draws the same bytes
    return path


def funnel_png(manifest: dict, path: Path) -> Path:
    """Documents and words kept and dropped at each stage, the drops stacked by reason."""
    stages = manifest["stages"]
    font, small, title = _font(12), _font(10), _font(14)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    label = max([_width(probe, s["name"], font) for s in stages] + [40]) + MARGIN
    panel = 420
    height = 2 * MARGIN + 48 + len(stages) * (BAR + GAP) + 24
    image = Image.new("RGB", (label + 2 * panel + 3 * MARGIN, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN, MARGIN), f"{manifest['dataset']} {manifest['version']}: stage funnel "
              "(kept in blue, dropped by reason in orange)", fill=INK, font=title)
    top = MARGIN + 40
    for k, (unit, kept_key, dropped_key) in enumerate((("documents", "out", "dropped"),
                                                       ("words", "words_out", "words_dropped"))):
        x0 = label + MARGIN + k * (panel + MARGIN)
        widest = max([s.get(kept_key, 0) + sum(s.get(dropped_key, {}).values()) for s in stages] + [1])
        scale = (panel - 2 * MARGIN) / widest
        heading = unit if unit == "documents" else "words (whitespace tokens)"
        draw.text((x0, top - 18), heading, fill=INK, font=font)
        for j, stage in enumerate(stages):
            y = top + j * (BAR + GAP)
            if k == 0:
                draw.text((MARGIN, y + 4), stage["name"], fill=INK, font=font)
            x = x0
            kept = stage.get(kept_key, 0) * scale
            if kept:
                draw.rectangle([x, y, x + kept, y + BAR], fill=KEPT)
            x += kept
            for reason, n in stage.get(dropped_key, {}).items():
                w = n * scale
                if w <= 0:
                    continue
                draw.rectangle([x, y, x + w, y + BAR], fill=DROPPED, outline="white")
                text = _width(draw, reason, small)
                if text + 4 < w:  # name the segments wide enough to hold a label
                    draw.text((x + (w - text) / 2, y + 6), reason, fill=INK, font=small)
                x += w
        axis = top + len(stages) * (BAR + GAP)
        draw.line([x0, axis, x0 + panel - 2 * MARGIN, axis], fill=INK)
        for tick in (0, widest / 2, widest):
            draw.text((x0 + tick * scale - 4, axis + 4), _short(tick), fill=INK, font=small)
    return _save(image, path)


def scores_png(scores: dict, path: Path) -> Path:
    """Histogram of quality scores with the keep threshold marked."""
    edges, counts = scores["edges"], scores["counts"]
    font, small = _font(12), _font(10)
    width, height, left, bottom = 640, 280, 56, 40
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((left, MARGIN - 4), "Quality scores (documents per score bin)", fill=INK, font=font)
    plot_w, plot_h, top = width - left - MARGIN, height - bottom - 32, 32
    low, high = (edges[0], edges[-1]) if edges else (0.0, 1.0)
    span, tallest = (high - low) or 1.0, max(counts + [1])

    def x_of(value: float) -> float:
        return left + (value - low) / span * plot_w

    for a, b, n in zip(edges, edges[1:], counts, strict=False):
        if n:
            y = top + plot_h - n / tallest * plot_h
            draw.rectangle([x_of(a), y, max(x_of(b) - 1, x_of(a)), top + plot_h], fill=KEPT)
    draw.line([left, top + plot_h, left + plot_w, top + plot_h], fill=INK)
    draw.line([left, top, left, top + plot_h], fill=INK)
    for value in (low, (low + high) / 2, high):
        draw.text((x_of(value) - 8, top + plot_h + 4), f"{value:.2g}", fill=INK, font=small)
    draw.text((4, top - 4), _short(tallest), fill=INK, font=small)
    draw.text((4, top + plot_h - 10), "0", fill=INK, font=small)
    threshold = scores.get("threshold")
    if threshold is not None and low <= threshold <= high:
        x = x_of(threshold)
        for y in range(top, top + plot_h, 8):  # dashed
            draw.line([x, y, x, min(y + 4, top + plot_h)], fill=THRESHOLD, width=2)
        draw.text((min(x + 4, width - 120), top), f"threshold {threshold:.4f}", fill=THRESHOLD, font=small)
    return _save(image, path)
