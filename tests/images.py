"""Reading back the maps' band images in tests."""
import numpy as np


def pixels(spec_or_rows) -> tuple[np.ndarray, list]:
    """The map's band image decoded by Pillow (an independent PNG reader): RGBA per cell, rows following y upwards
    as the grid's, and the image row's other fields."""
    import base64
    import io

    from PIL import Image

    rows = spec_or_rows["datasets"]["heat_image"] if isinstance(spec_or_rows, dict) else spec_or_rows
    (row,) = rows
    head, data = row["url"].split(",", 1)
    assert head == "data:image/png;base64"
    image = Image.open(io.BytesIO(base64.b64decode(data)))
    assert image.mode == "P"  # a palette image: one byte per cell
    return np.asarray(image.convert("RGBA"))[::-1], row


def rgba(hex_colour: str, alpha: int = 255) -> tuple:
    return (*bytes.fromhex(hex_colour.lstrip("#")), alpha)
