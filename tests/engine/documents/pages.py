"""A PDF's pages as grey pixels (pdftoppm -gray, PGM), to check a layout by its ink
without an imaging library: page sizes, and whether a region of a page is printed on."""

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Page:
    width: int
    height: int
    pixels: bytes  # one byte a pixel, 0 black … 255 white, row by row

    @property
    def landscape(self) -> bool:
        return self.width > self.height

    def ink(self, left: float, top: float, right: float, bottom: float) -> float:
        """The share of dark pixels in a region given in fractions of the page."""
        x0, x1 = int(left * self.width), int(right * self.width)
        y0, y1 = int(top * self.height), int(bottom * self.height)
        dark = total = 0
        for y in range(y0, y1):
            row = self.pixels[y * self.width + x0 : y * self.width + x1]
            dark += sum(1 for p in row if p < 128)
            total += len(row)
        return dark / total if total else 0.0


def pages(pdf: bytes, dpi: int = 30, save_to: Path | None = None) -> list[Page]:
    """Render every page (at `dpi`); with `save_to`, also PNGs there to look at."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "doc.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", str(source), f"{folder}/p"], check=True
        )
        if save_to is not None:
            save_to.mkdir(parents=True, exist_ok=True)
            subprocess.run(["pdftoppm", "-r", "80", "-png", str(source), str(save_to / "page")],
                           check=True)  # fmt: skip
        return [_read_pgm(path.read_bytes()) for path in sorted(Path(folder).glob("p*.pgm"))]


def _read_pgm(data: bytes) -> Page:
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:  # magic, width, height, maxval
        while data[pos : pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    assert fields[0] == b"P5", fields[0]
    width, height = int(fields[1]), int(fields[2])
    start = pos + 1
    return Page(width, height, data[start : start + width * height])
